/*
 * Unlinked files that still have other links (dump-files.h,
 * dump_link_remaps). Their other names cannot be found from the fd, so the
 * dump gives the inode one more, "link_remap.ID" in the directory of the
 * name it lost (same file system: a hard link works), writes a REG entry
 * for it and a LINKED remap_file_path_entry from the fd's REG entry to it.
 * One name per inode; one left by an earlier dump of the same inode is
 * used again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "dump-files.h"
#include "log.h"
#include "remap-file-path.pb-c.h"

/* Links the file behind @link to a free name link_remap.ID[.N] in @dir into @out. */
static int remap_make(const char *link, const struct stat *st, const char *dir, uint32_t id,
		      char *out, size_t len, bool *made)
{
	struct stat o;

	for (int i = 0; i < 100; i++) {
		if (i)
			snprintf(out, len, "%s/link_remap.%u.%d", dir, id, i);
		else
			snprintf(out, len, "%s/link_remap.%u", dir, id);
		if (!linkat(AT_FDCWD, link, AT_FDCWD, out, AT_SYMLINK_FOLLOW)) {
			*made = true;
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
		/* An earlier dump's name for this very inode (a snapshot chain). */
		if (!lstat(out, &o) && o.st_dev == st->st_dev && o.st_ino == st->st_ino) {
			*made = false;
			return 0;
		}
	}
	return -EEXIST;
}

/*
 * A REG entry of its own for the new name: never one shared with another
 * path-only object of the inode (a mapping through a kept link), whose
 * name the restore would then remove.
 */
static int remap_entry(struct dump_ctx *ctx, const char *path, const struct stat *st, uint32_t *id)
{
	return dump_reg_entry(ctx, path, O_RDONLY, st, id);
}

static int remap_new(struct dump_ctx *ctx, struct dump_link_remaps *l, const struct fd_desc *d,
		     uint32_t id, struct dump_link_remap **out)
{
	char link[64], dir[4096], path[4200], *slash;
	struct dump_link_remap *r;
	bool made = false;
	int ret;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", d->pid, d->fd);
	snprintf(dir, sizeof(dir), "%s", d->path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	ret = remap_make(link, &d->st, dir, id, path, sizeof(path), &made);
	if (ret) {
		pr_err("unsupported fd %d of %d: unlinked file '%s' with other links: "
		       "cannot link it to a name in '%s' for the restore: %s",
		       d->fd, d->pid, d->path, dir, strerror(-ret));
		return ret == -EEXIST ? -EOPNOTSUPP : ret;
	}
	if (ARRAY_GROW(l->v, l->n))
		return -ENOMEM;
	r = &l->v[l->n];
	*r = (struct dump_link_remap){d->st.st_dev, d->st.st_ino, 0, made, strdup(path)};
	if (!r->path) {
		if (made)
			unlink(path);
		return -ENOMEM;
	}
	l->n++;
	ret = remap_entry(ctx, r->path, &d->st, &r->id);
	*out = r;
	return ret;
}

int dump_link_remap(struct dump_ctx *ctx, struct dump_link_remaps *l, const struct fd_desc *d,
		    uint32_t id)
{
	RemapFilePathEntry e = REMAP_FILE_PATH_ENTRY__INIT;
	struct dump_link_remap *r = NULL;
	int ret = 0;

	for (size_t i = 0; i < l->n && !r; i++)
		if (l->v[i].dev == d->st.st_dev && l->v[i].ino == d->st.st_ino)
			r = &l->v[i];
	if (!r)
		ret = remap_new(ctx, l, d, id, &r);
	if (!ret && !l->img)
		ret = img_open(l->dir, IMG_REMAP_FPATH, 0, true, &l->img);
	if (ret)
		return ret;
	e.orig_id = id;
	e.remap_id = r->id;
	e.has_remap_type = true;
	e.remap_type = REMAP_TYPE__LINKED;
	ret = img_write_msg(l->img, &e.base);
	if (ret)
		pr_err("dump: remap-fpath.img: %s", strerror(-ret));
	return ret;
}

int dump_link_remaps_close(struct dump_link_remaps *l)
{
	int ret = img_close(l->img);

	l->img = NULL;
	return ret;
}

void dump_link_remaps_fini(struct dump_link_remaps *l)
{
	/* A failed dump removes its inventory first: its new names go too. */
	bool failed = l->n && faccessat(l->dir->fd, img_kind_desc(IMG_INVENTORY)->name, F_OK,
					AT_SYMLINK_NOFOLLOW);

	img_close(l->img);
	l->img = NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (failed && l->v[i].made && unlink(l->v[i].path))
			pr_warn("dump failed: cannot remove '%s' it made: %s", l->v[i].path,
				strerror(errno));
		free(l->v[i].path);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
