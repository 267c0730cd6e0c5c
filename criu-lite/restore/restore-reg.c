/*
 * Restore: files opened by path (REG entries): regular files, directories,
 * plain character devices, opened with the rights of the task they are
 * opened for, at their recorded offset; a file whose size changed since the
 * dump is refused (rst_reg_size_check: a grown O_APPEND file is not). An
 * unlinked-but-open file is recreated from its ghost image
 * (ghost-file-ID.img) under its old name, opened and unlinked again; for a
 * mapping it is held open by the tool (rst_file_map_path).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "restore-fd.h"

#include "ghost-file.pb-c.h"

/* An unlinked file's saved content (ghost-file-ID.img), read with the tool's rights. */
struct rst_ghost {
	GhostFileEntry *g; /* NULL: the file is not a ghost */
	char *data;
};

static int rst_ghost_load(struct rst_ctx *c, const FileEntry *fe, struct rst_ghost *gh)
{
	struct img *img;
	int ret = img_open(&c->dir, IMG_GHOST_FILE, fe->id, false, &img);

	if (ret)
		return ret;
	ret = img_read_msg(img, &ghost_file_entry__descriptor, (ProtobufCMessage **)&gh->g);
	if (ret == 1) {
		gh->data = malloc(gh->g->size ? gh->g->size : 1);
		ret = gh->data ? img_read_raw(img, gh->data, gh->g->size) : -ENOMEM;
	} else if (ret == 0) {
		pr_err("image '%s': no entry", img->path);
		ret = -EINVAL;
	}
	img_close(img);
	return ret;
}

static void rst_ghost_free(struct rst_ghost *gh)
{
	if (gh->g)
		img_free_msg(&gh->g->base);
	free(gh->data);
}

/* Writes the saved content of an unlinked file to @path (created, must not exist). */
static int rst_ghost_create(const struct rst_ghost *gh, const char *path)
{
	const GhostFileEntry *g = gh->g;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, g->mode & 07777);
	struct stat st;
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, gh->data, g->size) != (ssize_t)g->size)
		ret = -EIO;
	/* Created with the task's rights: chown only when that made another owner. */
	if (!ret && fstat(fd, &st))
		ret = -errno;
	if (!ret && (st.st_uid != g->uid || st.st_gid != g->gid) && fchown(fd, g->uid, g->gid))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * An unlinked-but-open file: recreated under its old name (or a free name
 * next to it), opened like any file, unlinked again.
 */
static int rst_open_ghost(const FileEntry *fe, const struct rst_ghost *gh, int flags, int *fdp)
{
	const char *name = fe->reg->name;
	char path[4200];
	int ret, fd = -1;

	snprintf(path, sizeof(path), "%s", name);
	for (int i = 0; access(path, F_OK) == 0 && i < 100; i++)
		snprintf(path, sizeof(path), "%s.crl-ghost.%d", name, i);
	ret = rst_ghost_create(gh, path);
	if (!ret) {
		fd = open(path, flags | O_CLOEXEC);
		ret = fd < 0 ? -errno : 0;
		unlink(path);
	}
	if (ret) {
		pr_err("unlinked file '%s' (id %u): cannot recreate it: %s", name, fe->id,
		       strerror(-ret));
		return ret;
	}
	*fdp = fd;
	return 0;
}

/*
 * A regular file must have its dumped size. One only appended to (O_APPEND)
 * may have grown: a log written on while the tree was down; a description
 * that stood at the old end then stands at the new one (*@pos). Any other
 * change is refused unless --skip-file-size-check.
 */
static int rst_reg_size_check(const FileEntry *fe, int fd, bool skip, uint64_t *pos)
{
	const RegFileEntry *r = fe->reg;
	unsigned long long was = r->size, now;
	struct stat st;

	if (!r->has_size || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size == r->size)
		return 0;
	now = (unsigned long long)st.st_size;
	if (now > was && (r->flags & O_APPEND)) {
		pr_warn("file '%s' (id %u) grew since the dump from %llu to %llu bytes; "
			"opened for appending only: restored%s",
			r->name, fe->id, was, now, *pos == r->size ? " at its new end" : "");
		if (*pos == r->size)
			*pos = now;
		return 0;
	}
	if (skip) {
		pr_warn("file '%s' (id %u) changed size since the dump: %llu bytes, was %llu "
			"(--skip-file-size-check)",
			r->name, fe->id, now, was);
		return 0;
	}
	pr_err("file '%s' (id %u) changed size since the dump: %llu bytes, was %llu "
	       "(--skip-file-size-check restores it anyway)",
	       r->name, fe->id, now, was);
	return -ESTALE;
}

