/*
 * criu_opts -> struct opts: each field is taken (as its command-line
 * option), accepted without effect, or refused naming the field and the
 * plan, the same three states as the command line (docs/compat.md, "RPC").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rpc-int.h"

/* criu's CPU_CAP_FPU: the only cpu_cap bit criu-lite honours (no cpuinfo image). */
#define RPC_CPU_CAP_FPU 1u

/*
 * A directory fd of the client: looked up in its fd table as criu does, else
 * one it passed down to us; kept open as ours, named /proc/self/fd/N.
 */
static int rpc_dir_fd(pid_t peer, int fd, int *ours, char *name, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)peer, fd);
	*ours = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*ours < 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		*ours = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (*ours < 0)
		return -errno;
	snprintf(name, len, "/proc/self/fd/%d", *ours);
	return 0;
}

/* The first field set that criu-lite refuses, with its plan; NULL when none. */
static const char *rpc_refused(const CriuOpts *co, const char **plan)
{
	const char *mnt = "planned: mount namespaces", *cg = "planned: cgroups";
	const char *ext = "planned: external resources", *ns = "planned: namespaces";
	const struct {
		bool set;
		const char *name, *plan;
	} t[] = {
		{co->has_auto_dedup && co->auto_dedup, "auto_dedup",
		 "planned: image deduplication"},
		{co->n_veths, "veths", ns},
		{co->has_cpu_cap && (co->cpu_cap & ~RPC_CPU_CAP_FPU), "cpu_cap",
		 "planned: cpuinfo image; none and fpu are taken"},
		{co->n_exec_cmd, "exec_cmd", "planned"},
		{co->n_ext_mnt > OPTS_MAX_EXT_MNT, "ext_mnt (too many)", mnt},
		{co->n_cg_root > OPTS_MAX_CG_ROOTS, "cg_root", "at most 16 entries are taken"},
		{co->n_inherit_fd > OPTS_MAX_INHERIT, "inherit_fd", "at most 16 are taken"},
		{co->has_auto_ext_mnt && co->auto_ext_mnt, "auto_ext_mnt", mnt},
		{co->has_ext_sharing && co->ext_sharing, "ext_sharing", mnt},
		{co->has_ext_masters && co->ext_masters, "ext_masters", mnt},
		{co->n_skip_mnt, "skip_mnt", mnt},
		{co->n_enable_fs, "enable_fs", mnt},
		{co->n_unix_sk_ino, "unix_sk_ino", ext},
		{co->n_external, "external", ext},
		{co->n_join_ns, "join_ns", ns},
		{co->cgroup_props, "cgroup_props", cg},
		{co->cgroup_props_file, "cgroup_props_file", cg},
		{co->n_cgroup_dump_controller, "cgroup_dump_controller", cg},
		{co->cgroup_yard, "cgroup_yard", cg},
		{co->lsm_profile, "lsm_profile", "planned: LSM profiles"},
		{co->lsm_mount_context, "lsm_mount_context", "planned: LSM profiles"},
		{co->has_tls && co->tls, "tls", "planned: page server over TLS"},
		{co->tls_cacert || co->tls_cacrl || co->tls_cert || co->tls_key, "tls_*",
		 "planned: page server over TLS"},
		{co->has_pidfd_store_sk, "pidfd_store_sk", "planned: pidfd store"},
		{co->ps && co->ps->has_fd, "ps.fd",
		 "planned: a connected page server socket; give ps.address and ps.port"},
		{co->has_network_lock && (co->network_lock < CRIU_NETWORK_LOCK_METHOD__IPTABLES ||
					  co->network_lock > CRIU_NETWORK_LOCK_METHOD__SKIP),
		 "network_lock", "iptables 1, nftables 2 and skip 3 are taken"},
		{co->has_empty_ns && (co->empty_ns & ~OPTS_EMPTY_NS_NET), "empty_ns",
		 "only CLONE_NEWNET (0x40000000) is taken, as criu"},
		{co->has_mntns_compat_mode && co->mntns_compat_mode, "mntns_compat_mode", mnt},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].set) {
			*plan = t[i].plan;
			return t[i].name;
		}
	}
	return NULL;
}

