/*
 * The dump runs in a worker process, a child of the tool, watched by a
 * keeper, a second child in a session of its own.
 *
 * Signals sent to the tool are forwarded to the worker, and if the tool
 * itself is killed (SIGKILL cannot be caught) the worker learns it through
 * PR_SET_PDEATHSIG: either way it finishes the syscall injection in flight,
 * resumes the tree and exits.
 *
 * If the worker itself dies (SIGKILL to it or to the tool's process group,
 * the OOM killer), the kernel detaches it from the tree at once, and a thread
 * it was injecting into is left with borrowed registers. The injection
 * journal (inject.h) makes that state harmless (the thread spins on a branch
 * to itself, or still has its own registers) and says what to put back; the
 * keeper, which the group kill does not reach and the OOM killer spares,
 * does so once the worker is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-freezer.h"
#include "dump.h"
#include "inject.h"
#include "log.h"
#include "netlock.h"
#include "nsfs.h"
#include "proc-misc.h"
#include "ptrace.h"
#include "tcp-repair.h"

#define GUARD_TCP_MAX 256

/* Memory shared by the worker (writes, ahead of each change) and the keeper. */
struct guard_journal {
	struct inject_journal inject;
	int killing;
	pid_t uffd_pid;	    /* a userfaultfd being made in this process (dump-cow.c), */
	int uffd_fd;	    /* at this number: the keeper closes it */
	int netlock_method; /* a network lock held (NF_LOCK_*), 0 none */
	pid_t netlock_root;
	pid_t netlock_ns_pid; /* its network namespace is this pid's; 0: the tool's */
	int frozen;	      /* the freezer cgroup below may be frozen: the keeper thaws it */
	char freezer[4096];
	unsigned int nr_tcp;
	struct guard_tcp {
		pid_t pid;
		int fd;
		uint64_t ino;
		int reuse;
	} tcp[GUARD_TCP_MAX];
};

static volatile pid_t guard_worker;
/* The worker's view of the journal; NULL in every other process. */
static struct guard_journal *guard_journal;

void dump_guard_note_tcp(pid_t pid, int fd, uint64_t ino, int reuse)
{
	struct guard_journal *j = guard_journal;

	if (!j)
		return;
	if (j->nr_tcp == GUARD_TCP_MAX) {
		pr_warn("dump: more than %d TCP connections: a killed dump would leave the rest "
			"in repair mode",
			GUARD_TCP_MAX);
		return;
	}
	j->tcp[j->nr_tcp] = (struct guard_tcp){.pid = pid, .fd = fd, .ino = ino, .reuse = reuse};
	__atomic_store_n(&j->nr_tcp, j->nr_tcp + 1, __ATOMIC_RELEASE);
}

void dump_guard_note_netlock(int method, pid_t root, pid_t ns_pid)
{
	struct guard_journal *j = guard_journal;

	if (!j)
		return;
	j->netlock_root = root;
	j->netlock_ns_pid = ns_pid;
	__atomic_store_n(&j->netlock_method, method, __ATOMIC_RELEASE);
}

void dump_guard_note_uffd(pid_t pid, int fd)
{
	struct guard_journal *j = guard_journal;

	if (!j)
		return;
	__atomic_store_n(&j->uffd_pid, 0, __ATOMIC_RELEASE);
	j->uffd_fd = fd;
	__atomic_store_n(&j->uffd_pid, fd >= 0 ? pid : 0, __ATOMIC_RELEASE);
}

void dump_guard_note_freezer(const char *dir)
{
	struct guard_journal *j = guard_journal;

	if (!j)
		return;
	__atomic_store_n(&j->frozen, 0, __ATOMIC_RELEASE);
	if (!dir)
		return;
	snprintf(j->freezer, sizeof(j->freezer), "%s", dir);
	__atomic_store_n(&j->frozen, 1, __ATOMIC_RELEASE);
}

void dump_guard_note_killing(void)
{
	if (guard_journal)
		__atomic_store_n(&guard_journal->killing, 1, __ATOMIC_RELEASE);
}

static void guard_forward(int sig)
{
	if (guard_worker > 0)
		kill(guard_worker, sig);
}

