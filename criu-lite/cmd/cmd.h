/* One entry point per subcommand; each returns the process exit status. */
#ifndef CRL_CMD_H
#define CRL_CMD_H

#include "options.h"

int cmd_check(const struct opts *o);
int cmd_pre_dump(const struct opts *o);
int cmd_track_stop(const struct opts *o);
int cmd_dump(const struct opts *o);
int cmd_restore(const struct opts *o);
int cmd_page_server(const struct opts *o);
int cmd_show(const struct opts *o);
int cmd_swrk(const struct opts *o);
int cmd_service(const struct opts *o);

#endif
