/*
 * One client's requests, in order, until it closes the socket: each becomes
 * a struct opts (rpc-opts.c) and runs what the command line runs, the dump
 * in its guarded worker. Failures are answered as criu answers them:
 * success=false, cr_errno when criu has one for it, cr_errmsg the last error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "dump.h"
#include "log.h"
#include "restore.h"
#include "rpc-int.h"
#include "rpc.h"
#include "tracker.h"
#include "uffd.h"

#define RPC_ERRMSG_LEN 4096

/* The log of one request: log_file in the work dir (else the images dir), as criu. */
static void rpc_log_open(const struct rpc_req *r)
{
	const char *dir = r->o.work_dir ? r->o.work_dir : r->o.images_dir;
	char path[4096];

	if (!r->o.log_file)
		return;
	if (r->o.log_file[0] == '/')
		snprintf(path, sizeof(path), "%s", r->o.log_file);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, r->o.log_file);
	log_fini();
	if (log_init(r->o.verbosity, path))
		log_init(r->o.verbosity, NULL);
}

static void rpc_log_close(const struct opts *base)
{
	log_fini();
	log_init(base->verbosity, NULL);
}

/* pre-dump or dump of r->o.pid, in the guarded worker as the command line. */
static int rpc_dump(struct rpc_req *r, bool pre, CriuResp *resp)
{
	struct dump_hooks h = {.pre_dump = true};

	if (r->o.pid <= 0) {
		/* criu dumps the client itself then; criu-lite cannot seize its own caller */
		pr_err("criu_opts.pid is not set: dumping the calling process is not supported");
		resp->has_cr_errno = true;
		resp->cr_errno = EBADRQC;
		return 1;
	}
	if (r->o.lazy_pages) {
		pr_err("criu_opts.lazy_pages is not supported on %s (planned: dump for post-copy "
		       "migration); a restore takes it",
		       pre ? "pre-dump" : "dump");
		resp->has_cr_errno = true;
		resp->cr_errno = EBADRQC;
		return 1;
	}
	if (kill(r->o.pid, 0) && errno == ESRCH) {
		pr_err("dump: no process with pid %d", r->o.pid);
		resp->has_cr_errno = true;
		resp->cr_errno = ESRCH;
		return 1;
	}
	if (caps_enter(&r->o) || caps_require(&r->o, pre ? "pre-dump" : "dump"))
		return 1;
	return dump_run_guarded(dump_run, &r->o, pre ? &h : NULL);
}

static int rpc_restore(struct rpc_req *r, CriuResp *resp, CriuRestoreResp *rr)
{
	pid_t root;

	/* criu's RPC restore never waits for the tree: the client gets its pid */
	r->o.restore_detached = true;
	if (caps_enter(&r->o) || rst_run(&r->o, r->o.images_dir, NULL, &root))
		return 1;
	rr->pid = root;
	resp->restore = rr;
	return 0;
}

/* mem_track: a write tracker other than none validated here (check --feature mem_dirty_track). */
static bool rpc_mem_track(void)
{
	return tracker_any_validated();
}

/* lazy_pages: userfaultfd with the events restore --lazy-pages needs. */
static bool rpc_lazy_pages(void)
{
	int fd = uffd_open(O_CLOEXEC | O_NONBLOCK);
	bool ok = fd >= 0 && !uffd_api(fd, UFFD_LAZY_FEATURES, NULL);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* WAIT_PID: a restored root is our child. */
static int rpc_wait_pid(pid_t pid, CriuResp *resp)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			pr_err("wait for pid %d: %s", (int)pid, strerror(errno));
			resp->has_cr_errno = true;
			resp->cr_errno = errno;
			return 1;
		}
	}
	resp->has_status = true;
	resp->status = st;
	return 0;
}

static const char *rpc_type_name(int type)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&criu_req_type__descriptor, type);

	return v ? v->name : "unknown";
}

/* An answer and the messages it points to, all on the stack of rpc_handle. */
struct rpc_answer {
	CriuResp resp;
	CriuDumpResp dr;
	CriuRestoreResp rr;
	CriuVersion ver;
	CriuFeatures ft;
	CriuPageServerInfo ps;
};

