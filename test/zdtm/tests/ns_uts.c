/*
 * The root in its own uts namespace, shared with its child: after restore
 * both are still in one of their own (a hostname set there is not seen by
 * the other side), with the host and domain names they set before the dump.
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HOST "zdtm-uts-host"
#define DOMAIN "zdtm-uts.example"

static void check_names(const char *who)
{
	char host[128] = {0}, dom[128] = {0};

	if (gethostname(host, sizeof(host) - 1) || strcmp(host, HOST))
		fail("%s: hostname '%s', want '%s' (not in its own uts namespace?)", who, host,
		     HOST);
	if (getdomainname(dom, sizeof(dom) - 1) || strcmp(dom, DOMAIN))
		fail("%s: domainname '%s', want '%s'", who, dom, DOMAIN);
}

int main(int argc, char **argv)
{
	pid_t child;
	int st;

	test_init(argc, argv);
	if (unshare(CLONE_NEWUTS))
		test_skip("unshare(CLONE_NEWUTS): %m");
	if (sethostname(HOST, strlen(HOST)) || setdomainname(DOMAIN, strlen(DOMAIN)))
		test_skip("sethostname: %m");
	child = fork();
	if (child == 0) {
		test_waitsig();
		check_names("child");
		exit(test_failures() ? 1 : 0);
	}
	test_daemon();
	test_waitsig();

	check_names("root");
	kill(child, SIGTERM);
	st = wait_child(child, 10000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("child: wait status 0x%x, expected exit 0", st);
	return test_done();
}