/* manage_cgroups_mode (criu's numbers) onto --manage-cgroups; DEFAULT is soft, as criu. */
static enum opts_cg_mode rpc_cg_mode(const CriuOpts *co)
{
	static const enum opts_cg_mode modes[] = {
		[CRIU_CG_MODE__IGNORE] = OPTS_CG_IGNORE, [CRIU_CG_MODE__CG_NONE] = OPTS_CG_NONE,
		[CRIU_CG_MODE__PROPS] = OPTS_CG_PROPS,	 [CRIU_CG_MODE__SOFT] = OPTS_CG_SOFT,
		[CRIU_CG_MODE__FULL] = OPTS_CG_FULL,	 [CRIU_CG_MODE__STRICT] = OPTS_CG_STRICT,
		[CRIU_CG_MODE__DEFAULT] = OPTS_CG_SOFT,
	};

	if (co->has_manage_cgroups_mode &&
	    (size_t)co->manage_cgroups_mode < sizeof(modes) / sizeof(modes[0]))
		return modes[co->manage_cgroups_mode];
	return co->has_manage_cgroups && co->manage_cgroups ? OPTS_CG_SOFT : OPTS_CG_DEFAULT;
}

/* cg_root entries as --cgroup-root words ("ctrl:/path" or "/path"). */
static int rpc_cg_roots(struct rpc_req *r, const CriuOpts *co, char *why, size_t len)
{
	for (size_t i = 0; i < co->n_cg_root; i++) {
		const CgroupRoot *cr = co->cg_root[i];
		/* no ctrl: every hierarchy; "" (runc sends it): cgroup2's, named "" in /proc */
		const char *ctrl = !cr->ctrl ? NULL : cr->ctrl[0] ? cr->ctrl : "unified";

		if (!cr->path || cr->path[0] != '/') {
			snprintf(why, len, "criu_opts.cg_root[%zu]: the path must be absolute", i);
			return -EINVAL;
		}
		if (asprintf(&r->cg_roots[i], "%s%s%s", ctrl ? ctrl : "", ctrl ? ":" : "",
			     cr->path) < 0) {
			r->cg_roots[i] = NULL;
			return -ENOMEM;
		}
		r->o.cg_roots[r->o.n_cg_roots++] = r->cg_roots[i];
	}
	return 0;
}

/* The fields criu-lite takes, onto the command line's options. */
static void rpc_opts_take(struct opts *o, const CriuOpts *co)
{
	if (co->has_pid)
		o->pid = co->pid;
	o->leave_running = co->has_leave_running && co->leave_running;
	o->ext_unix_sk = co->has_ext_unix_sk && co->ext_unix_sk;
	o->tcp_established = co->has_tcp_established && co->tcp_established;
	o->tcp_close = co->has_tcp_close && co->tcp_close;
	o->skip_in_flight = co->has_tcp_skip_in_flight && co->tcp_skip_in_flight;
	/* criu's numbers are ours (OPTS_NETLOCK_*); unset means iptables, as criu */
	if (co->has_network_lock)
		o->network_lock = (int)co->network_lock;
	if (co->has_empty_ns)
		o->empty_ns = co->empty_ns;
	o->shell_job = co->has_shell_job && co->shell_job;
	o->track_mem = co->has_track_mem && co->track_mem;
	/* restore --lazy-pages; a dump refuses it (rpc-serve.c) */
	o->lazy_pages = co->has_lazy_pages && co->lazy_pages;
	o->verbosity = co->log_level;
	if (co->parent_img && co->parent_img[0])
		o->prev_images_dir = co->parent_img;
	if (co->has_ghost_limit)
		o->ghost_limit = co->ghost_limit;
	if (co->has_timeout && co->timeout)
		o->timeout = (int)co->timeout;
	/* as criu: ps replaces the address and port (never the service's --address) */
	if (co->ps) {
		o->page_server = true;
		o->address = co->ps->address;
		o->port = co->ps->has_port ? co->ps->port : 0;
	}
	if (co->log_file && co->log_file[0])
		o->log_file = co->log_file;
	/* the mount tree's (base/mntns.c): --root and --external mnt[KEY]:VAL */
	if (co->root && co->root[0])
		o->root = co->root;
	for (size_t i = 0; i < co->n_ext_mnt && i < OPTS_MAX_EXT_MNT; i++) {
		o->ext_mnt[i].key = co->ext_mnt[i]->key;
		o->ext_mnt[i].key_len = strlen(co->ext_mnt[i]->key);
		o->ext_mnt[i].val = co->ext_mnt[i]->val;
	}
	o->n_ext_mnt = (int)(co->n_ext_mnt < OPTS_MAX_EXT_MNT ? co->n_ext_mnt : OPTS_MAX_EXT_MNT);
	o->manage_cgroups = rpc_cg_mode(co);
	if (co->freeze_cgroup && co->freeze_cgroup[0])
		o->freeze_cgroup = co->freeze_cgroup;
	o->restore_sibling = co->has_rst_sibling && co->rst_sibling;
	o->orphan_pts_master = co->has_orphan_pts_master && co->orphan_pts_master;
	for (size_t i = 0; i < co->n_inherit_fd && i < OPTS_MAX_INHERIT; i++) {
		o->inherit[i].fd = co->inherit_fd[i]->fd;
		o->inherit[i].key = co->inherit_fd[i]->key;
	}
	o->n_inherit =
		(int)(co->n_inherit_fd < OPTS_MAX_INHERIT ? co->n_inherit_fd : OPTS_MAX_INHERIT);
}

