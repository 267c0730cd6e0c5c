/*
 * Parsers of kernel-iface/proc-*.c fed with /proc text saved on the dev machine
 * (kernel 6.18) in fixtures/proc-*.txt. The saving process mapped a deleted file,
 * a file whose name has spaces, shared anonymous memory, a SysV segment, and
 * opened an eventfd, signalfd, timerfd, an epoll with two targets and three
 * POSIX timers; the values checked below are the ones it set.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "proc-fdinfo.h"
#include "proc-maps.h"
#include "proc-misc.h"
#include "proc-stat.h"
#include "tap.h"

static char *fixture(const char *name, size_t *len)
{
	const char *dir = getenv("CRL_FIXTURES");
	char path[512], *buf = NULL;
	size_t l = 0;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "fixtures", name);
	if (proc_read_file(path, &buf, &l)) {
		printf("# cannot read fixture %s\n", path);
		return NULL;
	}
	if (len)
		*len = l;
	return buf;
}

static const struct proc_vma *find_vma(const struct proc_vma_list *l, unsigned long start)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].start == start)
			return &l->v[i];
	return NULL;
}

/* Checks common to maps and smaps (same process, same moment). */
static void check_vmas(const struct proc_vma_list *l, const char *what)
{
	const struct proc_vma *v;

	ok(l->n == 32, "%s: 32 vmas (got %zu)", what, l->n);
	v = &l->v[0];
	ok(v->start == 0x56200b973000 && v->end == 0x56200b974000 && v->prot == PROT_READ &&
		   !v->shared && v->pgoff == 0 && v->dev_major == 0xfe && v->dev_minor == 0 &&
		   v->ino == 10953138 && v->kind == PROC_VMA_FILE && !v->deleted && v->path &&
		   !strcmp(v->path, "/tmp/procfs-gen/gen"),
	   "%s: first vma: the executable, all columns", what);
	v = &l->v[1];
	ok(v->prot == (PROT_READ | PROT_EXEC) && v->pgoff == 0x1000, "%s: r-xp at pgoff 0x1000",
	   what);
	v = find_vma(l, 0x562048344000);
	ok(v && v->kind == PROC_VMA_HEAP && !strcmp(v->path, "[heap]"), "%s: [heap]", what);
	v = find_vma(l, 0x7f40ca406000);
	ok(v && v->kind == PROC_VMA_ANON && !v->path && v->end == 0x7f40ca40a000 &&
		   v->prot == (PROT_READ | PROT_WRITE | PROT_EXEC) && v->ino == 0,
	   "%s: anonymous rwxp, no path", what);
	v = find_vma(l, 0x7f40ca40a000);
	ok(v && v->kind == PROC_VMA_SHMEM_ANON && v->shared && v->deleted &&
		   !strcmp(v->path, "/SYSV00000000") && v->dev_minor == 1 && v->ino == 2,
	   "%s: SysV shm is shared anon, deleted, suffix stripped", what);
	v = find_vma(l, 0x7f40ca40b000);
	ok(v && v->kind == PROC_VMA_SHMEM_ANON && v->shared && v->deleted &&
		   !strcmp(v->path, "/dev/zero") && v->ino == 5 && v->end == 0x7f40ca40e000,
	   "%s: MAP_SHARED|MAP_ANONYMOUS is /dev/zero (deleted)", what);
	v = find_vma(l, 0x7f40ca40e000);
	ok(v && v->kind == PROC_VMA_FILE && v->shared && !v->deleted && v->pgoff == 0x1000 &&
		   !strcmp(v->path, "/tmp/procfs-gen/with space  x.bin"),
	   "%s: path with spaces kept whole", what);
	v = find_vma(l, 0x7f40ca40f000);
	ok(v && v->kind == PROC_VMA_FILE && v->deleted && !v->shared &&
		   !strcmp(v->path, "/tmp/procfs-gen/gone.bin"),
	   "%s: deleted file: flag set, suffix stripped", what);
	v = find_vma(l, 0x7f40ca413000);
	ok(v && v->kind == PROC_VMA_VVAR && !strcmp(v->path, "[vvar]"), "%s: [vvar]", what);
	v = find_vma(l, 0x7f40ca417000);
	ok(v && v->kind == PROC_VMA_VVAR && !strcmp(v->path, "[vvar_vclock]") &&
		   v->end == 0x7f40ca419000,
	   "%s: [vvar_vclock] is vvar", what);
	v = find_vma(l, 0x7f40ca419000);
	ok(v && v->kind == PROC_VMA_VDSO && v->prot == (PROT_READ | PROT_EXEC), "%s: [vdso]", what);
	v = find_vma(l, 0x7fff16aea000);
	ok(v && v->kind == PROC_VMA_STACK && v->end == 0x7fff16bee000, "%s: [stack]", what);
	v = &l->v[l->n - 1];
	ok(v->start == 0xffffffffff600000UL && v->kind == PROC_VMA_VSYSCALL && v->prot == PROT_EXEC,
	   "%s: [vsyscall], top of the address space", what);
}

