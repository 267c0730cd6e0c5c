/*
 * Restore, phase 2: create the processes. The tool forks the root with
 * clone3(set_tid) so it gets its recorded pid; each new process, still running
 * the tool's code, joins its session and group, installs its descriptors,
 * changes directory, forks its own children the same way (so parent links
 * are the recorded ones), reports on a shared page and pauses. The address
 * space and the rest are rebuilt later through ptrace (restore-finish.c).
 * Zombies are created and exit at once with their recorded code, unreaped.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "log.h"
#include "proc-misc.h"
#include "proc-stat.h"
#include "restore-cgroup.h"
#include "restore.h"

#include "signal.pb-c.h"

#define RST_TREE_TIMEOUT_MS 10000

enum rst_step {
	RST_STEP_NONE,
	RST_STEP_SETSID,
	RST_STEP_FILES,
	RST_STEP_CWD,
	RST_STEP_FORK,
	RST_STEP_RIGHTS,
	RST_STEP_LOGINUID,
	RST_STEP_SHARED,
	RST_STEP_CTTY,
	RST_STEP_NS,
	RST_STEP_CGROUP,
};

static const char *const rst_step_names[] = {
	[RST_STEP_NONE] = "start",
	[RST_STEP_SETSID] = "setsid",
	[RST_STEP_FILES] = "install fds",
	[RST_STEP_CWD] = "chdir",
	[RST_STEP_FORK] = "fork a child",
	[RST_STEP_RIGHTS] = "take its recorded file rights",
	[RST_STEP_LOGINUID] = ("setting its audit loginuid (a set loginuid changes only with "
			       "CAP_AUDIT_CONTROL, never when audit made it immutable)"),
	[RST_STEP_SHARED] = "wait for the processes sharing its fd table",
	[RST_STEP_NS] = "rebuild its own namespaces (docs/containers.md)",
	[RST_STEP_CGROUP] = "enter its cgroups (--manage-cgroups, docs/containers.md)",
};

/* fork() that gives the child @pid (needs CAP_CHECKPOINT_RESTORE); @flags: CLONE_FILES or 0. */
static pid_t rst_fork_pid(pid_t pid, uint64_t flags)
{
	struct clone_args ca;
	pid_t tid = pid;

	memset(&ca, 0, sizeof(ca));
	ca.flags = flags;
	/* clone3 takes no exit_signal with CLONE_PARENT: the parent's own is used (SIGCHLD) */
	ca.exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD;
	ca.set_tid = (uint64_t)(uintptr_t)&tid;
	ca.set_tid_size = 1;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/*
 * A process other than @pid itself whose process group or session is @pid
 * (the kernel keeps a pid number allocated while any process uses it as its
 * group or session id, so clone3 gets EEXIST though /proc/@pid is absent).
 * Its pid, or 0; *@zombie tells whether it is only waiting to be reaped.
 */
static pid_t rst_pid_holder(pid_t pid, bool *zombie)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t holder = 0;

	if (!d)
		return 0;
	while (!holder && (e = readdir(d))) {
		struct proc_stat st;
		pid_t p = (pid_t)atoi(e->d_name);

		if (p <= 0 || p == pid || proc_read_stat(p, 0, &st))
			continue;
		if (st.pgid == pid || st.sid == pid) {
			holder = p;
			*zombie = st.state == 'Z' || st.state == 'X';
		}
	}
	closedir(d);
	return holder;
}

/*
 * rst_fork_pid, waiting up to RST_PID_WAIT_MS while @pid is held only as the
 * group or session id of processes on their way out (the rest of a killed
 * session, not reaped yet). -1 with errno set, as clone3.
 */
#define RST_PID_WAIT_MS 5000
static pid_t rst_fork_pid_wait(pid_t pid, uint64_t flags)
{
	struct timespec t0, t;
	pid_t ret;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool zombie = false;
		pid_t holder;

		ret = rst_fork_pid(pid, flags);
		if (ret >= 0 || errno != EEXIST)
			return ret;
		holder = rst_pid_holder(pid, &zombie);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if ((holder && !zombie) || ms > RST_PID_WAIT_MS) {
			errno = EEXIST;
			return -1;
		}
		usleep(1000);
	}
}

