/*
 * Dump internals shared by the dump phases (seize, tree, core, mm, pages,
 * files, signals, stats) and reused by pre-dump. One struct dump_ctx lives
 * for one run of the command; nothing here is a process-wide global except
 * the "stop requested" flag set by the tool's own signal handlers.
 */
#ifndef CRL_DUMP_H
#define CRL_DUMP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "img.h"
#include "img-fd.h"
#include "options.h"
#include "proc-maps.h"
#include "proc-stat.h"

/* CRIU's task_core_entry.task_state values. */
#define TASK_ALIVE 1
#define TASK_DEAD 2
#define TASK_STOPPED 3

/* How long one task may take to reach a ptrace stop. */
#define DUMP_SEIZE_TIMEOUT_MS 2000
/* Namespace kinds, in TaskKobjIdsEntry's order: pid net ipc uts mnt user cgroup time (dump-ns.c) */
#define DUMP_NS_KINDS 8

struct dump_thread {
	pid_t tid;
	pid_t vtid; /* in the tree's pid namespace (dump-ns.c): the images' */
	bool seized;
};

struct dump_task {
	pid_t pid, ppid, pgid, sid;
	pid_t vpid;		     /* in the tree's pid namespace (dump-ns.c): the images' */
	int parent;		     /* index in dump_ctx.tasks, -1 for the root */
	struct dump_thread *threads; /* leader first */
	size_t nr_threads;
	bool zombie;  /* not seized: only pstree and core tc */
	bool stopped; /* was in group stop ('T') when seized */
	int stop_sig; /* the signal of that stop (SIGSTOP, SIGTSTP...), 0 if unknown */
	struct proc_stat stat;
	struct proc_status status;
	uint32_t vm_id, files_id, fs_id, sighand_id;
	bool own_vm, own_files, own_fs, own_sighand; /* first task with this id */
	struct proc_vma_list vmas;		     /* filled by the mm phase */
};

/*
 * Narrowing hook for incremental dumps: for @nr pages from @start that the
 * pagemap says hold data (entries in @pme), clear changed[i] for pages that
 * did not change since the parent dump; those are recorded as PE_PARENT
 * entries instead of being written. NULL filter: every page is written.
 */
struct dump_page_filter {
	int (*changed)(void *arg, pid_t pid, unsigned long start, size_t nr, const uint64_t *pme,
		       uint8_t *changed);
	void *arg;
};

/*
 * What pre-dump and incremental dumps plug into a dump (all optional; with
 * no hooks given, dump_run plugs in dump-track.c itself: the write trackers
 * with --track-mem, --prev-images-dir or pre_dump, else only the recognition
 * and removal of tracker fds left in the tree).
 * pre_dump: memory only (pstree, ids, mm, pagemap, pages, inventory, stats;
 * no core or fd images), and the tree is always resumed.
 * task_begin: each process, frozen, after its mm and before its pages
 * (start or continue tracking; fix the changed set).
 * filter: narrows the pages written (PE_PARENT for the others).
 * written: the data of @nr pages at @addr that went into the images.
 * hidden_fd: fds that belong to the tracker and are not dumped.
 * end: after everything, the tree still frozen; @ok tells whether the dump
 * succeeded (save tracker state into @dir, end the session).
 */
struct dump_hooks {
	void *arg;
	bool pre_dump;
	int (*task_begin)(void *arg, pid_t pid);
	struct dump_page_filter filter;
	void (*written)(void *arg, pid_t pid, unsigned long addr, const void *data, size_t nr);
	bool (*hidden_fd)(void *arg, pid_t pid, int fd);
	int (*end)(void *arg, const struct img_dir *dir, bool ok);
};

struct dump_stats {
	uint64_t t_start;  /* us, monotonic */
	uint64_t t_frozen; /* all tasks stopped */
	uint64_t t_thawed; /* resumed or killed */
	uint64_t freezing_us, memdump_us, memwrite_us;
	uint64_t pages_scanned, pages_written, pages_skipped_parent;
	uint64_t shpages_scanned, shpages_written;
};

struct dump_file_key;
struct page_xfer;
struct dump_locks;
struct dump_seccomp;

