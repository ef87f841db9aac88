/* objstore_int.h - internals of the OSS object store shared by its files:
 * objstore.c (operations), objstore_open.c (open/close, format record,
 * recovery), objstore_chunks.c (compressed chunks), objstore_verify.c
 * (verified block reads), objstore_fd.c (object files, fd cache, range
 * locks), objstore_crc.c (CRCs, sidecar records) and objstore_io.c (names,
 * I/O helpers). Calls go down that list, never up: objstore.c -> chunks,
 * verify, fd, crc, io; open -> fd, crc, io; chunks -> verify, fd, crc, io;
 * verify -> fd, crc, io; fd -> crc (a lost sidecar is rebuilt), io;
 * crc -> io; io calls none. */
#ifndef PFS_OBJSTORE_INT_H
#define PFS_OBJSTORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "objstore.h"
#include "objstore_format.h"

struct compress_ctx;

#define OS_BUCKETS 1024        /* fd cache hash buckets (power of two) */
#define OS_NAME_MAX 56         /* "ff/18446744073709551615.4294967295.crc" */
#define OS_KIND_DATA 0
#define OS_KIND_CRC 1
#define OS_KIND_MAP 2
#define OS_MAP_HDR 16          /* sizeof(struct os_map_hdr) */
#define OS_CTX_POOL 16         /* codec contexts kept for reuse */
#define OS_BLK OBJSTORE_BLOCK
#define OS_BLK_SHIFT 12
#define OS_REC 8u              /* sidecar bytes per block */
#define OS_RL_MAX 16           /* concurrent range locks on one object */

#define OS_ID_FILE "target.id"
#define OS_ID_TMP "target.id.tmp"
#define OS_OBJ_DIR "objects"
#define OS_CLEAN "clean"
#define OS_CRC_SUFFIX ".crc"
#define OS_MAP_SUFFIX ".cmp"

struct os_range {
	uint64_t lo, hi;       /* blocks [lo, hi); hi == 0: free slot */
};

/* One open object file and its sidecar. While cached it is in a hash chain
 * and the LRU list; an evicted entry still referenced is closed by its last
 * os_put. rl_lock guards the range locks. */
struct os_ent {
	uint64_t fid;
	uint32_t stripe;
	int fd;
	int cfd;               /* the .crc sidecar */
	atomic_int mfd;        /* the .cmp chunk map, -1 while the object has none */
	uint32_t csize;        /* its chunk size (set before mfd) */
	int refs;
	int cached;
	struct os_ent *hnext;
	struct os_ent *prev;   /* LRU neighbours: lru.next is the most recent */
	struct os_ent *next;
	pthread_mutex_t rl_lock;
	pthread_cond_t rl_cond;
	struct os_range rl[OS_RL_MAX];
};

/*
 * Locking: lock guards the hash, the LRU list, refs/cached of every entry and
 * gen. gen counts destroys: an fd opened outside the lock is only cached if
 * no destroy happened since the opener sampled gen, so a destroyed file never
 * stays in the cache. objects is atomic (created with O_EXCL, removed by a
 * successful unlink, so it is exact). shift and zcrc are set at open and
 * only read afterwards.
 */
struct objstore {
	char *dir;
	uint32_t target;
	int dir_fd;            /* DIR, flock'ed for the store's lifetime */
	int obj_fd;            /* DIR/objects */
	pthread_mutex_t lock;
	struct os_ent *bucket[OS_BUCKETS];
	struct os_ent lru;     /* sentinel */
	int ncached;
	uint64_t gen;
	atomic_uint_least64_t objects;
	int ready;             /* opened fully: a close marks a clean stop */
	pthread_mutex_t create_lock;   /* opening, creating an object, adding a map */
	pthread_mutex_t cpool_lock;
	struct compress_ctx *cpool[OS_CTX_POOL];
	int ncpool;
	uint32_t zcrc;         /* CRC32C of a zero block */
	uint32_t shift[32][32]; /* shift[i]: the CRC operator for 2^i zero bytes */
};

/* Blocks an object of size bytes has. */
static inline uint64_t os_nblocks(uint64_t size)
{
	return (size + OS_BLK - 1) >> OS_BLK_SHIFT;
}