/* Whether task @i shares its parent's fd table (clone(CLONE_FILES) without CLONE_THREAD). */
static bool rst_shares_files(const struct rst_ctx *c, size_t i)
{
	const struct rst_task *t = &c->tasks[i];
	const struct rst_task *p = t->parent >= 0 ? &c->tasks[t->parent] : NULL;

	return p && !t->zombie && !p->zombie && t->ids && p->ids &&
	       t->ids->files_id == p->ids->files_id;
}

static const char *rst_fs_path(const struct rst_ctx *c, uint32_t id)
{
	const FileEntry *fe = rst_file_entry(c, id);

	return fe && fe->reg ? fe->reg->name : NULL;
}

static void rst_child_fail(struct rst_ctx *c, size_t i, int step, int err)
{
	c->status[i].step = step;
	c->status[i].err = err < 0 ? -err : err;
	__atomic_store_n(&c->status[i].state, -1, __ATOMIC_RELEASE);
	_exit(1);
}

/*
 * A zombie's handlers show in /proc; its own core rarely has them (nothing can
 * be injected into a zombie), so take its parent's, which it inherited at fork.
 * Every signal stays blocked: the handler addresses mean nothing here.
 */
static void rst_zombie_handlers(struct rst_ctx *c, size_t i)
{
	const TaskCoreEntry *tc = c->tasks[i].th[0].core->tc;
	int sig = 0;

	if (!tc->n_sigactions && c->tasks[i].parent >= 0)
		tc = c->tasks[c->tasks[i].parent].th[0].core->tc;
	for (size_t k = 0; k < tc->n_sigactions; k++) {
		const SaEntry *sa = tc->sigactions[k];
		uint64_t ks[4] = {sa->sigaction, sa->flags, sa->restorer, sa->mask};

		do
			sig++;
		while (sig == SIGKILL || sig == SIGSTOP);
		if (sig > 64)
			break;
		syscall(SYS_rt_sigaction, sig, ks, NULL, 8);
	}
}

static void rst_zombie(struct rst_ctx *c, size_t i, int code)
{
	const TaskCoreEntry *tc = c->tasks[i].th[0].core->tc;
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	rst_zombie_handlers(c, i);
	if (tc->comm)
		prctl(PR_SET_NAME, tc->comm);
	__atomic_store_n(&c->status[i].state, 1, __ATOMIC_RELEASE);
	/* exit_code is a wait status: a signal death or an exit status. */
	if (code & 0x7f) {
		signal(code & 0x7f, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		kill(getpid(), code & 0x7f);
	}
	{
		uint64_t mask = tc->blk_sigset; /* visible in /proc after death */

		syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, 8);
	}
	_exit((code >> 8) & 0xff);
}

pid_t rst_task_pgid(const struct rst_ctx *c, const struct rst_task *t)
{
	const PstreeEntry *root = c->tasks[0].pe;

	/*
	 * --shell-job: the root's session and group were the calling shell's;
	 * the restored job takes the tool's (no setsid, the tool's group). A
	 * root that led its own group (a job of an interactive shell, or the
	 * shell itself) keeps it: that is the group the shell hands the terminal
	 * to (tcsetpgrp), and rst_tty_apply makes it the foreground one again.
	 */
	if (c->o->shell_job && t->pe->pgid == root->pgid && root->pgid != root->pid)
		return getpgid(c->tool_pid);
	return (pid_t)t->pe->pgid;
}

/*
 * Before forking children: they inherit the session and group. A zombie
 * does this too before it exits: it may lead a group whose members live.
 */
static void rst_child_session(struct rst_ctx *c, size_t i)
{
	const struct rst_task *t = &c->tasks[i];
	const PstreeEntry *root = c->tasks[0].pe;
	pid_t pgid = rst_task_pgid(c, t);
	int ret;
	bool shell_sid = c->o->shell_job && t->pe->sid == root->sid;

	if (!shell_sid && (pid_t)t->pe->sid == t->pid && setsid() < 0)
		rst_child_fail(c, i, RST_STEP_SETSID, errno);
	if (pgid == t->pid)
		setpgid(0, 0);
	else if (pgid != getpgid(0))
		setpgid(0, pgid); /* its leader may not exist yet: rst_join_group in
				     restore-finish.c */
	ret = rst_pty_session(c, t);
	if (ret)
		rst_child_fail(c, i, RST_STEP_CTTY, -ret);
}

