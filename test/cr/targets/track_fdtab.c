/*
 * Target for track-fd.sh: holds a few fds of its own (a file, a pipe) and
 * 256 written pages, then waits. SIGUSR1: opens /dev/null, writes the number
 * open() gave to RESULT.open, closes it (does tracking take the program's
 * next fd?). SIGUSR2: forks a child that only waits, and writes its pid to
 * RESULT.child. Only raw syscalls after the start, so the address space
 * stays as it is.
 *
 *   track_fdtab RESULT
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NPAGES 256

static volatile sig_atomic_t usr1, usr2;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		usr1 = 1;
	else
		usr2 = 1;
}

/* Writes @v as decimal into RES@suffix, renamed into place (no stdio). */
static void put(const char *res, const char *suffix, long v)
{
	char path[4096], tmp[4200], num[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s%s", res, suffix);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(num, sizeof(num), "%ld\n", v);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, num, n) != n)
		_exit(2);
	close(fd);
	rename(tmp, path);
}

int main(int argc, char **argv)
{
	size_t psz = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	sigset_t set, old;
	int p[2];
	char *mem;

	if (argc != 2)
		return 2;
	mem = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || pipe(p) || open("/dev/zero", O_RDONLY) < 0)
		return 2;
	memset(mem, 7, NPAGES * psz);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	put(argv[1], ".ready", getpid());
	for (;;) {
		sigsuspend(&old);
		if (usr1) {
			int fd = open("/dev/null", O_RDONLY);

			usr1 = 0;
			put(argv[1], ".open", fd);
			close(fd);
		}
		if (usr2) {
			pid_t c;

			usr2 = 0;
			c = fork();
			if (c == 0)
				for (;;)
					pause();
			put(argv[1], ".child", c);
		}
	}
}
