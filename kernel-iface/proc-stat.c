/*
 * /proc/PID/stat and /proc/PID/status (proc(5); do_task_stat() and
 * proc_pid_status() in fs/proc/array.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-maps.h"
#include "proc-stat.h"

/* stat fields are numbered from 1 (pid) as in proc(5); 52 is exit_code. */
#define STAT_NFIELDS 52
/* Fields up to starttime (22) exist on every kernel we care about. */
#define STAT_MIN_FIELDS 22

static int stat_split(const char *p, unsigned long long *f, int *nf)
{
	char *end;
	int i;

	/* Field 3 is the state character; numbers start at field 4. */
	for (i = 4; i <= STAT_NFIELDS; i++) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			break;
		errno = 0;
		/* strtoull takes "-1" too; casting back to a signed type restores it. */
		f[i] = strtoull(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		p = end;
	}
	*nf = i - 1;
	return 0;
}

int proc_parse_stat(const char *buf, struct proc_stat *out)
{
	unsigned long long f[STAT_NFIELDS + 1] = {0};
	const char *open, *close;
	size_t clen;
	char *end;
	int nf, ret;

	memset(out, 0, sizeof(*out));
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return -EINVAL;
	errno = 0;
	out->pid = strtol(buf, &end, 10);
	if (end == buf || errno)
		return -EINVAL;
	clen = close - open - 1;
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, clen);
	out->state = close[2];
	ret = stat_split(close + 3, f, &nf);
	if (ret)
		return ret;
	if (nf < STAT_MIN_FIELDS)
		return -EINVAL;

	out->ppid = f[4];
	out->pgid = f[5];
	out->sid = f[6];
	out->tty_nr = f[7];
	out->flags = f[9];
	out->nice = (long)f[19];
	out->num_threads = f[20];
	out->starttime = f[22];
	out->start_code = f[26];
	out->end_code = f[27];
	out->start_stack = f[28];
	out->exit_signal = (int)f[38];
	out->rt_priority = f[40];
	out->policy = f[41];
	out->start_data = f[45];
	out->end_data = f[46];
	out->start_brk = f[47];
	out->arg_start = f[48];
	out->arg_end = f[49];
	out->env_start = f[50];
	out->env_end = f[51];
	out->exit_code = (int)f[52];
	return 0;
}

static int proc_read_pid_file(pid_t pid, pid_t tid, const char *name, char **buf)
{
	char path[96];
	size_t len;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)pid, (int)tid, name);
	else
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return proc_read_file(path, buf, &len);
}

int proc_read_stat(pid_t pid, pid_t tid, struct proc_stat *out)
{
	char *buf;
	int ret;

	ret = proc_read_pid_file(pid, tid, "stat", &buf);
	if (ret)
		return ret;
	ret = proc_parse_stat(buf, out);
	free(buf);
	return ret;
}

static int st_u32_list(const char *p, unsigned int *v, unsigned int max, unsigned int *n)
{
	unsigned long x;
	char *end;

	*n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n')
			return 0;
		errno = 0;
		x = strtoul(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		if (*n == max)
			return -E2BIG;
		v[(*n)++] = x;
		p = end;
	}
}

static int st_hex64(const char *p, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(p, &end, 16);
	return end == p || errno ? -EINVAL : 0;
}

static int st_long(const char *p, int base, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(p, &end, base);
	return end == p || errno ? -EINVAL : 0;
}

/* Required keys, as bits of struct st_ctx.seen. */
enum {
	ST_STATE = 1 << 0,
	ST_TGID = 1 << 1,
	ST_PPID = 1 << 2,
	ST_UID = 1 << 3,
	ST_GID = 1 << 4,
	ST_SIGBLK = 1 << 5,
	ST_REQUIRED = (1 << 6) - 1,
};

