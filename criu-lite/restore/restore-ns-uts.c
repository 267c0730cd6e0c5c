/* A uts namespace of the root: its host and domain names (utsns-ID.img). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "img.h"
#include "log.h"
#include "restore-ns.h"
#include "utsns.pb-c.h"

static int rst_uts_read(const struct img_dir *d, const struct opts *o, unsigned long id, void **st)
{
	struct img *img;
	ProtobufCMessage *m = NULL;
	int ret = img_open(d, IMG_UTSNS, id, false, &img);

	(void)o;
	if (ret)
		return ret; /* -ENOENT: the tool's namespace */
	ret = img_read_msg(img, &utsns_entry__descriptor, &m);
	img_close(img);
	if (ret == 0) {
		pr_err("image 'utsns-%lu.img' in '%s': no entry", id, d->path);
		return -EIO;
	}
	if (ret < 0)
		return ret;
	*st = m;
	return 0;
}

static int rst_uts_apply(const void *st, const char **what)
{
	const UtsnsEntry *e = st;

	if (sethostname(e->nodename, strlen(e->nodename))) {
		*what = "sethostname";
		return -errno;
	}
	if (setdomainname(e->domainname, strlen(e->domainname))) {
		*what = "setdomainname";
		return -errno;
	}
	return 0;
}

static void rst_uts_free(void *st)
{
	img_free_msg(st);
}

const struct rst_ns_ops rst_ns_uts = {rst_uts_read, rst_uts_apply, rst_uts_free, false,
				      NULL,	    NULL,	   NULL};
