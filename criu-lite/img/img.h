/*
 * Image layer: CRIU's on-disk format.
 *
 *   file   := [u32 first-magic] u32 type-magic entry*
 *   entry  := u32 size (little endian) + protobuf message [+ raw payload]
 *
 * first-magic is IMG_COMMON for most kinds, IMG_SERVICE for stats, and
 * absent for inventory.img. pages-N.img is raw page data with no header.
 * This is the only layer that calls protobuf-c pack/unpack.
 */
#ifndef CRL_IMG_H
#define CRL_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#define IMG_COMMON_MAGIC 0x54564319u
#define IMG_SERVICE_MAGIC 0x55105940u
#define IMG_VERSION 2 /* CRTOOLS_IMAGES_V1_1 */

/* Entries larger than this are treated as corruption. */
#define IMG_MAX_ENTRY (64u << 20)

enum img_kind {
	IMG_INVENTORY,
	IMG_PSTREE,
	IMG_CORE,
	IMG_MM,
	IMG_PAGEMAP,
	IMG_SHMEM_PAGEMAP,
	IMG_PAGES,
	IMG_FDINFO,
	IMG_FILES,
	IMG_FS,
	IMG_IDS,
	IMG_STATS_DUMP,
	IMG_STATS_RESTORE,
	IMG_PIPES_DATA,
	IMG_FIFO_DATA,
	IMG_TTY_INFO,
	IMG_GHOST_FILE,
	IMG_TRACKER, /* criu-lite only: write-tracker state (proto/tracker.proto) */
	IMG_SK_QUEUES,
	IMG_MEMFD_INODE,
	IMG_TCP_STREAM,
	IMG_FILE_LOCKS,
	IMG_SECCOMP,
	IMG_REMAP_FPATH,
	IMG_TTY_DATA,
	IMG_PAGE_CSUM, /* criu-lite only: per-page checksums of pages-N.img (proto/pagecsum.proto)
			*/
	/* namespaces the tree owns (dump-ns*.c, restore-ns*.c) */
	IMG_UTSNS,
	IMG_IPC_VAR,
	IMG_IPCNS_SHM,
	IMG_MNTS,
	IMG_TMPFS_DEV, /* a tmpfs's files: a gzip'ed tar, named by the kernel's dev number */
	IMG_CGROUP,
	IMG_TIMENS,
	IMG_NETNS,
	IMG_NETDEV,
	IMG_IFADDR, /* raw: `ip addr save` stream of RTM_NEWADDR messages */
	IMG_ROUTE,  /* raw: `ip route save` stream of IPv4 RTM_NEWROUTE messages */
	IMG_ROUTE6, /* raw: the same for IPv6 */
	IMG_KIND_MAX,
};

enum img_first_magic {
	IMG_FIRST_NONE,
	IMG_FIRST_COMMON,
	IMG_FIRST_SERVICE,
};

/* What follows each entry on disk, beyond the protobuf message. */
enum img_payload {
	IMG_PAYLOAD_NONE,
	IMG_PAYLOAD_PIPE_DATA,	/* pipe_data_entry.bytes raw bytes */
	IMG_PAYLOAD_GHOST,	/* ghost file content: ghost_file_entry.size raw bytes, or
				   ghost_chunk_entry.len after each chunk entry */
	IMG_PAYLOAD_SK_PACKET,	/* queued socket data: sk_packet_entry.length raw bytes */
	IMG_PAYLOAD_TCP_STREAM, /* tcp_stream_entry: inq_len + outq_len raw bytes */
	IMG_PAYLOAD_IPC_SHM,	/* ipc_shm_entry: size bytes rounded up to 4 */
};

struct img_kind_desc {
	const char *name;  /* printf format taking one unsigned long id, or fixed */
	const char *label; /* crit's name for the magic, e.g. "CORE" */
	uint32_t magic;
	enum img_first_magic first;
	const ProtobufCMessageDescriptor *head;	 /* first entry's type, if it differs */
	const ProtobufCMessageDescriptor *entry; /* NULL for raw files */
	enum img_payload payload;
};

