/*
 * Restore: shared state of the phases (read, tree, mm, files, threads,
 * finish). See docs/restore-design.md for the order and why.
 */
#ifndef CRL_RESTORE_H
#define CRL_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <termios.h>

#include "arch.h"
#include "img.h"
#include "img-fd.h"
#include "options.h"

#include "core.pb-c.h"
#include "files.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"
#include "tty.pb-c.h"

/* vma_entry.status bits (CRIU's values, docs/image-format.md). */
#define RST_VMA_REGULAR (1u << 0)
#define RST_VMA_STACK (1u << 1)
#define RST_VMA_VSYSCALL (1u << 2)
#define RST_VMA_VDSO (1u << 3)
#define RST_VMA_HEAP (1u << 5)
#define RST_VMA_FILE_PRIVATE (1u << 6)
#define RST_VMA_FILE_SHARED (1u << 7)
#define RST_VMA_ANON_SHARED (1u << 8)
#define RST_VMA_ANON_PRIVATE (1u << 9)
#define RST_VMA_SYSVIPC (1u << 10)
#define RST_VMA_SOCKET (1u << 11)
#define RST_VMA_VVAR (1u << 12)
#define RST_VMA_AIORING (1u << 13)
#define RST_VMA_GUARD (1u << 16)
#define RST_VMA_UNSUPP (1u << 31)

/* pagemap_entry.flags */
#define RST_PE_PARENT (1u << 0)
#define RST_PE_LAZY (1u << 1)
#define RST_PE_PRESENT (1u << 2)

/* A run of pages to copy: target address, length, where the bytes are. */
struct rst_seg {
	unsigned long vaddr;
	unsigned long len;
	int pages_fd; /* owned by struct rst_ctx.pages_fds */
	uint64_t off;
	int depth; /* 0: this directory's pages file, 1: the parent's... */
};

/*
 * Page checksums of the pages files open in a context (restore-pages.c),
 * by fd number: NULL where a file has none or checking is off.
 */
struct pagecsum_in;
struct rst_ctx;
struct rst_csums {
	struct pagecsum_in **by_fd;
	size_t n;
	unsigned long page_size;
};
/* Loads the checksums of pages file @id of @d open as @fd (none: fine). Logs. */
int rst_csums_load(struct rst_ctx *c, const struct img_dir *d, uint32_t id, int fd, uint64_t size);
void rst_csums_fini(struct rst_csums *cs);
const struct pagecsum_in *rst_csums_of(const struct rst_csums *cs, int fd);
/*
 * Checks @len bytes at @buf that hold segment @s from @skip bytes into it
 * (whole pages). 0, or -EBADMSG after logging the file, pid and addresses
 * (@pid 0: a shared memory object, whose segments hold offsets in it).
 */
int rst_csums_check(const struct rst_csums *cs, const struct rst_seg *s, unsigned long skip,
		    const void *buf, size_t len, pid_t pid);

struct rst_segs {
	struct rst_seg *s;
	size_t n;
};

struct rst_thread {
	pid_t tid;  /* the tool's view: the recorded one until it exists (restore-ns.c) */
	pid_t vtid; /* as recorded: in the tree's pid namespace */
	CoreEntry *core;
	struct arch_thread_state *st; /* malloc'd, from arch_core_read */
};

struct rst_task {
	PstreeEntry *pe; /* owned by ctx.pstree */
	pid_t pid;	 /* the tool's view: the recorded one until it exists (restore-ns.c) */
	pid_t vpid;	 /* as recorded: in the tree's pid namespace */
	int parent;	 /* index in ctx.tasks, -1 for the root */
	struct rst_thread *th; /* th[0] is the leader */
	size_t nr_th;
	bool zombie;
	bool stopped; /* group-stopped when dumped: stopped again at detach */
	int stop_sig; /* by this signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) */
	int exit_code;
	MmEntry *mm;
	/*
	 * Guard regions (VMA_AREA_GUARD entries): moved by rst_read behind the
	 * VMAs, mm->vmas[mm->n_vmas...+nr_guards), so that n_vmas counts VMAs only.
	 */
	size_t nr_guards;
	struct rst_segs pages; /* resolved page contents, address order */
	TaskKobjIdsEntry *ids;
	FdinfoEntry **fds;
	size_t nr_fds;
	FsEntry *fs;
	bool created; /* a process exists for it (kill on failure) */
	bool seized;
};

