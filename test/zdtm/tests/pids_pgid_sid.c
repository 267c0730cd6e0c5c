/*
 * pid, ppid, pgid and sid of a session leader and of a child that moved to
 * its own process group are the same after restore.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

struct ids {
	pid_t pid, ppid, pgid, sid;
};

static void get_ids(struct ids *i)
{
	i->pid = getpid();
	i->ppid = getppid();
	i->pgid = getpgid(0);
	i->sid = getsid(0);
}

static int same(const char *who, const struct ids *a, const struct ids *b)
{
	int bad = 0;

#define CMP(f)                                                                                     \
	do {                                                                                       \
		if (a->f != b->f) {                                                                \
			fail("%s: " #f " %d, expected %d", who, (int)b->f, (int)a->f);             \
			bad = 1;                                                                   \
		}                                                                                  \
	} while (0)
	CMP(pid);
	CMP(ppid);
	CMP(pgid);
	CMP(sid);
#undef CMP
	return bad;
}

int main(int argc, char **argv)
{
	struct ids me, child_ids, now;
	int p[2], st;
	pid_t child;

	test_init(argc, argv);
	if (pipe(p))
		fail("pipe: %m");
	child = fork();
	if (child == 0) {
		setpgid(0, 0);
		get_ids(&child_ids);
		if (write(p[1], "x", 1) != 1)
			exit(2);
		test_waitsig();
		get_ids(&now);
		exit(same("child", &child_ids, &now));
	}
	if (read(p[0], &st, 1) != 1)
		fail("child did not start");
	close(p[0]);
	close(p[1]);
	get_ids(&me);
	if (me.pid != me.sid || me.pgid != me.pid)
		fail("daemon is not a session leader: pid %d pgid %d sid %d", me.pid, me.pgid,
		     me.sid);
	if (getpgid(child) != child)
		fail("child pgid %d, expected %d", getpgid(child), child);
	test_daemon();
	test_waitsig();

	get_ids(&now);
	me.ppid = now.ppid; /* the daemonizing parent has exited meanwhile */
	same("root", &me, &now);
	if (getpgid(child) != child)
		fail("child pgid %d after restore, expected %d", getpgid(child), child);
	if (getsid(child) != me.sid)
		fail("child sid %d after restore, expected %d", getsid(child), me.sid);
	kill(child, SIGTERM);
	st = wait_child(child, 5000);
	if (st != 0)
		fail("child check failed (wait status 0x%x)", st);
	return test_done();
}
