/*
 * The network lock of a dump (criu's --network-lock; netlock.h, nf-lock.h).
 *
 * Before the freeze, while the tree runs: connection attempts to the tree's
 * TCP listeners are dropped at the lock, and the program gets a bounded
 * moment (DRAIN_MS) to accept what already waits in their queues, polled
 * through inet_diag; what still waits at the freeze is refused by the inet
 * kind (or left out with --skip-in-flight). After the freeze, each TCP
 * connection with a peer outside the tree is locked (both ways) before its
 * socket goes into repair mode (dump-fd-inet.c); a connection whose other end
 * the tree holds too is restored with it and needs none.
 *
 * The lock is released when the tree goes on (a failed dump, -R, pre-dump
 * never takes one) and stays when the tree dies (or is left stopped for a
 * migration): inventory.img then records its method and the restore releases
 * it at its end. The keeper releases it when the worker dies
 * (dump_guard_note_netlock). When the tree's root is in its own network
 * namespace the connections are locked inside it, and released there
 * (docs/containers.md "network lock inside the namespace").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "log.h"
#include "netlock.h"
#include "nsfs.h"
#include "proc-misc.h"
#include "proc-task.h"
#include "sock-diag.h"
#include "tcp-repair.h"

#define DRAIN_MS 1000
#define DRAIN_STEP_MS 20

struct dump_netlock {
	struct netlock lock;
	pid_t ns_pid;	/* the lock is in this pid's network namespace; 0: the tool's */
	uint32_t *inos; /* the frozen tree's socket inodes, sorted; loaded on first use */
	size_t nr_inos;
	bool inos_loaded;
};

static int ino_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Socket inodes of @pid's fds appended to *@v. */
static int pid_socket_inos(pid_t pid, uint32_t **v, size_t *n)
{
	char what[32], link[64];
	unsigned int ino;
	int *fds = NULL;
	size_t nfds = 0;
	int ret = proc_list_fds(pid, &fds, &nfds);

	for (size_t i = 0; !ret && i < nfds; i++) {
		snprintf(what, sizeof(what), "fd/%d", fds[i]);
		if (proc_readlink(pid, what, link, sizeof(link)) ||
		    sscanf(link, "socket:[%u]", &ino) != 1)
			continue; /* closed meanwhile, or not a socket */
		if (ARRAY_GROW(*v, *n))
			ret = -ENOMEM;
		else
			(*v)[(*n)++] = ino;
	}
	free(fds);
	return ret;
}

/* The running tree under @root, depth first, into *@pids (before the freeze: a best effort). */
static int tree_pids(pid_t root, pid_t **pids, size_t *n)
{
	if (ARRAY_GROW(*pids, *n))
		return -ENOMEM;
	(*pids)[(*n)++] = root;
	for (size_t i = 0; i < *n; i++) {
		pid_t *tids = NULL, *kids = NULL;
		size_t nt = 0, nk = 0;

		if (proc_list_threads((*pids)[i], &tids, &nt))
			continue; /* gone */
		for (size_t t = 0; t < nt; t++) {
			if (proc_list_children((*pids)[i], tids[t], &kids, &nk))
				continue;
			for (size_t k = 0; k < nk; k++) {
				if (ARRAY_GROW(*pids, *n)) {
					free(kids);
					free(tids);
					return -ENOMEM;
				}
				(*pids)[(*n)++] = kids[k];
			}
			free(kids);
			kids = NULL;
			nk = 0;
		}
		free(tids);
	}
	return 0;
}

/*
 * Socket inodes of @pids, sorted. A pid whose fds cannot be listed (gone, a
 * zombie, not ours: before the freeze the walk is a best effort, and the
 * seize says what is wrong with the tree) has none.
 */
static int inos_of(const pid_t *pids, size_t n, uint32_t **inos, size_t *nr)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		ret = pid_socket_inos(pids[i], inos, nr);
		if (ret && ret != -ENOMEM) {
			pr_debug("dump: network lock: fds of pid %d: %s", (int)pids[i],
				 strerror(-ret));
			ret = 0;
		}
	}
	if (*nr)
		qsort(*inos, *nr, sizeof(**inos), ino_cmp);
	return ret;
}

static bool ino_in(const uint32_t *v, size_t n, uint32_t ino)
{
	return n && bsearch(&ino, v, n, sizeof(*v), ino_cmp);
}

static bool is_tree_listener(const struct sock_diag_inet *s, const uint32_t *inos, size_t n)
{
	return s->proto == IPPROTO_TCP && s->state == TCP_ST_LISTEN && ino_in(inos, n, s->ino);
}

