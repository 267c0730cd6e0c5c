/* Inside the RPC layer: messages, options, one request's context. */
#ifndef CRL_RPC_INT_H
#define CRL_RPC_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "options.h"
#include "rpc.pb-c.h"

/* The largest request taken; a longer one is answered with an error. */
#define RPC_MSG_MAX (64 << 10)

/* One request: the options made from its criu_opts and what they point into. */
struct rpc_req {
	int sk;
	pid_t peer; /* the client's pid (SO_PEERCRED) */
	struct opts o;
	int images_fd, work_fd; /* ours, -1 when not open */
	char images_dir[64], work_dir[64];
	char *cg_roots[OPTS_MAX_CG_ROOTS]; /* "ctrl:path" made from cg_root, ours */
	char *errmsg;			   /* shared with the dump worker: the last error line */
	size_t errmsg_len;
};

/* rpc-msg.c: 0, -ECONNRESET (the client closed), -EMSGSIZE or -EBADMSG. */
int rpc_recv(int sk, CriuReq **req);
/* 0 or -errno (-EPIPE: the client is gone). */
int rpc_send(int sk, const CriuResp *resp);
/* NOTIFY round trip for one stage (struct opts' notify hook; @arg: the rpc_req). */
int rpc_notify(void *arg, const char *stage, pid_t pid);
/* The same with @fd attached (SCM_RIGHTS): struct opts' notify_fd hook. */
int rpc_notify_fd(void *arg, const char *stage, int fd);

/*
 * rpc-opts.c: r->o from @base with @co's directories (images_dir_fd,
 * work_dir_fd) and log_file, so that the request's log opens before anything
 * else is said. 0, or -errno with @why filled.
 */
int rpc_opts_dirs(struct rpc_req *r, const CriuOpts *co, const struct opts *base, char *why,
		  size_t len);
/*
 * Then the rest of @co onto r->o: 0, or -EBADRQC with @why naming the
 * refused field, or another -errno with @why filled.
 */
int rpc_opts_apply(struct rpc_req *r, const CriuOpts *co, char *why, size_t len);
void rpc_opts_fini(struct rpc_req *r);

/*
 * rpc-ps.c: starts a page server on r->o's address and port into its images
 * dir, a daemon or (!@daemon) a child of ours; fills @ps with its pid and the
 * bound port. 0 or -errno (logged).
 */
int rpc_page_server(struct rpc_req *r, bool daemon, CriuPageServerInfo *ps);

#endif
