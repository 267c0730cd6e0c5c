/*
 * dump-mm-pre.c: VMA flags read before the freeze. Unchanged VMAs take the
 * early VmFlags (the same as smaps read now); when a VMA changed in between,
 * smaps is read again and its flags are current.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump.h"
#include "proc-maps.h"
#include "tap.h"

static int cmd[2], ack[2];

static void child(void)
{
	size_t psz = sysconf(_SC_PAGESIZE);
	char *a = mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c;

	if (a == MAP_FAILED || b == MAP_FAILED || madvise(a, 4 * psz, MADV_DONTFORK))
		_exit(1);
	memset(a, 1, 4 * psz);
	if (write(ack[1], &b, sizeof(b)) != sizeof(b))
		_exit(1);
	/* step 2: b changes its protection (a new maps line) and gets MADV_DONTFORK */
	if (read(cmd[0], &c, 1) != 1)
		_exit(1);
	if (mprotect(b, 4 * psz, PROT_READ) || madvise(b, 4 * psz, MADV_DONTFORK))
		_exit(1);
	if (write(ack[1], &c, 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

/* Do @l and smaps read now agree on every VMA and its flags? */
static int same_as_smaps(pid_t pid, const struct proc_vma_list *l)
{
	struct proc_vma_list s;
	int same;

	if (proc_read_maps(pid, true, &s))
		return 0;
	same = s.n == l->n;
	for (size_t i = 0; same && i < s.n; i++)
		same = s.v[i].start == l->v[i].start && s.v[i].end == l->v[i].end &&
		       s.v[i].vmflags == l->v[i].vmflags;
	proc_vma_list_free(&s);
	return same;
}

static unsigned int flags_at(const struct proc_vma_list *l, unsigned long a)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].start <= a && a < l->v[i].end)
			return l->v[i].vmflags;
	return 0;
}

int main(void)
{
	struct proc_vma_list l;
	struct dump_ctx ctx;
	char *b, c = 1;
	pid_t pid;

	if (pipe(cmd) || pipe(ack))
		return 1;
	pid = fork();
	if (pid == 0)
		child();
	if (read(ack[0], &b, sizeof(b)) != sizeof(b))
		return 1;
	memset(&ctx, 0, sizeof(ctx));
	dump_mm_prefetch(&ctx, pid);
	ok(ctx.mm_pre != NULL, "flags read early");
	ok(dump_mm_read_vmas(&ctx, pid, &l) == 0, "VMAs read with the early flags");
	ok(same_as_smaps(pid, &l), "unchanged VMAs: the same flags as smaps now");
	ok(!(flags_at(&l, (unsigned long)b) & PROC_VMF_DONTCOPY), "b not DONTFORK yet");
	proc_vma_list_free(&l);

	if (write(cmd[1], &c, 1) != 1 || read(ack[0], &c, 1) != 1)
		return 1;
	ok(dump_mm_read_vmas(&ctx, pid, &l) == 0, "VMAs read after a change");
	ok(flags_at(&l, (unsigned long)b) & PROC_VMF_DONTCOPY,
	   "a changed VMA: smaps read again, its new flag seen");
	ok(same_as_smaps(pid, &l), "and every flag is current");
	proc_vma_list_free(&l);
	dump_mm_prefetch_free(&ctx);
	ok(ctx.mm_pre == NULL, "freed");

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return tap_done();
}