/* Connections waiting in the tree's listeners now; *@port one such listener's. */
static int queued_now(const uint32_t *inos, size_t n, uint16_t *port, uint32_t *total)
{
	struct sock_diag_inet *socks = NULL;
	size_t nr = 0;
	int ret = sock_diag_inet_list(&socks, &nr);

	*total = 0;
	for (size_t i = 0; !ret && i < nr; i++) {
		if (is_tree_listener(&socks[i], inos, n) && socks[i].rqlen) {
			*total += socks[i].rqlen;
			*port = socks[i].sport;
		}
	}
	free(socks);
	return ret;
}

/*
 * The lock, taken once. The keeper learns of it first: a worker killed while
 * (or right after) the rules go in leaves none behind; releasing a lock that
 * was never made finds nothing and says so.
 */
static int take(struct dump_ctx *ctx, int method, pid_t ns_pid)
{
	if (ctx->netlock->lock.held)
		return 0;
	ctx->netlock->ns_pid = ns_pid;
	dump_guard_note_netlock(method, ctx->o->pid, ns_pid);
	return netlock_take(&ctx->netlock->lock, method, ctx->o->pid);
}

/* Drops new connection attempts to the tree's listeners at the lock. */
static int hold_listeners(struct dump_ctx *ctx, const uint32_t *inos, size_t n, int method)
{
	struct sock_diag_inet *socks = NULL;
	size_t nr = 0;
	int ret = n ? sock_diag_inet_list(&socks, &nr) : 0;

	if (ret == -ENOENT) {
		/* No inet_diag in this kernel: the inet kind refuses any inet socket of the tree.
		 */
		pr_debug("dump: network lock: no inet sock_diag, no listener to hold");
		ret = 0;
	} else if (ret) {
		pr_err("dump: inet sockets through sock_diag: %s", strerror(-ret));
	}
	for (size_t i = 0; !ret && i < nr; i++) {
		if (!is_tree_listener(&socks[i], inos, n))
			continue;
		ret = take(ctx, method, 0);
		if (!ret)
			ret = netlock_port(&ctx->netlock->lock, socks[i].sport);
	}
	free(socks);
	return ret;
}

/* Gives the running program up to DRAIN_MS to accept what waits in its listeners' queues. */
static void drain_listeners(const uint32_t *inos, size_t n)
{
	uint32_t total = 0;
	uint16_t port = 0;

	for (int ms = 0; ms <= DRAIN_MS; ms += DRAIN_STEP_MS) {
		if (queued_now(inos, n, &port, &total) || !total)
			break;
		if (ms == 0)
			pr_info("dump: %u connection(s) wait to be accepted (TCP port %u...): "
				"up to %d ms for the program to take them",
				total, port, DRAIN_MS);
		usleep(DRAIN_STEP_MS * 1000);
	}
	if (total)
		pr_info("dump: %u connection(s) still wait to be accepted (TCP port %u)", total,
			port);
}

int dump_netlock_prepare(struct dump_ctx *ctx)
{
	int method = netlock_method(ctx->o);
	pid_t *pids = NULL;
	uint32_t *inos = NULL;
	size_t np = 0, ni = 0;
	int ret;

	if (ctx->pre_dump)
		return 0;
	pr_debug("dump: network lock: %s%s%s", netlock_method_name(method),
		 ctx->o->tcp_close ? ", --tcp-close" : "",
		 ctx->o->skip_in_flight ? ", --skip-in-flight" : "");
	ctx->netlock = calloc(1, sizeof(*ctx->netlock));
	if (!ctx->netlock)
		return -ENOMEM;
	ret = tree_pids(ctx->o->pid, &pids, &np);
	if (!ret)
		ret = inos_of(pids, np, &inos, &ni);
	if (ret)
		pr_err("dump: the sockets of the tree of pid %d: %s", ctx->o->pid, strerror(-ret));
	if (!ret && method)
		ret = hold_listeners(ctx, inos, ni, method);
	if (!ret && ni)
		drain_listeners(inos, ni);
	free(pids);
	free(inos);
	return ret;
}

/* @s's addresses as the lock sees them: IPv4-mapped IPv6 ends travel as IPv4. */
static void tuple_of(const struct sock_diag_inet *s, struct nf_tuple *t)
{
	bool mapped = s->family == AF_INET6 && !s->src[0] && !s->src[1] &&
		      s->src[2] == htonl(0xffff) && !s->dst[0] && !s->dst[1] &&
		      s->dst[2] == htonl(0xffff);

	memset(t, 0, sizeof(*t));
	t->family = mapped ? AF_INET : s->family;
	if (mapped) {
		t->laddr[0] = s->src[3];
		t->raddr[0] = s->dst[3];
	} else {
		memcpy(t->laddr, s->src, sizeof(t->laddr));
		memcpy(t->raddr, s->dst, sizeof(t->raddr));
	}
	t->lport = s->sport;
	t->rport = s->dport;
}

/* The other end of connection @s is a socket of the frozen tree. */
static bool peer_in_tree(struct dump_netlock *nl, const struct sock_diag_inet *s,
			 const struct sock_diag_inet *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sock_diag_inet *p = &all[i];

		if (p->proto == IPPROTO_TCP && p->family == s->family && p->sport == s->dport &&
		    p->dport == s->sport && !memcmp(p->src, s->dst, sizeof(p->src)) &&
		    !memcmp(p->dst, s->src, sizeof(p->dst)))
			return ino_in(nl->inos, nl->nr_inos, p->ino);
	}
	return false;
}

int dump_netlock_conn(struct dump_ctx *ctx, const struct sock_diag_inet *s,
		      const struct sock_diag_inet *all, size_t n)
{
	struct dump_netlock *nl = ctx->netlock;
	int method = netlock_method(ctx->o);
	struct nf_tuple t;
	pid_t ns_pid;
	int back, ret = 0;

	if (!nl || !method || ctx->o->tcp_close)
		return 0;
	if (!nl->inos_loaded) {
		pid_t *pids = malloc((ctx->nr_tasks ?: 1) * sizeof(*pids));

		if (!pids) {
			pr_err("dump: the sockets of the tree: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		size_t np = 0;

		for (size_t i = 0; i < ctx->nr_tasks; i++)
			if (!ctx->tasks[i].zombie)
				pids[np++] = ctx->tasks[i].pid;
		ret = inos_of(pids, np, &nl->inos, &nl->nr_inos);
		free(pids);
		if (ret) {
			pr_err("dump: the sockets of the tree: %s", strerror(-ret));
			return ret;
		}
		nl->inos_loaded = true;
	}
	if (peer_in_tree(nl, s, all, n))
		return 0;
	/*
	 * In the tree's own network namespace the lock goes there (this thread
	 * enters it: iptables-restore is forked from it, libnftables opens its
	 * netlink socket in it); a listener hold taken before the freeze, in the
	 * tool's namespace, cannot be (the tool's sock_diag does not see the
	 * tree's listeners there).
	 */
	ns_pid = dump_ns_net_own(ctx) ? ctx->tasks[0].pid : 0;
	if (nl->lock.held && nl->ns_pid != ns_pid) {
		pr_err("dump: the network lock is in another network namespace than the TCP "
		       "connection of port %u",
		       s->sport);
		return -EINVAL;
	}
	tuple_of(s, &t);
	ret = dump_ns_net_enter(ctx, &back);
	if (ret)
		return ret;
	ret = take(ctx, method, ns_pid);
	if (!ret)
		ret = netlock_conn(&nl->lock, &t);
	if (dump_ns_net_leave(back) && !ret)
		ret = -EIO;
	return ret;
}

int dump_netlock_method(const struct dump_ctx *ctx)
{
	return ctx->netlock && ctx->netlock->lock.held ? ctx->netlock->lock.method : 0;
}

bool dump_netlock_in_netns(const struct dump_ctx *ctx)
{
	return dump_netlock_method(ctx) && ctx->netlock->ns_pid;
}

/* Removes the lock where it is: the tree still exists, its namespace with it. */
static void release_where(struct dump_netlock *nl)
{
	int back = -1, ret = 0;

	if (nl->ns_pid)
		ret = ns_enter(nl->ns_pid, "net", CLONE_NEWNET, &back);
	if (ret) {
		pr_warn("network lock (%s): cannot enter the network namespace of pid %d to "
			"remove '%s': %s; remove it by hand",
			nl->lock.ops->name, (int)nl->ns_pid, nl->lock.name, strerror(-ret));
		nl->lock.held = false;
		return;
	}
	netlock_release(&nl->lock);
	if (back >= 0 && ns_leave(back, CLONE_NEWNET))
		pr_warn("network lock: back into the tool's network namespace failed");
}

void dump_netlock_release(struct dump_ctx *ctx, bool keep)
{
	if (!ctx->netlock)
		return;
	/* either way the keeper has nothing left to release (nor after a failed take) */
	dump_guard_note_netlock(0, 0, 0);
	if (!ctx->netlock->lock.held)
		return;
	if (keep && ctx->netlock->ns_pid)
		pr_info("network lock: %s '%s' kept in the network namespace of pid %d: it goes "
			"with that namespace when nothing else holds it, and the restore makes "
			"its own in the new one",
			ctx->netlock->lock.ops->name, ctx->netlock->lock.name,
			(int)ctx->netlock->ns_pid);
	else if (keep)
		pr_info("network lock: %s '%s' kept for the restore", ctx->netlock->lock.ops->name,
			ctx->netlock->lock.name);
	else
		release_where(ctx->netlock);
}

void dump_netlock_fini(struct dump_ctx *ctx)
{
	if (ctx->netlock)
		free(ctx->netlock->inos);
	free(ctx->netlock);
	ctx->netlock = NULL;
}
