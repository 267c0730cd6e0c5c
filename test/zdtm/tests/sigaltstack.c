/* The alternate signal stack survives, and SA_ONSTACK handlers still run on it. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include "zdtmtst.h"

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile uintptr_t handler_sp;

static void handler(int sig)
{
	char local;

	handler_sp = (uintptr_t)&local;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_ONSTACK};
	stack_t ss, now;

	test_init(argc, argv);
	alt = malloc(ALT_SIZE);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		fail("sigaltstack: %m");
	sigaction(SIGUSR1, &sa, NULL);
	test_daemon();
	test_waitsig();

	if (sigaltstack(NULL, &now))
		fail("sigaltstack query: %m");
	else if (now.ss_sp != alt || now.ss_size != ALT_SIZE || now.ss_flags != 0)
		fail("altstack sp %p size %zu flags 0x%x, expected %p %d 0", now.ss_sp, now.ss_size,
		     now.ss_flags, (void *)alt, ALT_SIZE);
	raise(SIGUSR1);
	if (handler_sp < (uintptr_t)alt || handler_sp >= (uintptr_t)alt + ALT_SIZE)
		fail("handler ran with sp 0x%lx, outside the altstack %p+%d",
		     (unsigned long)handler_sp, (void *)alt, ALT_SIZE);
	return test_done();
}