/* One open-file object of files.img, opened by the tool before forking. */
struct rst_file {
	FileEntry *fe;
	int fd;		/* -1 until opened */
	bool inherited; /* fd is the caller's (--inherit-fd): not ours to set up */
};

/* The first mapping of a shared anonymous object; later ones map it through /proc. */
struct rst_shm {
	uint64_t shmid;
	pid_t pid;
	unsigned long start, end;
};

/* Per-process report of the tool code running in a new process (shared page). */
struct rst_child_status {
	int state;   /* 0 not yet, 1 ready and paused, -1 failed */
	int err;     /* errno of the failure */
	int step;    /* which step failed (enum in restore-tree.c) */
	int created; /* set by the parent once the process exists */
	int forked;  /* its children exist: a process sharing its fd table may install */
};

struct rst_ctx {
	const struct opts *o;
	struct img_dir dir;
	InventoryEntry *inv;
	PstreeEntry **pstree;
	struct rst_task *tasks;
	size_t nr_tasks;
	FileEntry **fentries;
	struct rst_file *files;
	size_t nr_files;
	uint32_t *file_ix;	       /* indexes of fentries sorted by id (restore-filetab.c) */
	void *fd_state[FD_KIND_SLOTS]; /* each fd kind's own, by FileEntry type (restore-fd.h) */
	struct rst_shm *shms;
	size_t nr_shms;
	int *pages_fds; /* pages files of the whole chain */
	size_t nr_pages_fds;
	struct rst_csums csums;		 /* their page checksums */
	struct rst_child_status *status; /* shared page, one per task */
	size_t status_len;
	unsigned long page_size;
	pid_t tool_pid;
	pid_t tool_ppid;	   /* the root's parent with restore_sibling (RPC rst_sibling) */
	struct rst_stage *stage;   /* memory staged ahead (restore --staged), or NULL */
	struct rst_cow *cow;	   /* restore-cow.c: areas shared by parents and children */
	struct rst_filler *filler; /* made on first use; a staged restore borrows the stage's */
	bool filler_owned;	   /* made here (first use): rst_ctx_fini frees it */
	struct rst_lazy *lazy;	   /* restore --lazy-pages (restore-lazy.h), or NULL */
	struct rst_remote *remote; /* --lazy-pages --page-server: pages files there, or NULL */
	/* filelocks.img (restore-locks.c) */
	struct FileLockEntry **locks;
	size_t nr_locks;
	/* seccomp.img (restore-seccomp.c), NULL when absent */
	struct SeccompEntry *seccomp;
	bool seccomp_used; /* some thread runs under seccomp: seize suspending it */
	/*
	 * The tool's signal handlers when it forked the tree (the kernel's struct
	 * sigaction per signal 1..64): what every new process has until the rebuild
	 * (restore-task.c injects only those that differ).
	 */
	uint64_t inherited_sa[64][4];
	bool inherited_sa_known;
	/* restore-premap.c: per VMA of each task (from premap_at[task]), made by the process */
	uint8_t *premapped; /* shared with the new processes */
	size_t premap_len;
	size_t *premap_at;
	struct rst_ns *ns; /* namespaces the root owns (restore-ns.c), NULL: the tool's */
	struct rst_cg *cg; /* cgroup.img and each task's moves (restore-cgroup.c), or NULL */
};

/* restore-read.c: read and validate every image; creates nothing. Logs. */
int rst_read_all(struct rst_ctx *c, const char *dir);
void rst_ctx_fini(struct rst_ctx *c);
/*
 * The memory part alone (inventory, pstree, files, mm and resolved pagemaps
 * of every process that has an mm image): enough for a pre-dump directory.
 */
int rst_read_mem(struct rst_ctx *c, const char *dir);

/* Lookups in what was read (NULL: none): restore-filetab.c, restore-ctx.c. */
const FileEntry *rst_file_entry(const struct rst_ctx *c, uint32_t id);
/* Sorts an index of c->fentries by id, so that lookups take log n. -ENOMEM (not logged). */
int rst_filetab_index(struct rst_ctx *c);
struct rst_task *rst_task_by_pid(struct rst_ctx *c, pid_t pid);

