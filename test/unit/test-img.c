/*
 * Image layer: every image kind round-trips through our writer and reader;
 * bad files (wrong magic, truncation, oversized entries, missing dirs) fail
 * cleanly. With "--write DIR" it only writes one image of each kind, for
 * crit-decode.sh to feed to CRIU's crit.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img.h"
#include "img-show.h"
#include "log.h"
#include "tap.h"

#include "core.pb-c.h"
#include "files.pb-c.h"
#include "fs.pb-c.h"
#include "ghost-file.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "stats.pb-c.h"
#include "tty.pb-c.h"

static int write_all(const struct img_dir *d)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	PstreeEntry ps = PSTREE_ENTRY__INIT;
	uint32_t threads[2] = {42, 43};
	CoreEntry core = CORE_ENTRY__INIT;
	ThreadInfoX86 ti = THREAD_INFO_X86__INIT;
	UserX86RegsEntry regs = USER_X86_REGS_ENTRY__INIT;
	UserX86FpregsEntry fp = USER_X86_FPREGS_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry vma = VMA_ENTRY__INIT, *vmas[1] = {&vma};
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	FdinfoEntry fi = FDINFO_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	RegFileEntry rf = REG_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	FsEntry fs = FS_ENTRY__INIT;
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;
	StatsEntry st = STATS_ENTRY__INIT;
	DumpStatsEntry ds = DUMP_STATS_ENTRY__INIT;
	PipeDataEntry pd = PIPE_DATA_ENTRY__INIT;
	GhostFileEntry gf = GHOST_FILE_ENTRY__INIT;
	TtyInfoEntry tty = TTY_INFO_ENTRY__INIT;
	struct img *img;
	char page[4096];
	int ret = 0;

	inv.img_version = IMG_VERSION;
	inv.has_fdinfo_per_id = true;
	inv.fdinfo_per_id = true;
	ret |= img_write_one(d, IMG_INVENTORY, 0, &inv.base);

	ps.pid = 42;
	ps.ppid = 1;
	ps.pgid = 42;
	ps.sid = 42;
	ps.n_threads = 2;
	ps.threads = threads;
	ret |= img_write_one(d, IMG_PSTREE, 0, &ps.base);

	regs.ip = 0x401000;
	regs.sp = 0x7ffc0000;
	regs.ax = 0xdeadbeefcafeULL;
	fp.mxcsr = 0x1f80;
	ti.gpregs = &regs;
	ti.fpregs = &fp;
	ti.clear_tid_addr = 0x1234;
	tc.comm = "zdtm-test";
	tc.blk_sigset = 0x10;
	tc.personality = 0;
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.thread_info = &ti;
	core.tc = &tc;
	ret |= img_write_one(d, IMG_CORE, 42, &core.base);

	vma.start = 0x400000;
	vma.end = 0x401000;
	vma.prot = 3;
	vma.flags = 0x22;
	vma.status = 1;
	vma.fd = -1;
	mm.n_vmas = 1;
	mm.vmas = vmas;
	mm.mm_brk = 0x600000;
	ret |= img_write_one(d, IMG_MM, 42, &mm.base);

	ph.pages_id = 1;
	pe.vaddr = 0x400000;
	pe.nr_pages = 1;
	pe.has_flags = true;
	pe.flags = 2;
	if (img_open(d, IMG_PAGEMAP, 42, true, &img))
		return -1;
	ret |= img_write_msg(img, &ph.base);
	ret |= img_write_msg(img, &pe.base);
	ret |= img_close(img);

	memset(page, 0x5a, sizeof(page));
	if (img_open(d, IMG_PAGES, 1, true, &img))
		return -1;
	ret |= img_write_raw(img, page, sizeof(page));
	ret |= img_close(img);

	fi.id = 7;
	fi.fd = 3;
	fi.type = FD_TYPES__REG;
	ret |= img_write_one(d, IMG_FDINFO, 1, &fi.base);

	rf.id = 7;
	rf.name = "/tmp/some file";
	rf.pos = 100;
	rf.flags = 2;
	rf.fown = &fown;
	fe.type = FD_TYPES__REG;
	fe.id = 7;
	fe.reg = &rf;
	ret |= img_write_one(d, IMG_FILES, 0, &fe.base);

	fs.cwd_id = 8;
	fs.root_id = 9;
	fs.has_umask = true;
	fs.umask = 022;
	ret |= img_write_one(d, IMG_FS, 42, &fs.base);

	ids.vm_id = 1;
	ids.files_id = 1;
	ids.fs_id = 1;
	ids.sighand_id = 1;
	ret |= img_write_one(d, IMG_IDS, 42, &ids.base);

	ds.frozen_time = 1234;
	ds.pages_written = 1;
	st.dump = &ds;
	ret |= img_write_one(d, IMG_STATS_DUMP, 0, &st.base);

	pd.pipe_id = 5;
	pd.bytes = 6;
	if (img_open(d, IMG_PIPES_DATA, 0, true, &img))
		return -1;
	ret |= img_write_msg(img, &pd.base);
	ret |= img_write_raw(img, "hello\n", 6);
	ret |= img_close(img);

	gf.uid = 0;
	gf.mode = 0100600;
	gf.has_size = true;
	gf.size = 3;
	if (img_open(d, IMG_GHOST_FILE, 7, true, &img))
		return -1;
	ret |= img_write_msg(img, &gf.base);
	ret |= img_write_raw(img, "abc", 3);
	ret |= img_close(img);

	tty.id = 1;
	tty.type = TTY_TYPE__PTY;
	ret |= img_write_one(d, IMG_TTY_INFO, 0, &tty.base);
	return ret;
}

static void check_roundtrip(const struct img_dir *d)
{
	ProtobufCMessage *m;
	struct img *img;
	char page[4096];

	ok(img_read_one(d, IMG_CORE, 42, &core_entry__descriptor, &m) == 0, "core reads back");
	if (m) {
		CoreEntry *c = (CoreEntry *)m;

		ok(c->mtype == CORE_ENTRY__MARCH__X86_64 && c->thread_info &&
			   c->thread_info->gpregs->ax == 0xdeadbeefcafeULL &&
			   !strcmp(c->tc->comm, "zdtm-test"),
		   "core fields survive");
		img_free_msg(m);
	}
	m = NULL;
	ok(img_read_one(d, IMG_PSTREE, 0, &pstree_entry__descriptor, &m) == 0 && m &&
		   ((PstreeEntry *)m)->n_threads == 2 && ((PstreeEntry *)m)->threads[1] == 43,
	   "pstree threads survive");
	img_free_msg(m);

	ok(img_open(d, IMG_PAGEMAP, 42, false, &img) == 0, "pagemap opens");
	m = NULL;
	ok(img_read_msg(img, img_next_desc(img), &m) == 1 && ((PagemapHead *)m)->pages_id == 1,
	   "pagemap head first");
	img_free_msg(m);
	ok(img_read_msg(img, img_next_desc(img), &m) == 1 &&
		   ((PagemapEntry *)m)->vaddr == 0x400000 && ((PagemapEntry *)m)->nr_pages == 1,
	   "pagemap entry next");
	img_free_msg(m);
	ok(img_read_msg(img, img_next_desc(img), &m) == 0, "pagemap ends cleanly");
	img_close(img);

	ok(img_open(d, IMG_PAGES, 1, false, &img) == 0 && img_read_raw(img, page, 4096) == 0 &&
		   page[0] == 0x5a && page[4095] == 0x5a,
	   "pages file is raw");
	img_close(img);

	ok(img_open(d, IMG_PIPES_DATA, 0, false, &img) == 0, "pipes-data opens");
	m = NULL;
	ok(img_read_msg(img, &pipe_data_entry__descriptor, &m) == 1 &&
		   ((PipeDataEntry *)m)->bytes == 6 && img_read_raw(img, page, 6) == 0 &&
		   !memcmp(page, "hello\n", 6),
	   "pipe data follows its entry");
	img_free_msg(m);
	img_close(img);

	m = NULL;
	ok(img_read_one(d, IMG_STATS_DUMP, 0, &stats_entry__descriptor, &m) == 0 && m &&
		   ((StatsEntry *)m)->dump->frozen_time == 1234,
	   "stats (service magic) reads back");
	img_free_msg(m);
}

static int write_file(const struct img_dir *d, const char *name, const void *buf, size_t len)
{
	int fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void check_bad_input(const struct img_dir *d)
{
	/* Image words are little-endian on disk, whatever the host (s390x is big-endian). */
	const uint32_t wrong_magic[3] = {htole32(IMG_COMMON_MAGIC), htole32(0x11111111), 0};
	/* CORE magic then an entry claiming 1000 bytes with 2 present. */
	const uint32_t too_long[4] = {htole32(IMG_COMMON_MAGIC), htole32(0x55053847), htole32(1000),
				      htole32(0x0808)};
	const uint32_t huge[3] = {htole32(IMG_COMMON_MAGIC), htole32(0x55053847),
				  htole32(0xffffff00)};
	const uint32_t garbage[4] = {htole32(IMG_COMMON_MAGIC), htole32(0x55053847), htole32(4),
				     0xffffffff};
	ProtobufCMessage *m = NULL;
	struct img_dir nd;
	struct img *img;

	write_file(d, "core-100.img", wrong_magic, 8);
	ok(img_open(d, IMG_CORE, 100, false, &img) == -EINVAL, "wrong magic is refused");

	write_file(d, "core-101.img", too_long, 14);
	ok(img_read_one(d, IMG_CORE, 101, &core_entry__descriptor, &m) == -EIO,
	   "entry larger than the file is refused");

	write_file(d, "core-102.img", huge, 12);
	ok(img_read_one(d, IMG_CORE, 102, &core_entry__descriptor, &m) == -EIO,
	   "absurd entry size is refused");

	write_file(d, "core-103.img", garbage, 16);
	ok(img_read_one(d, IMG_CORE, 103, &core_entry__descriptor, &m) == -EIO,
	   "undecodable entry is refused");

	write_file(d, "core-104.img", too_long, 6);
	ok(img_open(d, IMG_CORE, 104, false, &img) == -EIO, "truncated magic is refused");

	ok(img_read_one(d, IMG_CORE, 105, &core_entry__descriptor, &m) == -ENOENT,
	   "missing image is reported");

	symlinkat("/etc/passwd", d->fd, "core-106.img");
	ok(img_open(d, IMG_CORE, 106, false, &img) == -ELOOP, "symlinked image is not followed");
	ok(img_open(d, IMG_CORE, 106, true, &img) == 0 && img_close(img) == 0,
	   "a symlink where an image goes is replaced");
	{
		struct stat st;

		ok(fstatat(d->fd, "core-106.img", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			   S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600,
		   "by a new regular file, 0600");
	}
	mkfifoat(d->fd, "core-107.img", 0600);
	ok(img_open(d, IMG_CORE, 107, false, &img) == -EINVAL,
	   "a fifo is not read (nor waited on)");

	ok(img_dir_open("/nonexistent/criu-lite-images", false, &nd) == -ENOENT,
	   "missing images dir is reported");
	ok(img_show("/nonexistent/x.img", false, stdout) == -ENOENT,
	   "show of a missing file fails");
	ok(m == NULL, "no message is returned on error");
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/crl-test-img.XXXXXX";
	struct img_dir d;

	log_init(LOG_ERROR, "/dev/null");
	if (argc == 3 && !strcmp(argv[1], "--write")) {
		if (img_dir_open(argv[2], true, &d) || write_all(&d))
			return 1;
		img_dir_close(&d);
		return 0;
	}
	if (!mkdtemp(tmpl))
		return 1;
	ok(img_dir_open(tmpl, false, &d) == 0, "images dir opens");
	ok(write_all(&d) == 0, "every image kind is written");
	check_roundtrip(&d);
	check_bad_input(&d);
	img_dir_close(&d);
	if (!tap_failed) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
		if (system(cmd))
			printf("# could not remove %s\n", tmpl);
	}
	return tap_done();
}