static bool rpc_is_page_server(const CriuReq *req)
{
	return req->type == CRIU_REQ_TYPE__PAGE_SERVER ||
	       req->type == CRIU_REQ_TYPE__PAGE_SERVER_CHLD;
}

/* The operation of a request whose options are applied and log opened. */
static int rpc_op(struct rpc_req *r, const CriuReq *req, struct rpc_answer *a)
{
	bool pre =
		req->type == CRIU_REQ_TYPE__PRE_DUMP || req->type == CRIU_REQ_TYPE__SINGLE_PRE_DUMP;
	int ret;

	if (req->type == CRIU_REQ_TYPE__RESTORE)
		return rpc_restore(r, &a->resp, &a->rr);
	if (rpc_is_page_server(req)) {
		ret = rpc_page_server(r, req->type == CRIU_REQ_TYPE__PAGE_SERVER, &a->ps);
		if (!ret)
			a->resp.ps = &a->ps;
		return ret ? 1 : 0;
	}
	ret = rpc_dump(r, pre, &a->resp);
	if (!ret) {
		a->dr.has_restored = true;
		a->dr.restored = false;
		a->resp.dump = &a->dr;
	}
	return ret;
}

/* DUMP, PRE_DUMP, RESTORE, PAGE_SERVER: the request's options, its log, the operation. */
static int rpc_run(struct rpc_req *r, const CriuReq *req, const struct opts *base,
		   struct rpc_answer *a)
{
	char why[512];
	int ret;

	if (!req->opts || (rpc_is_page_server(req) && !req->opts->ps)) {
		pr_err("%s request without criu_opts%s", rpc_type_name(req->type),
		       req->opts ? ".ps (the address and port to listen on)" : "");
		a->resp.has_cr_errno = true;
		a->resp.cr_errno = EBADRQC;
		return 1;
	}
	ret = rpc_opts_dirs(r, req->opts, base, why, sizeof(why));
	/* the log in the work dir first: a client shows it whatever fails (runc: dump.log) */
	if (!ret)
		rpc_log_open(r);
	if (!ret)
		ret = rpc_opts_apply(r, req->opts, why, sizeof(why));
	if (ret) {
		pr_err("%s: %s", rpc_type_name(req->type), why);
		a->resp.has_cr_errno = ret == -EBADRQC;
		a->resp.cr_errno = EBADRQC;
		rpc_log_close(base);
		rpc_opts_fini(r);
		return 1;
	}
	ret = rpc_op(r, req, a);
	rpc_log_close(base);
	rpc_opts_fini(r);
	return ret;
}

/* criu's version this criu-lite follows (CRL_CRIU_PEER), as clients compare it. */
static void rpc_version(CriuResp *resp, CriuVersion *v)
{
	int major = 0, minor = 0;

	sscanf(CRL_CRIU_PEER, "%d.%d", &major, &minor);
	v->major_number = major;
	v->minor_number = minor;
	v->gitid = "criu-lite-" CRL_VERSION;
	v->name = "criu-lite";
	resp->version = v;
}

static int rpc_unsupported(const CriuReq *req, CriuResp *resp)
{
	const char *plan = "planned";

	if (req->type == CRIU_REQ_TYPE__CPUINFO_DUMP || req->type == CRIU_REQ_TYPE__CPUINFO_CHECK)
		plan = "planned: cpuinfo image";
	else if (req->type == CRIU_REQ_TYPE__NOTIFY)
		plan = "a NOTIFY answer outside any operation";
	if (req->type == CRIU_REQ_TYPE__EMPTY || !strcmp(rpc_type_name(req->type), "unknown"))
		pr_err("unknown RPC request type %d", (int)req->type);
	else
		pr_err("RPC request %s is not supported (%s)", rpc_type_name(req->type), plan);
	resp->has_cr_errno = true;
	resp->cr_errno = EOPNOTSUPP;
	return 1;
}

