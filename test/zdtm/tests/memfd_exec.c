/*
 * memfd modes and exec: a memfd holding a copy of /bin/true with mode 0750
 * is still executable after restore (execveat of the fd in a child exits 0;
 * ETXTBSY would mean something holds it open for writing), and keeps its
 * mode; where the kernel has MFD_NOEXEC_SEAL (6.3+), a memfd created with it
 * keeps F_SEAL_EXEC and its non-executable mode, so chmod +x still fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/*
 * A memfd with a copy of /bin/true, kept open as memfd_create returned it
 * (read-write: that description does not count as a writer, so exec works;
 * one reopened for writing through /proc would make exec fail with ETXTBSY).
 */
static int make_exe(void)
{
	char buf[65536];
	int in, fd;
	ssize_t n;

	fd = memfd_create("zdtm-true", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("zdtm-true", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	in = open("/bin/true", O_RDONLY);
	if (fd < 0 || in < 0)
		test_skip("memfd_create or /bin/true: %m");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			fail("copy: %m");
	close(in);
	if (fchmod(fd, 0750))
		fail("fchmod 0750: %m");
	return fd;
}

/* Exit status of /bin/true run from @fd in a child, or -errno of execveat. */
static int run(int fd)
{
	char *argv[] = {"true", NULL}, *envp[] = {NULL};
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(100 + errno);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + WTERMSIG(st);
}

static void check_mode(int fd, mode_t want, const char *what)
{
	struct stat st;

	if (fstat(fd, &st) || (st.st_mode & 07777) != want)
		fail("%s: mode 0%o, expected 0%o", what, (unsigned)(st.st_mode & 07777),
		     (unsigned)want);
}

int main(int argc, char **argv)
{
	struct stat sb;
	int exe, nx, st;

	test_init(argc, argv);
	exe = make_exe();
	if ((st = run(exe)) != 0)
		test_skip("execveat of a memfd before the checkpoint: status %d", st);
	nx = memfd_create("zdtm-noexec", MFD_NOEXEC_SEAL);
	if (nx >= 0 && fchmod(nx, 0640))
		fail("fchmod 0640 of the noexec memfd: %m");

	test_daemon();
	test_waitsig();

	check_mode(exe, 0750, "zdtm-true");
	if (fstat(exe, &sb) || lseek(exe, 0, SEEK_CUR) != sb.st_size)
		fail("zdtm-true: offset %lld, expected %lld (the end of the copy)",
		     (long long)lseek(exe, 0, SEEK_CUR), (long long)sb.st_size);
	st = run(exe);
	if (st != 0)
		fail("execveat of the restored memfd: %s (status %d)",
		     st > 100 && st < 256 ? strerror(st - 100) : "exit status", st);
	if (nx >= 0) {
		check_mode(nx, 0640, "zdtm-noexec");
		if (!(fcntl(nx, F_GET_SEALS) & F_SEAL_EXEC))
			fail("zdtm-noexec: seals 0x%x lack F_SEAL_EXEC", fcntl(nx, F_GET_SEALS));
		if (!fchmod(nx, 0750))
			fail("zdtm-noexec: chmod +x succeeded after restore");
	}
	return test_done();
}
