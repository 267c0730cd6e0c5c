/*
 * criu's RPC: `criu swrk FD` and `criu service`, speaking rpc.proto (CRIU's
 * wire format) so that pycriu, go-criu and runc drive criu-lite. Each request
 * becomes a struct opts and runs the command line's code (docs/compat.md,
 * "RPC").
 */
#ifndef CRL_RPC_H
#define CRL_RPC_H

#include "options.h"

/* Serves the client on socket @sk until it closes it; returns the exit status. */
int rpc_serve(int sk, const struct opts *base);
/* Listens on --address (default ./criu_service.socket), one child per client. */
int rpc_service(const struct opts *base);

#endif