static void test_maps(void)
{
	struct proc_vma_list l;
	const struct proc_vma *v;
	size_t len, i;
	unsigned int flags = 0;
	char *buf;

	buf = fixture("proc-maps.txt", &len);
	ok(buf && proc_parse_maps(buf, len, &l) == 0, "maps: parses");
	if (!buf)
		return;
	check_vmas(&l, "maps");
	for (i = 0; i < l.n; i++)
		flags |= l.v[i].vmflags | l.v[i].rss_kb;
	ok(flags == 0, "maps: no vmflags or sizes without smaps");
	proc_vma_list_free(&l);
	ok(l.n == 0 && l.v == NULL, "maps: list empty after free");
	/* Parsing must not read past @len: cut in the middle of the last line. */
	ok(proc_parse_maps(buf, len - 70, &l) == -EINVAL && l.n == 0,
	   "maps: truncated last line is -EINVAL, list left empty");
	free(buf);

	buf = fixture("proc-smaps.txt", &len);
	ok(buf && proc_parse_maps(buf, len, &l) == 0, "smaps: parses");
	if (!buf)
		return;
	check_vmas(&l, "smaps");
	v = find_vma(&l, 0x7f40ca406000);
	ok(v && v->rss_kb == 8 && v->anon_kb == 8 && v->swap_kb == 0 && v->anon_huge_kb == 0,
	   "smaps: rwxp area: Rss 8 kB, Anonymous 8 kB");
	ok(v && v->vmflags == (PROC_VMF_DONTDUMP | PROC_VMF_MAYWRITE),
	   "smaps: MADV_DONTDUMP -> dd (and mw) only (got %#x)", v ? v->vmflags : 0);
	v = find_vma(&l, 0x7f40ca21f000);
	ok(v && (v->vmflags & ~PROC_VMF_MAYWRITE) == PROC_VMF_GROWSDOWN && v->prot == 0,
	   "smaps: MAP_GROWSDOWN -> gd");
	v = find_vma(&l, 0x7f40ca11d000);
	ok(v && v->vmflags == (PROC_VMF_WIPEONFORK | PROC_VMF_MAYWRITE),
	   "smaps: MADV_WIPEONFORK -> wf (and mw)");
	v = find_vma(&l, 0x7f40ca40b000);
	ok(v && v->vmflags == (PROC_VMF_SHARED | PROC_VMF_MAYSHARE | PROC_VMF_MAYWRITE) &&
		   v->rss_kb == 4,
	   "smaps: shared anon: sh ms, Rss 4 kB");
	v = find_vma(&l, 0x7f40ca417000);
	ok(v && v->vmflags == (PROC_VMF_PFNMAP | PROC_VMF_IO | PROC_VMF_DONTEXPAND |
			       PROC_VMF_DONTDUMP),
	   "smaps: [vvar_vclock]: pf io de dd");
	v = find_vma(&l, 0x7fff16aea000);
	ok(v && v->rss_kb == 28 && v->anon_kb == 28 && (v->vmflags & PROC_VMF_GROWSDOWN),
	   "smaps: [stack]: Rss 28 kB, gd");
	proc_vma_list_free(&l);
	free(buf);
}

