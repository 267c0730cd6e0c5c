/*
 * Target of test/cr/file-size-change.sh: DIR/log open O_WRONLY|O_APPEND (a
 * log, its offset at its end) and DIR/data open O_RDWR at offset 10. Writes
 * DIR/ready, then waits for DIR/check: the log fd must stand at the log's
 * current end and append there, the data fd at offset 10; "PASS" or
 * "FAIL: why" goes to DIR/result.
 *
 * usage: file_sizes DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[512];

static const char *at(const char *name)
{
	static char buf[4][600];
	static int n;
	char *b = buf[n++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

static void result(const char *msg)
{
	FILE *f = fopen(at("result.tmp"), "w");

	if (f) {
		fputs(msg, f);
		fclose(f);
		rename(at("result.tmp"), at("result"));
	}
}

int main(int argc, char **argv)
{
	char msg[256], data[100];
	struct stat st;
	off_t off;
	int log, fd, fd2;

	if (argc < 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	log = open(at("log"), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644);
	fd = open(at("data"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(data, 'd', sizeof(data));
	if (log < 0 || fd < 0 || write(log, "line1\n", 6) != 6 ||
	    write(fd, data, sizeof(data)) != sizeof(data) || lseek(fd, 10, SEEK_SET) != 10)
		return 1;
	fd2 = open(at("ready"), O_WRONLY | O_CREAT, 0644);
	if (fd2 < 0 || write(fd2, "ready\n", 6) != 6)
		return 1;
	close(fd2);
	while (access(at("check"), F_OK))
		usleep(20000);

	off = lseek(log, 0, SEEK_CUR);
	if (fstat(log, &st) || off != st.st_size) {
		snprintf(msg, sizeof(msg), "FAIL: log offset %lld, its end is %lld\n",
			 (long long)off, (long long)st.st_size);
		result(msg);
		return 1;
	}
	if (write(log, "line2\n", 6) != 6 || fstat(log, &st) || st.st_size != off + 6) {
		result("FAIL: the log write did not append\n");
		return 1;
	}
	off = lseek(fd, 0, SEEK_CUR);
	if (off != 10) {
		snprintf(msg, sizeof(msg), "FAIL: data offset %lld, expected 10\n", (long long)off);
		result(msg);
		return 1;
	}
	result("PASS\n");
	return 0;
}