struct dump_ctx {
	const struct opts *o;
	struct img_dir dir;
	bool dir_open;
	struct dump_task *tasks; /* parents before children */
	size_t nr_tasks;
	uint32_t next_kobj_id;
	uint32_t next_file_id;
	uint32_t next_pages_id;
	struct img *files_img;	    /* files.img, open for the whole dump */
	struct dump_file_key *keys; /* open-file objects seen, for dedup (dump-filetab.c) */
	size_t nr_keys;
	size_t *fd_order; /* the fd-backed keys' indices, by dev, ino, kcmp order */
	size_t nr_fd_order;
	struct dump_fd_hint {
		size_t at, n; /* where the last search ended, nr_fd_order then */
		pid_t pid;    /* for this fd */
		int fd;
	} fd_hint;
	int copy_pidfd;	      /* pidfd of copy_pidfd_pid, for fd copies (dump-files.c), */
	pid_t copy_pidfd_pid; /* valid only when this is not 0 */
	struct dump_page_filter filter;
	struct dump_hooks hooks;
	struct dump_stats st;
	uint8_t *pagebuf; /* page batch buffer, MAP_POPULATE'd once */
	size_t pagebuf_len;
	uint64_t zero_pfn;	/* pfn of the shared zero page, 0 if unknown */
	uint64_t huge_zero_pfn; /* first pfn of the huge zero page, */
	uint64_t huge_zero_nr;	/* and its page count; 0 if unknown */
	/* each fd kind's own state, by its FileEntry type (dump-files.h, dump-fd-*.c) */
	void *fd_state[FD_KIND_SLOTS];
	unsigned long *shmids; /* shmem objects already dumped (shared anon, memfd) */
	size_t nr_shmids;
	bool pre_dump;		    /* pre-dump: memory only */
	void *track;		    /* dump-track.c state, NULL when not tracking */
	struct page_xfer *px;	    /* --page-server: memory images go there */
	struct dump_mm_pre *mm_pre; /* VMA flags read before the freeze (dump-mm-pre.c) */
	/* file locks recorded (dump-locks.c), NULL before the first */
	struct dump_locks *locks;
	struct dump_ns *ns; /* namespaces seen (dump-ns.c) */
	/* seccomp filters recorded (dump-seccomp.c), NULL before the first */
	struct dump_seccomp *seccomp;
	/* the network lock (dump-netlock.c), NULL in a pre-dump */
	struct dump_netlock *netlock;
	/* dump -R's copy-on-write snapshot (dump-cow.h), NULL: pages copied frozen */
	struct dump_cow *cow;
	bool no_cow; /* a second try after the copy lost a page: copied frozen */
	/* the tool could not seize with PTRACE_O_SUSPEND_SECCOMP (dump-seize.c) */
	bool seccomp_unsuspended;
	struct dump_cg *cg; /* the tree's cgroup sets (dump-cgroup.c), NULL before the first */
};

/*
 * The whole dump of the tree rooted at o->pid into o->images_dir, linked to
 * o->prev_images_dir when set. @hooks (may be NULL) adapt it for pre-dump and
 * incremental dumps. 0 or -errno; the tree is resumed (or killed, after a
 * successful dump without --leave-running) before it returns.
 */
int dump_run(const struct opts *o, const struct dump_hooks *hooks);

/* Anything that seizes a tree and injects into it: dump_run and the like. */
typedef int (*dump_run_fn)(const struct opts *o, const struct dump_hooks *hooks);
/*
 * @run in a worker child that outlives a SIGKILL of the tool long enough to
 * resume the tree cleanly, watched by a keeper that repairs the tree if the
 * worker itself is killed (dump-guard.c). Returns the exit status (0/1).
 */
int dump_run_guarded(dump_run_fn run, const struct opts *o, const struct dump_hooks *hooks);

uint64_t dump_now_us(void);
/*
 * A point between steps: returns -EINTR (logged) if the tool was asked to stop.
 * With CRL_DUMP_PAUSE_AT=@phase in the environment it first waits there for a
 * signal (tests use it to kill the tool at a known point).
 */
