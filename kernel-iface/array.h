/*
 * The project's one growable array. It lives in kernel-iface, the lowest
 * layer, so that kernel-iface's own parsers use it too and every layer above
 * sees it (docs/architecture.md).
 *
 * An array grown with it is a plain pointer and a count, no capacity field:
 * the capacity is implied by the count. Before storing element @n (the
 * current count), call ARRAY_GROW(v, n); it reallocates only when @n is 0 or
 * a power of two, to max(1, 2n) elements, so pushes cost amortized O(1).
 *
 * The invariant: the array was only ever grown by this helper, one element
 * at a time (v starts NULL, or is freed and reset to NULL with its count).
 * A caller may lower its count (drop elements) and grow again: the allocation
 * is then at least what the count implies. An array allocated elsewhere (a
 * calloc of an exact size) must not be grown with it.
 */
#ifndef CRL_ARRAY_H
#define CRL_ARRAY_H

#include <stddef.h>

/*
 * Makes room for element index @n of *@v, an array of @size-byte elements
 * holding @n elements. 0, or -ENOMEM (also when 2 * @n * @size overflows)
 * with *@v unchanged; -EINVAL for a zero @size.
 */
int array_grow(void **v, size_t n, size_t size);

/*
 * Type-safe form: @arr is an lvalue of pointer type, evaluated more than
 * once. Goes through a void * copy rather than casting &arr to void ** (an
 * int ** is not a void **).
 */
#define ARRAY_GROW(arr, n)                                                                         \
	({                                                                                         \
		void *array_v_ = (arr);                                                            \
		int array_r_ = array_grow(&array_v_, (n), sizeof(*(arr)));                         \
		if (!array_r_)                                                                     \
			(arr) = array_v_;                                                          \
		array_r_;                                                                          \
	})

#endif