static void test_maps_synthetic(void)
{
	static const char text[] = "00400000-00401000 r--s 00000000 00:05 7 [anon:my buf]\n"
				   "00401000-00402000 rw-s 00000000 00:01 8 [anon_shmem:x]\n"
				   "00402000-00403000 rw-p 00000000 00:0e 9 anon_inode:[perf]\n"
				   "00403000-00404000 rw-p 00000000 00:00 0 [uprobes]\n"
				   "00404000-00406000 rw-s 00000000 00:08 4711 socket:[4711]\n";
	struct proc_vma_list l;

	ok(proc_parse_maps(text, sizeof(text) - 1, &l) == 0 && l.n == 5, "synthetic maps parse");
	if (l.n != 5)
		return;
	ok(l.v[0].kind == PROC_VMA_ANON && !strcmp(l.v[0].path, "[anon:my buf]"),
	   "[anon:NAME] is anonymous, name kept");
	ok(l.v[1].kind == PROC_VMA_SHMEM_ANON, "[anon_shmem:NAME] is shared anon");
	ok(l.v[2].kind == PROC_VMA_OTHER_SPECIAL, "anon_inode: mapping is special");
	ok(l.v[3].kind == PROC_VMA_OTHER_SPECIAL, "unknown [name] is special");
	ok(!proc_vma_is_socket(&l.v[2]) && !proc_vma_is_socket(&l.v[3]),
	   "anon_inode: and [name] are no socket mappings");
	ok(proc_vma_is_socket(&l.v[4]) && l.v[4].ino == 4711 && l.v[4].shared,
	   "socket:[INO] is a socket mapping with its inode");
	proc_vma_list_free(&l);
	ok(proc_parse_maps("Rss: 4 kB\n", 10, &l) == -EINVAL,
	   "smaps field before any vma: -EINVAL");
	ok(proc_parse_maps("00400000-00401000 rw-x 0 00:00 0\n", 33, &l) == -EINVAL,
	   "bad share column: -EINVAL");
}

static void test_stat(void)
{
	struct proc_stat st;
	char *buf = fixture("proc-stat.txt", NULL);

	ok(buf && proc_parse_stat(buf, &st) == 0, "stat: parses");
	if (!buf)
		return;
	ok(st.pid == 6698 && !strcmp(st.comm, "a) b (c") && st.state == 'R',
	   "stat: pid, comm with ') ' and '(' inside, state");
	ok(st.ppid == 6688 && st.pgid == 6688 && st.sid == 3811 && st.tty_nr == 0,
	   "stat: ppid, pgid, sid, tty");
	ok(st.flags == 4194560 && st.nice == 0 && st.num_threads == 1 && st.starttime == 57236,
	   "stat: flags, nice, threads, starttime");
	ok(st.start_code == 94695633403904UL && st.end_code == 94695633406681UL &&
		   st.start_stack == 140733574985888UL,
	   "stat: code and stack addresses");
	ok(st.start_data == 94695633415632UL && st.end_data == 94695633416480UL &&
		   st.start_brk == 94696650326016UL,
	   "stat: data and brk");
	ok(st.arg_start == 140733574994582UL && st.arg_end == 140733574994592UL &&
		   st.env_start == 140733574994592UL && st.env_end == 140733574995954UL,
	   "stat: args and environment");
	ok(st.exit_signal == 17 && st.exit_code == 0 && st.rt_priority == 0 && st.policy == 0,
	   "stat: exit signal, rt priority, policy");
	free(buf);

	ok(proc_parse_stat("7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 39 19 3 0 99 0 0 0 0 0 0 0 0 0 0"
			   " 0 0 0 0 0 9 1 5 2",
			   &st) == 0 &&
		   st.nice == 19 && st.num_threads == 3 && st.rt_priority == 5 && st.policy == 2 &&
		   st.exit_signal == 9 && st.exit_code == 0,
	   "stat: short line (old kernel) parses, missing fields 0");
	ok(proc_parse_stat("7 (x) S 1 2 3", &st) == -EINVAL, "stat: too few fields: -EINVAL");
	ok(proc_parse_stat("7 x S 1 2 3", &st) == -EINVAL, "stat: no comm: -EINVAL");
}