int dump_checkpoint(struct dump_ctx *ctx, const char *phase);
/* SIGINT, SIGTERM, SIGHUP and SIGQUIT, the signals that stop a dump, go to @handler. */
void dump_catch_stop_signals(void (*handler)(int));
/* The stop signals set dump_stop_signal, which dump_checkpoint reads. */
void dump_install_signal_handlers(void);

/* dump-seize.c */
int dump_seize_tree(struct dump_ctx *ctx, pid_t root);
/* Detaches every seized thread, leaving the tree running. Never fails. */
void dump_resume_tree(struct dump_ctx *ctx);
/* --leave-stopped: SIGSTOPs every process of the tree, then detaches. */
void dump_stop_tree(struct dump_ctx *ctx);
/* SIGKILLs every process of the tree, then detaches. */
void dump_kill_tree(struct dump_ctx *ctx);
/*
 * A process of the tree that has exited since it was seized (after a failure
 * @err; for -ESRCH it waits up to 0.5 s for a killed one to show), or 0.
 */
pid_t dump_tree_exited(const struct dump_ctx *ctx, int err);

/* dump-tree.c */
int dump_collect_ids(struct dump_ctx *ctx);
int dump_write_pstree(struct dump_ctx *ctx);
int dump_write_ids(struct dump_ctx *ctx, struct dump_task *t);
int dump_write_inventory(struct dump_ctx *ctx);
void dump_tasks_free(struct dump_ctx *ctx);

/*
 * dump-ns.c: the namespaces of every process: ids, the refusal of what
 * restore cannot rebuild, the images of the root's own. Logs.
 */
struct TaskKobjIdsEntry;
int dump_ns_collect(struct dump_ctx *ctx);
/* Sets the *_ns_id fields of @e (every process shares the root's). */
void dump_ns_fill_ids(const struct dump_ctx *ctx, struct TaskKobjIdsEntry *e);
void dump_ns_free(struct dump_ctx *ctx);
/* Whether the root has a network namespace of its own (its sockets are there). */
bool dump_ns_net_own(const struct dump_ctx *ctx);
/*
 * Moves the calling thread into the root's network namespace when it has one
 * of its own (sock_diag sees only the sockets of the caller's): *@back is -1
 * otherwise. Logs. dump_ns_net_leave(*@back) goes back (-1: nothing).
 */
int dump_ns_net_enter(const struct dump_ctx *ctx, int *back);
int dump_ns_net_leave(int back);
/*
 * @pid or tid (the tool's view) in the tree's pid namespace: itself when the
 * tree is in the tool's, 0 when the tree's does not see it.
 */
pid_t dump_ns_vpid(const struct dump_ctx *ctx, pid_t pid);

/* dump-core.c */
int dump_task_core(struct dump_ctx *ctx, struct dump_task *t);

/* dump-seccomp.c: @mode is /proc's Seccomp value; fills thc's seccomp fields */
struct ThreadCoreEntry;
int dump_seccomp_thread(struct dump_ctx *ctx, struct dump_task *t, pid_t tid, int mode,
			struct ThreadCoreEntry *thc);
/*
 * Refuses (logs) a seized task with a thread under seccomp when the tool could
 * not seize with PTRACE_O_SUSPEND_SECCOMP: injecting into it could be fatal.
 */
int dump_seccomp_check_seized(struct dump_ctx *ctx, struct dump_task *t);
/* dump-lsm.c: refuses (logs) a task confined by an AppArmor profile; 0 when unconfined. */
int dump_lsm_check(const struct dump_task *t);
/* Whether an attr/apparmor/current text is "unconfined" (or empty). */
bool dump_lsm_unconfined(const char *label);
/* Writes seccomp.img when any thread had a filter. */
/* dump-cgroup.c: @t's cgroup set (its id in *@set), cgroup.img, the root's set. Log. */
int dump_cgroup_task(struct dump_ctx *ctx, const struct dump_task *t, uint32_t *set);
int dump_cgroup_write(struct dump_ctx *ctx);
uint32_t dump_cgroup_root_set(const struct dump_ctx *ctx);
void dump_cgroup_free(struct dump_ctx *ctx);
int dump_seccomp_finish(struct dump_ctx *ctx);
void dump_seccomp_fini(struct dump_ctx *ctx);

