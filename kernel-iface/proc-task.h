/* Listings under /proc/PID: threads, children, fds. Caller frees arrays with free(). */
#ifndef CRL_PROC_TASK_H
#define CRL_PROC_TASK_H

#include <stddef.h>
#include <sys/types.h>

/* Thread ids from /proc/@pid/task, sorted ascending with @pid (the leader) first. 0 or -errno. */
int proc_list_threads(pid_t pid, pid_t **tids, size_t *n);
/* Child pids from /proc/@pid/task/@tid/children, in file order. 0 or -errno. */
int proc_list_children(pid_t pid, pid_t tid, pid_t **kids, size_t *n);
/*
 * Open fd numbers from /proc/@pid/fd, sorted ascending; for our own pid the fd
 * used to list the directory is left out. 0 or -errno.
 */
int proc_list_fds(pid_t pid, int **fds, size_t *n);

#endif