static void test_status(void)
{
	struct proc_status s;
	char *buf = fixture("proc-status.txt", NULL);

	ok(buf && proc_parse_status(buf, &s) == 0, "status: parses");
	if (!buf)
		return;
	ok(s.state == 'R' && s.tgid == 6698 && s.ppid == 6688 && s.tracer_pid == 0,
	   "status: state, tgid, ppid, tracer");
	ok(s.uid[0] == 0 && s.uid[3] == 0 && s.gid[1] == 0, "status: uids and gids");
	ok(s.ngroups == 3 && s.groups[0] == 1 && s.groups[1] == 2 && s.groups[2] == 3000,
	   "status: supplementary groups 1 2 3000");
	ok(s.cap_inh == 0 && s.cap_prm == 0x1fffeffffffULL && s.cap_eff == 0x1fffeffffffULL &&
		   s.cap_bnd == 0x1fffeffffffULL && s.cap_amb == 0,
	   "status: capability sets");
	ok(s.sig_blk == ((1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGTERM - 1))) &&
		   s.sig_ign == 1ULL << (SIGPIPE - 1) && s.sig_pnd == 0 && s.shd_pnd == 0 &&
		   s.sig_cgt == 0,
	   "status: blocked USR1+TERM, ignored PIPE");
	ok(s.umask == 027 && s.seccomp == 0 && s.no_new_privs == 0 && s.threads == 1,
	   "status: umask 027, seccomp, no_new_privs, threads");
	ok(s.nspid_levels == 1 && s.nspid_last == 6698, "status: NSpid one level");
	free(buf);

	ok(proc_parse_status("State:\tS (sleeping)\nTgid:\t5\nPPid:\t1\nUid:\t1 2 3 4\n"
			     "Gid:\t5 6 7 8\nGroups:\t\nNSpid:\t900 12 5\nSigBlk:\t0\n",
			     &s) == 0 &&
		   s.umask == -1 && s.ngroups == 0 && s.uid[3] == 4 && s.gid[2] == 7 &&
		   s.nspid_levels == 3 && s.nspid_last == 5 && s.seccomp == -1,
	   "status: minimal text, absent Umask/Seccomp are -1, nested NSpid");
	ok(proc_parse_status("State:\tS\nTgid:\t5\n", &s) == -EINVAL,
	   "status: missing required lines: -EINVAL");
}

/* A sleep with ambient CAP_NET_RAW and CAP_SYS_NICE, traced by strace (pid 29981). */
static void test_status_traced(void)
{
	struct proc_status s;
	char *buf = fixture("proc-status-traced-ambient.txt", NULL);

	ok(buf && proc_parse_status(buf, &s) == 0, "status (traced, ambient): parses");
	if (!buf)
		return;
	ok(s.tracer_pid == 29981 && s.tgid == 29953, "status: TracerPid 29981 (got %d)",
	   (int)s.tracer_pid);
	ok(s.cap_amb == 0x802000ULL && s.cap_inh == 0x802000ULL,
	   "status: ambient and inheritable CAP_NET_RAW|CAP_SYS_NICE (got %#llx)",
	   (unsigned long long)s.cap_amb);
	free(buf);
}

static void test_fdinfo(void)
{
	struct proc_fdinfo f;
	char *buf;

	buf = fixture("proc-fdinfo-reg.txt", NULL);
	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.pos == 3 && f.flags == 02100000 &&
		   f.mnt_id == 27 && f.ino == 733 && !f.has_eventfd && !f.is_epoll,
	   "fdinfo: regular file pos 3, O_RDONLY|O_CLOEXEC|O_LARGEFILE, mnt_id, ino");
	proc_fdinfo_fini(&f);
	free(buf);

	buf = fixture("proc-fdinfo-eventfd.txt", NULL);
	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.has_eventfd && f.eventfd_count == 42 &&
		   f.flags == 04002 && !f.has_signalfd && !f.has_timerfd,
	   "fdinfo: eventfd count 42 (hex in the file), O_NONBLOCK|O_RDWR");
	free(buf);

	buf = fixture("proc-fdinfo-signalfd.txt", NULL);
	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.has_signalfd &&
		   f.sigmask == ((1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGTERM - 1))),
	   "fdinfo: signalfd mask USR1+TERM");
	free(buf);

	buf = fixture("proc-fdinfo-timerfd.txt", NULL);
	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.has_timerfd &&
		   f.clockid == CLOCK_MONOTONIC && f.ticks == 0 && f.settime_flags == 0 &&
		   f.it_value_sec == 99 && f.it_value_nsec == 998942622 && f.it_interval_sec == 2 &&
		   f.it_interval_nsec == 500000000,
	   "fdinfo: timerfd monotonic, value (99, 998942622), interval (2, 5e8)");
	free(buf);

	buf = fixture("proc-fdinfo-epoll.txt", NULL);
	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.is_epoll && f.n_tfds == 2,
	   "fdinfo: epoll with 2 targets");
	if (buf && f.n_tfds == 2) {
		ok(f.tfds[0].tfd == 9 && f.tfds[0].events == 0x1c && f.tfds[0].data == 7 &&
			   f.tfds[0].pos == 0 && f.tfds[0].ino == 0x2e3a && f.tfds[0].dev == 0xf,
		   "fdinfo: epoll target 9: EPOLLOUT|ERR|HUP, data 7, ino, dev");
		ok(f.tfds[1].tfd == 4 && f.tfds[1].events == 0x80000019 &&
			   f.tfds[1].data == 0x1122334455667788ULL && f.tfds[1].ino == 0x40e &&
			   f.tfds[1].dev == 0x10,
		   "fdinfo: epoll target 4: EPOLLIN|ET, 64-bit data");
	}
	proc_fdinfo_fini(&f);
	ok(f.tfds == NULL && f.n_tfds == 0, "fdinfo: fini empties tfds");
	free(buf);
	ok(proc_parse_fdinfo("pos:\t0\ntfd: 3 events: zz\n", &f) == -EINVAL && f.tfds == NULL,
	   "fdinfo: malformed tfd line: -EINVAL");
}

