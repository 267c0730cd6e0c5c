/*
 * Restore, phase 1: read and validate every image before any process exists.
 * Everything that can be checked on the images alone is checked here, so a
 * bad image set fails with a clear message and nothing to clean up.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "caps.h"
#include "log.h"
#include "proc-misc.h"
#include "proc-stat.h"
#include "restore-cgroup.h"
#include "restore.h"

/* CRIU's task_state values in task_core_entry. */
#define RST_TASK_ALIVE 1
#define RST_TASK_DEAD 2
#define RST_TASK_STOPPED 3

/* Reads every entry of image @k/@id into a malloc'd array. */
static int rst_read_msgs(const struct img_dir *d, enum img_kind k, unsigned long id,
			 const ProtobufCMessageDescriptor *desc, void ***out, size_t *nr)
{
	ProtobufCMessage *m, **arr = NULL;
	struct img *img;
	size_t n = 0;
	int ret;

	ret = img_open(d, k, id, false, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, desc, &m)) == 1) {
		if (ARRAY_GROW(arr, n)) {
			img_free_msg(m);
			ret = -ENOMEM;
			break;
		}
		arr[n++] = m;
	}
	img_close(img);
	if (ret < 0) {
		while (n)
			img_free_msg(arr[--n]);
		free(arr);
		return ret;
	}
	*out = (void **)arr;
	*nr = n;
	return 0;
}

static void rst_free_msgs(void **arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		img_free_msg(arr[i]);
	free(arr);
}

/* A required one-entry image; the image layer reports a missing or empty one. */
static int rst_read_one(const struct rst_ctx *c, enum img_kind k, unsigned long id,
			const ProtobufCMessageDescriptor *desc, void *msg)
{
	return img_read_one(&c->dir, k, id, desc, (ProtobufCMessage **)msg);
}

