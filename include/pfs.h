/* pfs.h - the public C API of libpfs, the client of the pfs parallel file system.
 * The only header an application includes. Every call returns 0 (or a byte
 * count) on success and a negative errno-style code on failure. */
#ifndef PFS_H
#define PFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PFS_NAME_MAX 255          /* longest name of one directory entry */
#define PFS_PATH_MAX 4096         /* longest absolute path */
#define PFS_MAX_STRIPES 64        /* most targets one file may stripe over */
#define PFS_ADDR_MAX 128          /* longest printable server address */

/* Data placement patterns. */
#define PFS_PATTERN_RAID0 1       /* plain striping, round-robin over targets */
#define PFS_PATTERN_EC 2          /* Reed-Solomon ec_k data + ec_m parity stripes */
#define PFS_EC_K_MAX 32           /* most data stripes of an EC layout */
#define PFS_EC_M_MAX 8            /* most parity stripes of an EC layout */

/* Compression of a file's chunks (pfs_layout.compress). */
#define PFS_COMPRESS_NONE 1
#define PFS_COMPRESS_LZ4 2
#define PFS_COMPRESS_ZSTD 3
#define PFS_CHUNK_DEFAULT (64u << 10) /* compression chunk when 0 is asked */
#define PFS_STRIPE_ALL UINT32_MAX /* stripe_count: every target that is up */

typedef struct pfs_fs pfs_fs_t;     /* a connection to one file system */
typedef struct pfs_file pfs_file_t; /* an open file */
typedef struct pfs_dir pfs_dir_t;   /* an open directory stream */
typedef struct pfs_aio pfs_aio_t;   /* one nonblocking list I/O in flight */

/* How a file's bytes are spread over targets. In a request, 0 means "use the
 * default" for stripe_count/stripe_size and -1 for first_target means "let the
 * MDS choose" (round robin over targets that are up and not full). A layout
 * read back from a file has every field filled in.
 *
 * Two groups are inherited as a whole: the pattern with ec_k/ec_m (pattern 0
 * in a request = the directory's, else RAID0), and compress with
 * compress_level/chunk_size (compress 0 = the directory's, else none). An EC
 * layout has stripe_count = ec_k + ec_m: stripes 0..k-1 hold data laid out
 * as RAID0 over k targets, stripes k.. hold the parity of each row of k
 * stripe_size cells. */
struct pfs_layout {
	uint32_t pattern;               /* PFS_PATTERN_* (0 in a request = inherit) */
	uint32_t stripe_count;          /* number of targets */
	uint64_t stripe_size;           /* bytes per stripe, multiple of 4 KiB */
	int32_t first_target;           /* target id of stripe 0, or -1 */
	uint64_t fid;                   /* object id shared by the file's stripes */
	uint32_t targets[PFS_MAX_STRIPES]; /* target id holding stripe i */
	uint32_t ec_k;                  /* EC: data stripes per row (else 0) */
	uint32_t ec_m;                  /* EC: parity stripes per row (else 0) */
	uint32_t compress;              /* PFS_COMPRESS_* (0 in a request = inherit) */
	int32_t compress_level;         /* zstd level 1..19 (0 = its default); lz4: 0 */
	uint32_t chunk_size;            /* compression chunk: power of two, 4 KiB..
					 * 4 MiB, dividing stripe_size (0 = default) */
};

struct pfs_stat {
	uint64_t ino;
	uint32_t mode;                  /* S_IFREG or S_IFDIR | permission bits */
	uint32_t nlink;
	uint64_t size;                  /* for files: from the objects (glimpse) */
	int64_t mtime_ns;               /* last namespace change time */
	int64_t ctime_ns;
};

struct pfs_dirent {
	uint64_t ino;
	uint32_t mode;                  /* S_IFREG or S_IFDIR | permission bits */
	char name[PFS_NAME_MAX + 1];
};

/* One storage target (an OSS) as seen by pfs_statfs. */
struct pfs_target_stat {
	uint32_t id;
	int up;                         /* 1 when the target is serving */
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t objects;
	char addr[PFS_ADDR_MAX];        /* printable libfabric address */
};

/* A byte range of a file, for list I/O. */
struct pfs_extent {
	uint64_t off;
	uint64_t len;
};

/* ---- connection ---- */

/* Connect using the config at config_path, or, when NULL, the file named by
 * $PFS_CONFIG, then $XDG_CONFIG_HOME/pfs/client.conf, then
 * $HOME/.config/pfs/client.conf (the launcher writes the last one). */
int pfs_connect(const char *config_path, pfs_fs_t **fs);
int pfs_disconnect(pfs_fs_t *fs);
/* A message for a negative error code returned by any pfs call. */
const char *pfs_strerror(int err);
/* The config file pfs_connect(NULL) would use, written into buf. */
int pfs_config_path(char *buf, size_t len);

/* ---- namespace (absolute paths, "/" is the root) ---- */

int pfs_mkdir(pfs_fs_t *fs, const char *path, mode_t mode);
int pfs_rmdir(pfs_fs_t *fs, const char *path);
int pfs_unlink(pfs_fs_t *fs, const char *path);
int pfs_rename(pfs_fs_t *fs, const char *from, const char *to);
int pfs_stat(pfs_fs_t *fs, const char *path, struct pfs_stat *st);

int pfs_opendir(pfs_fs_t *fs, const char *path, pfs_dir_t **dir);
/* Returns 1 with *ent filled, 0 at the end, or a negative error. */
int pfs_readdir(pfs_dir_t *dir, struct pfs_dirent *ent);
int pfs_closedir(pfs_dir_t *dir);

/* Layout of an existing file, or the default layout of a directory. */
int pfs_getstripe(pfs_fs_t *fs, const char *path, struct pfs_layout *layout);
/* On a directory: set the default new files inherit. On a path that does not
 * exist: create an empty file with that layout (as lfs setstripe does). */
int pfs_setstripe(pfs_fs_t *fs, const char *path, const struct pfs_layout *layout);

/* Per-target capacity; fills up to max entries and returns the target count. */
int pfs_statfs(pfs_fs_t *fs, struct pfs_target_stat *targets, int max);

/* ---- redundancy ---- */

/* Which stripes of a file can be reached now. */
struct pfs_health {
	uint32_t stripe_count;
	uint32_t redundancy;            /* stripes that may be lost without loss
					 * of data: ec_m for EC, 0 for RAID0 */
	uint32_t lost;                  /* stripes that cannot be reached */
	int stripe_err[PFS_MAX_STRIPES]; /* 0, or the error reaching stripe i */
};

/* Asks every object of a file whether it can be reached (within the RPC
 * budget for each). lost > redundancy means some data cannot be read. */
int pfs_health(pfs_fs_t *fs, const char *path, struct pfs_health *health);

/* Rebuilds the stripe of an EC file held by lost_target, from the others,
 * onto new_target (-1: the first target that is up and holds no stripe of
 * the file), then records the move with the MDS; *placed (may be NULL) gets
 * the target used. -EOPNOTSUPP for a file without redundancy, -ENOENT when
 * no stripe is on lost_target, -EEXIST when new_target already holds one.
 * Clients that opened the file before keep the old layout until they open
 * it again (they read around the lost target meanwhile). */
int pfs_rebuild(pfs_fs_t *fs, const char *path, uint32_t lost_target, int32_t new_target,
		uint32_t *placed);

/* ---- files ---- */

/* flags: O_RDONLY, O_WRONLY, O_RDWR, with O_CREAT, O_EXCL, O_TRUNC, O_APPEND
 * is refused. layout applies when the file is created (NULL: inherit the
 * parent directory's default). */
int pfs_open(pfs_fs_t *fs, const char *path, int flags, mode_t mode,
	     const struct pfs_layout *layout, pfs_file_t **file);
int pfs_close(pfs_file_t *file);

/* Sharing one open among many processes (what a collective MPI-IO open
 * does): one process opens, exports the handle (identity and layout, at
 * most PFS_HANDLE_MAX bytes), sends the bytes to the others, and they
 * import it without asking the MDS. pfs_file_export returns the length
 * written. The import is checked like any message from the network; flags
 * are the access mode the importer wants (O_RDONLY, O_WRONLY or O_RDWR). */
