/* One entry point per subcommand; each returns the process exit status. */
#ifndef CRL_CMD_H
#define CRL_CMD_H

#include "options.h"

/* Exit status of a command that exists on the command line but not yet in code. */
#define CMD_NOT_IMPLEMENTED 2

int cmd_check(const struct opts *o);
int cmd_pre_dump(const struct opts *o);
int cmd_track_stop(const struct opts *o);
int cmd_dump(const struct opts *o);
int cmd_restore(const struct opts *o);
int cmd_page_server(const struct opts *o);
int cmd_show(const struct opts *o);

/* Prints "<command>: not implemented" and returns CMD_NOT_IMPLEMENTED. */
int cmd_not_implemented(const char *what);

#endif