/* Answers one request; 0, or -errno when the answer could not be sent. */
static int rpc_handle(struct rpc_req *r, const CriuReq *req, const struct opts *base)
{
	struct rpc_answer a = {
		.resp = CRIU_RESP__INIT,
		.dr = CRIU_DUMP_RESP__INIT,
		.rr = CRIU_RESTORE_RESP__INIT,
		.ver = CRIU_VERSION__INIT,
		.ft = CRIU_FEATURES__INIT,
		.ps = CRIU_PAGE_SERVER_INFO__INIT,
	};
	CriuResp *resp = &a.resp;
	int ret = 0;

	r->errmsg[0] = '\0';
	resp->type = req->type;
	switch (req->type) {
	case CRIU_REQ_TYPE__VERSION:
		rpc_version(resp, &a.ver);
		break;
	case CRIU_REQ_TYPE__CHECK:
		ret = !caps_allowed(base);
		if (ret)
			pr_err("check: dump and restore may not run as this caller "
			       "(criu-lite check says why)");
		break;
	case CRIU_REQ_TYPE__FEATURE_CHECK:
		a.ft.has_mem_track = a.ft.has_lazy_pages = a.ft.has_pidfd_store = true;
		a.ft.mem_track = rpc_mem_track();
		a.ft.lazy_pages = rpc_lazy_pages();
		resp->features = &a.ft;
		break;
	case CRIU_REQ_TYPE__WAIT_PID:
		ret = rpc_wait_pid((pid_t)req->pid, resp);
		break;
	case CRIU_REQ_TYPE__DUMP:
	case CRIU_REQ_TYPE__PRE_DUMP:
	case CRIU_REQ_TYPE__SINGLE_PRE_DUMP:
	case CRIU_REQ_TYPE__RESTORE:
	case CRIU_REQ_TYPE__PAGE_SERVER:
	case CRIU_REQ_TYPE__PAGE_SERVER_CHLD:
		ret = rpc_run(r, req, base, &a);
		break;
	default:
		ret = rpc_unsupported(req, resp);
	}
	resp->success = !ret;
	if (ret)
		resp->cr_errmsg = r->errmsg[0] ? r->errmsg : "failed (see the log)";
	ret = rpc_send(r->sk, resp);
	if (ret == -EPIPE || ret == -ECONNRESET)
		pr_err("RPC: the client went away: the %s answer (%s) was not delivered",
		       rpc_type_name(req->type), resp->success ? "success" : "failure");
	else if (ret)
		pr_err("RPC: cannot answer %s: %s", rpc_type_name(req->type), strerror(-ret));
	return ret;
}

/* A packet that is not a request: one answer saying why, then the connection ends. */
static void rpc_bad_packet(struct rpc_req *r, int err)
{
	CriuResp resp = CRIU_RESP__INIT;

	r->errmsg[0] = '\0';
	if (err == -EMSGSIZE)
		pr_err("RPC: request larger than %d bytes refused", RPC_MSG_MAX);
	else
		pr_err("RPC: cannot read a request: %s",
		       err == -EBADMSG ? "not a criu_req (truncated or corrupt)" : strerror(-err));
	resp.type = CRIU_REQ_TYPE__EMPTY;
	resp.success = false;
	resp.has_cr_errno = true;
	resp.cr_errno = err == -EMSGSIZE ? EMSGSIZE : EBADMSG;
	resp.cr_errmsg = r->errmsg;
	rpc_send(r->sk, &resp);
}

int rpc_serve(int sk, const struct opts *base)
{
	struct rpc_req r = {.sk = sk, .images_fd = -1, .work_fd = -1};
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int ret, status = 0;
	CriuReq *req;

	if (getsockopt(sk, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		pr_err("RPC: fd %d is not a unix socket: %s", sk, strerror(errno));
		return 1;
	}
	r.peer = cr.pid;
	r.errmsg_len = RPC_ERRMSG_LEN;
	r.errmsg =
		mmap(NULL, r.errmsg_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r.errmsg == MAP_FAILED) {
		pr_err("RPC: %s", strerror(errno));
		return 1;
	}
	log_keep_errors(r.errmsg, r.errmsg_len);
	for (;;) {
		ret = rpc_recv(sk, &req);
		if (ret == -ECONNRESET)
			break;
		if (ret) {
			rpc_bad_packet(&r, ret);
			status = 1;
			break;
		}
		ret = rpc_handle(&r, req, base);
		criu_req__free_unpacked(req, NULL);
		if (ret) {
			status = 1;
			break;
		}
	}
	log_keep_errors(NULL, 0);
	munmap(r.errmsg, r.errmsg_len);
	return status;
}