static int st_line(const char *key, size_t klen, const char *val, struct proc_status *o,
		   unsigned int *seen)
{
	static const struct {
		const char *key;
		size_t off;
	} hex[] = {
		{"SigPnd", offsetof(struct proc_status, sig_pnd)},
		{"ShdPnd", offsetof(struct proc_status, shd_pnd)},
		{"SigBlk", offsetof(struct proc_status, sig_blk)},
		{"SigIgn", offsetof(struct proc_status, sig_ign)},
		{"SigCgt", offsetof(struct proc_status, sig_cgt)},
		{"CapInh", offsetof(struct proc_status, cap_inh)},
		{"CapPrm", offsetof(struct proc_status, cap_prm)},
		{"CapEff", offsetof(struct proc_status, cap_eff)},
		{"CapBnd", offsetof(struct proc_status, cap_bnd)},
		{"CapAmb", offsetof(struct proc_status, cap_amb)},
	};
	unsigned int ids[PROC_STATUS_MAX_GROUPS], n, i;
	long x;
	int ret;

#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(key, s, klen))
	for (i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		if (strlen(hex[i].key) != klen || memcmp(key, hex[i].key, klen))
			continue;
		if (KEY("SigBlk"))
			*seen |= ST_SIGBLK;
		return st_hex64(val, (uint64_t *)((char *)o + hex[i].off));
	}
	if (KEY("State")) {
		o->state = *val;
		*seen |= ST_STATE;
		return *val ? 0 : -EINVAL;
	}
	if (KEY("Uid") || KEY("Gid")) {
		ret = st_u32_list(val, ids, PROC_STATUS_MAX_GROUPS, &n);
		if (ret || n != 4)
			return -EINVAL;
		memcpy(KEY("Uid") ? o->uid : o->gid, ids, sizeof(o->uid));
		*seen |= KEY("Uid") ? ST_UID : ST_GID;
		return 0;
	}
	if (KEY("Groups"))
		return st_u32_list(val, o->groups, PROC_STATUS_MAX_GROUPS, &o->ngroups);
	if (KEY("NSpid")) {
		ret = st_u32_list(val, ids, PROC_STATUS_MAX_GROUPS, &n);
		if (ret)
			return ret;
		o->nspid_levels = n;
		o->nspid_last = n ? ids[n - 1] : 0;
		return 0;
	}
	if (KEY("Tgid") || KEY("PPid") || KEY("TracerPid") || KEY("Threads") || KEY("Seccomp") ||
	    KEY("NoNewPrivs")) {
		ret = st_long(val, 10, &x);
		if (ret)
			return ret;
		if (KEY("Tgid")) {
			o->tgid = x;
			*seen |= ST_TGID;
		} else if (KEY("PPid")) {
			o->ppid = x;
			*seen |= ST_PPID;
		} else if (KEY("TracerPid")) {
			o->tracer_pid = x;
		} else if (KEY("Threads")) {
			o->threads = x;
		} else if (KEY("Seccomp")) {
			o->seccomp = x;
		} else {
			o->no_new_privs = x;
		}
		return 0;
	}
	if (KEY("Umask")) {
		ret = st_long(val, 8, &x);
		o->umask = x;
		return ret;
	}
#undef KEY
	return 0;
}

int proc_parse_status(const char *buf, struct proc_status *out)
{
	const char *p = buf, *colon, *eol, *val;
	unsigned int seen = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->umask = -1;
	out->seccomp = -1;
	out->no_new_privs = -1;
	for (; *p; p = *eol ? eol + 1 : eol) {
		eol = strchrnul(p, '\n');
		colon = memchr(p, ':', eol - p);
		if (!colon)
			continue;
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		ret = st_line(p, colon - p, val, out, &seen);
		if (ret)
			return ret;
	}
	return (seen & ST_REQUIRED) == ST_REQUIRED ? 0 : -EINVAL;
}

int proc_read_status(pid_t pid, pid_t tid, struct proc_status *out)
{
	char *buf;
	int ret;

	ret = proc_read_pid_file(pid, tid, "status", &buf);
	if (ret)
		return ret;
	ret = proc_parse_status(buf, out);
	free(buf);
	return ret;
}
