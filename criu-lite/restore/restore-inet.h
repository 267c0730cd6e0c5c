/*
 * Restore: the recorded options of an inet socket (restore-inet-opts.c).
 */
#ifndef CRL_RESTORE_INET_H
#define CRL_RESTORE_INET_H

#include <stdbool.h>

#include "files.pb-c.h"

/*
 * Before bind: the options that decide whether bind and connect succeed
 * (reuse, v6only, freebind, the bound device). @repair: the socket is in TCP
 * repair mode, whose forced address reuse SO_REUSEADDR would cancel. -errno.
 */
int rst_inet_opts_pre_bind(int sk, const InetSkEntry *e, bool repair);
/* After bind/listen/connect: the rest (buffers, timeouts, keepalive, filter, IP level). -errno. */
int rst_inet_opts_post(int sk, const InetSkEntry *e);

#endif