/* restore-pages.c: resolve pagemaps through the parent chain. Logs. */
int rst_pages_resolve(struct rst_ctx *c, struct rst_task *t);
void rst_segs_free(struct rst_segs *s);
/* Index of the first run of @from that ends after @vaddr (runs in address order). */
size_t rst_segs_lower(const struct rst_segs *from, unsigned long vaddr);
/* Appends a run, merged with the last one when contiguous in memory and file. */
int rst_segs_add(struct rst_segs *s, unsigned long vaddr, unsigned long len, int fd, uint64_t off,
		 int depth);
/* Contents of shared anonymous object @shmid; segs' vaddr is the offset in it. */
int rst_shmem_resolve(struct rst_ctx *c, uint64_t shmid, struct rst_segs *out);

/* restore-fill.c: the context's page filler (made on first use, NULL: no memory). */
struct rst_filler *rst_ctx_filler(struct rst_ctx *c);
/* restore-scratch.c: openat() injected into the process, O_CLOEXEC added: its fd or -errno. */
struct inject;
int rst_open_in_task(struct inject *in, const char *path, int flags);
/*
 * restore-shmem.c: *fd (in @t) of @v's shared anonymous object, created whole
 * and filled by the first process that maps it. 0 or -errno.
 */
int rst_shm_open(struct rst_ctx *c, struct rst_task *t, struct inject *in, const VmaEntry *v,
		 int *fd);

/*
 * restore-sysv.c: attaches @v's System V segment again at its address (shmat)
 * when it still exists: 0; -ENOENT (warned) when it is gone, for the caller to
 * restore it as anonymous shared memory; other -errno, logged.
 */
int rst_sysv_attach(struct rst_task *t, struct inject *in, const VmaEntry *v);

/* restore-files.c: open shared file objects, install fds in a child. */
int rst_files_open(struct rst_ctx *c);
/* The tool lets go of its copies (the tree holds them); unlinked files for mappings stay. */
void rst_files_close(struct rst_ctx *c);
/* Everything, with every fd kind's state (memfd objects: once every mapping is rebuilt). */
void rst_files_fini(struct rst_ctx *c);
/* Runs in the new process: no logging, returns -errno. */
int rst_files_install(const struct rst_ctx *c, const struct rst_task *t);
/* Once every process exists: SIGIO owners and signals (F_SETOWN_EX, F_SETSIG). Logs. */
int rst_files_owners(struct rst_ctx *c);
/*
 * restore-reg.c: for a file mapping: the path the process opens @fe by; an unlinked file is
 * recreated from its ghost image once, with @t's rights, and held open by
 * the tool (closed by rst_files_close from rst_ctx_fini), @buf then holds
 * /proc/TOOL/fd/N.
 * NULL on error (logged).
 */
const char *rst_file_map_path(struct rst_ctx *c, const struct rst_task *t, const FileEntry *fe,
			      char *buf, size_t len);

/* restore-fd-kinds.c: whether some fd kind restores @fe. No logging. */
bool rst_fdkind_supported(const FileEntry *fe);
/* restore-epoll.c: runs in the new process after rst_files_install: no logging, -errno. */
int rst_epoll_fill(const struct rst_ctx *c, const struct rst_task *t);

/* restore-unix.c: unix sockets, their options and queued data. Logs. */
/* restore-unix-sk.c: the file object of @u's peer, NULL when not in the image set. */
struct rst_file *rst_unix_peer(struct rst_ctx *c, const UnixSkEntry *u);
/* The recorded options on @sk: 0 or -errno (logged). */
int rst_unix_opts(const FileEntry *fe, int sk);
/* @e's name as a sockaddr; 0 or -ENAMETOOLONG. */
int rst_unix_addr(const UnixSkEntry *e, struct sockaddr_un *sa, socklen_t *len);
/* Enters @e's name_dir for a relative name (*back: the cwd to return to, or -1). */
int rst_unix_enter(const UnixSkEntry *e, int *back);
void rst_unix_leave(int back);

/* CRIU's uflags bit: a peer outside the tree (no fd), reached by its name. */
#define RST_USK_EXTERN 1
/*
 * restore-unix-queue.c: once every process exists (SCM_CREDENTIALS name
 * their pids), the queued messages are sent into their sockets, then
 * shutdowns and O_NONBLOCK are applied.
 */
