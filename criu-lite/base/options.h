/* Command-line options. main() fills one struct; commands get it const. */
#ifndef CRL_OPTIONS_H
#define CRL_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

struct opts {
	const char *command;
	pid_t pid;			/* -t */
	const char *images_dir;		/* -D, default "." */
	const char *prev_images_dir;	/* --prev-images-dir, relative to -D */
	const char *pidfile;		/* --pidfile */
	const char *log_file;		/* -o */
	const char *address;		/* --address */
	const char *tracker;		/* --tracker=auto|soft-dirty|uffd-wp|digest|none */
	const char *show_file;		/* show FILE / -f FILE */
	int port;			/* --port */
	int verbosity;			/* -v */
	int status_fd;			/* --status-fd, -1 unset */
	bool track_mem;
	bool leave_running;
	bool leave_stopped; /* dump: SIGSTOP the tree and detach instead of killing it */
	bool restore_detached;
	bool shell_job;
	bool page_server;
	bool daemon;
	bool json;
	bool ext_unix_sk;
	bool tcp_established;
	bool staged; /* restore --staged: commands on stdin */
	bool allow_unsafe_images_dir; /* dump, page-server: -D may be unsafe (docs/security.md) */
	bool trust_images;	      /* restore: images need not come from root or the caller */
	bool unprivileged; /* --unprivileged: drop every capability but CAP_CHECKPOINT_RESTORE */
};

/* Fills *o from argv; returns 0, or -EINVAL after printing why. */
int opts_parse(int argc, char **argv, struct opts *o);

#endif