/* After forking children: they need the tool's copies of the shared files. */
static void rst_child_setup(struct rst_ctx *c, size_t i)
{
	const struct rst_task *t = &c->tasks[i];
	struct rst_rights r;
	const char *p;
	int ret;

	/* a table shared with the parent is the parent's to fill */
	ret = rst_shares_files(c, i) ? 0 : rst_files_install(c, t);
	if (!ret && !rst_shares_files(c, i))
		ret = rst_epoll_fill(c, t);
	if (ret)
		rst_child_fail(c, i, RST_STEP_FILES, ret);
	/* Kept through the rebuild, which opens mapped files, the exe and the root in here. */
	rst_rights_of(c, t, &r);
	ret = rst_rights_enter(&r);
	if (ret)
		rst_child_fail(c, i, RST_STEP_RIGHTS, ret);
	/*
	 * The recorded paths are the tool's view: the cwd is entered here, the
	 * root only after the rebuild (rst_task_restore), which still opens
	 * mapped files by those paths inside the process.
	 */
	p = t->fs ? rst_fs_path(c, t->fs->cwd_id) : NULL;
	if (p && chdir(p))
		rst_child_fail(c, i, RST_STEP_CWD, errno);
	if (t->fs && t->fs->has_umask)
		umask((mode_t)t->fs->umask);
}

/*
 * The kernel writes the current cpu into a registered rseq area on every
 * return to user mode; once the rebuild unmaps the tool's TLS, that write
 * would fault forever. Unregister glibc's area (the restored one is
 * registered again from the image).
 */
static void rst_rseq_unregister(void)
{
	void *area = (char *)arch_self_thread_pointer() + __rseq_offset;

	/* The kernel wants the registered length: 32 with glibc 2.35+, whatever __rseq_size says.
	 */
	if (__rseq_size && syscall(SYS_rseq, area, 32, 1 /* RSEQ_FLAG_UNREGISTER */, RSEQ_SIG))
		syscall(SYS_rseq, area, __rseq_size, 1, RSEQ_SIG);
}

/*
 * The audit login uid: only a process itself may write its own, and its
 * children inherit it, so each new process sets it (when it differs from the
 * one it inherited) before forking its own.
 */
static void rst_child_loginuid(struct rst_ctx *c, size_t i)
{
	const TaskCoreEntry *tc = c->tasks[i].th[0].core->tc;
	char buf[16];
	uint32_t now;
	int fd, n;

	if (!tc->has_loginuid || proc_read_loginuid(getpid(), &now) || now == tc->loginuid)
		return;
	n = snprintf(buf, sizeof(buf), "%u", tc->loginuid);
	fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		rst_child_fail(c, i, RST_STEP_LOGINUID, errno);
	close(fd);
}

static long rst_ms_since(const struct timespec *t0);

/*
 * The children sharing our fd table (CLONE_FILES) fork their own children
 * from the tool's descriptors in it: installing ours, which closes those,
 * waits until they are done.
 */
static void rst_wait_sharers(struct rst_ctx *c, size_t i)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t j = i + 1; j < c->nr_tasks; j++) {
		if (c->tasks[j].parent != (int)i || !rst_shares_files(c, j))
			continue;
		while (!__atomic_load_n(&c->status[j].forked, __ATOMIC_ACQUIRE)) {
			if (__atomic_load_n(&c->status[j].state, __ATOMIC_ACQUIRE) < 0 ||
			    rst_ms_since(&t0) > RST_TREE_TIMEOUT_MS)
				rst_child_fail(c, i, RST_STEP_SHARED, ETIMEDOUT);
			usleep(100);
		}
	}
}

/* The root, first: its own namespaces, before its children (who share them) exist. */
static void rst_child_ns(struct rst_ctx *c)
{
	const char *what = "?";
	int ret = rst_ns_apply(c, &what);

	if (ret) {
		pr_err("restore of pid %d: its own namespaces: %s: %s", c->tasks[0].pid, what,
		       strerror(-ret));
		rst_child_fail(c, 0, RST_STEP_NS, ret);
	}
}

/* Enters the cgroups planned for task @i (@ns_root: the root's cgroup namespace's root). */
static void rst_child_cgroups(struct rst_ctx *c, size_t i, bool ns_root)
{
	const char *what = "?";
	int ret = rst_cg_enter(c, i, ns_root, &what);

	if (ret) {
		pr_err("restore of pid %d: entering cgroup '%s': %s", c->tasks[i].pid, what,
		       strerror(-ret));
		rst_child_fail(c, i, RST_STEP_CGROUP, -ret);
	}
}