int rst_unix_after_tree(struct rst_ctx *c);
/* The files in flight in the queues (scm of sk-queues.img), for rst_fd_ops.unheld. Logs. */
struct rst_unheld;
int rst_unix_in_flight(struct rst_ctx *c, struct rst_unheld **v, size_t *n);

/* restore-unix-named.c: sockets with a name. Logs. */
/* Listeners, bound datagram and unconnected sockets: they own their name. */
bool rst_unix_owns_name(const UnixSkEntry *e);
/* Connects @sk to the socket bound at @to's name, never blocking. Logs. */
int rst_unix_connect_to(const UnixSkEntry *from, int sk, const UnixSkEntry *to);
/* restore-unix-state.c: binds @sk to deleted @e's name (its file goes at close). Logs. */
int rst_unix_bind_deleted(struct rst_ctx *c, const UnixSkEntry *e, int sk);
/*
 * The helper end @fd standing for the closed peer of file @id: sends its
 * queue, then is closed (rst_unix_helpers_done, or at the latest at close).
 */
int rst_unix_helper_add(struct rst_ctx *c, uint32_t id, int fd);
int rst_unix_helper_fd(struct rst_ctx *c, uint32_t id);
void rst_unix_helpers_done(struct rst_ctx *c);
/*
 * Once every process has its fds: helpers closed, the files of deleted
 * sockets go, what they hid comes back.
 */
void rst_unix_state_close(void *st);
/* The state of the unix kind: the socket files of deleted sockets. */
void *rst_unix_state_new(void);
void rst_unix_state_free(void *st);
/* Before every other file: each socket that owns a name, bound (listening); then connected. */
int rst_unix_bound_open(struct rst_ctx *c);
/* A connected stream/seqpacket pair with a name on either end; the peer's fd goes to @peer. */
int rst_unix_pair_named(struct rst_ctx *c, const FileEntry *fe, struct rst_file *peer, int *fd);
/* A named socket whose peer was closed: accepted at its name from the helper *@helper. */
int rst_unix_pair_to_closed(struct rst_ctx *c, const FileEntry *fe, int *fd, int *helper);
/* Connects datagram socket @sk to its peer's name. */
int rst_unix_dgram_connect(struct rst_ctx *c, const FileEntry *fe, int sk);

/*
 * restore-tcp.c: TCP connections in repair mode (established, connecting,
 * closing). One rst_tcp_conn per connection from rst_tcp_prepare until
 * rst_tcp_keep hands it to the inet kind's state (or rst_tcp_drop frees it).
 */
struct rst_tcp_conn;
/* The inet kind's state (init and fini hooks). */
void *rst_tcp_set_new(void);
void rst_tcp_set_free(void *st);
/* Repair mode on, tcp-stream image read, queue sequence numbers set. -errno. */
int rst_tcp_prepare(struct rst_ctx *c, const InetSkEntry *e, int sk, const struct sockaddr *self,
		    const struct sockaddr *peer, socklen_t alen, struct rst_tcp_conn **out);
/* Connects in repair mode (a connecting socket sends its SYN again). -errno. */
int rst_tcp_connect(struct rst_tcp_conn *t, const InetSkEntry *e, int sk);
/* Options, queues, window; the step that failed goes to @what. -errno. */
int rst_tcp_fill(struct rst_tcp_conn *t, const InetSkEntry *e, int sk, const char **what);
/* Into @set (the kind's state, rst_tcp_set_new) until rst_tcp_finish; frees @t on failure. */
int rst_tcp_keep(void *set, const FileEntry *fe, struct rst_tcp_conn *t);
void rst_tcp_drop(struct rst_tcp_conn *t);
/* Once every file is open: FINs, repair mode off, unsent bytes of @set's connections (logs). */
int rst_tcp_finish(struct rst_ctx *c, void *set);

/* restore-tty.c: terminal fds (--shell-job) on the tool's own terminal. Logs. */
/* The recorded termios and exclusive mode, on the tool's terminal: just before the tree resumes. */
int rst_tty_apply(struct rst_ctx *c);

/*
 * restore-pty.c: pty pairs the tree owned (its master in the images), under
 * the tty kind of restore-tty.c. Log, but for rst_pty_session.
 */
