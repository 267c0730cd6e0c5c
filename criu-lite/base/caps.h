/*
 * The tool's own capabilities, read and changed through libcap only: what
 * dump and restore may use, --unprivileged, the one-line refusal when
 * CAP_CHECKPOINT_RESTORE is missing, and what `check` prints.
 */
#ifndef CRL_CAPS_H
#define CRL_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* The calling process's sets; bit N is capability N. */
struct caps_self {
	uint64_t eff, prm, inh, bnd;
	unsigned int last; /* the last capability the kernel knows (kernel.cap_last_cap) */
	unsigned int secbits;
};

/* Fills @s from the calling process. 0 or -errno (logged). */
int caps_self_read(struct caps_self *s);
/* libcap's name of capability @cap ("cap_setpcap"), or its number, in @buf. */
const char *caps_name(unsigned int cap, char *buf, size_t len);
/* The lowest capability set in @mask, or -1 when it is empty. */
int caps_first(uint64_t mask);
/*
 * First thing of dump, pre-dump and restore: under --unprivileged, drops every
 * capability but CAP_CHECKPOINT_RESTORE from the tool's sets (the kernel then
 * holds the tool to what that capability allows). 0 or -errno (logged).
 */
int caps_enter(const struct opts *o);
/*
 * Before dump, pre-dump or restore (@verb) touches a process: refuses with
 * one line (-EPERM) unless CAP_CHECKPOINT_RESTORE (or, without
 * --unprivileged, CAP_SYS_ADMIN) is effective.
 */
int caps_require(const struct opts *o, const char *verb);
/* Whether dump and restore may run with @o's --unprivileged (what check prints). */
bool caps_allowed(const struct opts *o);
/* check: prints the tool's capabilities and whether dump and restore may run. */
void caps_print(const struct opts *o);

#endif
