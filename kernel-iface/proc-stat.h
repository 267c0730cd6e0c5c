/* /proc/PID/stat and /proc/PID/status: parsing (pure) and reading. No policy. */
#ifndef CRL_PROC_STAT_H
#define CRL_PROC_STAT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Fields of /proc/PID/stat (proc(5) numbering in the comments of proc-stat.c). */
struct proc_stat {
	pid_t pid, ppid, pgid, sid;
	char state;
	char comm[32]; /* may contain spaces and ')' */
	int tty_nr;
	unsigned int flags;
	long nice;
	unsigned int rt_priority, policy;
	unsigned long long starttime; /* clock ticks after boot */
	unsigned long start_code, end_code, start_stack;
	unsigned long start_data, end_data, start_brk;
	unsigned long arg_start, arg_end, env_start, env_end;
	int exit_code;
	int exit_signal;
	unsigned int num_threads;
};

/* Parses NUL-terminated stat text; comm is taken up to the LAST ')'. 0 or -EINVAL. */
int proc_parse_stat(const char *buf, struct proc_stat *out);
/* Reads /proc/@pid/stat, or /proc/@pid/task/@tid/stat when @tid != 0. 0 or -errno. */
int proc_read_stat(pid_t pid, pid_t tid, struct proc_stat *out);

#define PROC_STATUS_MAX_GROUPS 256

struct proc_status {
	char state;
	pid_t tgid, ppid, tracer_pid;
	unsigned int uid[4], gid[4]; /* real, effective, saved, fs */
	unsigned int ngroups;
	unsigned int groups[PROC_STATUS_MAX_GROUPS];
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint64_t sig_pnd, shd_pnd, sig_blk, sig_ign, sig_cgt;
	int seccomp;	  /* -1 if absent */
	int no_new_privs; /* -1 if absent */
	unsigned int threads;
	int umask;	  /* -1 if absent */
	int nspid_levels; /* number of ids on the NSpid line, 0 if absent */
	pid_t nspid_last; /* innermost pid namespace id (last NSpid value), 0 if absent */
};

/*
 * Parses NUL-terminated status text. Fails with -EINVAL if a required line
 * (State, Tgid, PPid, Uid, Gid, SigBlk) is missing, -E2BIG if Groups has more
 * than PROC_STATUS_MAX_GROUPS entries.
 */
int proc_parse_status(const char *buf, struct proc_status *out);
/* Reads /proc/@pid/status, or /proc/@pid/task/@tid/status when @tid != 0. 0 or -errno. */
int proc_read_status(pid_t pid, pid_t tid, struct proc_status *out);

#endif
