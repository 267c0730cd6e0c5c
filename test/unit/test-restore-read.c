/*
 * restore-read: image sets written with the image layer, good and broken; the
 * checks must reject each broken one with its own error before any process
 * exists (rst_read_all creates nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "log.h"
#include "restore.h"
#include "tap.h"

#define PID 4194000 /* above the default pid_max, never in use */
#define PS 4096ul

struct gen {
	uint32_t vmas[3][3]; /* start, end, flags-kind (0 anon) in pages from 0x10000000 */
	size_t nr_vmas;
	uint32_t pm_flags; /* pagemap entry flags */
	uint32_t pm_pages;
	size_t pages_bytes;
	pid_t pid;
	bool foreign_arch;
	bool no_mm;
	uint32_t end_skew; /* bytes added to the last vma's end (another page size) */
};

static void put_one(const struct img_dir *d, enum img_kind k, unsigned long id,
		    const ProtobufCMessage *m)
{
	if (img_write_one(d, k, id, m))
		abort();
}

static void gen_core(const struct img_dir *d, const struct gen *g)
{
	static struct arch_thread_state st;
	CoreEntry core = CORE_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;

	tc.task_state = 1;
	tc.comm = "gen";
	core.tc = &tc;
	if (g->foreign_arch) {
		core.mtype = CORE_ENTRY__MARCH__PPC64;
	} else if (arch_core_fill(&core, &st)) {
		abort();
	}
	put_one(d, IMG_CORE, (unsigned long)g->pid, &core.base);
	if (!g->foreign_arch)
		arch_core_free(&core);
}

static void gen_mm(const struct img_dir *d, const struct gen *g)
{
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry v[3], *vp[3];
	struct img *img;
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	char *buf;
	int fd;

	for (size_t i = 0; i < g->nr_vmas; i++) {
		vma_entry__init(&v[i]);
		v[i].start = 0x10000000ul + g->vmas[i][0] * PS;
		v[i].end = 0x10000000ul + g->vmas[i][1] * PS;
		if (i == g->nr_vmas - 1)
			v[i].end += g->end_skew;
		v[i].prot = PROT_READ | PROT_WRITE;
		v[i].flags = MAP_PRIVATE | MAP_ANONYMOUS;
		v[i].status = RST_VMA_REGULAR | RST_VMA_ANON_PRIVATE;
		v[i].fd = -1;
		vp[i] = &v[i];
	}
	mm.n_vmas = g->nr_vmas;
	mm.vmas = vp;
	put_one(d, IMG_MM, (unsigned long)g->pid, &mm.base);
	if (img_open(d, IMG_PAGEMAP, (unsigned long)g->pid, true, &img))
		abort();
	ph.pages_id = 1;
	img_write_msg(img, &ph.base);
	pe.vaddr = 0x10000000ul;
	pe.nr_pages = g->pm_pages;
	pe.has_flags = true;
	pe.flags = g->pm_flags;
	pe.has_in_parent = !!(g->pm_flags & RST_PE_PARENT);
	pe.in_parent = pe.has_in_parent;
	img_write_msg(img, &pe.base);
	if (img_close(img))
		abort();
	fd = openat(d->fd, "pages-1.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	buf = calloc(1, g->pages_bytes + 1);
	if (fd < 0 || !buf || write(fd, buf, g->pages_bytes) != (ssize_t)g->pages_bytes)
		abort();
	free(buf);
	close(fd);
}

/* Writes a one-process image set into a fresh directory @path. */
static void gen(const char *path, const struct gen *g)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	PstreeEntry pe = PSTREE_ENTRY__INIT;
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;
	FsEntry fs = FS_ENTRY__INIT;
	uint32_t tid = (uint32_t)g->pid;
	struct img_dir d;
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
	if (system(cmd) || img_dir_open(path, true, &d))
		abort();
	inv.img_version = IMG_VERSION;
	put_one(&d, IMG_INVENTORY, 0, &inv.base);
	pe.pid = pe.pgid = pe.sid = tid;
	pe.n_threads = 1;
	pe.threads = &tid;
	put_one(&d, IMG_PSTREE, 0, &pe.base);
	{
		struct img *img;

		if (img_open(&d, IMG_FILES, 0, true, &img) || img_close(img))
			abort();
		if (img_open(&d, IMG_FDINFO, 1, true, &img) || img_close(img))
			abort();
	}
	gen_core(&d, g);
	ids.files_id = 1;
	put_one(&d, IMG_IDS, (unsigned long)g->pid, &ids.base);
	put_one(&d, IMG_FS, (unsigned long)g->pid, &fs.base);
	if (!g->no_mm)
		gen_mm(&d, g);
	img_dir_close(&d);
}