/*
 * dump-netlock.c: the network lock. Before the freeze (not in a pre-dump):
 * new connection attempts to the tree's listeners held at the lock, and a
 * bounded wait for the program to accept what is queued. Logs. 0 or -errno.
 */
int dump_netlock_prepare(struct dump_ctx *ctx);
struct sock_diag_inet;
/*
 * TCP connection @s (of the frozen tree; @all: every inet socket) locked
 * before its socket goes into repair mode, unless its peer is in the tree
 * too, the method is skip or --tcp-close. Logs. 0 or -errno.
 */
int dump_netlock_conn(struct dump_ctx *ctx, const struct sock_diag_inet *s,
		      const struct sock_diag_inet *all, size_t n);
/* The method of the lock held (NF_LOCK_*, for inventory.img), or 0. */
int dump_netlock_method(const struct dump_ctx *ctx);
/* The lock held is inside the tree's own network namespace. */
bool dump_netlock_in_netns(const struct dump_ctx *ctx);
/* Releases the lock, or keeps it for the restore (@keep: the tree is gone or stopped). */
void dump_netlock_release(struct dump_ctx *ctx, bool keep);
void dump_netlock_fini(struct dump_ctx *ctx);

/* dump-mm.c */
int dump_task_mm(struct dump_ctx *ctx, struct dump_task *t);
/*
 * dump-mm-guard.c: the guard regions (MADV_GUARD_INSTALL) of @pid's VMAs @l,
 * as VMA_AREA_GUARD entries in address order (malloc'd *out). Logs.
 */
struct VmaEntry;
int dump_mm_guards(pid_t pid, const struct proc_vma_list *l, struct VmaEntry **out, size_t *nr);
/* dump-mm.c: the membarrier(2) registrations, asked inside the stopped process (@in). Logs. */
struct inject;
struct TaskCoreEntry;
int dump_mm_membarrier(struct inject *in, pid_t pid, struct TaskCoreEntry *tc);

/* dump-mm-pre.c: smaps (a page-table walk) read before the freeze */
void dump_mm_prefetch(struct dump_ctx *ctx, pid_t root);
void dump_mm_prefetch_free(struct dump_ctx *ctx);
/* Bytes resident or swapped in the tree at the prefetch (smaps); 0 if unknown. */
uint64_t dump_mm_prefetch_bytes(const struct dump_ctx *ctx);
/* The VMAs of @pid with their VmFlags: maps + the early flags, or smaps. 0 or -errno. */
int dump_mm_read_vmas(struct dump_ctx *ctx, pid_t pid, struct proc_vma_list *out);

/* dump-pages.c */
int dump_pages_init(struct dump_ctx *ctx);
void dump_pages_fini(struct dump_ctx *ctx);
/* Private memory of @t (its vmas must be read) into pagemap-PID.img + pages-N.img. */
int dump_task_pages(struct dump_ctx *ctx, struct dump_task *t);
/* One shared anonymous object, through the map_files link of @v. */
int dump_shmem_pages(struct dump_ctx *ctx, struct dump_task *t, const struct proc_vma *v,
		     unsigned long shmid);
/*
 * A mapping of a memfd: the object once (memfd.img + content), and a MEMFD
 * file_entry opened with @flags whose id goes to *@id (dump-fd-memfd.c).
 */
int dump_memfd_vma(struct dump_ctx *ctx, pid_t pid, unsigned long start, unsigned long end,
		   const char *mpath, unsigned int flags, uint32_t *id);
/* The content of shmem object @fd (@size bytes: memfd) into pagemap-shmem-@shmid.img. */
int dump_shmem_fd(struct dump_ctx *ctx, pid_t pid, int fd, off_t size, unsigned long shmid);

/*
 * dump-guard.c: what a dying worker leaves for the keeper to undo, besides
 * injections (inject.h). Each is a no-op outside a guarded dump.
 * note_tcp: a TCP socket (fd @fd of @pid, inode @ino) was put in repair mode,
 * with SO_REUSEADDR @reuse; note_killing: the tree is being killed (its
 * sockets must stay in repair mode and close silently).
 */