/* ---- objstore_crc.c: checksums and sidecar records ---- */

/* Fills os->shift and os->zcrc (at open). */
void os_crc_init(struct objstore *os);
/* Whether a stored CRC (0: a zero block) or a block's record (cur or prev)
 * accepts data whose CRC is c; os_rec_set fills a record (little-endian). */
int os_crc_ok1(const struct objstore *os, uint32_t stored, uint32_t c);
int os_rec_ok(const struct objstore *os, const struct os_rec *r, uint32_t c);
void os_rec_set(struct os_rec *r, uint32_t cur, uint32_t prev);
int os_rec_read(int cfd, uint64_t b, uint64_t n, struct os_rec *r);
int os_rec_write(int cfd, uint64_t b, uint64_t n, const struct os_rec *r);
/* Reads (write 0) or writes the records of the sorted distinct blocks
 * blk[0..n) into/from r[0..n), one syscall per run of consecutive blocks. */
int os_rec_runs(int cfd, const uint64_t *blk, size_t n, struct os_rec *r, int write);
/* Recomputes a lost sidecar from the object's data. */
int os_rebuild(int fd, int cfd);
void os_log_bad(const struct objstore *os, const struct os_ent *e, uint64_t blk,
		const struct os_rec *r, uint32_t c, const char *what);

/* ---- objstore_io.c: names, I/O helpers ---- */

/* The on-disk placement hash: it names directories on disk, never change it. */
uint64_t os_hash(uint64_t fid, uint32_t stripe);
void os_name(uint64_t fid, uint32_t stripe, int kind, char *name, char *sub);
/* Parses "<fid>.<stripe>" (*kind OS_KIND_DATA) or with ".crc"/".cmp". */
int os_parse(const char *name, uint64_t *fid, uint32_t *stripe, int *kind);
int os_pwrite_all(int fd, const uint8_t *p, uint64_t len, uint64_t off);
int64_t os_pread_all(int fd, uint8_t *p, uint64_t len, uint64_t off);
int os_pread_zero(int fd, uint8_t *p, uint64_t len, uint64_t off);
int os_fsize(int fd, uint64_t *size);
int os_fsync_dirat(int dfd, const char *sub);

/* ---- objstore_fd.c: fd cache, range locks ---- */

int os_get(struct objstore *os, uint64_t fid, uint32_t stripe, int create,
	   struct os_ent **out);
void os_put(struct objstore *os, struct os_ent *e);
/* Opens the object's chunk map if it has one (before the entry is shared). */
int os_map_open(struct objstore *os, struct os_ent *e);
/* Drops the object from the cache after a destroy (bumps gen). */
void os_evict(struct objstore *os, uint64_t fid, uint32_t stripe);
/* Closes every cached entry (at close, nothing in use). */
void os_cache_free(struct objstore *os);
int os_rl_take(struct os_ent *e, uint64_t lo, uint64_t hi);
void os_rl_drop(struct os_ent *e, int slot);

/* ---- objstore_verify.c: verified block reads ---- */

#define OS_CHUNK 128           /* blocks verified per batch in a read or scrub */

/* Block blk read again (into buf, its CRC into *c) under its range lock
 * unless locked: 0 when it verifies, -EIO (logged) when not. */
int os_recheck(struct objstore *os, struct os_ent *e, uint64_t blk, uint8_t *buf,
	       uint32_t *c, const char *what, int locked);
/* One extent: verified blocks below size, zeros for the rest. */
int os_read_extent(struct objstore *os, struct os_ent *e, uint64_t size,
		   uint64_t off, uint64_t len, uint8_t *p, uint32_t *crc, int locked);

/* ---- objstore_chunks.c: chunk maps and compressed chunks ---- */

int os_chunk_unpack(struct objstore *os, struct os_ent *e, uint64_t k);
void os_chunk_round(const struct os_ent *e, uint64_t *lo, uint64_t *hi);
int os_unpack_blocks(struct objstore *os, struct os_ent *e, const uint64_t *blk,
		     size_t n);
int os_read_mapped(struct objstore *os, struct os_ent *e,
		   const struct wire_extent *ext, uint32_t next, uint8_t *data,
		   uint64_t *obj_size, uint32_t *crc);

#endif /* PFS_OBJSTORE_INT_H */
