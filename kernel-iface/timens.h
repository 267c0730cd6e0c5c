/*
 * Time namespace clock offsets through /proc/PID/timens_offsets (Linux 5.6,
 * Documentation/admin-guide/... time_namespaces(7)): one line per clock,
 * "<clock> <seconds> <nanoseconds>", clock by name ("monotonic",
 * "boottime") or by id. Writable only before a process enters the namespace.
 * No policy, no logging.
 */
#ifndef CRL_TIMENS_H
#define CRL_TIMENS_H

#include <stdint.h>
#include <sys/types.h>

struct timens_offsets {
	int64_t mono_sec, mono_nsec;
	int64_t boot_sec, boot_nsec;
};

/* Parses the text of timens_offsets. 0 or -EINVAL. */
int timens_parse_offsets(const char *buf, struct timens_offsets *out);
/* Reads @pid's (0: the caller's) offsets. 0 or -errno. */
int timens_read_offsets(pid_t pid, struct timens_offsets *out);
/*
 * Writes the offsets of the caller's time_for_children namespace (just
 * unshared, entered by nobody yet). Safe after fork. 0 or -errno.
 */
int timens_write_offsets(const struct timens_offsets *o);

#endif