int rpc_opts_dirs(struct rpc_req *r, const CriuOpts *co, const struct opts *base, char *why,
		  size_t len)
{
	int ret;

	r->o = *base;
	r->o.cfg_words = NULL; /* base's own: rpc_opts_fini frees only the request's */
	r->o.n_cfg_words = 0;
	r->o.n_close = 0;
	r->o.log_file = co->log_file && co->log_file[0] ? co->log_file : NULL;
	r->o.verbosity = co->log_level;
	r->images_fd = r->work_fd = -1;
	memset(r->cg_roots, 0, sizeof(r->cg_roots));
	ret = rpc_dir_fd(r->peer, co->images_dir_fd, &r->images_fd, r->images_dir,
			 sizeof(r->images_dir));
	if (ret) {
		snprintf(why, len, "images_dir_fd %d of pid %d: %s", co->images_dir_fd,
			 (int)r->peer, strerror(-ret));
		return ret;
	}
	r->o.images_dir = r->images_dir;
	if (co->has_work_dir_fd) {
		ret = rpc_dir_fd(r->peer, co->work_dir_fd, &r->work_fd, r->work_dir,
				 sizeof(r->work_dir));
		if (ret) {
			snprintf(why, len, "work_dir_fd %d of pid %d: %s", co->work_dir_fd,
				 (int)r->peer, strerror(-ret));
			return ret;
		}
		r->o.work_dir = r->work_dir;
	}
	return 0;
}

int rpc_opts_apply(struct rpc_req *r, const CriuOpts *co, char *why, size_t len)
{
	const char *field, *plan = NULL;
	int ret;

	field = rpc_refused(co, &plan);
	if (field) {
		snprintf(why, len, "criu_opts.%s is not supported (%s)", field, plan);
		return -EBADRQC;
	}
	rpc_opts_take(&r->o, co);
	r->o.n_cg_roots = 0;
	ret = rpc_cg_roots(r, co, why, len);
	if (ret)
		return ret;
	/*
	 * config_file (runc: /etc/criu/runc.conf) is read like --config, over
	 * the request's options, so that a user can override what the engine
	 * sends (as criu); a missing file is skipped.
	 */
	if (co->config_file && co->config_file[0] && opts_apply_config(&r->o, co->config_file)) {
		snprintf(why, len, "criu_opts.config_file '%s': see the line above",
			 co->config_file);
		return -EINVAL;
	}
	if (co->has_notify_scripts && co->notify_scripts) {
		r->o.notify = rpc_notify;
		r->o.notify_fd = rpc_notify_fd;
		r->o.notify_arg = r;
	}
	return 0;
}

void rpc_opts_fini(struct rpc_req *r)
{
	opts_fini(&r->o);
	if (r->images_fd >= 0)
		close(r->images_fd);
	if (r->work_fd >= 0)
		close(r->work_fd);
	r->images_fd = r->work_fd = -1;
	for (size_t i = 0; i < OPTS_MAX_CG_ROOTS; i++) {
		free(r->cg_roots[i]);
		r->cg_roots[i] = NULL;
	}
}
