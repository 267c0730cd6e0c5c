/*
 * Target with an AIO context (io_setup: the [aio] ring mapping) holding one
 * completed read not yet reaped: its event is in the ring's pages. Writes
 * DIR/ready; when DIR/check appears it reaps the event and checks it (data
 * 0x1111, 17 bytes read), and writes "PASS" or "FAIL: why" to DIR/result.
 *
 * usage: aio_pending DIR
 */
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char dir[512];

static void put(const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	struct iocb cb = {0}, *cbs[1] = {&cb};
	struct io_event ev[2];
	aio_context_t ctx = 0;
	char buf[64] = {0}, path[600], msg[200];
	long n;
	int fd;

	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "aio ring contents", 17) != 17 || syscall(SYS_io_setup, 16, &ctx))
		return 1;
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = (uint32_t)fd;
	cb.aio_buf = (uint64_t)(uintptr_t)buf;
	cb.aio_nbytes = sizeof(buf);
	cb.aio_data = 0x1111;
	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
		return 1;
	usleep(100000); /* a buffered read completes at once */
	put("ready", "ready\n");
	snprintf(path, sizeof(path), "%s/check", dir);
	while (access(path, F_OK))
		usleep(10000);
	n = syscall(SYS_io_getevents, ctx, 1, 2, ev, NULL);
	if (n != 1 || ev[0].data != 0x1111 || ev[0].res != 17)
		snprintf(msg, sizeof(msg), "FAIL: %ld events, data 0x%llx res %lld\n", n,
			 n > 0 ? (unsigned long long)ev[0].data : 0ull,
			 n > 0 ? (long long)ev[0].res : 0ll);
	else
		snprintf(msg, sizeof(msg), "PASS\n");
	put("result", msg);
	return 0;
}
