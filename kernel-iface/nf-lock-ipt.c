/*
 * The network lock through iptables-restore and ip6tables-restore (nf-lock.h):
 * each change is one transaction on the filter table, fed on stdin with
 * --noflush, as criu does it. -w bounds the wait for the xtables lock, and
 * the whole run is bounded too (a tool that hangs is killed): never hang.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nf-lock.h"

#define IPT_TIMEOUT_MS 15000

/* Where Debian keeps the tools, when PATH lacks the sbin directories. */
static int ipt_find(const char *tool, char *path, size_t len)
{
	const char *env = getenv("PATH");
	char dirs[1024];
	char *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", env ? env : "");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		snprintf(path, len, "%s/%s", d, tool);
		if (!access(path, X_OK))
			return 0;
	}
	return -ENOENT;
}

static int64_t ipt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads @fd (the tool's stdout and stderr) into @err until EOF or the deadline. */
static int ipt_collect(int fd, char *err, size_t len, int64_t deadline)
{
	size_t got = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - ipt_now_ms();
		char sink[256];
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (got + 1 < len)
			n = read(fd, err + got, len - got - 1);
		else
			n = read(fd, sink, sizeof(sink));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += (size_t)n;
	}
	if (len)
		err[got] = '\0';
	/* one line for messages: the tool's first */
	if (len && strchr(err, '\n'))
		*strchr(err, '\n') = '\0';
	return 0;
}

/*
 * The texts are small (well under a pipe's buffer): one write, no deadlock.
 * A tool that died first must not kill us with SIGPIPE: blocked meanwhile.
 */
