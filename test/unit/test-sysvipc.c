/* kernel-iface/sysvipc.c: /proc/sysvipc/shm text as the kernel writes it. */
#include <errno.h>
#include <stdlib.h>

#include "sysvipc.h"
#include "tap.h"

static const char shm_text[] =
	"       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  "
	"cgid      atime      dtime      ctime                   rss                  swap\n"
	"     23063          0   600                 12288  4242  4242      1     0     0     0 "
	"    0 1765118000          0 1765118000                 12288                     0\n"
	"        -1      32769   640                  4096  4243     0      0  1000   100     0 "
	"    0          0          0 1765118001                     0                     0\n";

int main(void)
{
	struct sysvipc_shm *s = NULL;
	size_t n = 0;

	ok(sysvipc_parse_shm(shm_text, &s, &n) == 0, "parses /proc/sysvipc/shm");
	ok(n == 2, "two segments (got %zu)", n);
	if (n == 2) {
		ok(s[0].key == 23063 && s[0].id == 0 && s[0].mode == 0600 && s[0].size == 12288,
		   "first: key, id, octal perms, size");
		ok(s[1].key == -1 && s[1].id == 32769 && s[1].mode == 0640 && s[1].uid == 1000 &&
			   s[1].gid == 100,
		   "second: negative key, id, perms, owner");
	}
	free(s);
	ok(sysvipc_parse_shm("header only\n", &s, &n) == 0 && n == 0 && !s, "no segments");
	ok(sysvipc_parse_shm("h\n1 2\n", &s, &n) == -EINVAL, "a short line is refused");
	return tap_done();
}
