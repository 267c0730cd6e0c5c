/* sock_diag: a socketpair of ours shows up with each end's peer the other. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sock-diag.h"
#include "tap.h"

int main(void)
{
	const struct sock_diag_unix *a, *b;
	struct sock_diag_unix *v = NULL;
	struct stat sa, sb;
	size_t n = 0;
	int sp[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || fstat(sp[0], &sa) || fstat(sp[1], &sb)) {
		perror("socketpair");
		return 1;
	}
	if (write(sp[0], "abc", 3) != 3)
		return 1;
	ret = sock_diag_unix_list(&v, &n);
	if (ret == -EPROTONOSUPPORT || ret == -ENOENT) {
		skip("unix_diag not available (%d)", ret);
		return 77;
	}
	ok(ret == 0, "sock_diag_unix_list returns 0 (%d)", ret);
	ok(n >= 2, "at least our two sockets listed (%zu)", n);
	for (size_t i = 1; i < n; i++)
		if (v[i - 1].ino > v[i].ino) {
			ok(0, "list sorted by inode");
			break;
		}
	a = sock_diag_unix_find(v, n, (uint32_t)sa.st_ino);
	b = sock_diag_unix_find(v, n, (uint32_t)sb.st_ino);
	ok(a && b, "both ends found by inode");
	if (a && b) {
		ok(a->peer == b->ino && b->peer == a->ino, "peers point at each other");
		ok(a->type == SOCK_STREAM && a->state == 1, "stream, established");
		ok(a->name_len == 0 && b->name_len == 0, "unnamed");
		ok(b->rqlen == 3, "receive queue of the reading end holds 3 bytes (%u)", b->rqlen);
		ok(a->shutdown == 0, "no shutdown");
	}
	ok(sock_diag_unix_find(v, n, 0) == NULL, "inode 0 not found");
	free(v);
	return tap_done();
}