void dump_guard_note_tcp(pid_t pid, int fd, uint64_t ino, int reuse);
void dump_guard_note_killing(void);
/* The freezer cgroup @dir is (about to be) frozen; NULL: thawed. The keeper thaws it. */
void dump_guard_note_freezer(const char *dir);
/* A userfaultfd is being made in @pid at number @fd; @fd -1: closed there again. */
void dump_guard_note_uffd(pid_t pid, int fd);
/*
 * A network lock of @method (NF_LOCK_*, 0: none any more) for the tree of
 * @root is held, in the network namespace of @ns_pid (0: the tool's).
 */
void dump_guard_note_netlock(int method, pid_t root, pid_t ns_pid);

/* dump-files.c */
int dump_files_init(struct dump_ctx *ctx);
/* Closes the images the fd phases keep open; returns the first write error. */
int dump_files_close(struct dump_ctx *ctx);
void dump_files_fini(struct dump_ctx *ctx);
int dump_task_files(struct dump_ctx *ctx, struct dump_task *t);
/*
 * The file_entry id of fd @fd of @pid for a mapping of it, met by the mm
 * phase before the files phase: a new one is reserved, and its entry written
 * (or the dump refused) when the files phase meets the fd. Logs.
 */
int dump_fd_file_id(struct dump_ctx *ctx, pid_t pid, int fd, uint32_t *id);
/*
 * dump-mm-socket.c: @v maps a socket: the packet socket's file_entry id into
 * @e->shmid, once the mapping is checked restorable. Logs.
 */
int dump_mm_socket(struct dump_ctx *ctx, pid_t pid, const struct proc_vma *v, struct VmaEntry *e);
int dump_task_fs(struct dump_ctx *ctx, struct dump_task *t);
/*
 * Before the tree is resumed (@resume) or killed: each fd kind lets go of
 * what it holds (established TCP sockets leave repair mode when the tree goes
 * on; killed, they stay in it until dump_files_fini closes them silently).
 */
void dump_files_release(struct dump_ctx *ctx, bool resume);
/* Checks made once every fd is known (unix socket peers inside the tree). */
int dump_files_finish(struct dump_ctx *ctx);
/* dump-filetab.c: a REG entry of its own (never shared with another of the inode): new *@id. */
int dump_reg_entry(struct dump_ctx *ctx, const char *path, unsigned int flags,
		   const struct stat *st, uint32_t *id);
/*
 * Returns (through @id) the id of a REG file_entry for @path opened with
 * @flags, writing it on first use. @st describes the file (dev/ino/mode/size).
 */
int dump_reg_file(struct dump_ctx *ctx, const char *path, unsigned int flags, const struct stat *st,
		  uint32_t *id);
/* dump-fd-ghost.c: content of an unlinked file read through @link into ghost-file-@id.img. Logs. */
int dump_ghost_file(struct dump_ctx *ctx, const char *link, const struct stat *st, uint32_t id);
/* The bytes of data (holes not counted) of the regular file behind @link. 0 or -errno. */
int dump_ghost_data_bytes(const char *link, off_t size, uint64_t *bytes);

/* dump-signals.c */
struct CoreEntry;
struct TaskCoreEntry;
struct ThreadCoreEntry;
/* Per-process signal state by injection into the leader: handlers, itimers, posix timers. */
int dump_task_signals(struct dump_ctx *ctx, struct dump_task *t, struct TaskCoreEntry *tc);
void dump_task_signals_free(struct TaskCoreEntry *tc);
/*
 * Per thread: sigaltstack and clear_child_tid (by injection; the latter into
 * @core's arch thread info, which must be filled), private pending signals, rseq.
 */
int dump_thread_signals(struct dump_ctx *ctx, struct dump_task *t, pid_t tid,
			struct ThreadCoreEntry *thc, struct CoreEntry *core);
void dump_thread_signals_free(struct ThreadCoreEntry *thc);

/* dump-track.c: plugs the write trackers into ctx->hooks. 0 or -errno. */
int dump_track_setup(struct dump_ctx *ctx);
void dump_track_free(struct dump_ctx *ctx);
/*
 * track-stop: removes every tracker fd (and so its registrations) from the
 * seized tree; dump_track_free() after the thaw finishes the unregistering.
 */
int dump_track_stop(struct dump_ctx *ctx);

/* dump-stats.c */
int dump_write_stats(struct dump_ctx *ctx);

#endif
