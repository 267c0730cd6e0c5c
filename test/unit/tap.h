/* Minimal TAP output for unit tests: one line per checked behaviour. */
#ifndef CRL_TAP_H
#define CRL_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
	do {                                                                                       \
		int c_ = !!(cond);                                                                 \
		printf("%s %d - ", c_ ? "ok" : "not ok", ++tap_n);                                 \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!c_) {                                                                         \
			tap_failed++;                                                              \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
		}                                                                                  \
	} while (0)

#define skip(...)                                                                                  \
	do {                                                                                       \
		printf("ok %d - # SKIP ", ++tap_n);                                                \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