static int guard_worker_main(pid_t tool, int go_fd, struct guard_journal *j, dump_run_fn run,
			     const struct opts *o, const struct dump_hooks *hooks)
{
	char c;

	dump_install_signal_handlers();
	/* The tool may be gone already: then we must not start. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != tool)
		return 1;
	/* Nothing is touched before the keeper watches us. */
	if (read(go_fd, &c, 1) != 1)
		return 1;
	close(go_fd);
	guard_journal = j;
	inject_journal_use(&j->inject);
	return run(o, hooks) ? 1 : 0;
}

/* Out of the group's and the OOM killer's reach (the latter needs root). */
static void keeper_detach(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
	int fd;

	setsid();
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_IGN);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) != 5)
			pr_debug("keeper: oom_score_adj: %s", strerror(errno));
		close(fd);
	}
}

/* Takes the connections of a tree that lives on out of TCP repair mode. */
static void keeper_tcp(const struct guard_journal *j)
{
	unsigned int n = __atomic_load_n(&j->nr_tcp, __ATOMIC_ACQUIRE);

	for (unsigned int i = 0; !j->killing && i < n; i++) {
		const struct guard_tcp *t = &j->tcp[i];
		int pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0), sk = -1, ret;
		struct stat st;

		if (pidfd >= 0)
			sk = (int)syscall(SYS_pidfd_getfd, pidfd, t->fd, 0);
		/* The same socket, still in repair mode: ours to undo. */
		if (sk >= 0 && !fstat(sk, &st) && st.st_ino == t->ino &&
		    tcp_repair_is_on(sk) == 1) {
			ret = tcp_repair_leave(sk, t->reuse);
			if (ret)
				pr_err("keeper: fd %d of %d: cannot leave TCP repair mode: %s",
				       t->fd, t->pid, strerror(-ret));
			else
				pr_info("keeper: fd %d of %d left TCP repair mode", t->fd, t->pid);
		}
		if (sk >= 0)
			close(sk);
		if (pidfd >= 0)
			close(pidfd);
	}
}

/*
 * The userfaultfd a dead worker made in a process and had not closed there
 * yet (dump-cow.c): closed by an injected close(), so that the process is
 * left as it was. Only at the journaled number, and only a userfaultfd.
 */
static void keeper_uffd(const struct guard_journal *j)
{
	pid_t pid = __atomic_load_n(&j->uffd_pid, __ATOMIC_ACQUIRE);
	char what[32], link[64];
	struct inject in;
	int fd = j->uffd_fd, sig = 0, ret;
	long r = 0;

	if (pid <= 0 || fd < 0)
		return;
	snprintf(what, sizeof(what), "fd/%d", fd);
	if (proc_readlink(pid, what, link, sizeof(link)) ||
	    strcmp(link, "anon_inode:[userfaultfd]"))
		return;
	ret = ptrace_seize_stop(pid, 0, 2000, &sig);
	if (!ret) {
		ret = inject_begin(&in, pid);
		if (!ret) {
			r = inject_call(&in, SYS_close, fd, 0, 0, 0, 0, 0);
			ret = inject_end(&in);
		}
		ptrace_detach(pid, 0);
	}
	if (ret || r < 0)
		pr_err("keeper: cannot close the userfaultfd %d the dump worker left in %d: %s", fd,
		       pid, strerror(ret ? -ret : (int)-r));
	else
		pr_info("keeper: closed the userfaultfd %d the dump worker left in %d", fd, pid);
}

/* The lock the worker held, released where it is: the tool's or the tree's network namespace. */
static int keeper_netlock(const struct guard_journal *gj)
{
	int back = -1, ret = 0;

	if (gj->netlock_ns_pid) {
		ret = ns_enter(gj->netlock_ns_pid, "net", CLONE_NEWNET, &back);
		if (ret) {
			pr_err("keeper: entering the network namespace of pid %d to release the "
			       "network lock: %s",
			       (int)gj->netlock_ns_pid, strerror(-ret));
			return ret;
		}
	}
	netlock_release_left(gj->netlock_method, gj->netlock_root);
	if (back >= 0)
		ret = ns_leave(back, CLONE_NEWNET);
	return ret;
}

