/*
 * Restore target: a tree. The root (its own session) has a child A that
 * started a new session, A has a child B in A's session and group, and the
 * root has a zombie child Z that exited with status 7. Writes DIR/ready; when
 * DIR/check appears the root checks parents, groups, sessions and reaps Z,
 * then writes "PASS" or "FAIL: why" to DIR/result and kills A and B.
 *
 * usage: restore_tree DIR
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512];

static void put(const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		exit(2);
	fputs(text, f);
	fclose(f);
}

static void fail(const char *why, pid_t a, pid_t b)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "FAIL: %s\n", why);
	put("result", buf);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	exit(1);
}

static int ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int pa[2], st;
	pid_t a, b, z, root = getpid();
	char path[600];

	if (argc < 2 || pipe(pa))
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	z = fork();
	if (z == 0)
		_exit(7);
	a = fork();
	if (a == 0) {
		setsid();
		b = fork();
		if (b == 0)
			sleep_forever();
		if (write(pa[1], &b, sizeof(b)) != sizeof(b))
			_exit(2);
		sleep_forever();
	}
	if (read(pa[0], &b, sizeof(b)) != sizeof(b))
		return 2;
	close(pa[0]);
	close(pa[1]);
	usleep(100000); /* Z is a zombie, B exists */
	put("ready", "1\n");
	snprintf(path, sizeof(path), "%s/check", dir);
	while (access(path, F_OK))
		usleep(1000);
	if (getpid() != root)
		fail("root pid changed", a, b);
	if (ppid_of(a) != root)
		fail("A is not the root's child", a, b);
	if (ppid_of(b) != a)
		fail("B is not A's child", a, b);
	if (getsid(a) != a || getpgid(a) != a)
		fail("A is not a session and group leader", a, b);
	if (getsid(b) != a || getpgid(b) != a)
		fail("B is not in A's session and group", a, b);
	if (getsid(0) != root)
		fail("root is not a session leader", a, b);
	if (waitpid(z, &st, WNOHANG) != z)
		fail("zombie Z cannot be reaped", a, b);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		fail("zombie Z has the wrong exit status", a, b);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	put("result", "PASS\n");
	return 0;
}
