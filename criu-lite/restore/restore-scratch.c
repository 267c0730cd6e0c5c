/*
 * Restore: bounds-checked access to the scratch memory of a new process
 * (the layout is in restore-scratch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>

#include "log.h"
#include "restore.h"
#include "restore-scratch.h"

#define RST_SLOT_LEN(m) sizeof(((struct rst_scratch_layout *)0)->m)
/* A braced initializer in a macro, which clang-format would split oddly. */
/* clang-format off */
#define RST_SLOT(m) {#m, offsetof(struct rst_scratch_layout, m), RST_SLOT_LEN(m)}
/* clang-format on */

static const struct {
	const char *name;
	size_t off, len;
} rst_slots[RST_SCR_NR] = {
	[RST_SCR_ARG] = RST_SLOT(arg),	     [RST_SCR_MM_MAP] = RST_SLOT(mm_map),
	[RST_SCR_CLONE] = RST_SLOT(clone),   [RST_SCR_THREAD] = RST_SLOT(thread),
	[RST_SCR_CAPS] = RST_SLOT(caps),     [RST_SCR_SIGINFO] = RST_SLOT(siginfo),
	[RST_SCR_GROUPS] = RST_SLOT(groups), [RST_SCR_SECCOMP] = RST_SLOT(seccomp),
};

struct rst_scratch rst_scratch_of(const struct inject *in)
{
	return (struct rst_scratch){in->scratch, in->scratch_len};
}

const char *rst_scratch_name(enum rst_scratch_slot s)
{
	return (unsigned int)s < RST_SCR_NR ? rst_slots[s].name : "?";
}

size_t rst_scratch_size(enum rst_scratch_slot s)
{
	return (unsigned int)s < RST_SCR_NR ? rst_slots[s].len : 0;
}

int rst_scratch_at(const struct rst_scratch *sc, enum rst_scratch_slot s, size_t off, size_t len,
		   unsigned long *addr)
{
	if ((unsigned int)s >= RST_SCR_NR) {
		pr_err("restore scratch: no slot %d", (int)s);
		return -EINVAL;
	}
	if (!sc->addr || sc->len < sizeof(struct rst_scratch_layout)) {
		pr_err("restore scratch: slot '%s' used with no area mapped (0x%lx, %zu bytes)",
		       rst_slots[s].name, sc->addr, sc->len);
		return -EINVAL;
	}
	if (off > rst_slots[s].len || len > rst_slots[s].len - off) {
		pr_err("restore scratch: %zu bytes at +%zu do not fit slot '%s' (%zu bytes)", len,
		       off, rst_slots[s].name, rst_slots[s].len);
		return -E2BIG;
	}
	*addr = sc->addr + rst_slots[s].off + off;
	return 0;
}

int rst_scratch_put(struct inject *in, const struct rst_scratch *sc, enum rst_scratch_slot s,
		    size_t off, const void *buf, size_t len, unsigned long *addr)
{
	unsigned long at;
	int ret = rst_scratch_at(sc, s, off, len, &at);

	if (!ret)
		ret = inject_write(in, at, buf, len);
	if (!ret && addr)
		*addr = at;
	return ret;
}

int rst_scratch_get(struct inject *in, const struct rst_scratch *sc, enum rst_scratch_slot s,
		    size_t off, void *buf, size_t len)
{
	unsigned long at;
	int ret = rst_scratch_at(sc, s, off, len, &at);

	return ret ? ret : inject_read(in, at, buf, len);
}

int rst_open_in_task(struct inject *in, const char *path, int flags)
{
	const struct rst_scratch sc = rst_scratch_of(in);
	size_t l = strlen(path) + 1;
	unsigned long at;
	long r;

	if (l > PATH_MAX)
		return -ENAMETOOLONG;
	r = rst_scratch_put(in, &sc, RST_SCR_ARG, 0, path, l, &at);
	if (r)
		return (int)r;
	r = inject_call(in, SYS_openat, (unsigned long)AT_FDCWD, at,
			(unsigned long)(flags | O_CLOEXEC), 0, 0, 0);
	return (int)r;
}
