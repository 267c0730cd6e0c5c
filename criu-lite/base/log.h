/* Logging: levels, -v and -o. Errors always reach stderr as one line. */
#ifndef CRL_LOG_H
#define CRL_LOG_H

#include <stddef.h>

enum log_level {
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

/* level: messages up to this level are kept; path: log file or NULL. */
int log_init(int level, const char *path);
void log_fini(void);

/*
 * The first error line while @buf is empty is copied into it (@len bytes,
 * NUL-terminated): RPC answers with it, as criu's cr_errmsg; the caller
 * empties @buf before each request (the buffer may be shared with workers).
 */
void log_keep_errors(char *buf, size_t len);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(fmt, ...) log_msg(LOG_ERROR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) log_msg(LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) log_msg(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_msg(LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif
