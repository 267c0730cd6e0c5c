/*
 * The network lock inside the tree's own network namespace (issue 19,
 * docs/containers.md "network lock inside the namespace"). A dump that took
 * its lock there (inventory crl_netlock_netns) left it in a namespace that
 * died with the tree, or that the restore does not use: the restore makes
 * its own lock in the new namespace, right after the tool unshares it and
 * before any link, address or socket exists there, so a peer's retransmit
 * that arrives before its socket is repaired is dropped instead of answered
 * with a reset; it is released at the end of the restore, once every
 * connection has left repair mode, from inside the tree's namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netlock.h"
#include "nsfs.h"
#include "restore.h"
#include "tcp-repair.h"

bool rst_netlock_in_netns(const struct rst_ctx *c)
{
	return c->inv && c->inv->has_network_lock_method && c->inv->network_lock_method &&
	       c->inv->has_crl_netlock_netns && c->inv->crl_netlock_netns;
}

/* The pid the dump's lock was named after (restore-run.c does the same). */
pid_t rst_netlock_root(const struct rst_ctx *c)
{
	if (c->inv->has_crl_netlock_pid)
		return (pid_t)c->inv->crl_netlock_pid;
	return c->pstree && c->nr_tasks ? (pid_t)c->pstree[0]->pid : 0;
}

/* @e's connection as the lock sees it (IPv4-mapped IPv6 ends as IPv4, as the dump locked it). */
static void rst_netlock_tuple(const InetSkEntry *e, struct nf_tuple *t)
{
	bool v6 = e->family == AF_INET6;
	bool mapped = v6 && !e->src_addr[0] && !e->src_addr[1] && e->src_addr[2] == htonl(0xffff) &&
		      !e->dst_addr[0] && !e->dst_addr[1] && e->dst_addr[2] == htonl(0xffff);

	memset(t, 0, sizeof(*t));
	t->family = v6 && !mapped ? AF_INET6 : AF_INET;
	if (t->family == AF_INET) {
		t->laddr[0] = e->src_addr[mapped ? 3 : 0];
		t->raddr[0] = e->dst_addr[mapped ? 3 : 0];
	} else {
		memcpy(t->laddr, e->src_addr, sizeof(t->laddr));
		memcpy(t->raddr, e->dst_addr, sizeof(t->raddr));
	}
	t->lport = (uint16_t)e->src_port;
	t->rport = (uint16_t)e->dst_port;
}

int rst_netlock_ns_take(struct rst_ctx *c)
{
	struct netlock l = {0};
	int method, ret;

	if (!rst_netlock_in_netns(c) ||
	    (c->o->tcp_close || (c->inv->has_tcp_close && c->inv->tcp_close)))
		return 0;
	method = (int)c->inv->network_lock_method;
	ret = netlock_take(&l, method, rst_netlock_root(c));
	for (size_t i = 0; !ret && i < c->nr_files; i++) {
		const InetSkEntry *e = c->fentries[i] ? c->fentries[i]->isk : NULL;
		size_t na;
		struct nf_tuple t;

		if (!e || e->proto != IPPROTO_TCP || !tcp_state_repairable(e->state) ||
		    (e->family != AF_INET && e->family != AF_INET6))
			continue;
		na = e->family == AF_INET6 ? 4 : 1;
		if (e->n_src_addr < na || e->n_dst_addr < na)
			continue; /* the inet kind refuses it by name */
		rst_netlock_tuple(e, &t);
		ret = netlock_conn(&l, &t);
	}
	if (ret)
		netlock_release(&l);
	return ret;
}

void rst_netlock_ns_release(const struct rst_ctx *c)
{
	int back, ret;

	if (!rst_netlock_in_netns(c) || !c->nr_tasks || !c->tasks[0].created)
		return;
	ret = ns_enter(c->tasks[0].pid, "net", CLONE_NEWNET, &back);
	if (ret) {
		/* the tree is gone (a failed restore): its namespace and the lock with it */
		pr_debug("restore: network lock: the network namespace of pid %d: %s",
			 (int)c->tasks[0].pid, strerror(-ret));
		return;
	}
	netlock_release_left((int)c->inv->network_lock_method, rst_netlock_root(c));
	if (ns_leave(back, CLONE_NEWNET))
		pr_warn("restore: back into the tool's network namespace failed");
}