static int try_read(const char *path, struct rst_ctx *c)
{
	memset(c, 0, sizeof(*c));
	return rst_read_all(c, path);
}

static const struct gen good = {
	.vmas = {{0, 4, 0}, {8, 16, 0}},
	.nr_vmas = 2,
	.pm_flags = RST_PE_PRESENT,
	.pm_pages = 4,
	.pages_bytes = 4 * PS,
	.pid = PID,
};

int main(void)
{
	char base[] = "/tmp/crl-rst-read.XXXXXX", a[256], b[256], cmd[300];
	struct rst_ctx c;
	struct gen g;
	int ret;

	if (sysconf(_SC_PAGESIZE) != (long)PS) {
		printf("1..0 # SKIP page size is not 4 KiB\n");
		return 77;
	}
	log_init(LOG_ERROR, "/dev/null");
	if (!mkdtemp(base))
		return 1;
	snprintf(a, sizeof(a), "%s/a", base);
	snprintf(b, sizeof(b), "%s/b", base);

	gen(a, &good);
	ret = try_read(a, &c);
	ok(ret == 0, "a good image set reads (%d)", ret);
	ok(ret == 0 && c.nr_tasks == 1 && c.tasks[0].pages.n == 1 &&
		   c.tasks[0].pages.s[0].len == 4 * PS,
	   "its pages resolve to one run of 4 pages");
	rst_ctx_fini(&c);

	g = good;
	g.pages_bytes = 3 * PS;
	gen(a, &g);
	ok(try_read(a, &c) == -EINVAL, "a pagemap pointing past the pages file is refused");
	rst_ctx_fini(&c);

	g = good;
	g.vmas[1][0] = 2;
	gen(a, &g);
	ok(try_read(a, &c) == -EINVAL, "overlapping vmas are refused");
	rst_ctx_fini(&c);

	g = good;
	g.foreign_arch = true;
	gen(a, &g);
	ok(try_read(a, &c) == -EINVAL, "a core of another architecture is refused");
	rst_ctx_fini(&c);

	g = good;
	g.end_skew = 2048; /* a 16 KiB-page kernel's layout could end here, ours cannot */
	gen(a, &g);
	ok(try_read(a, &c) == -EINVAL, "a vma not aligned to this kernel's page size is refused");
	rst_ctx_fini(&c);

	g = good;
	g.no_mm = true;
	gen(a, &g);
	ok(try_read(a, &c) == -ENOENT, "a missing mm image is refused");
	rst_ctx_fini(&c);

	g = good;
	g.pid = getpid();
	gen(a, &g);
	ok(try_read(a, &c) == -EEXIST, "a pid in use is refused");
	rst_ctx_fini(&c);

	/* Incremental chain: b's pages are in_parent, found in a through the link. */
	gen(a, &good);
	g = good;
	g.pm_flags = RST_PE_PARENT;
	g.pages_bytes = 0;
	gen(b, &g);
	ok(try_read(b, &c) == -ENOENT, "in_parent pages without a parent link are refused");
	rst_ctx_fini(&c);
	if (symlink("../a", strcat(strcpy(cmd, b), "/parent")))
		return 1;
	ret = try_read(b, &c);
	ok(ret == 0 && c.tasks[0].pages.n == 1 && c.tasks[0].pages.s[0].len == 4 * PS,
	   "in_parent pages resolve through the parent link (%d)", ret);
	rst_ctx_fini(&c);
	unlink(cmd);
	if (symlink("../missing", cmd))
		return 1;
	ok(try_read(b, &c) == -ENOENT, "a parent link to a missing directory is refused");
	rst_ctx_fini(&c);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd))
		return 1;
	return tap_done();
}