/* The root's parent as it sees it: none in a new pid namespace, else the tool or its parent. */
static pid_t rst_root_parent(const struct rst_ctx *c)
{
	if (rst_ns_pid_new(c))
		return 0;
	return c->o->restore_sibling ? c->tool_ppid : c->tool_pid;
}

static void __attribute__((noreturn)) rst_child_run(struct rst_ctx *c, size_t i)
{
	const struct rst_task *t = &c->tasks[i];

	/*
	 * Until the rebuild sets the recorded value, die with our creator: a tool
	 * that fails or is killed midway leaves nothing behind.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the init of a new pid namespace has no parent in it */
	if (getppid() != (i ? c->tasks[c->tasks[i].parent].pid : rst_root_parent(c)))
		_exit(1);
	/* before its children exist, so they start there; the root's namespace after */
	rst_child_cgroups(c, i, i == 0 && rst_cg_own_ns(c));
	if (i == 0)
		rst_child_ns(c);
	if (i == 0 && rst_cg_own_ns(c))
		rst_child_cgroups(c, 0, false);
	rst_child_session(c, i);
	if (t->zombie)
		rst_zombie(c, i, t->exit_code);
	rst_child_loginuid(c, i);
	for (size_t j = i + 1; j < c->nr_tasks; j++) {
		pid_t pid;

		if (c->tasks[j].parent != (int)i)
			continue;
		pid = rst_fork_pid_wait(c->tasks[j].pid, rst_shares_files(c, j) ? CLONE_FILES : 0);
		if (pid < 0)
			rst_child_fail(c, i, RST_STEP_FORK, errno);
		if (pid == 0)
			rst_child_run(c, j);
		__atomic_store_n(&c->status[j].created, 1, __ATOMIC_RELEASE);
	}
	rst_wait_sharers(c, i);
	/*
	 * Reads the pages files, the tool's descriptors: before a parent whose
	 * fd table we share may fill it (it waits for this flag).
	 */
	rst_premap_child(c, t);
	__atomic_store_n(&c->status[i].forked, 1, __ATOMIC_RELEASE);
	rst_child_setup(c, i);
	rst_rseq_unregister();
	__atomic_store_n(&c->status[i].state, 1, __ATOMIC_RELEASE);
	/* The tool seizes us here; the registers are replaced before we run again. */
	for (;;)
		pause();
}

static long rst_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Names what holds the pid of a child of task @i that could not be created. */
static void rst_explain_taken(const struct rst_ctx *c, size_t i)
{
	for (size_t j = i + 1; j < c->nr_tasks; j++) {
		bool zombie = false;
		pid_t holder;

		if (c->tasks[j].parent != (int)i ||
		    __atomic_load_n(&c->status[j].created, __ATOMIC_ACQUIRE))
			continue;
		holder = rst_pid_holder(c->tasks[j].pid, &zombie);
		if (holder)
			pr_err("pid %d is still the process group or session id of pid %d%s, "
			       "which is not in the checkpoint: end it before restoring",
			       c->tasks[j].pid, holder, zombie ? " (a zombie not reaped)" : "");
		break;
	}
}

/* Waits until every process reported ready or one failed. */
static int rst_tree_wait(struct rst_ctx *c)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		size_t ready = 0;

		for (size_t i = 0; i < c->nr_tasks; i++) {
			int st = __atomic_load_n(&c->status[i].state, __ATOMIC_ACQUIRE);

			if (st < 0) {
				int step = c->status[i].step;

				pr_err("restore of pid %d: %s failed: %s", c->tasks[i].pid,
				       rst_step_names[step], strerror(c->status[i].err));
				if (step == RST_STEP_FORK && c->status[i].err == EEXIST)
					rst_explain_taken(c, i);
				return -c->status[i].err ? -c->status[i].err : -EIO;
			}
			ready += st == 1;
		}
		if (ready == c->nr_tasks)
			return 0;
		if (rst_ms_since(&t0) > RST_TREE_TIMEOUT_MS) {
			pr_err("restore: processes did not start within %d ms",
			       RST_TREE_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		usleep(200);
	}
}