void *rst_pty_new(void);
void rst_pty_free(void *st);
void rst_pty_close(void *st);
/* *@owned: @fe is a side (master, slave, /dev/tty) of a pair the tree owned; @st: the kind's. */
int rst_pty_owns(struct rst_ctx *c, void *st, const FileEntry *fe, bool *owned);
int rst_pty_open(struct rst_ctx *c, void *st, const FileEntry *fe, int *fd);
int rst_pty_finish(struct rst_ctx *c);
/* Fields of @t as recorded in @te (c_cflag carries both speeds on Linux: CBAUD, CIBAUD). */
void rst_termios_set(const TermiosEntry *te, struct termios *t);
/* In new process @t, after its setsid and setpgid: controlling terminal, foreground group. */
int rst_pty_session(const struct rst_ctx *c, const struct rst_task *t);

/* restore-memfd.c: a path the restored process can open the memfd object of @fe by (mappings). */
int rst_memfd_path(struct rst_ctx *c, const FileEntry *fe, char *path, size_t len);

/*
 * restore-stage.c: restore --staged. The memory of a migrating tree is built
 * in the tool's own address space while the source still runs, one image
 * directory of the chain at a time; the final restore forks the tree with it
 * and moves each area into place with mremap. See docs/page-server.md.
 */
struct rst_stage;
struct rst_stage_area {
	pid_t pid;
	unsigned long start, end; /* the VMA in the restored process */
	unsigned long addr;	  /* where the contents are in the tool (and its forks) */
	dev_t dev;		  /* the images directory whose state it holds */
	ino_t ino;
	bool seen;
};
struct rst_stage_stats {
	unsigned long areas, pages, dropped;
	double ms;
};
struct rst_stage *rst_stage_new(void);
/* Unmaps what the tool still holds. NULL is a no-op. */
void rst_stage_free(struct rst_stage *s);
/* Brings the staged memory to the state of @dir (whose parent it holds, or anew). Logs. */
int rst_stage_apply(struct rst_stage *s, const char *dir, struct rst_stage_stats *st);
/* The same for the directory of a full dump already read into @c (the final restore). */
int rst_stage_apply_ctx(struct rst_stage *s, struct rst_ctx *c, struct rst_stage_stats *st);
/* The stage's page filler (its buffers are populated once, outside the downtime). */
struct rst_filler *rst_stage_filler(struct rst_stage *s);
/* Once the tree is forked: the tool's own copies go (in a thread), the table stays. */
void rst_stage_release(struct rst_stage *s);
/* Before the tree runs: the copies are gone. */
void rst_stage_release_wait(struct rst_stage *s);
const struct rst_stage_area *rst_stage_find(const struct rst_stage *s, pid_t pid,
					    unsigned long start, unsigned long end);
/* The areas staged for @pid, in address order of .addr; returns how many. */
size_t rst_stage_areas(const struct rst_stage *s, pid_t pid, const struct rst_stage_area ***out);

/*
 * restore-cow.c: private memory shared copy-on-write by a parent and its
 * children: areas in the tool, built before the fork, moved into place by
 * each process (stage areas' shape: .pid is the process that takes it).
 */
struct rst_cow;
int rst_cow_prepare(struct rst_ctx *c);
const struct rst_stage_area *rst_cow_find(const struct rst_ctx *c, pid_t pid, unsigned long start,
					  unsigned long end);
bool rst_cow_owner(const struct rst_ctx *c, pid_t pid, unsigned long start, unsigned long end);
/* Up to @max areas @pid takes, into @out; returns how many. */
size_t rst_cow_areas(const struct rst_ctx *c, pid_t pid, const struct rst_stage_area **out,
		     size_t max);
/* A child's pages on top of the area moved into its VMA: only those that differ. Logs. */
int rst_cow_fill(const struct rst_ctx *c, struct rst_task *t, struct inject *in,
		 const struct rst_stage_area *a);
/* The tool's own copies go (once every process has inherited them). */
void rst_cow_release(struct rst_ctx *c);
void rst_cow_free(struct rst_ctx *c);

/*
 * restore-aio.c: @t's AIO contexts at their recorded ids, pending events back
 * (the ring's pages checked against @c's page checksums). Logs.
 */
int rst_aio_restore(const struct rst_ctx *c, struct rst_task *t, struct inject *in);

/* restore-tree.c: the group @t is restored into (--shell-job maps the job's group to the tool's).
 */