static int ipt_feed(int fd, const char *input)
{
	const struct timespec zero = {0, 0};
	sigset_t pipe_set, old;
	int ret = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	if (write(fd, input, strlen(input)) < 0)
		ret = -errno;
	if (ret == -EPIPE)
		sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static void ipt_child(const char *path, const char *tool, int in, int out, bool check,
		      const char *chain)
{
	dup2(in, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (check)
		execl(path, tool, "-w", "5", "-n", "-L", chain, (char *)NULL);
	else
		execl(path, tool, "-w", "5", "--noflush", (char *)NULL);
	_exit(127);
}

/*
 * Runs @tool with @input on stdin (or, when @chain is set, "TOOL -n -L
 * CHAIN"): 0 when it exits 0, -EPROTO (its message in @err) when not.
 */
static int ipt_run(const char *tool, const char *input, const char *chain, char *err, size_t len)
{
	int in[2], out[2], status = 0, ret;
	int64_t deadline = ipt_now_ms() + IPT_TIMEOUT_MS;
	char path[512];
	pid_t pid;

	if (len)
		err[0] = '\0';
	if (ipt_find(tool, path, sizeof(path))) {
		snprintf(err, len, "%s not found", tool);
		return -ENOENT;
	}
	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		ret = -errno;
		close(in[0]);
		close(in[1]);
		return ret;
	}
	pid = fork();
	if (pid == 0)
		ipt_child(path, tool, in[0], out[1], chain != NULL, chain);
	ret = pid < 0 ? -errno : 0;
	close(in[0]);
	close(out[1]);
	if (!ret && input)
		ret = ipt_feed(in[1], input);
	close(in[1]);
	if (pid > 0) {
		int r = ipt_collect(out[0], err, len, deadline);

		if (r == -ETIMEDOUT) {
			kill(pid, SIGKILL);
			snprintf(err, len, "%s did not finish in %d s", tool,
				 IPT_TIMEOUT_MS / 1000);
		}
		ret = ret ?: r;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
			ret = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EPROTO;
	}
	close(out[0]);
	return ret;
}

static const char *ipt_tool(int family)
{
	return family == AF_INET6 ? "ip6tables-restore" : "iptables-restore";
}

static int ipt_addr(int family, const uint32_t *a, char *buf, size_t len)
{
	return inet_ntop(family, a, buf, (socklen_t)len) ? 0 : -EINVAL;
}

int nf_lock_ipt_text(char *buf, size_t len, int family, char what, const char *name,
		     const struct nf_tuple *t, uint16_t port)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	int n = -1;

	switch (what) {
	case 'c':
		n = snprintf(buf, len,
			     "*filter\n:%s-i - [0:0]\n:%s-o - [0:0]\n"
			     "-I INPUT 1 -j %s-i\n-I OUTPUT 1 -j %s-o\n"
			     "-A %s-i -m mark --mark 0x%x -j RETURN\n"
			     "-A %s-o -m mark --mark 0x%x -j RETURN\nCOMMIT\n",
			     name, name, name, name, name, NF_LOCK_MARK, name, NF_LOCK_MARK);
		break;
	case 't':
		if (ipt_addr(family, t->laddr, l, sizeof(l)) ||
		    ipt_addr(family, t->raddr, r, sizeof(r)))
			return -EINVAL;
		n = snprintf(buf, len,
			     "*filter\n"
			     "-A %s-i -p tcp -s %s --sport %u -d %s --dport %u -j DROP\n"
			     "-A %s-o -p tcp -s %s --sport %u -d %s --dport %u -j DROP\nCOMMIT\n",
			     name, r, t->rport, l, t->lport, name, l, t->lport, r, t->rport);
		break;
	case 'p':
		n = snprintf(buf, len,
			     "*filter\n-A %s-i -p tcp --dport %u --tcp-flags SYN,ACK SYN -j DROP\n"
			     "COMMIT\n",
			     name, port);
		break;
	case 'd':
		n = snprintf(buf, len,
			     "*filter\n-D INPUT -j %s-i\n-D OUTPUT -j %s-o\n-F %s-i\n-F %s-o\n"
			     "-X %s-i\n-X %s-o\nCOMMIT\n",
			     name, name, name, name, name, name);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* One text per family, IPv4 first; the first failure stops. */
static int ipt_apply(const char *name, char what, const struct nf_tuple *t, uint16_t port,
		     char *err, size_t len)
{
	static const int fams[] = {AF_INET, AF_INET6};
	char buf[1024];
	int ret;

	for (size_t i = 0; i < 2; i++) {
		if (t && t->family != fams[i])
			continue;
		ret = nf_lock_ipt_text(buf, sizeof(buf), fams[i], what, name, t, port);
		if (ret < 0)
			return ret;
		ret = ipt_run(ipt_tool(fams[i]), buf, NULL, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

static int ipt_available(char *err, size_t len)
{
	char path[512];

	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		if (ipt_find(ipt_tool(fam), path, sizeof(path))) {
			snprintf(err, len, "%s not found", ipt_tool(fam));
			return -ENOENT;
		}
	}
	return 0;
}

static int ipt_create(const char *name, char *err, size_t len)
{
	int ret = ipt_apply(name, 'c', NULL, 0, err, len);
	char ignored[16];

	if (ret) /* IPv6 failed after IPv4 was made: nothing half made stays */
		ipt_apply(name, 'd', NULL, 0, ignored, sizeof(ignored));
	return ret;
}

static int ipt_add_conn(const char *name, const struct nf_tuple *t, char *err, size_t len)
{
	return ipt_apply(name, 't', t, 0, err, len);
}

static int ipt_add_port(const char *name, uint16_t port, char *err, size_t len)
{
	return ipt_apply(name, 'p', NULL, port, err, len);
}

static int ipt_exists(const char *name, char *err, size_t len)
{
	char chain[64];
	int ret;

	snprintf(chain, sizeof(chain), "%s-i", name);
	ret = ipt_run("iptables", NULL, chain, err, len);
	if (ret == -EPROTO)
		return 0;
	return ret ? ret : 1;
}

static int ipt_destroy(const char *name, char *err, size_t len)
{
	return ipt_apply(name, 'd', NULL, 0, err, len);
}

const struct nf_lock_ops nf_lock_iptables = {
	.name = "iptables",
	.available = ipt_available,
	.create = ipt_create,
	.add_conn = ipt_add_conn,
	.add_port = ipt_add_port,
	.exists = ipt_exists,
	.destroy = ipt_destroy,
};

const struct nf_lock_ops *nf_lock_ops_of(int method)
{
	if (method == NF_LOCK_IPTABLES)
		return &nf_lock_iptables;
	if (method == NF_LOCK_NFTABLES)
		return &nf_lock_nftables;
	return NULL;
}
