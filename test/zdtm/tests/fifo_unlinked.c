/* A FIFO whose name was unlinked while open keeps its buffered data and both ends. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char buf[32] = "";
	struct stat st, st2;
	int rw, r;

	test_init(argc, argv);
	if (mkfifo(test_path("gone.fifo"), 0600))
		fail("mkfifo: %m");
	rw = open(test_path("gone.fifo"), O_RDWR);
	r = open(test_path("gone.fifo"), O_RDONLY | O_NONBLOCK);
	if (rw < 0 || r < 0 || write(rw, "queued", 6) != 6)
		fail("open/write: %m");
	if (unlink(test_path("gone.fifo")))
		fail("unlink: %m");
	test_daemon();
	test_waitsig();

	if (fstat(rw, &st) || fstat(r, &st2))
		fail("fstat: %m");
	else if (!S_ISFIFO(st.st_mode) || st.st_nlink != 0 || st.st_ino != st2.st_ino)
		fail("mode 0%o nlink %lu, inodes %lu/%lu: expected one unlinked FIFO", st.st_mode,
		     (unsigned long)st.st_nlink, (unsigned long)st.st_ino,
		     (unsigned long)st2.st_ino);
	if (!(fcntl(r, F_GETFL) & O_NONBLOCK) || (fcntl(rw, F_GETFL) & O_ACCMODE) != O_RDWR)
		fail("flags 0%o / 0%o", fcntl(r, F_GETFL), fcntl(rw, F_GETFL));
	if (read(r, buf, sizeof(buf)) != 6 || memcmp(buf, "queued", 6))
		fail("buffered data '%.6s' (%m), expected 'queued'", buf);
	if (write(rw, "more", 4) != 4 || read(r, buf, sizeof(buf)) != 4 || memcmp(buf, "more", 4))
		fail("data after restore '%.4s' (%m)", buf);
	if (read(r, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		fail("empty FIFO read did not give EAGAIN: %m");
	if (access(test_path("gone.fifo"), F_OK) == 0)
		fail("the unlinked FIFO has a name again");
	return test_done();
}