pid_t rst_task_pgid(const struct rst_ctx *c, const struct rst_task *t);
/* restore-tree.c: create the processes, paused in tool code. Logs. */
int rst_tree_create(struct rst_ctx *c);

/*
 * restore-ns.c: the namespaces the root owned. rst_ns_read (before any
 * process exists) reads their images and refuses a tree that did not share
 * them; rst_ns_apply runs in the new root before it forks (no log: what
 * failed in *@what); rst_ns_join moves the tool into those it works in.
 */
int rst_ns_read(struct rst_ctx *c);
int rst_ns_apply(const struct rst_ctx *c, const char **what);
/*
 * The devpts (a mount fd) the tree's ptys of the dumped devpts @maj:@min are
 * made in, when its mount namespace gets one of its own; -ENOENT: the
 * tool's /dev/pts.
 */
int rst_ns_devpts(const struct rst_ctx *c, unsigned int maj, unsigned int min);
int rst_ns_join(const struct rst_ctx *c);
/*
 * Namespaces the tool makes itself (net): before the files are opened, its
 * thread moves into each, rebuilt (the root inherits them); rst_ns_back, once
 * the tree exists (or on failure), moves it back into its own. Both log.
 */
int rst_ns_make(struct rst_ctx *c);
/*
 * restore-netlock.c: a dump that locked the tree's connections inside its own
 * network namespace (inventory crl_netlock_netns). in_netns: that is the case;
 * root: the pid the lock is named after; ns_take: the lock made in the new
 * namespace the calling thread is in (rst_ns_make, before its links and the
 * sockets), with every TCP connection of the images, 0 or -errno, logs;
 * ns_release: removed from inside the tree's namespace at the end.
 */
bool rst_netlock_in_netns(const struct rst_ctx *c);
pid_t rst_netlock_root(const struct rst_ctx *c);
int rst_netlock_ns_take(struct rst_ctx *c);
void rst_netlock_ns_release(const struct rst_ctx *c);
int rst_ns_back(struct rst_ctx *c);
/*
 * The pid namespace: a root recorded as pid 1 was the init of its own, and
 * is forked with CLONE_NEWPID (rst_ns_clone_flags); every process keeps its
 * recorded pid there. Once the tree exists, rst_ns_outer moves each task's
 * pid to the tool's view (vpid keeps the recorded one; logs); a new
 * thread's is looked up by rst_ns_outer_tid.
 */
bool rst_ns_pid_new(const struct rst_ctx *c);
int rst_ns_clone_flags(const struct rst_ctx *c);
int rst_ns_outer(struct rst_ctx *c);
pid_t rst_ns_outer_tid(const struct rst_ctx *c, pid_t pid, pid_t vtid);
void rst_ns_free(struct rst_ctx *c);
void rst_tree_kill(struct rst_ctx *c);

/*
 * restore-premap.c: small private anonymous mappings, made, filled, advised and
 * protected by each new process itself before it pauses.
 */
/* Before the fork: the shared flags. -errno, not logged. */
int rst_premap_init(struct rst_ctx *c);
void rst_premap_fini(struct rst_ctx *c);
/* In the new process, before its fds are installed. */
void rst_premap_child(const struct rst_ctx *c, const struct rst_task *t);
/* Whether VMA @i of @t is in place already (the rebuild keeps it as it is). */
bool rst_premapped(const struct rst_ctx *c, const struct rst_task *t, size_t i);

/* restore-mm.c: rebuild the address space of a seized task. Logs. */
struct inject;
int rst_mm_restore(struct rst_ctx *c, struct rst_task *t, struct inject *in);
struct proc_vma_list;
/*
 * restore-gap.c: the first gap of @len above 4 GiB free of @cur, @mm's VMAs
 * (may be NULL) and @extra.
 */
struct rst_range {
	unsigned long s, e;
};

int rst_find_gap(const struct proc_vma_list *cur, const MmEntry *mm, const struct rst_range *extra,
		 size_t nr_extra, unsigned long len, unsigned long *addr);

/*
 * restore-fill.c: page contents into a process, one pass, reading and writing
 * in two threads. rst_fill logs its errors.
 */
