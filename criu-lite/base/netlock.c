/*
 * The network lock's policy (netlock.h). A lock is named after the tree's
 * root pid, which the images keep, so the restore finds the lock of its dump
 * (the method is in inventory.img): "CRIU-PID", CRIU's own name, for
 * nftables; chains "CRLITE-PID-i" and "CRLITE-PID-o" for iptables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netlock.h"

int netlock_method(const struct opts *o)
{
	switch (o->network_lock) {
	case OPTS_NETLOCK_NFTABLES:
		return NF_LOCK_NFTABLES;
	case OPTS_NETLOCK_SKIP:
		return 0;
	default:
		return NF_LOCK_IPTABLES;
	}
}

const char *netlock_method_name(int method)
{
	if (method == NF_LOCK_IPTABLES)
		return "iptables";
	if (method == NF_LOCK_NFTABLES)
		return "nftables";
	return "skip";
}

static void netlock_name(int method, pid_t root, char *buf, size_t len)
{
	snprintf(buf, len, method == NF_LOCK_NFTABLES ? "CRIU-%d" : "CRLITE-%d", (int)root);
}

/* What the user can do instead, after a failure of @method. */
static const char *netlock_hint(int method)
{
	return method == NF_LOCK_NFTABLES ? "use --network-lock iptables or --network-lock skip"
					  : "use --network-lock nftables or --network-lock skip";
}

int netlock_take(struct netlock *l, int method, pid_t root)
{
	const struct nf_lock_ops *ops = nf_lock_ops_of(method);
	char err[256] = "";
	int ret;

	if (l->held)
		return 0;
	if (!ops)
		return -EINVAL;
	netlock_name(method, root, l->name, sizeof(l->name));
	ret = ops->available(err, sizeof(err));
	if (ret) {
		pr_err("network lock (%s): %s: install it, or %s", ops->name, err,
		       netlock_hint(method));
		return ret;
	}
	ret = ops->exists(l->name, err, sizeof(err));
	if (ret < 0) {
		pr_err("network lock (%s): cannot look for '%s': %s (%s)", ops->name, l->name,
		       *err ? err : strerror(-ret), netlock_hint(method));
		return ret;
	}
	if (ret > 0) {
		pr_err("network lock (%s): '%s' exists already, left by an earlier dump of pid %d "
		       "that was not restored: restore that dump first, or remove it",
		       ops->name, l->name, (int)root);
		return -EEXIST;
	}
	ret = ops->create(l->name, err, sizeof(err));
	if (ret) {
		pr_err("network lock (%s): cannot create '%s': %s (%s)", ops->name, l->name,
		       *err ? err : strerror(-ret), netlock_hint(method));
		return ret;
	}
	l->ops = ops;
	l->method = method;
	l->root = root;
	l->held = true;
	pr_info("network lock: %s '%s' taken", ops->name, l->name);
	return 0;
}

int netlock_conn(struct netlock *l, const struct nf_tuple *t)
{
	char err[256] = "";
	int ret = l->held ? l->ops->add_conn(l->name, t, err, sizeof(err)) : -EINVAL;

	if (ret)
		pr_err("network lock (%s): cannot lock TCP port %u's connection to port %u: %s",
		       l->ops ? l->ops->name : "none", t->lport, t->rport,
		       *err ? err : strerror(-ret));
	return ret;
}

int netlock_port(struct netlock *l, uint16_t port)
{
	char err[256] = "";
	int ret = l->held ? l->ops->add_port(l->name, port, err, sizeof(err)) : -EINVAL;

	if (ret)
		pr_err("network lock (%s): cannot hold new connections to TCP port %u: %s",
		       l->ops ? l->ops->name : "none", port, *err ? err : strerror(-ret));
	return ret;
}

void netlock_release(struct netlock *l)
{
	char err[256] = "";
	int ret;

	if (!l->held)
		return;
	ret = l->ops->destroy(l->name, err, sizeof(err));
	if (ret)
		pr_warn("network lock (%s): cannot remove '%s': %s; remove it by hand",
			l->ops->name, l->name, *err ? err : strerror(-ret));
	else
		pr_info("network lock: %s '%s' released", l->ops->name, l->name);
	l->held = false;
}

void netlock_release_left(int method, pid_t root)
{
	struct netlock l = {.ops = nf_lock_ops_of(method), .method = method, .root = root};
	char err[256] = "";
	int ret;

	if (!l.ops)
		return;
	netlock_name(method, root, l.name, sizeof(l.name));
	ret = l.ops->exists(l.name, err, sizeof(err));
	if (ret < 0) {
		pr_warn("network lock (%s): cannot tell whether '%s' is there to remove: %s",
			l.ops->name, l.name, *err ? err : strerror(-ret));
		return;
	}
	if (!ret) {
		pr_debug("network lock: no %s '%s' here to release", l.ops->name, l.name);
		return;
	}
	l.held = true;
	netlock_release(&l);
}

int netlock_probe(int method, char *why, size_t len)
{
	const struct nf_lock_ops *ops = nf_lock_ops_of(method);
	char name[32], err[256] = "";
	int ret;

	if (!ops)
		return -EINVAL;
	snprintf(name, sizeof(name), "CRLITE-probe-%d", (int)getpid());
	ret = ops->available(err, sizeof(err));
	if (!ret)
		ret = ops->create(name, err, sizeof(err));
	if (!ret)
		ret = ops->destroy(name, err, sizeof(err));
	if (ret)
		snprintf(why, len, "%s", *err ? err : strerror(-ret));
	return ret;
}
