/*
 * restore-scratch: the declared layout of the restore's scratch memory and
 * its one accessor. Every slot lies inside the area, apart from the others
 * and from the tail inject_mmap borrows; a write that fits its slot lands
 * there, one byte more is refused (-E2BIG) and writes nothing; no area, no
 * slot: -EINVAL. Writes go to this process itself (process_vm_writev to
 * ourselves needs no privilege).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "inject.h"
#include "log.h"
#include "restore-scratch.h"
#include "tap.h"

static void check_layout(void)
{
	size_t end = 0;
	int bad = 0;

	for (int s = 0; s < RST_SCR_NR; s++) {
		struct rst_scratch sc = {0x100000, RST_SCRATCH_LEN};
		unsigned long at = 0;

		if (rst_scratch_at(&sc, (enum rst_scratch_slot)s, 0, 0, &at) ||
		    at - sc.addr != end || at % 64 || !rst_scratch_size((enum rst_scratch_slot)s))
			bad++;
		end = at - sc.addr + rst_scratch_size((enum rst_scratch_slot)s);
	}
	ok(!bad && end + INJECT_SCRATCH_TAIL <= RST_SCRATCH_LEN,
	   "the %d slots follow each other, 64-byte aligned, and end at %zu, before the tail "
	   "inject_mmap borrows",
	   (int)RST_SCR_NR, end);
}

static void check_bounds(void)
{
	struct rst_scratch sc = {0x100000, RST_SCRATCH_LEN}, none = {0, 0};
	size_t n = rst_scratch_size(RST_SCR_GROUPS);
	unsigned long at = 0;

	ok(!rst_scratch_at(&sc, RST_SCR_GROUPS, 0, n, &at) && at > sc.addr &&
		   at + n <= sc.addr + sc.len,
	   "a list that fills the groups slot (%zu bytes) is accepted, inside the area", n);
	ok(rst_scratch_at(&sc, RST_SCR_GROUPS, 0, n + 1, &at) == -E2BIG,
	   "one byte more than the groups slot is refused with -E2BIG");
	ok(rst_scratch_at(&sc, RST_SCR_GROUPS, 0, 13000 * sizeof(uint32_t), &at) == -E2BIG,
	   "13000 groups (the list that once ran past the area's end) are refused");
	ok(rst_scratch_at(&sc, RST_SCR_CAPS, 200, 64, &at) == -E2BIG,
	   "an offset inside the slot with a length past its end is refused");
	ok(rst_scratch_at(&sc, RST_SCR_ARG, SIZE_MAX, 2, &at) == -E2BIG &&
		   rst_scratch_at(&sc, RST_SCR_ARG, 8, SIZE_MAX, &at) == -E2BIG,
	   "offsets and lengths that would wrap around are refused");
	ok(rst_scratch_at(&none, RST_SCR_ARG, 0, 8, &at) == -EINVAL, "no area mapped: -EINVAL");
	ok(rst_scratch_at(&sc, RST_SCR_NR, 0, 8, &at) == -EINVAL, "no such slot: -EINVAL");
	ok(!strcmp(rst_scratch_name(RST_SCR_SECCOMP), "seccomp"), "slots have names for messages");
}

static void check_put(void)
{
	unsigned char *area = mmap(NULL, RST_SCRATCH_LEN, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct rst_scratch sc = {(unsigned long)area, RST_SCRATCH_LEN};
	struct inject in;
	size_t n = rst_scratch_size(RST_SCR_SIGINFO);
	unsigned char data[512], back[512];
	unsigned long at = 0;
	int ret, untouched = 1;

	if (area == MAP_FAILED) {
		skip("no memory for the area");
		return;
	}
	memset(&in, 0, sizeof(in));
	in.tid = getpid();
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 1);
	ret = rst_scratch_put(&in, &sc, RST_SCR_SIGINFO, 0, data, n, &at);
	ok(!ret && at >= sc.addr && !memcmp((void *)at, data, n),
	   "a write that fills the siginfo slot lands at its address");
	ret = rst_scratch_get(&in, &sc, RST_SCR_SIGINFO, 0, back, n);
	ok(!ret && !memcmp(back, data, n), "and reads back the same");
	memset(area, 0, RST_SCRATCH_LEN);
	ret = rst_scratch_put(&in, &sc, RST_SCR_SIGINFO, 0, data, n + 1, &at);
	for (size_t i = 0; i < RST_SCRATCH_LEN; i++)
		untouched &= !area[i];
	ok(ret == -E2BIG && untouched, "one byte more is refused and writes nothing");
	munmap(area, RST_SCRATCH_LEN);
}

int main(void)
{
	log_init(LOG_WARN, NULL);
	check_layout();
	check_bounds();
	check_put();
	return tap_done();
}