/* Every new process starts with the tool's handlers (the rebuild compares). */
static void rst_tree_inherited_handlers(struct rst_ctx *c)
{
	c->inherited_sa_known = true;
	for (int sig = 1; sig <= 64; sig++)
		if (syscall(SYS_rt_sigaction, sig, NULL, c->inherited_sa[sig - 1], 8))
			c->inherited_sa_known = false;
}

int rst_tree_create(struct rst_ctx *c)
{
	uint64_t flags;
	pid_t pid;
	int ret;

	c->status_len = (c->nr_tasks * sizeof(*c->status) + 4095) & ~4095ul;
	c->status = mmap(NULL, c->status_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
	if (c->status == MAP_FAILED) {
		c->status = NULL;
		return -errno;
	}
	for (size_t i = 0; i < c->nr_tasks; i++) {
		const struct rst_task *t = &c->tasks[i];

		if (t->zombie || !t->ids || rst_shares_files(c, i))
			continue;
		for (size_t j = 0; j < i; j++)
			if (!c->tasks[j].zombie && c->tasks[j].ids &&
			    c->tasks[j].ids->files_id == t->ids->files_id) {
				pr_err("restore: pid %d shares its fd table with pid %d, which is "
				       "not "
				       "its parent (or sharing its parent's): not supported",
				       t->pid, c->tasks[j].pid);
				return -EOPNOTSUPP;
			}
	}
	if (rst_premap_init(c))
		rst_premap_fini(c); /* the rebuild then makes every mapping */
	fflush(NULL);
	c->tool_pid = getpid();
	c->tool_ppid = getppid();
	rst_tree_inherited_handlers(c);
	/* RPC rst_sibling (restore -S): the root is the caller's child, which waits on it */
	flags = (uint64_t)rst_ns_clone_flags(c) | (c->o->restore_sibling ? CLONE_PARENT : 0);
	pid = rst_fork_pid_wait(c->tasks[0].pid, flags);
	if (pid < 0) {
		int e = errno;
		bool zombie = false;
		pid_t holder = e == EEXIST ? rst_pid_holder(c->tasks[0].pid, &zombie) : 0;

		if (holder)
			pr_err("pid %d is still the process group or session id of pid %d%s, "
			       "which is not in the checkpoint: end it (a process left from the "
			       "dumped tree's session?) before restoring",
			       c->tasks[0].pid, holder, zombie ? " (a zombie not reaped)" : "");
		else if (e == EEXIST)
			pr_err("pid %d is in use", c->tasks[0].pid);
		else
			pr_err("cannot create pid %d (clone3 with set_tid): %s", c->tasks[0].pid,
			       strerror(e));
		return -e;
	}
	if (pid == 0)
		rst_child_run(c, 0);
	c->tasks[0].created = true;
	c->tasks[0].pid = pid; /* the tool's view (another in a new pid namespace) */
	ret = rst_tree_wait(c);
	return ret ? ret : rst_ns_outer(c);
}

/* Kills every process this restore created; reaps the root. */
/*
 * Reaps the root and every thread the tool still traces: a traced thread
 * that dies stays a zombie until its tracer waits for it, and its leader
 * cannot be reaped before it (waiting for the root alone hung). Bounded: a
 * tracee that does not die within 5 s is left to the tool's exit, which
 * detaches it.
 */
static void rst_reap_killed(void)
{
	struct timespec nap = {0, 2000000};

	for (int i = 0; i < 2500;) {
		pid_t r = waitpid(-1, NULL, __WALL | WNOHANG);

		if (r < 0 && errno == ECHILD)
			return;
		if (r <= 0) {
			nanosleep(&nap, NULL);
			i++;
		}
	}
}

void rst_tree_kill(struct rst_ctx *c)
{
	if (!c->nr_tasks || !c->tasks[0].created)
		return;
	/*
	 * Descendants first: each exists only if its pid is alive with the right
	 * parent. In a new pid namespace the recorded pids are not the tool's, and
	 * the init's death kills every other process there.
	 */
	for (size_t i = c->nr_tasks; i-- > 1 && !rst_ns_pid_new(c);) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/task/%d", c->tasks[i].pid, c->tasks[i].pid);
		if (c->status && c->status[i].created && stat(path, &st) == 0)
			kill(c->tasks[i].pid, SIGKILL);
	}
	kill(c->tasks[0].pid, SIGKILL);
	rst_reap_killed();
	c->tasks[0].created = false;
	if (c->status)
		munmap(c->status, c->status_len);
	c->status = NULL;
}