/*
 * An inotify fd (kernel 6.18): watches on /tmp (IN_CREATE|IN_DELETE, wd 1,
 * removed), /etc (IN_MODIFY|IN_ONLYDIR, wd 2) and /usr (IN_ATTRIB|
 * IN_EXCL_UNLINK, wd 3); IN_ONLYDIR is not kept in the mask.
 */
static void test_fdinfo_inotify(void)
{
	char *buf = fixture("proc-fdinfo-inotify.txt", NULL);
	struct proc_inotify_wd w;
	struct proc_fdinfo f;

	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.n_iwds == 2 && f.flags == 04000,
	   "fdinfo: inotify with 2 watches, O_NONBLOCK");
	if (buf && f.n_iwds == 2) {
		ok(f.iwds[0].wd == 3 && f.iwds[0].ino == 0x3c51c && f.iwds[0].sdev == 0xfe00000 &&
			   f.iwds[0].mask == 0x4000004 && f.iwds[0].fh_bytes == 8 &&
			   f.iwds[0].fh_type == 1 && f.iwds[0].fh[0] == 0x1c &&
			   f.iwds[0].fh[2] == 0x03,
		   "fdinfo: inotify wd 3: ino, sdev, IN_ATTRIB|IN_EXCL_UNLINK, 8-byte handle");
		ok(f.iwds[1].wd == 2 && f.iwds[1].ino == 0x13 && f.iwds[1].mask == 0x2 &&
			   f.iwds[1].fh[0] == 0x13 && f.iwds[1].fh[7] == 0,
		   "fdinfo: inotify wd 2: IN_MODIFY, handle");
	}
	proc_fdinfo_fini(&f);
	ok(f.iwds == NULL && f.n_iwds == 0, "fdinfo: fini empties inotify watches");
	free(buf);
	buf = fixture("proc-fdinfo-pidfd.txt", NULL);
	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.has_pidfd && f.pidfd_pid == 728 && !f.n_iwds,
	   "fdinfo: pidfd of pid 728");
	free(buf);
	ok(proc_parse_fdinfo("pos:\t0\nPid:\t-1\nNSpid:\t-1\n", &f) == 0 && f.has_pidfd &&
		   f.pidfd_pid == -1,
	   "fdinfo: pidfd of a reaped process: -1");
	ok(proc_parse_inotify_wd("inotify wd:1 ino:2 sdev:3 mask:4 ignored_mask:0", &w) == 0 &&
		   w.wd == 1 && w.fh_bytes == 0,
	   "fdinfo: inotify line without a handle (no CONFIG_EXPORTFS)");
	ok(proc_parse_inotify_wd("inotify wd:1 ino:2 sdev:3 mask:4 ignored_mask:0 fhandle-bytes:8 "
				 "fhandle-type:1 f_handle:12",
				 &w) == -EINVAL,
	   "fdinfo: inotify handle shorter than its byte count: -EINVAL");
}