struct rst_filler;
struct rst_filler *rst_filler_new(void);
void rst_filler_free(struct rst_filler *f);
int rst_fill(struct rst_filler *f, pid_t pid, const struct rst_segs *segs);
/* Checksums to check what is read against from now on (NULL: none); rst_ctx_filler sets it. */
void rst_filler_set_csums(struct rst_filler *f, const struct rst_csums *cs);
void rst_filler_report(const struct rst_filler *f, pid_t pid);

/*
 * restore-procfile.c: the process opens its files under /proc of the tree
 * itself, by injection, over the placeholders (every process exists). Logs.
 */
int rst_procfile_fds(struct rst_ctx *c, struct rst_task *t, struct inject *in);

/* restore-task.c: per-process state through injection (signals, mm map, comm...). */
int rst_task_restore(struct rst_ctx *c, struct rst_task *t, struct inject *in);
/*
 * What must wait for the threads and the queued signals: POSIX timers (one
 * may signal a given thread) and resource limits (a lowered RLIMIT_SIGPENDING
 * would refuse the queued signals). Logs.
 */
int rst_task_restore_late(struct rst_task *t, struct inject *in);
/* The parent-death signal of one thread, by injection into it, after its credentials. Logs. */
int rst_task_pdeath(struct rst_ctx *c, struct rst_task *t, struct rst_thread *th,
		    struct inject *in);

/* restore-threads.c: create the non-leader threads in a seized leader. */
int rst_threads_create(struct rst_ctx *c, struct rst_task *t, struct inject *in);

/*
 * restore-rights.c: the file-system rights (fsuid, fsgid, groups) a task was
 * recorded with, which every path of it is opened with (docs/security.md).
 */
struct rst_rights {
	bool set; /* false: the tool's own rights are the task's (or it ran as root) */
	pid_t pid;
	uid_t fsuid;
	gid_t fsgid;
	size_t n_groups;
	const uint32_t *groups; /* the image's */
};
/* @t's rights when the images are not the caller's own (--trust-images); else r->set is false. */
void rst_rights_of(const struct rst_ctx *c, const struct rst_task *t, struct rst_rights *r);
/* Takes @r for the calling thread for good (a new single-threaded process). -errno. */
int rst_rights_enter(const struct rst_rights *r);
/* Runs @fn(@arg) in a short-lived thread holding @r; @fn's result. Logs its own failures. */
int rst_rights_run(const struct rst_rights *r, int (*fn)(void *), void *arg);

struct caps_self;
/*
 * restore-creds.c: refuses (one line, before any process exists) credentials
 * of @th the caller's capabilities @s cannot give, or more groups than the
 * kernel allows.
 */
int rst_creds_check(const struct rst_ctx *c, const struct rst_thread *th,
		    const struct caps_self *s);
struct rst_scratch;
/*
 * restore-creds.c: credentials of one thread, by injection into it (last),
 * with its process's scratch memory @sc (restore-scratch.h).
 */
int rst_creds_restore(struct rst_task *t, struct rst_thread *th, struct inject *in,
		      const struct rst_scratch *sc);

/*
 * restore-seccomp.c: seccomp.img read, and every thread's seccomp state
 * checked against it (logs). rst_seccomp_restore installs a thread's filters (or
 * strict mode) through @in, in the seccomp slot of its process's scratch
 * memory @sc. Logs.
 */
int rst_seccomp_read(struct rst_ctx *c);
void rst_seccomp_free(struct rst_ctx *c);
int rst_seccomp_restore(struct rst_ctx *c, struct rst_thread *th, struct inject *in,
			const struct rst_scratch *sc);

/* restore-locks.c: file locks. Read and checked against the tree (logs). */
int rst_locks_read(struct rst_ctx *c);
void rst_locks_free(struct rst_ctx *c);
/* The locks @t held, re-taken on its restored fds by injection, without blocking. Logs. */
int rst_locks_restore(struct rst_ctx *c, struct rst_task *t, struct inject *in);

/* restore-finish.c: seize everything, rebuild, set registers, detach. */
int rst_rebuild_all(struct rst_ctx *c);

/*
 * restore-run.c: the whole restore from @dir (memory staged ahead in @stage,
 * or NULL); 0 with the root's pid in *@root, or 1 after logging, every
 * process it created killed.
 */
int rst_run(const struct opts *o, const char *dir, struct rst_stage *stage, pid_t *root);

#endif
