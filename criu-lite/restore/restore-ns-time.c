/*
 * A time namespace of the root (timens-ID.img): its clock offsets are
 * written before any process enters it, then the root enters it itself
 * (unshare only gave it to its children), so that the whole tree shares it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "img.h"
#include "log.h"
#include "restore-ns.h"
#include "timens.h"
#include "timens.pb-c.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int rst_time_read(const struct img_dir *d, const struct opts *o, unsigned long id, void **st)
{
	struct img *img;
	ProtobufCMessage *m = NULL;
	int ret = img_open(d, IMG_TIMENS, id, false, &img);

	if (ret)
		return ret; /* -ENOENT: the tool's namespace */
	ret = img_read_msg(img, &timens_entry__descriptor, &m);
	img_close(img);
	if (ret == 0) {
		pr_err("image 'timens-%lu.img' in '%s': no entry", id, d->path);
		return -EIO;
	}
	if (ret < 0)
		return ret;
	*st = m;
	return 0;
}

static int rst_time_apply(const void *st, const char **what)
{
	const TimensEntry *e = st;
	struct timens_offsets o = {
		.mono_sec = (int64_t)e->monotonic->tv_sec,
		.mono_nsec = (int64_t)e->monotonic->tv_nsec,
		.boot_sec = (int64_t)e->boottime->tv_sec,
		.boot_nsec = (int64_t)e->boottime->tv_nsec,
	};
	int ret = timens_write_offsets(&o), fd;

	if (ret) {
		*what = "writing timens_offsets";
		return ret;
	}
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*what = "opening /proc/self/ns/time_for_children";
		return -errno;
	}
	ret = setns(fd, CLONE_NEWTIME) ? -errno : 0;
	close(fd);
	if (ret)
		*what = "entering the new time namespace (setns)";
	return ret;
}

static void rst_time_free(void *st)
{
	img_free_msg(st);
}

const struct rst_ns_ops rst_ns_time = {rst_time_read, rst_time_apply, rst_time_free, false,
				       NULL,	      NULL,	      NULL};