/* "lock:" lines as kernel 6.18 prints them (saved from a process holding each kind). */
static void test_fdinfo_locks(void)
{
	struct proc_lock l;
	struct proc_fdinfo f;
	char *buf;

	buf = fixture("proc-fdinfo-locks.txt", NULL);
	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.n_locks == 2 && f.ino == 10952766,
	   "fdinfo locks: two POSIX lock lines");
	if (buf && f.n_locks == 2) {
		ok(f.locks[0].kind == PROC_LOCK_POSIX && f.locks[0].advisory && f.locks[0].write &&
			   f.locks[0].pid == 22077 && f.locks[0].maj == 0xfe &&
			   f.locks[0].min == 0 && f.locks[0].ino == 10952766 &&
			   f.locks[0].start == 10 && f.locks[0].end == 109,
		   "fdinfo locks: POSIX write lock of pid 22077 on bytes 10-109");
		ok(f.locks[1].kind == PROC_LOCK_POSIX && !f.locks[1].write &&
			   f.locks[1].start == 500 && f.locks[1].end == -1,
		   "fdinfo locks: POSIX read lock from 500 to EOF");
		ok(!strcmp(f.locks[1].text, "POSIX  ADVISORY  READ 22077 fe:00:10952766 500 EOF"),
		   "fdinfo locks: the line kept for messages");
	}
	proc_fdinfo_fini(&f);
	ok(f.locks == NULL && f.n_locks == 0, "fdinfo locks: fini empties locks");
	free(buf);

	ok(proc_parse_lock("1: FLOCK  ADVISORY  WRITE 22077 fe:00:10952765 0 EOF", &l) == 0 &&
		   l.kind == PROC_LOCK_FLOCK && l.write && l.pid == 22077 && l.end == -1,
	   "lock: flock write");
	ok(proc_parse_lock("1: OFDLCK ADVISORY  READ -1 08:01:77 4096 8191", &l) == 0 &&
		   l.kind == PROC_LOCK_OFD && !l.write && l.pid == -1 && l.maj == 8 && l.min == 1 &&
		   l.start == 4096 && l.end == 8191,
	   "lock: OFD read lock, pid -1");
	ok(proc_parse_lock("3: LEASE  ACTIVE    READ 10 fe:00:12 0 EOF", &l) == 0 &&
		   l.kind == PROC_LOCK_LEASE && !l.advisory,
	   "lock: lease (not advisory)");
	ok(proc_parse_lock("1: POSIX  MANDATORY WRITE 10 fe:00:12 0 EOF", &l) == 0 &&
		   l.kind == PROC_LOCK_POSIX && !l.advisory,
	   "lock: mandatory POSIX lock is told apart");
	ok(proc_parse_lock("1: POSIX  ADVISORY  UNLCK 10 fe:00:12 0 EOF", &l) == -EINVAL,
	   "lock: UNLCK type: -EINVAL");
	ok(proc_parse_lock("1: POSIX  ADVISORY  WRITE 10 fe:00:12 9 5", &l) == -EINVAL,
	   "lock: end before start: -EINVAL");
	buf = "pos:\t0\nlock:\t1: POSIX *NOINODE* WRITE 1 <none>:0 0 EOF\n";
	ok(proc_parse_fdinfo(buf, &f) == -EINVAL && f.locks == NULL,
	   "fdinfo locks: malformed lock line: -EINVAL");
}

static void test_timers(void)
{
	struct proc_posix_timer *t = NULL;
	size_t n = 0;
	char *buf = fixture("proc-timers.txt", NULL);

	ok(buf && proc_parse_timers(buf, &t, &n) == 0 && n == 3, "timers: 3 timers");
	if (n == 3) {
		ok(t[0].id == 2 && t[0].signo == SIGRTMIN + 1 && t[0].sigev_value == 5 &&
			   t[0].notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) &&
			   t[0].notify_tid == 6698 && t[0].clock_id == CLOCK_BOOTTIME,
		   "timers: thread-id timer on CLOCK_BOOTTIME");
		ok(t[1].id == 1 && t[1].notify == SIGEV_NONE && t[1].clock_id == CLOCK_MONOTONIC &&
			   t[1].sigev_value == 0xdeadbeef,
		   "timers: SIGEV_NONE timer");
		ok(t[2].id == 0 && t[2].signo == SIGUSR2 && t[2].notify == SIGEV_SIGNAL &&
			   t[2].notify_tid == 6698 && t[2].clock_id == CLOCK_REALTIME,
		   "timers: SIGEV_SIGNAL SIGUSR2 timer");
	}
	free(t);
	free(buf);
	ok(proc_parse_timers("", &t, &n) == 0 && n == 0 && t == NULL, "timers: empty file");
	ok(proc_parse_timers("signal: 1/0\n", &t, &n) == -EINVAL,
	   "timers: line before ID: -EINVAL");
}