static int keeper_main(int worker_pidfd, int ready_fd, const struct guard_journal *gj)
{
	const struct inject_journal *j = &gj->inject;
	struct pollfd p = {.fd = worker_pidfd, .events = POLLIN};
	int failed = 0, ret;

	keeper_detach();
	if (write(ready_fd, "k", 1) != 1)
		return 1;
	close(ready_fd);
	/* Readable once the worker has exited, and so has let go of the tree. */
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	for (int i = 0; i < INJECT_JOURNAL_SLOTS; i++) {
		const struct inject_journal_slot *s = &j->slot[i];

		if (!__atomic_load_n(&s->active, __ATOMIC_ACQUIRE))
			continue;
		pr_warn("keeper: the dump worker left thread %d in the middle of an injection; "
			"putting it back",
			s->tid);
		/* A thread that is gone (ESRCH) has nothing left to put back. */
		ret = inject_journal_repair(s);
		if (ret && ret != -ESRCH && s->tid > 0)
			failed++;
	}
	keeper_uffd(gj);
	keeper_tcp(gj);
	/* --freeze-cgroup: the worker died between the freeze and the thaw */
	if (__atomic_load_n(&gj->frozen, __ATOMIC_ACQUIRE)) {
		ret = freezer_thaw(gj->freezer);
		if (ret)
			pr_err("keeper: thawing the cgroup '%s' the dump worker left frozen: %s",
			       gj->freezer, strerror(-ret));
		else
			pr_warn("keeper: thawed the cgroup '%s' the dump worker left frozen",
				gj->freezer);
		failed += ret != 0;
	}
	/* After repair mode: a tree that lives on gets its connections back. */
	if (!gj->killing && __atomic_load_n(&gj->netlock_method, __ATOMIC_ACQUIRE))
		failed += keeper_netlock(gj) != 0;
	return failed ? 1 : 0;
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Forks the keeper, watching @worker; 0 once it is ready, else -errno (logged). */
static int start_keeper(pid_t worker, struct guard_journal *j, pid_t *keeper)
{
	int pidfd = (int)syscall(SYS_pidfd_open, worker, 0), rd[2];
	char c;

	if (pidfd < 0 || pipe2(rd, O_CLOEXEC)) {
		pr_err("dump: cannot watch the dump worker: %s", strerror(errno));
		if (pidfd >= 0)
			close(pidfd);
		return -errno;
	}
	*keeper = fork();
	if (*keeper == 0) {
		close(rd[0]);
		_exit(keeper_main(pidfd, rd[1], j));
	}
	close(pidfd);
	close(rd[1]);
	if (*keeper < 0 || read(rd[0], &c, 1) != 1) {
		pr_err("dump: cannot start the keeper process: %s",
		       *keeper < 0 ? strerror(errno) : "it exited");
		close(rd[0]);
		return -ECHILD;
	}
	close(rd[0]);
	return 0;
}

int dump_run_guarded(dump_run_fn run, const struct opts *o, const struct dump_hooks *hooks)
{
	pid_t tool = getpid(), w, k = -1;
	struct guard_journal *j;
	int status, go[2], ret;

	j = mmap(NULL, sizeof(*j), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j == MAP_FAILED || pipe2(go, O_CLOEXEC)) {
		pr_err("dump: cannot set up the dump worker: %s", strerror(errno));
		return 1;
	}
	fflush(stdout);
	fflush(stderr);
	dump_catch_stop_signals(guard_forward);
	w = fork();
	if (w < 0) {
		pr_err("dump: cannot fork the dump worker: %s", strerror(errno));
		return 1;
	}
	if (w == 0) {
		close(go[1]);
		_exit(guard_worker_main(tool, go[0], j, run, o, hooks));
	}
	guard_worker = w;
	close(go[0]);
	ret = start_keeper(w, j, &k);
	/* Closing the pipe without a byte stops the worker before it starts. */
	if (!ret && write(go[1], "g", 1) != 1)
		ret = -EPIPE;
	close(go[1]);
	if (wait_child(w, &status)) {
		pr_err("dump: waiting for the dump worker: %s", strerror(errno));
		return 1;
	}
	if (k > 0) {
		int ks;

		wait_child(k, &ks);
		if (!WIFEXITED(ks) || WEXITSTATUS(ks))
			pr_err("dump: the keeper could not put every thread back (see above)");
	}
	munmap(j, sizeof(*j));
	if (ret)
		return 1;
	if (WIFSIGNALED(status)) {
		pr_err("dump: the dump worker was killed by signal %d; the tree was resumed",
		       WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}
