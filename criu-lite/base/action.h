/*
 * --action-script and RPC notifications: criu's stages of a dump and a
 * restore, each a point where the caller's scripts run (and an RPC client
 * with notify_scripts is asked). A failing stage fails the operation.
 */
#ifndef CRL_ACTION_H
#define CRL_ACTION_H

#include <sys/types.h>

#include "options.h"

/* criu's CRTOOLS_SCRIPT_ACTION values, those criu-lite reaches. */
#define ACTION_PRE_DUMP "pre-dump"
#define ACTION_POST_DUMP "post-dump"
#define ACTION_PRE_RESTORE "pre-restore"
#define ACTION_SETUP_NS "setup-namespaces"
#define ACTION_POST_SETUP_NS "post-setup-namespaces"
#define ACTION_POST_RESTORE "post-restore"
#define ACTION_PRE_RESUME "pre-resume"
#define ACTION_POST_RESUME "post-resume"

/*
 * Runs every --action-script with CRTOOLS_SCRIPT_ACTION=@stage,
 * CRTOOLS_IMAGE_DIR and, when @pid is not 0, CRTOOLS_INIT_PID=@pid; then
 * asks o->notify. 0, or -errno after logging which script or client refused.
 */
int action_run(const struct opts *o, const char *stage, pid_t pid);

#endif