#define PFS_HANDLE_MAX 1024
int pfs_file_export(pfs_file_t *file, void *buf, size_t len);
int pfs_file_import(pfs_fs_t *fs, const void *buf, size_t len, int flags, pfs_file_t **file);

ssize_t pfs_pread(pfs_file_t *file, void *buf, size_t len, uint64_t off);
ssize_t pfs_pwrite(pfs_file_t *file, const void *buf, size_t len, uint64_t off);
ssize_t pfs_preadv(pfs_file_t *file, const struct iovec *iov, int iovcnt, uint64_t off);
ssize_t pfs_pwritev(pfs_file_t *file, const struct iovec *iov, int iovcnt, uint64_t off);

/* List I/O: the memory segments, taken in order, are scattered to (or
 * gathered from) the file extents, taken in order; both lists must add up to
 * the same number of bytes. All targets are driven at once. A read returns
 * the bytes up to end of file (holes read as zeros). */
ssize_t pfs_readlist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		     const struct pfs_extent *ext, size_t extcnt);
ssize_t pfs_writelist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		      const struct pfs_extent *ext, size_t extcnt);

/* Nonblocking list I/O: starts the transfer and returns at once; it runs on
 * the connection's I/O threads while the caller goes on. The extent and
 * iovec arrays are copied; the memory they describe must stay valid (and,
 * for a write, unchanged) until the operation is waited for. Every started
 * operation must be finished with pfs_aio_wait, which frees it. */
int pfs_aio_readlist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		     const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **op);
int pfs_aio_writelist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		      const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **op);
/* 1 when the operation has finished (its result in *result), 0 while it
 * is still running. Does not free it. */
int pfs_aio_test(pfs_aio_t *op, ssize_t *result);
/* Waits for the operation, frees it, and returns what pfs_readlist or
 * pfs_writelist would have returned. */
ssize_t pfs_aio_wait(pfs_aio_t *op);

int pfs_fsync(pfs_file_t *file);
int pfs_ftruncate(pfs_file_t *file, uint64_t size);
int pfs_fstat(pfs_file_t *file, struct pfs_stat *st);
int pfs_get_layout(pfs_file_t *file, struct pfs_layout *layout);
/* Write-behind and read-ahead for this handle, in MiB (0 turns one off, at
 * most 1024), in place of the config's write_behind_mib / read_ahead_mib;
 * the contract is in README. Not while other calls on the handle run.
 * Buffered writes go to the servers first: returns their failure if one
 * was not yet reported, -EINVAL for a size over 1024, else 0. */
int pfs_file_set_cache(pfs_file_t *file, unsigned write_behind_mib, unsigned read_ahead_mib);

/* ---- data at rest: checksums (and, with compression, stored sizes) ---- */

/* What verifying one stripe object's stored checksums found. Every object
 * keeps a CRC32C per 4 KiB block; a read of a bad block fails with -EIO. */
struct pfs_scrub_obj {
	uint32_t target;                /* target id holding the object */
	uint64_t fid;
	uint32_t stripe;
	uint64_t size;                  /* object bytes */
	uint64_t blocks;                /* 4 KiB blocks verified */
	uint64_t bad;                   /* blocks whose data fails its checksum */
	uint64_t first_bad;             /* object offset of the first, or UINT64_MAX */
	int err;                        /* 0, or what stopped this object's scrub */
};
/* Called once per object; a nonzero return stops the scrub (and is returned). */
typedef int (*pfs_scrub_fn)(const struct pfs_scrub_obj *obj, void *arg);
/* Verifies every object of the file at path. 0 when every object could be
 * verified (bad blocks are reported through fn, not as an error), or the
 * first error (objects after a failed one are still visited). */
int pfs_scrub_file(pfs_fs_t *fs, const char *path, pfs_scrub_fn fn, void *arg);
/* Verifies every object stored on one target. */
int pfs_scrub_target(pfs_fs_t *fs, uint32_t target, pfs_scrub_fn fn, void *arg);
/* The file's logical size (as pfs_stat) and the bytes its objects occupy on
 * the targets' disks (allocated blocks, summed). */
int pfs_stored_size(pfs_fs_t *fs, const char *path, uint64_t *size, uint64_t *stored);

#ifdef __cplusplus
}
#endif
#endif /* PFS_H */
