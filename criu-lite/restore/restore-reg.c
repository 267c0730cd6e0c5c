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

#include "array.h"
#include "log.h"
#include "restore-fd.h"

#include "remap-file-path.pb-c.h"

/*
 * The LINKED remaps of remap-fpath.img (dump-remap.c): a REG entry whose
 * file had lost its name but kept other links, and the REG entry of the
 * name the dump gave it. Read once, with the tool's rights.
 */
struct rst_reg_state {
	bool loaded;
	RemapFilePathEntry **v;
	size_t n;
};

static void *rst_reg_init(void)
{
	return calloc(1, sizeof(struct rst_reg_state));
}

static void rst_reg_fini(void *st)
{
	struct rst_reg_state *s = st;

	for (size_t i = 0; i < s->n; i++)
		img_free_msg(&s->v[i]->base);
	free(s->v);
	free(s);
}

static int rst_remaps_load(struct rst_ctx *c, struct rst_reg_state *s)
{
	ProtobufCMessage *m;
	struct img *img;
	int ret;

	if (s->loaded)
		return 0;
	s->loaded = true;
	ret = img_open(&c->dir, IMG_REMAP_FPATH, 0, false, &img);
	if (ret == -ENOENT)
		return 0;
	while (ret == 0 && (ret = img_read_msg(img, &remap_file_path_entry__descriptor, &m)) == 1) {
		ret = ARRAY_GROW(s->v, s->n) ? -ENOMEM : 0;
		if (ret)
			img_free_msg(m);
		else
			s->v[s->n++] = (RemapFilePathEntry *)m;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

/* The name the dump linked file @id to, or NULL (*@err: a broken image). */
static const char *rst_remap_path(struct rst_ctx *c, uint32_t id, int *err)
{
	struct rst_reg_state *s = rst_fd_state(c, &rst_fd_reg);
	const FileEntry *to;

	*err = s ? rst_remaps_load(c, s) : -ENOMEM;
	for (size_t i = 0; !*err && i < s->n; i++) {
		const RemapFilePathEntry *e = s->v[i];

		if (e->orig_id != id || e->remap_type != REMAP_TYPE__LINKED)
			continue;
		to = rst_file_entry(c, e->remap_id);
		if (to && to->reg)
			return to->reg->name;
		pr_err("remap-fpath.img: file %u remapped to %u, which is no REG entry", id,
		       e->remap_id);
		*err = -EINVAL;
	}
	return NULL;
}

/*
 * An unlinked file with other links: its old name linked to the inode again
 * through the name the dump gave it, opened, unlinked; the dump's name goes
 * once the file is open (the restore consumes it, as CRIU's does).
 */
static int rst_open_linked(const FileEntry *fe, const char *remap, int flags, int *fdp)
{
	const char *base = strrchr(remap, '/');
	char path[4200];
	int ret = rst_ghost_name(fe->reg->name, path, sizeof(path)), fd = -1;

	/* Only a name the dump made is ever removed. */
	if (!base || strncmp(base + 1, "link_remap.", 11)) {
		pr_err("unlinked file '%s' (id %u): remapped to '%s', not a link_remap.ID name",
		       fe->reg->name, fe->id, remap);
		return -EINVAL;
	}
	if (!ret && linkat(AT_FDCWD, remap, AT_FDCWD, path, 0))
		ret = -errno;
	if (!ret) {
		fd = open(path, flags | O_CLOEXEC);
		ret = fd < 0 ? -errno : 0;
		unlink(path);
	}
	if (ret) {
		pr_err("unlinked file '%s' (id %u): cannot reach it through '%s': %s",
		       fe->reg->name, fe->id, remap, strerror(-ret));
		return ret;
	}
	if (unlink(remap))
		pr_warn("cannot remove '%s', the dump's name for '%s': %s", remap, fe->reg->name,
			strerror(errno));
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

static int rst_open_reg(const FileEntry *fe, struct rst_ghost *gh, const char *remap,
			bool skip_size, int *fdp)
{
	const RegFileEntry *r = fe->reg;
	int flags = (int)r->flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_NOCTTY);
	uint64_t pos = r->pos;
	int fd, ret;

	if (gh->g) {
		ret = rst_ghost_open(fe, gh, flags, &fd);
		if (ret)
			return ret;
		goto seek;
	}
	if (remap) {
		ret = rst_open_linked(fe, remap, flags, &fd);
		if (ret)
			return ret;
		goto seek;
	}
	fd = open(r->name, flags | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			pr_err("file '%s' (id %u) vanished since the dump; criu-lite saves no file "
			       "contents: put it back as it was at the dump (a copy taken with the "
			       "checkpoint) and restore again",
			       r->name, fe->id);
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
	const char *remap; /* the name the dump gave it (other links), or NULL */
	bool skip_size;	   /* --skip-file-size-check */
	int *fd;
};

static int rst_path_open(void *arg)
{
	struct rst_path_open *p = arg;

	return rst_open_reg(p->fe, &p->gh, p->remap, p->skip_size, p->fd);
}

static int rst_open_as(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe, int *fd)
{
	struct rst_path_open p = {fe, {NULL, NULL}, NULL, c->o->skip_file_size_check, fd};
	struct rst_rights r;
	int ret;

	if (rst_procfile_of_tree(c, fe->reg->name))
		return rst_procfile_placeholder(fe, fd);
	ret = rst_ghost_load(c, fe->id, &p.gh);
	if (ret == -ENOENT)
		p.remap = rst_remap_path(c, fe->id, &ret);
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
	.init = rst_reg_init,
	.fini = rst_reg_fini,
	.check = rst_reg_check,
	.open = rst_open_as,
	.fown = rst_reg_fown,
};
