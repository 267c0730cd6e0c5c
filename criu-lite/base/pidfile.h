/* --pidfile: the one writer, for restore (the restored root) and page-server (itself). */
#ifndef CRL_PIDFILE_H
#define CRL_PIDFILE_H

#include <sys/types.h>

/*
 * Writes "@pid\n" to @path, created with mode 0600 as CRIU creates its
 * pidfile (a pid is nobody else's business; the umask may narrow it
 * further). Unlike CRIU, which refuses an existing file (O_EXCL), an
 * existing file is truncated and rewritten: scripts hand us a path made
 * with mktemp. 0 or -errno. Logs.
 */
int pidfile_write(const char *path, pid_t pid);

#endif
