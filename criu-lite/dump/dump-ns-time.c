/*
 * A time namespace the root owns: its CLOCK_MONOTONIC and CLOCK_BOOTTIME
 * offsets (/proc/PID/timens_offsets) into timens-ID.img (CRIU's image; the
 * signed offsets stored as their two's complement, as CRIU does).
 */
#include <errno.h>
#include <string.h>

#include "dump-ns.h"
#include "dump.h"
#include "log.h"
#include "timens.h"
#include "timens.pb-c.h"

static int dump_time(struct dump_ctx *ctx, pid_t pid, uint32_t id)
{
	TimensEntry e = TIMENS_ENTRY__INIT;
	Timespec mono = TIMESPEC__INIT, boot = TIMESPEC__INIT;
	struct timens_offsets o;
	int ret = timens_read_offsets(pid, &o);

	if (ret) {
		pr_err("dump: reading '/proc/%d/timens_offsets': %s", pid, strerror(-ret));
		return ret;
	}
	mono.tv_sec = (uint64_t)o.mono_sec;
	mono.tv_nsec = (uint64_t)o.mono_nsec;
	boot.tv_sec = (uint64_t)o.boot_sec;
	boot.tv_nsec = (uint64_t)o.boot_nsec;
	e.monotonic = &mono;
	e.boottime = &boot;
	return img_write_one(&ctx->dir, IMG_TIMENS, id, &e.base);
}

const struct dump_ns_ops dump_ns_time = {dump_time};