/*
 * A fanotify fd (6.18): FAN_CLASS_NOTIF|FAN_NONBLOCK|FAN_CLOEXEC, O_LARGEFILE
 * events; an ignore mark on /etc/hostname (IGNORED_SURV_MODIFY), a mount
 * mark on / (FAN_OPEN), an inode mark on /tmp (FAN_OPEN|FAN_CLOSE_WRITE).
 */
static void test_fdinfo_fanotify(void)
{
	char *buf = fixture("proc-fdinfo-fanotify.txt", NULL);
	struct proc_fanotify_mark m;
	struct proc_fdinfo f;

	ok(buf && proc_parse_fdinfo(buf, &f) == 0 && f.has_fanotify && f.fan_flags == 3 &&
		   f.fan_event_flags == 0x8000 && f.n_fmarks == 3,
	   "fdinfo: fanotify flags, event flags, 3 marks");
	if (buf && f.n_fmarks == 3) {
		ok(f.fmarks[0].kind == PROC_FAN_INODE && f.fmarks[0].ino == 0x2dd &&
			   f.fmarks[0].mflags == 0x40 && f.fmarks[0].mask == 0 &&
			   f.fmarks[0].ignored_mask == 0x20 && f.fmarks[0].fh_bytes == 8 &&
			   f.fmarks[0].fh[0] == 0xdd,
		   "fdinfo: fanotify inode mark with an ignored mask and a handle");
		ok(f.fmarks[1].kind == PROC_FAN_MOUNT && f.fmarks[1].mnt_id == 0x1b &&
			   f.fmarks[1].mask == 0x20,
		   "fdinfo: fanotify mount mark 0x1b, FAN_OPEN");
		ok(f.fmarks[2].kind == PROC_FAN_INODE && f.fmarks[2].mask == 0x28,
		   "fdinfo: fanotify inode mark FAN_OPEN|FAN_CLOSE_WRITE");
	}
	proc_fdinfo_fini(&f);
	free(buf);
	ok(proc_parse_fanotify_mark("fanotify sdev:fe00000 mflags:0 mask:1 ignored_mask:0", &m) ==
			   0 &&
		   m.kind == PROC_FAN_SB && m.sdev == 0xfe00000,
	   "fdinfo: fanotify filesystem mark");
	ok(proc_parse_fanotify_mark("fanotify what:1", &m) == -EINVAL,
	   "fdinfo: unknown fanotify mark: -EINVAL");
}

/* mountinfo lines as 6.18 prints them: the mount point of a device, escapes undone. */
static void test_mountinfo_dev(void)
{
	const char *mi = "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
			 "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
			 "40 27 0:40 / /mnt/with\\040space rw - tmpfs tmpfs rw\n";
	char out[64];

	ok(proc_parse_mountinfo_dev(mi, 254, 0, out, sizeof(out)) == 0 && !strcmp(out, "/"),
	   "mountinfo: 254:0 is mounted at /");
	ok(proc_parse_mountinfo_dev(mi, 0, 40, out, sizeof(out)) == 0 &&
		   !strcmp(out, "/mnt/with space"),
	   "mountinfo: an escaped space in the mount point");
	ok(proc_parse_mountinfo_dev(mi, 8, 1, out, sizeof(out)) == -ENOENT,
	   "mountinfo: no mount of 8:1: -ENOENT");
	ok(proc_parse_mountinfo_dev("garbage\n", 8, 1, out, sizeof(out)) == -EINVAL,
	   "mountinfo: malformed line: -EINVAL");
	ok(proc_parse_mountinfo_id(mi, 40, out, sizeof(out)) == 0 &&
		   !strcmp(out, "/mnt/with space"),
	   "mountinfo: mount 40 by its id");
	ok(proc_parse_mountinfo_id(mi, 41, out, sizeof(out)) == -ENOENT,
	   "mountinfo: no mount 41: -ENOENT");
}

int main(void)
{
	test_maps();
	test_maps_synthetic();
	test_stat();
	test_status();
	test_status_traced();
	test_fdinfo();
	test_fdinfo_locks();
	test_fdinfo_inotify();
	test_mountinfo_dev();
	test_fdinfo_fanotify();
	test_timers();
	return tap_done();
}