static int rst_read_thread(struct rst_ctx *c, struct rst_thread *th)
{
	int ret;

	ret = rst_read_one(c, IMG_CORE, (unsigned long)th->tid, &core_entry__descriptor, &th->core);
	if (ret)
		return ret;
	if (th->core->tc && th->core->tc->task_state == RST_TASK_DEAD)
		return 0; /* a zombie has no registers to restore */
	th->st = malloc(sizeof(*th->st));
	if (!th->st)
		return -ENOMEM;
	ret = arch_core_read(th->core, th->st);
	if (ret == -EINVAL) {
		pr_err("core-%d.img in '%s': images are from another architecture (not %s)",
		       th->tid, c->dir.path, arch_name());
		return ret;
	}
	if (ret) {
		pr_err("core-%d.img in '%s': cannot read registers: %s", th->tid, c->dir.path,
		       strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * Guard regions (status VMA_AREA_GUARD only, CRIU's encoding) lie inside a
 * VMA: they go behind the VMAs (their order kept), each checked to be inside
 * the VMA before it.
 */
static int rst_split_guards(struct rst_task *t)
{
	size_t n = 0, g = 0, total = t->mm->n_vmas;
	VmaEntry **tmp = calloc(total + 1, sizeof(*tmp));
	const VmaEntry *in = NULL;

	if (!tmp)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		VmaEntry *v = t->mm->vmas[i];

		if (v->status != RST_VMA_GUARD) {
			t->mm->vmas[n++] = v;
			in = v;
			continue;
		}
		if (!in || v->start < in->start || v->end > in->end || v->start >= v->end) {
			pr_err("mm-%d.img: guard region 0x%lx-0x%lx is not inside the vma before "
			       "it",
			       t->pid, (unsigned long)v->start, (unsigned long)v->end);
			free(tmp);
			t->mm->n_vmas = total;
			return -EINVAL;
		}
		tmp[g++] = v;
	}
	memcpy(t->mm->vmas + n, tmp, g * sizeof(*tmp));
	free(tmp);
	t->mm->n_vmas = n;
	t->nr_guards = g;
	return 0;
}

/* Address space checks: order, overlap, page alignment (catches another page size). */
static int rst_check_vmas(const struct rst_ctx *c, struct rst_task *t)
{
	unsigned long prev_end = 0, max;
	int ret = rst_split_guards(t);

	if (ret)
		return ret;

	/* Past the limit, mmap fails with ENOMEM only after most of the work. */
	if (!proc_read_max_map_count(&max) && t->mm->n_vmas > max) {
		pr_err("mm-%d.img in '%s': %zu mappings, more than this kernel allows a process "
		       "(vm.max_map_count %lu): raise vm.max_map_count to restore it",
		       t->pid, c->dir.path, t->mm->n_vmas, max);
		return -EINVAL;
	}
	for (size_t i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];

		if ((v->start | v->end) & (c->page_size - 1)) {
			pr_err("mm-%d.img: vma 0x%lx-0x%lx is not aligned to the page size %lu "
			       "(images from a kernel with another page size?)",
			       t->pid, (unsigned long)v->start, (unsigned long)v->end,
			       c->page_size);
			return -EINVAL;
		}
		if (v->end <= v->start) {
			pr_err("mm-%d.img: empty or inverted vma 0x%lx-0x%lx", t->pid,
			       (unsigned long)v->start, (unsigned long)v->end);
			return -EINVAL;
		}
		if (v->start < prev_end) {
			pr_err("mm-%d.img: vma 0x%lx-0x%lx overlaps the previous one (ends 0x%lx)",
			       t->pid, (unsigned long)v->start, (unsigned long)v->end, prev_end);
			return -EINVAL;
		}
		if (v->status & RST_VMA_UNSUPP) {
			pr_err("mm-%d.img: vma 0x%lx-0x%lx is of a kind restore does not support",
			       t->pid, (unsigned long)v->start, (unsigned long)v->end);
			return -EOPNOTSUPP;
		}
		if ((v->status & (RST_VMA_FILE_PRIVATE | RST_VMA_FILE_SHARED)) &&
		    !(v->status & (RST_VMA_VDSO | RST_VMA_VVAR))) {
			const FileEntry *fe = rst_file_entry(c, (uint32_t)v->shmid);

			if (!fe || (!fe->reg && !fe->memfd)) {
				pr_err("mm-%d.img: vma 0x%lx-0x%lx maps file id %lu, not in "
				       "files.img",
				       t->pid, (unsigned long)v->start, (unsigned long)v->end,
				       (unsigned long)v->shmid);
				return -EINVAL;
			}
		}
		prev_end = v->end;
	}
	return 0;
}

static int rst_read_fds(struct rst_ctx *c, struct rst_task *t)
{
	int ret;

	ret = rst_read_msgs(&c->dir, IMG_FDINFO, t->ids->files_id, &fdinfo_entry__descriptor,
			    (void ***)&t->fds, &t->nr_fds);
	if (ret)
		return ret;
	for (size_t i = 0; i < t->nr_fds; i++) {
		const FileEntry *fe = rst_file_entry(c, t->fds[i]->id);

		if (!fe) {
			pr_err("fdinfo-%u.img: fd %u of pid %d names file id %u, not in files.img",
			       t->ids->files_id, t->fds[i]->fd, t->pid, t->fds[i]->id);
			return -EINVAL;
		}
		if (!rst_fdkind_supported(fe)) {
			pr_err("fd %u of pid %d: file type %d is not supported by restore",
			       t->fds[i]->fd, t->pid, fe->type);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/*
 * A packet socket's rings are mapped from its fd (restore-mm.c): the socket
 * must be a packet socket of files.img open in the process. Not checked by
 * rst_check_vmas, which staging runs on pre-dumps too: they record no ids.
 */
static int rst_check_socket_vmas(struct rst_ctx *c, const struct rst_task *t)
{
	for (size_t i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];
		const FileEntry *fe = rst_file_entry(c, (uint32_t)v->shmid);
		bool open = false;

		if (!(v->status & RST_VMA_SOCKET))
			continue;
		for (size_t k = 0; k < t->nr_fds && !open; k++)
			open = t->fds[k]->id == v->shmid;
		if (!fe || !fe->psk || !open) {
			pr_err("mm-%d.img: vma 0x%lx-0x%lx maps socket id %lu, not a packet socket "
			       "open in the process",
			       t->pid, (unsigned long)v->start, (unsigned long)v->end,
			       (unsigned long)v->shmid);
			return -EINVAL;
		}
	}
	return 0;
}

static int rst_read_task(struct rst_ctx *c, struct rst_task *t)
{
	TaskCoreEntry *tc;
	char name[64];
	int ret;

	for (size_t i = 0; i < t->nr_th; i++) {
		ret = rst_read_thread(c, &t->th[i]);
		if (ret)
			return ret;
	}
	tc = t->th[0].core->tc;
	if (!tc) {
		pr_err("core-%d.img: the leader's core has no task state", t->pid);
		return -EINVAL;
	}
	if (tc->task_state == RST_TASK_DEAD) {
		t->zombie = true;
		t->exit_code = (int)tc->exit_code;
		/* Not needed for a zombie, but a damaged image is still refused. */
		snprintf(name, sizeof(name), "ids-%d.img", t->pid);
		if (faccessat(c->dir.fd, name, F_OK, 0) == 0)
			ret = rst_read_one(c, IMG_IDS, (unsigned long)t->pid,
					   &task_kobj_ids_entry__descriptor, &t->ids);
		return ret;
	}
	t->stopped = tc->task_state == RST_TASK_STOPPED;
	/* What its parent's wait reports; images without it (or odd values) get SIGSTOP. */
	t->stop_sig = SIGSTOP;
	if (t->stopped && tc->has_stop_signo &&
	    (tc->stop_signo == SIGTSTP || tc->stop_signo == SIGTTIN || tc->stop_signo == SIGTTOU))
		t->stop_sig = (int)tc->stop_signo;
	if (tc->task_state != RST_TASK_ALIVE && !t->stopped) {
		pr_err("core-%d.img: task state %u is not supported", t->pid, tc->task_state);
		return -EOPNOTSUPP;
	}
	ret = rst_read_one(c, IMG_MM, (unsigned long)t->pid, &mm_entry__descriptor, &t->mm);
	if (!ret)
		ret = rst_read_one(c, IMG_IDS, (unsigned long)t->pid,
				   &task_kobj_ids_entry__descriptor, &t->ids);
	/* A process sharing its fs_struct with its parent has no fs image of its own. */
	snprintf(name, sizeof(name), "fs-%d.img", t->pid);
	if (!ret && faccessat(c->dir.fd, name, F_OK, 0) == 0)
		ret = rst_read_one(c, IMG_FS, (unsigned long)t->pid, &fs_entry__descriptor, &t->fs);
	if (!ret)
		ret = rst_check_vmas(c, t);
	if (!ret)
		ret = rst_read_fds(c, t);
	if (!ret)
		ret = rst_check_socket_vmas(c, t);
	if (!ret)
		ret = rst_pages_resolve(c, t);
	return ret;
}

/*
 * A pid the images need may still be a zombie of the tree a dump just
 * killed: dump returns once the tree is dead, its parent reaps it soon
 * after. Wait for that (bounded); a live process holding the pid is an error.
 */
#define RST_ZOMBIE_WAIT_MS 5000

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int rst_check_pid_free(pid_t pid)
{
	struct timespec t0;
	struct proc_stat st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!proc_read_stat(pid, 0, &st)) {
		if (st.state != 'Z' && st.state != 'X') {
			pr_err("pid %d is in use (by a live process); free it before restoring",
			       pid);
			return -EEXIST;
		}
		if (ms_since(&t0) > RST_ZOMBIE_WAIT_MS) {
			pr_err("pid %d is in use by a zombie its parent %d has not reaped for %d "
			       "ms",
			       pid, st.ppid, RST_ZOMBIE_WAIT_MS);
			return -EEXIST;
		}
		usleep(200);
	}
	return 0;
}

static int rst_build_tasks(struct rst_ctx *c, size_t n)
{
	c->tasks = calloc(n, sizeof(*c->tasks));
	if (!c->tasks)
		return -ENOMEM;
	c->nr_tasks = n;
	for (size_t i = 0; i < n; i++) {
		struct rst_task *t = &c->tasks[i];
		PstreeEntry *pe = c->pstree[i];

		t->pe = pe;
		t->pid = t->vpid = (pid_t)pe->pid;
		t->parent = -1;
		if (pe->n_threads == 0 || pe->threads[0] != pe->pid) {
			pr_err("pstree.img: pid %u: thread list must start with the leader",
			       pe->pid);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (c->tasks[j].pid == t->pid) {
				pr_err("pstree.img: pid %d listed twice", t->pid);
				return -EINVAL;
			}
			if (c->tasks[j].pid == (pid_t)pe->ppid)
				t->parent = (int)j;
		}
		if (i > 0 && t->parent < 0) {
			pr_err("pstree.img: parent %u of pid %d is not listed before it", pe->ppid,
			       t->pid);
			return -EINVAL;
		}
		t->th = calloc(pe->n_threads, sizeof(*t->th));
		if (!t->th)
			return -ENOMEM;
		t->nr_th = pe->n_threads;
		for (size_t j = 0; j < pe->n_threads; j++)
			t->th[j].tid = t->th[j].vtid = (pid_t)pe->threads[j];
	}
	return 0;
}

static int rst_check_owner(const struct rst_ctx *c)
{
	struct stat st;

	if (geteuid() == 0 && !(c->o && c->o->unprivileged))
		return 0;
	if (fstat(c->dir.fd, &st))
		return -errno;
	if (st.st_uid != geteuid()) {
		pr_err("images dir '%s' is owned by uid %u, not by the caller (uid %u)",
		       c->dir.path, st.st_uid, geteuid());
		return -EPERM;
	}
	return 0;
}

static int rst_check_all(struct rst_ctx *c)
{
	struct caps_self self;
	int ret = caps_self_read(&self);

	for (size_t i = 0; !ret && i < c->nr_tasks; i++) {
		struct rst_task *t = &c->tasks[i];

		for (size_t j = 0; j < t->nr_th; j++) {
			ret = rst_creds_check(c, &t->th[j], &self);
			/* a new pid namespace has every pid free */
			if (!ret && !rst_ns_pid_new(c))
				ret = rst_check_pid_free(t->th[j].tid);
			if (ret)
				return ret;
		}
	}
	return ret;
}

/*
 * Dump writes the inventory last: without it the directory holds a dump that
 * failed or was interrupted (some images, no inventory), or none at all.
 */
static int rst_check_inventory(const struct rst_ctx *c)
{
	bool images = false;
	struct dirent *e;
	DIR *d;
	int fd;

	if (!faccessat(c->dir.fd, "inventory.img", F_OK, AT_SYMLINK_NOFOLLOW) || errno != ENOENT)
		return 0; /* there, or an error the read reports */
	fd = openat(c->dir.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	while (d && (e = readdir(d)) && !images) {
		size_t n = strlen(e->d_name);

		images = n > 4 && !strcmp(e->d_name + n - 4, ".img");
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	if (images)
		pr_err("the dump in '%s' is incomplete (no inventory.img): it failed or was "
		       "interrupted; dump the process again",
		       c->dir.path);
	else
		pr_err("'%s' holds no dump (no inventory.img): pass the images dir of a finished "
		       "dump with -D",
		       c->dir.path);
	return -ENOENT;
}

/* Inventory, pstree, files: what both a full restore and staging need. */
static int rst_read_head(struct rst_ctx *c, const char *dir)
{
	size_t n;
	int ret;

	c->page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	c->dir.fd = -1;
	ret = img_dir_open(dir, c->o && c->o->trust_images ? IMG_DIR_TRUSTED : 0, &c->dir);
	if (ret)
		return ret;
	ret = rst_check_owner(c);
	if (!ret)
		ret = rst_check_inventory(c);
	if (ret)
		return ret;
	ret = rst_read_one(c, IMG_INVENTORY, 0, &inventory_entry__descriptor, &c->inv);
	if (ret)
		return ret;
	if (c->inv->img_version != IMG_VERSION) {
		pr_err("inventory.img in '%s': image version %u, expected %u", c->dir.path,
		       c->inv->img_version, IMG_VERSION);
		return -EINVAL;
	}
	ret = rst_read_msgs(&c->dir, IMG_PSTREE, 0, &pstree_entry__descriptor, (void ***)&c->pstree,
			    &n);
	if (ret)
		return ret;
	if (n == 0) {
		pr_err("pstree.img in '%s' lists no process", c->dir.path);
		return -EINVAL;
	}
	ret = rst_build_tasks(c, n);
	if (ret)
		return ret;
	ret = rst_read_msgs(&c->dir, IMG_FILES, 0, &file_entry__descriptor, (void ***)&c->fentries,
			    &c->nr_files);
	if (!ret && rst_filetab_index(c)) {
		pr_err("restore: no memory for the index of %zu files", c->nr_files);
		ret = -ENOMEM;
	}
	return ret;
}

int rst_read_all(struct rst_ctx *c, const char *dir)
{
	int ret = rst_read_head(c, dir);

	for (size_t i = 0; !ret && i < c->nr_tasks; i++)
		ret = rst_read_task(c, &c->tasks[i]);
	if (!ret)
		ret = rst_locks_read(c);
	if (!ret)
		ret = rst_seccomp_read(c);
	if (!ret)
		ret = rst_cg_read(c);
	if (!ret)
		ret = rst_ns_read(c);
	return ret ? ret : rst_check_all(c);
}

int rst_read_mem(struct rst_ctx *c, const char *dir)
{
	int ret = rst_read_head(c, dir);

	for (size_t i = 0; !ret && i < c->nr_tasks; i++) {
		struct rst_task *t = &c->tasks[i];
		char name[64];

		snprintf(name, sizeof(name), "mm-%d.img", t->pid);
		if (faccessat(c->dir.fd, name, F_OK, 0))
			continue; /* a zombie */
		ret = rst_read_one(c, IMG_MM, (unsigned long)t->pid, &mm_entry__descriptor, &t->mm);
		if (!ret)
			ret = rst_check_vmas(c, t);
		if (!ret)
			ret = rst_pages_resolve(c, t);
	}
	return ret;
}

void rst_ctx_fini(struct rst_ctx *c)
{
	rst_files_close(c); /* unlinked files held for mappings */
	if (c->filler_owned)
		rst_filler_free(c->filler);
	rst_files_fini(c); /* the fd kinds' state: memfd objects once every mapping is rebuilt */
	rst_locks_free(c);
	rst_seccomp_free(c);
	rst_ns_free(c);
	rst_cg_free(c);
	for (size_t i = 0; i < c->nr_tasks; i++) {
		struct rst_task *t = &c->tasks[i];

		for (size_t j = 0; j < t->nr_th; j++) {
			img_free_msg((ProtobufCMessage *)t->th[j].core);
			free(t->th[j].st);
		}
		free(t->th);
		if (t->mm)
			t->mm->n_vmas += t->nr_guards; /* the guard entries are freed too */
		t->nr_guards = 0;
		img_free_msg((ProtobufCMessage *)t->mm);
		img_free_msg((ProtobufCMessage *)t->ids);
		img_free_msg((ProtobufCMessage *)t->fs);
		rst_free_msgs((void **)t->fds, t->nr_fds);
		rst_segs_free(&t->pages);
	}
	free(c->tasks);
	if (c->pstree)
		rst_free_msgs((void **)c->pstree, c->nr_tasks);
	rst_free_msgs((void **)c->fentries, c->nr_files);
	free(c->file_ix);
	free(c->files);
	free(c->shms);
	for (size_t i = 0; i < c->nr_pages_fds; i++)
		close(c->pages_fds[i]);
	free(c->pages_fds);
	rst_csums_fini(&c->csums);
	img_free_msg((ProtobufCMessage *)c->inv);
	img_dir_close(&c->dir);
	memset(c, 0, sizeof(*c));
}