const struct img_kind_desc *img_kind_desc(enum img_kind k);

/*
 * An images directory, opened without following symlinks in it. Unless it
 * is IMG_DIR_TRUSTED, the directory (and each image read from it) must be
 * owned by the caller or root and writable by no one else (docs/security.md).
 */
struct img_dir {
	int fd;
	unsigned int flags; /* IMG_DIR_*, inherited by the parent directory */
	char path[4096];
};

#define IMG_DIR_CREATE 0x1u  /* create it (0700) when missing */
#define IMG_DIR_WRITE 0x2u   /* images are written into it (dump, page server) */
#define IMG_DIR_TRUSTED 0x4u /* --allow-unsafe-images-dir / --trust-images: no owner checks */

/* Opens the directory @path (IMG_DIR_* @flags) and checks its owner and mode. Logs. */
int img_dir_open(const char *path, unsigned int flags, struct img_dir *d);
/* Opens the parent of @d through its "parent" link; -ENOENT if there is none. Logs the rest. */
int img_dir_open_parent(const struct img_dir *d, struct img_dir *parent);
/* Links @d to its parent: a "parent" symlink holding @target. */
int img_dir_link_parent(const struct img_dir *d, const char *target);
void img_dir_close(struct img_dir *d);
/* Writes every image of @d's file system and the dir's entries to disk. Logs. */
int img_dir_sync(const struct img_dir *d);
/* Removes one image from @d; a missing one is no error. Logs. */
int img_remove(const struct img_dir *d, enum img_kind k, unsigned long id);

struct img {
	int fd;
	bool writing;
	const struct img_kind_desc *kind;
	unsigned int nr_read; /* entries read so far (the head counts) */
	uint64_t off;	      /* file offset of buf[0] */
	uint64_t size;	      /* file size when opened for reading */
	size_t pos, len, cap;
	uint8_t *buf;
	char path[4096 + 256]; /* for messages: "DIR/core-42.img" */
};

/*
 * Opens image @k (name formatted with @id) in @d. Writing creates it anew
 * (whatever was there is unlinked first), 0600, owned by the caller;
 * reading opens only a regular file (never a FIFO or device, which could
 * block) and checks the magics. Never through a symlink.
 */
int img_open(const struct img_dir *d, enum img_kind k, unsigned long id, bool write,
	     struct img **out);
/* The same for reading a raw file (pages): returns the fd, its size in *@size. Logs. */
int img_open_raw(const struct img_dir *d, enum img_kind k, unsigned long id, uint64_t *size);
/* Opens any image file by path, taking its kind from its magic (for show). */
int img_open_path(const char *path, struct img **out);
/* Flushes and closes; returns the first write error. img_close(NULL) is a no-op. */
int img_close(struct img *img);

/* Descriptor the next entry read from @img will have. */
const ProtobufCMessageDescriptor *img_next_desc(const struct img *img);

int img_write_msg(struct img *img, const ProtobufCMessage *msg);
/* Raw bytes after an entry (pipe data) or into a raw file (pages). */
int img_write_raw(struct img *img, const void *data, size_t len);

/*
 * Reads one entry of type @desc into *@msg (free with img_free_msg).
 * Returns 1 on an entry, 0 at a clean end of file, -errno on corruption
 * (logged with the file and offset).
 */
int img_read_msg(struct img *img, const ProtobufCMessageDescriptor *desc, ProtobufCMessage **msg);
int img_read_raw(struct img *img, void *data, size_t len);
void img_free_msg(ProtobufCMessage *msg);

/* Convenience: read exactly one entry of an image that must hold one. */
int img_read_one(const struct img_dir *d, enum img_kind k, unsigned long id,
		 const ProtobufCMessageDescriptor *desc, ProtobufCMessage **msg);
/* Convenience: write an image holding exactly one entry. */
int img_write_one(const struct img_dir *d, enum img_kind k, unsigned long id,
		  const ProtobufCMessage *msg);

#endif
