/*
 * Restore: per-process kernel state set through injection once the address
 * space exists: mm fields and exe link (PR_SET_MM_MAP), signal handlers,
 * personality, parent-death signal, comm, rlimits, interval timers.
 * Credentials come last (restore-creds.c) since they may drop privileges.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore.h"

#include "signal.pb-c.h"
#include "timer.pb-c.h"

/* The kernel's struct sigaction for rt_sigaction on this ABI. */
struct rst_ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static int rst_mm_map(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	const MmEntry *mm = t->mm;
	struct prctl_mm_map map = {
		.start_code = mm->mm_start_code, .end_code = mm->mm_end_code,
		.start_data = mm->mm_start_data, .end_data = mm->mm_end_data,
		.start_brk = mm->mm_start_brk,	 .brk = mm->mm_brk,
		.start_stack = mm->mm_start_stack, .arg_start = mm->mm_arg_start,
		.arg_end = mm->mm_arg_end,	 .env_start = mm->mm_env_start,
		.env_end = mm->mm_env_end,
	};
	const FileEntry *exe = rst_file_entry(c, mm->exe_file_id);
	size_t auxv_len = mm->n_mm_saved_auxv * sizeof(uint64_t);
	unsigned long at = in->scratch + 4096;
	int fd = -1, ret;
	long r;

	if (exe && exe->reg) {
		ret = inject_write(in, in->scratch, exe->reg->name, strlen(exe->reg->name) + 1);
		if (ret)
			return ret;
		r = inject_call(in, SYS_openat, (unsigned long)AT_FDCWD, in->scratch,
				O_RDONLY | O_CLOEXEC, 0, 0, 0);
		if (r < 0)
			pr_warn("pid %d: cannot open exe '%s': %s", t->pid, exe->reg->name,
				strerror((int)-r));
		fd = (int)r;
	}
	map.exe_fd = (uint32_t)(fd >= 0 ? fd : -1);
	if (auxv_len && auxv_len + sizeof(map) + 4096 <= in->scratch_len) {
		ret = inject_write(in, at + sizeof(map), mm->mm_saved_auxv, auxv_len);
		if (ret)
			return ret;
		map.auxv = (__u64 *)(at + sizeof(map));
		map.auxv_size = (uint32_t)auxv_len;
	}
	ret = inject_write(in, at, &map, sizeof(map));
	if (ret)
		return ret;
	r = inject_call(in, SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, at, sizeof(map), 0, 0);
	if (fd >= 0)
		inject_call(in, SYS_close, (unsigned long)fd, 0, 0, 0, 0, 0);
	if (r) {
		pr_err("pid %d: prctl(PR_SET_MM_MAP): %s", t->pid, strerror((int)-r));
		return r < 0 ? (int)r : -EIO;
	}
	return 0;
}

static int rst_sigactions(struct rst_task *t, struct inject *in, const TaskCoreEntry *tc)
{
	int sig = 0;

	/* As in CRIU, the list skips SIGKILL and SIGSTOP: entry i is the i-th other signal. */
	for (size_t i = 0; i < tc->n_sigactions; i++) {
		const SaEntry *sa = tc->sigactions[i];
		struct rst_ksigaction ks = { sa->sigaction, sa->flags, sa->restorer, sa->mask };
		long r;

		do
			sig++;
		while (sig == SIGKILL || sig == SIGSTOP);
		if (sig > 64)
			break;
		r = inject_write(in, in->scratch, &ks, sizeof(ks));
		if (!r)
			r = inject_call(in, SYS_rt_sigaction, (unsigned long)sig, in->scratch, 0, 8, 0, 0);
		if (r) {
			pr_err("pid %d: restoring the handler of signal %d: %s", t->pid, sig,
			       strerror((int)-r));
			return r < 0 ? (int)r : -EIO;
		}
	}
	return 0;
}

static void rst_rlimits(struct rst_task *t, const TaskCoreEntry *tc)
{
	if (!tc->rlimits)
		return;
	for (size_t i = 0; i < tc->rlimits->n_rlimits && i < RLIM_NLIMITS; i++) {
		struct rlimit rl = { tc->rlimits->rlimits[i]->cur, tc->rlimits->rlimits[i]->max };

		/* Raising a hard limit above ours needs CAP_SYS_RESOURCE, which we may lack. */
		if (prlimit(t->pid, (int)i, &rl, NULL))
			pr_warn("pid %d: cannot restore rlimit %zu (%llu/%llu): %s", t->pid, i,
				(unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
				strerror(errno));
	}
}

static int rst_itimers(struct rst_task *t, struct inject *in, const TaskCoreEntry *tc)
{
	const ItimerEntry *it[3];
	const int which[3] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };

	if (!tc->timers)
		return 0;
	it[0] = tc->timers->real, it[1] = tc->timers->virt, it[2] = tc->timers->prof;
	for (int i = 0; i < 3; i++) {
		struct itimerval v = { { (time_t)it[i]->isec, (suseconds_t)it[i]->iusec },
				       { (time_t)it[i]->vsec, (suseconds_t)it[i]->vusec } };
		long r;

		if (!v.it_value.tv_sec && !v.it_value.tv_usec)
			continue;
		r = inject_write(in, in->scratch, &v, sizeof(v));
		if (!r)
			r = inject_call(in, SYS_setitimer, (unsigned long)which[i], in->scratch, 0, 0,
					0, 0);
		if (r) {
			pr_err("pid %d: restoring interval timer %d: %s", t->pid, which[i],
			       strerror((int)-r));
			return (int)r;
		}
	}
	return 0;
}

int rst_task_restore(struct rst_ctx *c, struct rst_task *t, struct inject *in)
{
	const TaskCoreEntry *tc = t->th[0].core->tc;
	const ThreadCoreEntry *thc = t->th[0].core->thread_core;
	const char *comm = thc && thc->comm ? thc->comm : tc->comm;
	char name[16] = { 0 };
	long r;
	int ret;

	ret = rst_mm_map(c, t, in);
	if (!ret)
		ret = rst_sigactions(t, in, tc);
	if (ret)
		return ret;
	r = inject_call(in, SYS_personality, tc->personality, 0, 0, 0, 0, 0);
	if (r < 0)
		pr_warn("pid %d: personality 0x%x: %s", t->pid, tc->personality, strerror((int)-r));
	r = inject_call(in, SYS_prctl, PR_SET_PDEATHSIG, thc && thc->has_pdeath_sig ? thc->pdeath_sig : 0,
			0, 0, 0, 0);
	if (r)
		return (int)r;
	if (tc->has_child_subreaper && tc->child_subreaper)
		inject_call(in, SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 0);
	snprintf(name, sizeof(name), "%s", comm ? comm : "");
	r = inject_write(in, in->scratch, name, sizeof(name));
	if (!r)
		r = inject_call(in, SYS_prctl, PR_SET_NAME, in->scratch, 0, 0, 0, 0);
	if (r)
		pr_warn("pid %d: cannot set comm '%s': %ld", t->pid, name, r);
	rst_rlimits(t, tc);
	return rst_itimers(t, in, tc);
}
