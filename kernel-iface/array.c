/* The project's one growable array: see array.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "array.h"

int array_grow(void **v, size_t n, size_t size)
{
	size_t cap;
	void *nv;

	if (!size)
		return -EINVAL;
	if (n > SIZE_MAX / 2 / size)
		return -ENOMEM;
	/* Between powers of two the last reallocation (at the power below) left room. */
	if (n & (n - 1))
		return 0;
	cap = n ? 2 * n : 1;
	nv = realloc(*v, cap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}
