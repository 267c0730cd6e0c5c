/*
 * Restore: put descriptors at their recorded numbers in the new process, from
 * the tool's copies it inherited, without ever holding two copies of the set.
 *
 * A parallel copy: target number b gets the description at source number
 * src(b), all at once in effect, while sources and targets overlap (a tool's
 * copy may sit at another fd's recorded number). Sequenced as register
 * allocators do: a target whose number holds no source still needed is
 * written first; a source whose value was copied once is read from that
 * copy afterwards, so its own number is closed (or becomes a free target)
 * at once; a cycle (every pending target holds a needed source) is broken
 * with one temporary duplicate. The process never holds more than one
 * descriptor beyond what it started with, and no number above the highest
 * source or target but that temporary (the lowest free number), so whatever
 * fits the limit before fits it throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "restore-fd.h"

enum { FDMOVE_SRC = 1, FDMOVE_DST = 2 };

struct fdmove {
	const struct rst_fd_move *m;
	int top;       /* numbers 0 .. top-1 are indexed below */
	int *ix;       /* by target number: index into m, -1 */
	int *loc;      /* by source number: where its description is now, -1 */
	uint8_t *role; /* by number: FDMOVE_SRC, FDMOVE_DST */
	int *ready;    /* targets whose number may be written now */
	size_t nr_ready;
};

static int fdmove_init(struct fdmove *v, const struct rst_fd_move *m, size_t n)
{
	v->m = m;
	v->ix = v->loc = v->ready = NULL;
	v->role = NULL;
	v->top = 0;
	v->nr_ready = 0;
	for (size_t i = 0; i < n; i++) {
		if (m[i].dst < 0)
			return -EINVAL;
		if (m[i].dst >= v->top)
			v->top = m[i].dst + 1;
		if (m[i].src >= v->top)
			v->top = m[i].src + 1;
	}
	v->ix = malloc((size_t)v->top * sizeof(int));
	v->loc = malloc((size_t)v->top * sizeof(int));
	v->role = calloc((size_t)v->top + 1, 1);
	v->ready = malloc((n + 1) * sizeof(int));
	if (!v->ix || !v->loc || !v->role || !v->ready)
		return -ENOMEM;
	for (int i = 0; i < v->top; i++)
		v->ix[i] = v->loc[i] = -1;
	for (size_t i = 0; i < n; i++) {
		if (v->role[m[i].dst] & FDMOVE_DST)
			return -EINVAL; /* two fds at one number */
		v->role[m[i].dst] |= FDMOVE_DST;
		v->ix[m[i].dst] = (int)i;
		if (m[i].src >= 0) {
			v->role[m[i].src] |= FDMOVE_SRC;
			v->loc[m[i].src] = m[i].src;
		}
	}
	return 0;
}

static void fdmove_fini(struct fdmove *v)
{
	free(v->ix);
	free(v->loc);
	free(v->role);
	free(v->ready);
}

/* Whether target @b is still to be copied into (not made by its kind, not in place). */
static bool fdmove_pending(const struct fdmove *v, int b)
{
	const struct rst_fd_move *e = &v->m[v->ix[b]];

	return e->src >= 0 && e->src != b;
}

/* Copies into the ready target @b; frees the number it read from if nothing else needs it. */
static int fdmove_one(struct fdmove *v, int b)
{
	const struct rst_fd_move *e = &v->m[v->ix[b]];
	int a = e->src, from = v->loc[a];

	if (dup3(from, b, e->cloexec ? O_CLOEXEC : 0) < 0)
		return -errno;
	v->loc[a] = b;
	if (from == a) {
		/* a's description is safe at b: a itself is free */
		if (!(v->role[a] & FDMOVE_DST))
			close(a);
		else if (fdmove_pending(v, a))
			v->ready[v->nr_ready++] = a;
	} else if (from >= v->top || !(v->role[from] & FDMOVE_DST)) {
		close(from); /* the temporary of a cycle */
	}
	return 0;
}

int rst_fd_move(const struct rst_fd_move *m, size_t n)
{
	struct fdmove v;
	int *todo = malloc((n + 1) * sizeof(int)), ret;
	size_t nr_todo = 0;

	ret = todo ? fdmove_init(&v, m, n) : -ENOMEM;
	for (size_t i = 0; !ret && i < n; i++) {
		int b = m[i].dst;

		if (m[i].src < 0)
			continue;
		if (m[i].src == b) {
			if (fcntl(b, F_SETFD, m[i].cloexec ? FD_CLOEXEC : 0))
				ret = -errno;
			continue;
		}
		todo[nr_todo++] = b;
		if (!(v.role[b] & FDMOVE_SRC))
			v.ready[v.nr_ready++] = b;
	}
	while (!ret && nr_todo) {
		int b, tmp;

		while (!ret && v.nr_ready)
			ret = fdmove_one(&v, v.ready[--v.nr_ready]);
		b = todo[--nr_todo];
		if (ret || !(v.role[b] & FDMOVE_SRC) || v.loc[b] != b)
			continue; /* done, or failed */
		/* b still holds the source others need: a cycle; its copy goes aside */
		tmp = fcntl(b, F_DUPFD_CLOEXEC, 0);
		if (tmp < 0) {
			ret = -errno;
			break;
		}
		v.loc[b] = tmp;
		v.ready[v.nr_ready++] = b;
	}
	if (todo)
		fdmove_fini(&v);
	free(todo);
	return ret;
}