static int rst_open_reg(const FileEntry *fe, const struct rst_ghost *gh, bool skip_size, int *fdp)
{
	const RegFileEntry *r = fe->reg;
	int flags = (int)r->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_NOCTTY);
	uint64_t pos = r->pos;
	int fd, ret;

	if (gh->g) {
		ret = rst_open_ghost(fe, gh, flags, &fd);
		if (ret)
			return ret;
		goto seek;
	}
	fd = open(r->name, flags | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			pr_err("file '%s' (id %u) vanished since the dump", r->name, fe->id);
		else
			pr_err("file '%s' (id %u): cannot open: %s", r->name, fe->id,
			       strerror(-ret));
		return ret;
	}
	ret = rst_reg_size_check(fe, fd, skip_size, &pos);
	if (ret) {
		close(fd);
		return ret;
	}
seek:
	if (flags & O_PATH) /* no offset: lseek gives EBADF */
		goto out;
	if (lseek(fd, (off_t)pos, SEEK_SET) < 0 && errno != ESPIPE) {
		ret = -errno;
		pr_err("file '%s' (id %u): seek to %llu: %s", r->name, fe->id,
		       (unsigned long long)pos, strerror(-ret));
		close(fd);
		return ret;
	}
out:
	*fdp = fd;
	return 0;
}

/*
 * A file opened by path, with the rights of the task it is opened for
 * (restore-rights.c); its ghost image, if any, is read with the tool's.
 */
struct rst_path_open {
	const FileEntry *fe;
	struct rst_ghost gh;
	bool skip_size; /* --skip-file-size-check */
	int *fd;
};

static int rst_path_open(void *arg)
{
	struct rst_path_open *p = arg;

	return rst_open_reg(p->fe, &p->gh, p->skip_size, p->fd);
}

static int rst_open_as(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fd)
{
	struct rst_path_open p = {fe, {NULL, NULL}, c->o->skip_file_size_check, fd};
	struct rst_rights r;
	char ghost[64];
	int ret = 0;

	if (rst_procfile_of_tree(c, fe->reg->name))
		return rst_procfile_placeholder(fe, fd);
	snprintf(ghost, sizeof(ghost), "ghost-file-%x.img", fe->id);
	if (faccessat(c->dir.fd, ghost, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		ret = rst_ghost_load(c, fe, &p.gh);
	rst_rights_of(c, t, &r);
	if (!ret)
		ret = rst_rights_run(&r, rst_path_open, &p);
	rst_ghost_free(&p.gh);
	return ret;
}

const char *rst_file_map_path(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			      char *buf, size_t len)
{
	char ghost[64];
	int i;

	snprintf(ghost, sizeof(ghost), "ghost-file-%x.img", fe->id);
	if (faccessat(c->dir.fd, ghost, F_OK, 0))
		return fe->reg->name;
	i = rst_file_index(c, fe->id);
	if (i < 0 || !c->files)
		return NULL;
	if (c->files[i].fd < 0 && rst_open_as(c, t, fe, &c->files[i].fd))
		return NULL;
	snprintf(buf, len, "/proc/%d/fd/%d", (int)getpid(), c->files[i].fd);
	return buf;
}

static bool rst_reg_check(const FileEntry *fe)
{
	return fe->reg;
}

RST_FD_FOWN(rst_reg_fown, reg)

const struct fd_rst_ops rst_fd_reg = {
	.name = "reg",
	.type = FD_TYPES__REG,
	.check = rst_reg_check,
	.open = rst_open_as,
	.fown = rst_reg_fown,
};
