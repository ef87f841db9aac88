/* objstore.c - the OSS object store: stripe objects under DIR/objects/<2 hex>/, their
 * CRC32C sidecars, the fd cache, range locks, target.id, statfs, scrub and recovery. */

/*
 * Checksums at rest
 * -----------------
 * Every object <fid>.<stripe> has a sidecar <fid>.<stripe>.crc beside it.
 * The object is cut into 4 KiB blocks aligned to object offset 0; block b's
 * record is 8 bytes at sidecar offset 8 * b: two little-endian u32, cur and
 * prev. A block's CRC32C always covers the full 4096 bytes, bytes past the
 * object's end counted as zeros (what a read returns), so the last block
 * needs no length. A stored value v accepts data whose CRC is c when
 * c == v, or v == 0 and the block is all zeros (c == CRC of a zero block):
 * never-written blocks (holes, or records past the sidecar's end) read as
 * zeros without a false mismatch, and a block whose real CRC is 0 still
 * checks. A block verifies when either cur or prev accepts it.
 *
 * The CRC travels from the client: a write RPC carries the CRC32C of its
 * data; the OSS computes the CRC of every piece of the data cut at block
 * boundaries (one pass, ISA-L), combines them (GF(2) shift operators, no
 * second pass) and compares with the client's: a mismatch is -EBADMSG and
 * nothing is written. Full-block pieces' CRCs are stored as they are; a
 * block written partially is merged in memory with its old content (read
 * and verified first: a corrupt block is -EIO, never blessed by a merge)
 * and the merged block's CRC is stored. A read verifies every block it
 * touches (an unaligned read the 1-2 edge blocks whole) and answers with
 * the CRC of the data it sends, combined from the verified block CRCs, so
 * the client's check is end to end. A mismatch is re-checked under the
 * object's range lock (a concurrent writer may have been half way); if it
 * still fails the request is -EIO and the log names target, fid, stripe and
 * offset. -EIO from this store means exactly "stored data is bad".
 *
 * Concurrency: writers (and truncates, and re-checks) of an object take a
 * range lock over the blocks they touch; reads take none.
 *
 * Crash consistency (a killed process; the page cache survives):
 *  - write: records (new, old) are written first, then the data, then
 *    (new, new). A crash at any point leaves every block holding old or new
 *    data (pwrite copies page by page), and one of the two records accepts
 *    it. A block left with cur != prev is resolved by its next write, which
 *    reads it to learn which of the two it holds.
 *  - truncate: the new last block's record (new, old), then the data
 *    ftruncate, then the sidecar ftruncate and (new, new). Records left
 *    past the end by a crash are trimmed by the recovery pass.
 *  - create: the object (O_EXCL), then its empty sidecar; destroy: the
 *    object, then the sidecar.
 *  - DIR/clean is written by a clean close and removed at open. Opening
 *    without it runs the recovery pass over every object (proportional to
 *    the object count, not the data): trims sidecars longer than their
 *    object, removes sidecars without an object, and rebuilds a missing
 *    sidecar of a non-empty object from its data (logged).
 * OBJ_SYNC fdatasyncs the sidecar, the chunk map and the object. After a power loss,
 * blocks written since their last sync may hold either content with either
 * record, so they may read -EIO (not wrong bytes); scrub finds them.
 *
 * Compressed objects (chunk maps, storing and decompressing chunks) are in
 * objstore_chunks.c.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "checksum.h"
#include "compress.h"
#include "log.h"
#include "objstore.h"
#include "objstore_int.h"

#define OS_ID_FILE "target.id"
#define OS_ID_TMP "target.id.tmp"
#define OS_OBJ_DIR "objects"
#define OS_CLEAN "clean"
#define OS_CRC_SUFFIX ".crc"
#define OS_MAP_SUFFIX ".cmp"
#define OS_CHUNK 128           /* blocks verified per batch in a read */
#define OS_SCRUB_LOG_MAX 16    /* bad blocks logged per scrub call */

/* ---- CRC helpers ---- */

static uint32_t os_gf2_times(const uint32_t *mat, uint32_t vec)
{
	uint32_t sum = 0;

	for (; vec; vec >>= 1, mat++)
		if (vec & 1)
			sum ^= *mat;
	return sum;
}

static void os_gf2_square(uint32_t *sq, const uint32_t *mat)
{
	for (int n = 0; n < 32; n++)
		sq[n] = os_gf2_times(mat, mat[n]);
}

/* The operators for appending 2^i zero bytes to a (reflected) CRC32C. */
static void os_crc_init(struct objstore *os)
{
	static const uint8_t zero[OS_BLK];
	uint32_t bit[32], two[32], four[32];

	bit[0] = 0x82f63b78u;  /* one zero bit: CRC32C's reflected polynomial */
	for (int n = 1; n < 32; n++)
		bit[n] = 1u << (n - 1);
	os_gf2_square(two, bit);
	os_gf2_square(four, two);
	os_gf2_square(os->shift[0], four);
	for (int i = 1; i < 32; i++)
		os_gf2_square(os->shift[i], os->shift[i - 1]);
	os->zcrc = checksum_crc32c(0, zero, OS_BLK);
}

/* CRC32C of A followed by B from crc(A), crc(B) and len(B). */
uint32_t objstore_crc_cat(const struct objstore *os, uint32_t a, uint32_t b, uint64_t blen)
{
	for (int i = 0; blen; i++, blen >>= 1)
		if (blen & 1)
			a = os_gf2_times(os->shift[i], a);
	return a ^ b;
}

int os_crc_ok1(const struct objstore *os, uint32_t stored, uint32_t c)
{
	return c == stored || (stored == 0 && c == os->zcrc);
}

int os_rec_ok(const struct objstore *os, const struct os_rec *r, uint32_t c)
{
	return os_crc_ok1(os, le32toh(r->cur), c) || os_crc_ok1(os, le32toh(r->prev), c);
}

void os_rec_set(struct os_rec *r, uint32_t cur, uint32_t prev)
{
	r->cur = htole32(cur);
	r->prev = htole32(prev);
}

/* ---- names ---- */

/* The on-disk placement hash (a splitmix64 finaliser). It names directories
 * on disk: never change it. */
static uint64_t os_hash(uint64_t fid, uint32_t stripe)
{
	uint64_t x = fid * 0x9e3779b97f4a7c15ull + stripe;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* "xx/<fid>.<stripe>" relative to DIR/objects, with kind OS_KIND_CRC ".crc"
 * (the checksum sidecar) or OS_KIND_MAP ".cmp" (the chunk map); sub gets "xx". */
void os_name(uint64_t fid, uint32_t stripe, int kind, char *name, char *sub)
{
	unsigned h = (unsigned)(os_hash(fid, stripe) >> 56);

	snprintf(sub, 3, "%02x", h);
	snprintf(name, OS_NAME_MAX, "%02x/%" PRIu64 ".%" PRIu32 "%s", h, fid, stripe,
		 kind == OS_KIND_CRC ? OS_CRC_SUFFIX : kind == OS_KIND_MAP ? OS_MAP_SUFFIX : "");
}

/* ---- small I/O helpers ---- */

int os_pwrite_all(int fd, const uint8_t *p, uint64_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (uint64_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Reads up to len bytes; returns the count read (short only at end of file). */
int64_t os_pread_all(int fd, uint8_t *p, uint64_t len, uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	return (int64_t)done;
}

/* Reads exactly len bytes, zeros past the end of file. */
int os_pread_zero(int fd, uint8_t *p, uint64_t len, uint64_t off)
{
	int64_t n = os_pread_all(fd, p, len, off);

	if (n < 0)
		return (int)n;
	memset(p + n, 0, len - (uint64_t)n);
	return 0;
}

int os_fsize(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

int os_fsync_dirat(int dfd, const char *sub)
{
	int fd, rc = 0;

	fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static uint64_t os_nblocks(uint64_t size)
{
	return (size + OS_BLK - 1) >> OS_BLK_SHIFT;
}

/* ---- sidecar records ---- */

/* Records [b, b + n) into r; records past the sidecar's end read as 0. */
int os_rec_read(int cfd, uint64_t b, uint64_t n, struct os_rec *r)
{
	return os_pread_zero(cfd, (uint8_t *)r, n * OS_REC, b * OS_REC);
}

int os_rec_write(int cfd, uint64_t b, uint64_t n, const struct os_rec *r)
{
	return os_pwrite_all(cfd, (const uint8_t *)r, n * OS_REC, b * OS_REC);
}

/* Reads (write 0) or writes the records of the sorted distinct blocks
 * blk[0..n) into/from r[0..n), one syscall per run of consecutive blocks. */
static int os_rec_runs(int cfd, const uint64_t *blk, size_t n, struct os_rec *r, int write)
{
	size_t i = 0, j;
	int rc;

	while (i < n) {
		for (j = i + 1; j < n && blk[j] == blk[j - 1] + 1; j++)
			;
		rc = write ? os_rec_write(cfd, blk[i], j - i, r + i)
			   : os_rec_read(cfd, blk[i], j - i, r + i);
		if (rc < 0)
			return rc;
		i = j;
	}
	return 0;
}

/* Recomputes every record of the object from its data (as (c, c)) and
 * cuts the sidecar to the object's blocks. For a sidecar that was lost. */
static int os_rebuild(int fd, int cfd)
{
	enum { N = 64 };
	uint8_t *buf;
	struct os_rec r[N];
	uint64_t size = 0, nb, b;
	int rc;

	rc = os_fsize(fd, &size);
	if (rc < 0)
		return rc;
	buf = malloc((size_t)N * OS_BLK);
	if (!buf)
		return -ENOMEM;
	nb = os_nblocks(size);
	for (b = 0; b < nb && rc == 0; b += N) {
		uint64_t n = nb - b < N ? nb - b : N;

		rc = os_pread_zero(fd, buf, n * OS_BLK, b * OS_BLK);
		for (uint64_t i = 0; rc == 0 && i < n; i++) {
			uint32_t c = checksum_crc32c(0, buf + i * OS_BLK, OS_BLK);

			os_rec_set(&r[i], c, c);
		}
		if (rc == 0)
			rc = os_rec_write(cfd, b, n, r);
	}
	free(buf);
	if (rc == 0 && ftruncate(cfd, (off_t)(nb * OS_REC)) < 0)
		rc = -errno;
	return rc;
}

/* ---- object files ---- */

/* Creates DIR/objects/<sub> if missing (and makes its name durable). */
static int os_mksub(struct objstore *os, const char *sub)
{
	if (mkdirat(os->obj_fd, sub, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	if (fsync(os->obj_fd) < 0)
		return -errno;
	return 0;
}

/* Opens the sidecar of an existing object, creating it when missing; a
 * non-empty object that lost its sidecar gets one rebuilt from its data. */
static int os_open_sidecar(struct objstore *os, uint64_t fid, uint32_t stripe, int fd,
			   int *cfdp)
{
	char name[OS_NAME_MAX], sub[3];
	uint64_t size = 0;
	int cfd, rc;

	os_name(fid, stripe, OS_KIND_CRC, name, sub);
	cfd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
	if (cfd >= 0) {
		*cfdp = cfd;
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
	cfd = openat(os->obj_fd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (cfd < 0)
		return -errno;
	rc = os_fsize(fd, &size);
	if (rc == 0 && size > 0) {
		log_msg(LOG_WARN, "objstore: target %" PRIu32 ": object %" PRIu64 ".%" PRIu32
			" had no checksum file; rebuilt from its data", os->target, fid, stripe);
		rc = os_rebuild(fd, cfd);
	}
	if (rc == 0)
		rc = os_fsync_dirat(os->obj_fd, sub);
	if (rc < 0) {
		close(cfd);
		return rc;
	}
	*cfdp = cfd;
	return 0;
}

/* Creates the object file and its empty sidecar (racing creators are
 * fine: the loser opens). */
static int os_create(struct objstore *os, uint64_t fid, uint32_t stripe, int *fdp,
		     int *cfdp)
{
	char name[OS_NAME_MAX], cname[OS_NAME_MAX], sub[3];
	int fd, cfd, rc;

	os_name(fid, stripe, OS_KIND_DATA, name, sub);
	os_name(fid, stripe, OS_KIND_CRC, cname, sub);
	rc = os_mksub(os, sub);
	if (rc < 0)
		return rc;
	fd = openat(os->obj_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		fd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		rc = os_open_sidecar(os, fid, stripe, fd, cfdp);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		*fdp = fd;
		return 0;
	}
	if (fd < 0)
		return -errno;
	atomic_fetch_add(&os->objects, 1);
	/* A sidecar left by a crash between an unlink and the next start
	 * belongs to a dead object: start empty. */
	cfd = openat(os->obj_fd, cname, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (cfd < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	os_name(fid, stripe, OS_KIND_MAP, cname, sub);
	(void)unlinkat(os->obj_fd, cname, 0);
	rc = os_fsync_dirat(os->obj_fd, sub);
	if (rc < 0) {
		log_msg(LOG_ERR, "objstore: fsync of %s/%s/%s: %s", os->dir,
			OS_OBJ_DIR, sub, strerror(-rc));
		close(cfd);
		close(fd);
		return rc;
	}
	*fdp = fd;
	*cfdp = cfd;
	return 0;
}

static int os_open_file(struct objstore *os, uint64_t fid, uint32_t stripe,
			int create, int *fdp, int *cfdp)
{
	char name[OS_NAME_MAX], sub[3];
	int fd, rc;

	os_name(fid, stripe, OS_KIND_DATA, name, sub);
	fd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		rc = os_open_sidecar(os, fid, stripe, fd, cfdp);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		*fdp = fd;
		return 0;
	}
	if (errno != ENOENT || !create)
		return -errno;
	return os_create(os, fid, stripe, fdp, cfdp);
}

/* ---- fd cache (all os_lru_* / os_hash_* called with lock held) ---- */

static struct os_ent **os_slot(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	return &os->bucket[os_hash(fid, stripe) & (OS_BUCKETS - 1)];
}

static struct os_ent *os_lookup(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	struct os_ent *e;

	for (e = *os_slot(os, fid, stripe); e; e = e->hnext)
		if (e->fid == fid && e->stripe == stripe)
			return e;
	return NULL;
}

static void os_lru_unlink(struct os_ent *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static void os_lru_front(struct objstore *os, struct os_ent *e)
{
	e->next = os->lru.next;
	e->prev = &os->lru;
	os->lru.next->prev = e;
	os->lru.next = e;
}

/* Removes e from the cache; returns 1 when nobody holds it (caller frees). */
static int os_uncache(struct objstore *os, struct os_ent *e)
{
	struct os_ent **pp = os_slot(os, e->fid, e->stripe);

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	os_lru_unlink(e);
	e->cached = 0;
	os->ncached--;
	return e->refs == 0;
}

static void os_ent_free(struct os_ent *e)
{
	close(e->fd);
	close(e->cfd);
	if (atomic_load(&e->mfd) >= 0)
		close(atomic_load(&e->mfd));
	pthread_mutex_destroy(&e->rl_lock);
	pthread_cond_destroy(&e->rl_cond);
	free(e);
}

/* Inserts e and evicts idle least-recently-used entries beyond the bound;
 * the evicted ones are chained on *dead for closing outside the lock. */
static void os_insert(struct objstore *os, struct os_ent *e, struct os_ent **dead)
{
	struct os_ent **slot = os_slot(os, e->fid, e->stripe);
	struct os_ent *v, *prev;

	e->hnext = *slot;
	*slot = e;
	e->cached = 1;
	os_lru_front(os, e);
	os->ncached++;
	for (v = os->lru.prev; os->ncached > OBJSTORE_FD_CACHE && v != &os->lru; v = prev) {
		prev = v->prev;
		if (v->refs == 0 && os_uncache(os, v)) {
			v->hnext = *dead;
			*dead = v;
		}
	}
}

static void os_free_chain(struct os_ent *e)
{
	struct os_ent *n;

	for (; e; e = n) {
		n = e->hnext;
		os_ent_free(e);
	}
}

/* A referenced entry for the object; -ENOENT when missing and !create. */
int os_get(struct objstore *os, uint64_t fid, uint32_t stripe, int create,
	   struct os_ent **out)
{
	struct os_ent *e, *other, *dead = NULL;
	uint64_t gen;
	int fd = -1, cfd = -1, rc;

	pthread_mutex_lock(&os->lock);
	e = os_lookup(os, fid, stripe);
	if (e) {
		e->refs++;
		os_lru_unlink(e);
		os_lru_front(os, e);
	}
	gen = os->gen;
	pthread_mutex_unlock(&os->lock);
	if (e) {
		*out = e;
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fid = fid;
	e->stripe = stripe;
	atomic_init(&e->mfd, -1);
	/* Creation (object, sidecar, stale map) and map creation happen under
	 * create_lock: an opener never sees them half done. */
	pthread_mutex_lock(&os->create_lock);
	rc = os_open_file(os, fid, stripe, create, &fd, &cfd);
	if (rc == 0) {
		e->fd = fd;
		e->cfd = cfd;
		rc = os_map_open(os, e);
		if (rc < 0) {
			close(fd);
			close(cfd);
		}
	}
	pthread_mutex_unlock(&os->create_lock);
	if (rc < 0) {
		free(e);
		return rc;
	}
	pthread_mutex_init(&e->rl_lock, NULL);
	pthread_cond_init(&e->rl_cond, NULL);
	e->refs = 1;
	pthread_mutex_lock(&os->lock);
	other = os_lookup(os, fid, stripe);
	if (other) {
		other->refs++;
		dead = e;
		e = other;
	} else if (gen == os->gen) {
		os_insert(os, e, &dead);
	}
	pthread_mutex_unlock(&os->lock);
	os_free_chain(dead);
	*out = e;
	return 0;
}

void os_put(struct objstore *os, struct os_ent *e)
{
	int last;

	pthread_mutex_lock(&os->lock);
	last = --e->refs == 0 && !e->cached;
	pthread_mutex_unlock(&os->lock);
	if (last)
		os_ent_free(e);
}

/* ---- range locks (blocks [lo, hi) of one object) ---- */

static int os_rl_busy(const struct os_ent *e, uint64_t lo, uint64_t hi, int *slot)
{
	*slot = -1;
	for (int i = 0; i < OS_RL_MAX; i++) {
		if (e->rl[i].hi == 0) {
			if (*slot < 0)
				*slot = i;
			continue;
		}
		if (e->rl[i].lo < hi && lo < e->rl[i].hi)
			return 1;
	}
	return *slot < 0;
}

/* Waits until no other holder overlaps [lo, hi); returns the slot to drop. */
int os_rl_take(struct os_ent *e, uint64_t lo, uint64_t hi)
{
	int slot;

	if (hi <= lo)
		hi = lo + 1;
	pthread_mutex_lock(&e->rl_lock);
	while (os_rl_busy(e, lo, hi, &slot))
		pthread_cond_wait(&e->rl_cond, &e->rl_lock);
	e->rl[slot].lo = lo;
	e->rl[slot].hi = hi;
	pthread_mutex_unlock(&e->rl_lock);
	return slot;
}

void os_rl_drop(struct os_ent *e, int slot)
{
	pthread_mutex_lock(&e->rl_lock);
	e->rl[slot].lo = e->rl[slot].hi = 0;
	pthread_cond_broadcast(&e->rl_cond);
	pthread_mutex_unlock(&e->rl_lock);
}

/* ---- operations ---- */

int objstore_extents_check(const struct wire_extent *ext, uint32_t next, uint64_t *total)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < next; i++) {
		if (ext[i].off >= OBJSTORE_OFF_MAX || ext[i].len > OBJSTORE_OFF_MAX - ext[i].off)
			return -EINVAL;
		sum += ext[i].len;
		if (sum > OBJSTORE_OFF_MAX)
			return -EINVAL;
	}
	*total = sum;
	return 0;
}

void os_log_bad(const struct objstore *os, const struct os_ent *e, uint64_t blk,
		const struct os_rec *r, uint32_t c, const char *what)
{
	log_msg(LOG_ERR, "objstore: target %" PRIu32 ": checksum mismatch in fid %" PRIu64
		" stripe %" PRIu32 " at object offset %" PRIu64 " (block %" PRIu64
		"): stored %08x/%08x, data %08x (%s)", os->target, e->fid, e->stripe,
		blk << OS_BLK_SHIFT, blk, le32toh(r->cur), le32toh(r->prev), c, what);
}

/* Checks block blk again under its range lock, reading it into buf (a
 * concurrent writer may have been between its steps when the lock-free
 * check ran). *c gets its CRC. 0 when it verifies, -EIO (logged) if not. */
static int os_recheck(struct objstore *os, struct os_ent *e, uint64_t blk, uint8_t *buf,
		      uint32_t *c, const char *what, int locked)
{
	struct os_rec r;
	int slot = -1, rc;

	if (!locked)
		slot = os_rl_take(e, blk, blk + 1);
	rc = os_rec_read(e->cfd, blk, 1, &r);
	if (rc == 0)
		rc = os_pread_zero(e->fd, buf, OS_BLK, blk << OS_BLK_SHIFT);
	if (!locked)
		os_rl_drop(e, slot);
	if (rc < 0)
		return rc;
	*c = checksum_crc32c(0, buf, OS_BLK);
	if (os_rec_ok(os, &r, *c))
		return 0;
	os_log_bad(os, e, blk, &r, *c, what);
	return -EIO;
}

/* One piece of a write: the part of an extent inside one block. */
struct os_piece {
	uint64_t blk;
	uint64_t dpos;          /* offset in the data */
	uint32_t boff;          /* offset in the block */
	uint32_t len;
	uint32_t crc;
	uint32_t seq;           /* order in the request: later wins */
};

static int os_piece_cmp(const void *a, const void *b)
{
	const struct os_piece *x = a, *y = b;

	if (x->blk != y->blk)
		return x->blk < y->blk ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Cuts the extents at block boundaries, computing every piece's CRC and
 * their concatenation's (*crc). Returns the piece count or -ENOMEM. */
static int64_t os_pieces(const struct objstore *os, const struct wire_extent *ext,
			 uint32_t next, const uint8_t *data, struct os_piece **out,
			 uint32_t *crc)
{
	struct os_piece *p;
	uint64_t n = 0, dpos = 0, k = 0;
	uint32_t all = 0;
	int sorted = 1;

	for (uint32_t i = 0; i < next; i++)
		if (ext[i].len)
			n += ((ext[i].off + ext[i].len - 1) >> OS_BLK_SHIFT) -
			     (ext[i].off >> OS_BLK_SHIFT) + 1;
	p = malloc((n ? n : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (uint32_t i = 0; i < next; i++) {
		uint64_t off = ext[i].off, end = off + ext[i].len;

		while (off < end) {
			uint64_t blk = off >> OS_BLK_SHIFT;
			uint64_t bend = (blk + 1) << OS_BLK_SHIFT;
			uint64_t len = (end < bend ? end : bend) - off;
			struct os_piece *q = &p[k];

			q->blk = blk;
			q->dpos = dpos;
			q->boff = (uint32_t)(off & (OS_BLK - 1));
			q->len = (uint32_t)len;
			q->crc = checksum_crc32c(0, data + dpos, len);
			q->seq = (uint32_t)k;
			all = objstore_crc_cat(os, all, q->crc, len);
			if (k && q->blk <= p[k - 1].blk)
				sorted = 0;
			k++;
			off += len;
			dpos += len;
		}
	}
	if (!sorted)
		qsort(p, k, sizeof(*p), os_piece_cmp);
	*out = p;
	*crc = all;
	return (int64_t)k;
}

/* Writes the extents, merging neighbours that are adjacent in the object
 * (they are adjacent in data too) into one pwrite. */
static int os_write_extents(int fd, const struct wire_extent *ext, uint32_t next,
			    const uint8_t *data)
{
	uint32_t i = 0;
	int rc;

	while (i < next) {
		uint64_t off = ext[i].off, len = ext[i].len;

		for (i++; i < next && ext[i].off == off + len; i++)
			len += ext[i].len;
		rc = os_pwrite_all(fd, data, len, off);
		if (rc < 0)
			return rc;
		data += len;
	}
	return 0;
}

/* The blocks a write touches with their new and old CRCs. */
struct os_wplan {
	uint64_t *blk;
	struct os_rec *rec;     /* read: as stored; then (new, old); then (new, new) */
	uint32_t *newc;
	size_t n;
};

/* New and old CRC of block i whose pieces are p[0..np) (in request order). */
static int os_plan_block(struct objstore *os, struct os_ent *e, struct os_wplan *w,
			 size_t i, const struct os_piece *p, size_t np, const uint8_t *data,
			 uint8_t *buf)
{
	uint32_t cur = le32toh(w->rec[i].cur), prev = le32toh(w->rec[i].prev), oldc, c;
	int partial = 0, rc;

	for (size_t j = 0; j < np; j++)
		if (p[j].len != OS_BLK)
			partial = 1;
	if (!partial && cur == prev) {
		/* The common case: a whole block over a settled record. */
		w->newc[i] = p[np - 1].crc;
		os_rec_set(&w->rec[i], w->newc[i], cur);
		return 0;
	}
	rc = os_pread_zero(e->fd, buf, OS_BLK, w->blk[i] << OS_BLK_SHIFT);
	if (rc < 0)
		return rc;
	c = checksum_crc32c(0, buf, OS_BLK);
	if (os_rec_ok(os, &w->rec[i], c)) {
		oldc = c;
	} else if (partial) {
		os_log_bad(os, e, w->blk[i], &w->rec[i], c, "partial write refused");
		return -EIO;
	} else {
		oldc = cur;     /* overwritten whole: the bad block heals */
	}
	if (partial) {
		for (size_t j = 0; j < np; j++)
			memcpy(buf + p[j].boff, data + p[j].dpos, p[j].len);
		w->newc[i] = checksum_crc32c(0, buf, OS_BLK);
	} else {
		w->newc[i] = p[np - 1].crc;
	}
	os_rec_set(&w->rec[i], w->newc[i], oldc);
	return 0;
}

/* After a failed data write the blocks hold a mix of old and new: record
 * what they hold (the request failed; either content is allowed). */
static void os_write_undo(struct objstore *os, struct os_ent *e, struct os_wplan *w,
			  uint8_t *buf)
{
	for (size_t i = 0; i < w->n; i++) {
		uint32_t c;

		if (os_pread_zero(e->fd, buf, OS_BLK, w->blk[i] << OS_BLK_SHIFT) < 0)
			continue;
		c = checksum_crc32c(0, buf, OS_BLK);
		os_rec_set(&w->rec[i], c, c);
	}
	(void)os_rec_runs(e->cfd, w->blk, w->n, w->rec, 1);
	(void)os;
}

static int os_write_locked(struct objstore *os, struct os_ent *e,
			   const struct wire_extent *ext, uint32_t next, const uint8_t *data,
			   const struct os_piece *p, size_t np, struct os_wplan *w)
{
	uint8_t buf[OS_BLK];
	size_t i, j, k = 0;
	int rc;

	rc = os_rec_runs(e->cfd, w->blk, w->n, w->rec, 0);
	for (i = 0, j = 0; rc == 0 && i < w->n; i++, j = k) {
		for (k = j; k < np && p[k].blk == w->blk[i]; k++)
			;
		rc = os_plan_block(os, e, w, i, p + j, k - j, data, buf);
	}
	if (rc < 0)
		return rc;
	rc = os_rec_runs(e->cfd, w->blk, w->n, w->rec, 1);
	if (rc < 0)
		return rc;
	rc = os_write_extents(e->fd, ext, next, data);
	if (rc < 0) {
		os_write_undo(os, e, w, buf);
		return rc;
	}
	for (i = 0; i < w->n; i++)
		os_rec_set(&w->rec[i], w->newc[i], w->newc[i]);
	return os_rec_runs(e->cfd, w->blk, w->n, w->rec, 1);
}

int objstore_write(struct objstore *os, uint64_t fid, uint32_t stripe,
		   const struct wire_extent *ext, uint32_t next,
		   const uint8_t *data, uint32_t crc, uint64_t *obj_size)
{
	struct os_wplan w = { 0 };
	struct os_piece *p = NULL;
	struct os_ent *e;
	uint64_t total;
	uint32_t got;
	int64_t np;
	int rc, slot;

	rc = objstore_extents_check(ext, next, &total);
	if (rc < 0)
		return rc;
	np = os_pieces(os, ext, next, data, &p, &got);
	if (np < 0)
		return (int)np;
	if (got != crc) {
		free(p);
		return -EBADMSG;
	}
	w.blk = malloc(((size_t)np + 1) * sizeof(*w.blk));
	w.rec = malloc(((size_t)np + 1) * sizeof(*w.rec));
	w.newc = malloc(((size_t)np + 1) * sizeof(*w.newc));
	if (!w.blk || !w.rec || !w.newc) {
		rc = -ENOMEM;
		goto out;
	}
	for (int64_t i = 0; i < np; i++)
		if (w.n == 0 || w.blk[w.n - 1] != p[i].blk)
			w.blk[w.n++] = p[i].blk;
	rc = os_get(os, fid, stripe, 1, &e);
	if (rc < 0)
		goto out;
	if (w.n) {
		int mapped = atomic_load(&e->mfd) >= 0;
		uint64_t lo = w.blk[0], hi = w.blk[w.n - 1] + 1;

		if (mapped)
			os_chunk_round(e, &lo, &hi);
		slot = os_rl_take(e, lo, hi);
		if (!mapped && atomic_load(&e->mfd) >= 0) {
			/* Got a map meanwhile: lock whole chunks. */
			os_rl_drop(e, slot);
			mapped = 1;
			os_chunk_round(e, &lo, &hi);
			slot = os_rl_take(e, lo, hi);
		}
		if (mapped)
			rc = os_unpack_blocks(os, e, w.blk, w.n);
		if (rc == 0)
			rc = os_write_locked(os, e, ext, next, data, p, (size_t)np, &w);
		os_rl_drop(e, slot);
	}
	if (rc == 0)
		rc = os_fsize(e->fd, obj_size);
	os_put(os, e);
out:
	free(p);
	free(w.blk);
	free(w.rec);
	free(w.newc);
	return rc;
}

/* Reads and verifies object blocks [b, b + n) (all below end of file)
 * straight into p, n <= OS_CHUNK; *crc continues over them. */
static int os_read_blocks(struct objstore *os, struct os_ent *e, uint64_t b, uint64_t n,
			  uint8_t *p, uint32_t *crc, int locked)
{
	struct os_rec r[OS_CHUNK];
	int rc;

	rc = os_rec_read(e->cfd, b, n, r);
	if (rc == 0)
		rc = os_pread_zero(e->fd, p, n * OS_BLK, b << OS_BLK_SHIFT);
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		uint8_t *q = p + i * OS_BLK;
		uint32_t c = checksum_crc32c(0, q, OS_BLK);

		if (!os_rec_ok(os, &r[i], c))
			rc = os_recheck(os, e, b + i, q, &c, "read", locked);
		*crc = objstore_crc_cat(os, *crc, c, OS_BLK);
	}
	return rc;
}

/* Reads part [boff, boff + len) of block blk (below end of file) into p,
 * verifying the whole block. */
static int os_read_edge(struct objstore *os, struct os_ent *e, uint64_t blk, uint32_t boff,
			uint32_t len, uint8_t *p, uint32_t *crc, int locked)
{
	uint8_t buf[OS_BLK];
	struct os_rec r;
	uint32_t c;
	int rc;

	rc = os_rec_read(e->cfd, blk, 1, &r);
	if (rc == 0)
		rc = os_pread_zero(e->fd, buf, OS_BLK, blk << OS_BLK_SHIFT);
	if (rc < 0)
		return rc;
	c = checksum_crc32c(0, buf, OS_BLK);
	if (!os_rec_ok(os, &r, c)) {
		rc = os_recheck(os, e, blk, buf, &c, "read", locked);
		if (rc < 0)
			return rc;
	}
	memcpy(p, buf + boff, len);
	*crc = checksum_crc32c(*crc, p, len);
	return 0;
}

/* Reads one extent: verified blocks below size, zeros for the rest. */
int os_read_extent(struct objstore *os, struct os_ent *e, uint64_t size,
		   uint64_t off, uint64_t len, uint8_t *p, uint32_t *crc, int locked)
{
	uint64_t end = off + len, nbs = os_nblocks(size);
	int rc = 0;

	while (off < end && rc == 0) {
		uint64_t blk = off >> OS_BLK_SHIFT, boff = off & (OS_BLK - 1);
		uint64_t n;

		if (blk >= nbs) {
			/* Past the last block: zeros, nothing stored to check. */
			memset(p, 0, end - off);
			*crc = checksum_crc32c(*crc, p, end - off);
			return 0;
		}
		if (boff || end - off < OS_BLK) {
			n = OS_BLK - boff < end - off ? OS_BLK - boff : end - off;
			rc = os_read_edge(os, e, blk, (uint32_t)boff, (uint32_t)n, p, crc, locked);
		} else {
			n = (end - off) >> OS_BLK_SHIFT;
			if (n > nbs - blk)
				n = nbs - blk;
			if (n > OS_CHUNK)
				n = OS_CHUNK;
			rc = os_read_blocks(os, e, blk, n, p, crc, locked);
			n <<= OS_BLK_SHIFT;
		}
		off += n;
		p += n;
	}
	return rc;
}

int objstore_read(struct objstore *os, uint64_t fid, uint32_t stripe,
		  const struct wire_extent *ext, uint32_t next,
		  uint8_t *data, uint64_t *obj_size, uint32_t *crc)
{
	struct os_ent *e;
	uint64_t total, size;
	uint8_t *p = data;
	uint32_t i, c = 0;
	int rc;

	rc = objstore_extents_check(ext, next, &total);
	if (rc < 0)
		return rc;
	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT) {
		memset(data, 0, total);
		*obj_size = 0;
		*crc = checksum_crc32c(0, data, total);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (atomic_load(&e->mfd) >= 0) {
		rc = os_read_mapped(os, e, ext, next, data, obj_size, crc);
		os_put(os, e);
		return rc;
	}
	rc = os_fsize(e->fd, &size);
	for (i = 0; rc == 0 && i < next; i++) {
		rc = os_read_extent(os, e, size, ext[i].off, ext[i].len, p, &c, 0);
		p += ext[i].len;
	}
	if (atomic_load(&e->mfd) >= 0) {
		/* A compressed write gave it a map while we read: what we read
		 * may be stored bytes, not data. Again, the careful way. */
		rc = os_read_mapped(os, e, ext, next, data, obj_size, crc);
		os_put(os, e);
		return rc;
	}
	os_put(os, e);
	if (rc == 0) {
		*obj_size = size;
		*crc = c;
	}
	return rc;
}

/* Truncates under the range lock from the new last block on (see the
 * crash rules at the top). */
static int os_punch_locked(struct objstore *os, struct os_ent *e, uint64_t size)
{
	uint64_t old = 0, blk = size >> OS_BLK_SHIFT, keep;
	uint8_t buf[OS_BLK];
	struct os_rec r;
	uint32_t tail = (uint32_t)(size & (OS_BLK - 1)), c, newc = 0;
	int fix = 0, rc;

	rc = os_fsize(e->fd, &old);
	if (rc < 0)
		return rc;
	if (size < old && tail) {
		/* The new last block loses its tail: its CRC changes. */
		rc = os_rec_read(e->cfd, blk, 1, &r);
		if (rc == 0)
			rc = os_pread_zero(e->fd, buf, OS_BLK, blk << OS_BLK_SHIFT);
		if (rc < 0)
			return rc;
		c = checksum_crc32c(0, buf, OS_BLK);
		if (os_rec_ok(os, &r, c)) {
			memset(buf + tail, 0, OS_BLK - tail);
			newc = checksum_crc32c(0, buf, OS_BLK);
			os_rec_set(&r, newc, c);
			rc = os_rec_write(e->cfd, blk, 1, &r);
			if (rc < 0)
				return rc;
			fix = 1;
		} else {
			/* Keep it failing: a truncate does not bless a bad block. */
			os_log_bad(os, e, blk, &r, c, "truncate");
		}
	}
	if (ftruncate(e->fd, (off_t)size) < 0)
		return -errno;
	/* Blocks past the old end are holes: no record may survive there. */
	keep = os_nblocks(size < old ? size : old);
	if (ftruncate(e->cfd, (off_t)(keep * OS_REC)) < 0)
		return -errno;
	if (atomic_load(&e->mfd) >= 0) {
		uint64_t low = size < old ? size : old;
		uint64_t chunks = (low + e->csize - 1) / e->csize;

		/* Chunks past the end are gone: no format may survive there. */
		if (ftruncate(atomic_load(&e->mfd), (off_t)(OS_MAP_HDR + chunks * OS_REC)) < 0)
			return -errno;
	}
	if (fix) {
		os_rec_set(&r, newc, newc);
		rc = os_rec_write(e->cfd, blk, 1, &r);
	}
	return rc;
}

int objstore_punch(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t size)
{
	struct os_ent *e;
	uint64_t lo, hi;
	int rc, slot;

	if (size > OBJSTORE_OFF_MAX)
		return -EINVAL;
	rc = os_get(os, fid, stripe, size > 0, &e);
	if (rc == -ENOENT && size == 0)
		return 0;
	if (rc < 0)
		return rc;
	/* The whole object: a truncate also cuts the sidecar (and map) at
	 * the lower of the old and new ends, which writers anywhere above
	 * may be extending. Truncates are rare. */
	lo = 0;
	hi = UINT64_MAX;
	if (atomic_load(&e->mfd) >= 0)
		os_chunk_round(e, &lo, &hi);
	slot = os_rl_take(e, lo, hi);
	if (atomic_load(&e->mfd) >= 0 && lo % (e->csize >> OS_BLK_SHIFT)) {
		os_rl_drop(e, slot);
		os_chunk_round(e, &lo, &hi);
		slot = os_rl_take(e, lo, hi);
	}
	if (atomic_load(&e->mfd) >= 0 && size % e->csize) {
		uint64_t old = 0;

		/* The chunk the new end cuts becomes raw first (if it exists). */
		rc = os_fsize(e->fd, &old);
		if (rc == 0 && size < old)
			rc = os_chunk_unpack(os, e, size / e->csize);
	}
	if (rc == 0)
		rc = os_punch_locked(os, e, size);
	os_rl_drop(e, slot);
	os_put(os, e);
	return rc;
}

int objstore_size(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t *size)
{
	struct os_ent *e;
	int rc;

	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT) {
		*size = 0;
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = os_fsize(e->fd, size);
	os_put(os, e);
	return rc;
}

int objstore_stored(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t *size,
		    uint64_t *stored)
{
	struct os_ent *e;
	struct stat st;
	int rc;

	*size = *stored = 0;
	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (fstat(e->fd, &st) < 0) {
		rc = -errno;
	} else {
		*size = (uint64_t)st.st_size;
		*stored = (uint64_t)st.st_blocks * 512;
	}
	os_put(os, e);
	return rc;
}

/* Data and records durable together. */
int objstore_sync(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	struct os_ent *e;
	int rc;

	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (fdatasync(e->cfd) < 0 || fdatasync(e->fd) < 0 ||
	    (atomic_load(&e->mfd) >= 0 && fdatasync(atomic_load(&e->mfd)) < 0))
		rc = -errno;
	os_put(os, e);
	return rc;
}

int objstore_scrub(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t off,
		   uint64_t budget, uint8_t *buf, size_t bufsize, struct objstore_scrub *res)
{
	struct os_rec r[OS_CHUNK];
	uint64_t blk, nbs, stop;
	struct os_ent *e;
	unsigned logged = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	res->first_bad = UINT64_MAX;
	if (bufsize < OS_BLK)
		return -EINVAL;
	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	rc = os_fsize(e->fd, &res->size);
	if (rc < 0)
		goto out;
	nbs = os_nblocks(res->size);
	blk = off >> OS_BLK_SHIFT;
	stop = budget >> OS_BLK_SHIFT;
	stop = stop < 1 ? 1 : stop;
	stop = blk < nbs && nbs - blk > stop ? blk + stop : nbs;
	while (blk < stop) {
		uint64_t n = stop - blk;

		if (n > OS_CHUNK)
			n = OS_CHUNK;
		if (n > bufsize / OS_BLK)
			n = bufsize / OS_BLK;
		rc = os_rec_read(e->cfd, blk, n, r);
		if (rc == 0)
			rc = os_pread_zero(e->fd, buf, n * OS_BLK, blk << OS_BLK_SHIFT);
		if (rc < 0)
			goto out;
		for (uint64_t i = 0; i < n; i++) {
			uint8_t *q = buf + i * OS_BLK;
			uint32_t c = checksum_crc32c(0, q, OS_BLK);

			res->blocks++;
			if (os_rec_ok(os, &r[i], c))
				continue;
			/* os_recheck logs; past the cap it stays quiet. */
			if (logged >= OS_SCRUB_LOG_MAX) {
				struct os_rec again;
				int slot = os_rl_take(e, blk + i, blk + i + 1);

				rc = os_rec_read(e->cfd, blk + i, 1, &again);
				if (rc == 0)
					rc = os_pread_zero(e->fd, q, OS_BLK, (blk + i) << OS_BLK_SHIFT);
				os_rl_drop(e, slot);
				if (rc < 0)
					goto out;
				c = checksum_crc32c(0, q, OS_BLK);
				rc = os_rec_ok(os, &again, c) ? 0 : -EIO;
			} else {
				rc = os_recheck(os, e, blk + i, q, &c, "scrub", 0);
				logged++;
			}
			if (rc == -EIO) {
				res->bad++;
				if (res->first_bad == UINT64_MAX)
					res->first_bad = (blk + i) << OS_BLK_SHIFT;
			} else if (rc < 0) {
				goto out;
			}
		}
		rc = 0;
		blk += n;
	}
	if (res->bad > logged)
		log_msg(LOG_ERR, "objstore: target %" PRIu32 ": fid %" PRIu64 " stripe %" PRIu32
			": %" PRIu64 " bad blocks in this scrub pass", os->target, fid, stripe,
			res->bad);
	res->next = blk << OS_BLK_SHIFT < res->size ? blk << OS_BLK_SHIFT : res->size;
out:
	os_put(os, e);
	return rc;
}

/* Unlink first, then evict and bump gen: an fd opened before the unlink is
 * either in the cache now (evicted here) or will see gen changed. The
 * sidecar goes after the object (a crash between leaves an orphan sidecar,
 * which the recovery pass removes). */
int objstore_destroy(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	char name[OS_NAME_MAX], sub[3];
	struct os_ent *e, *dead = NULL;
	int rc = 0;

	os_name(fid, stripe, OS_KIND_DATA, name, sub);
	if (unlinkat(os->obj_fd, name, 0) == 0)
		atomic_fetch_sub(&os->objects, 1);
	else if (errno != ENOENT)
		rc = -errno;
	os_name(fid, stripe, OS_KIND_CRC, name, sub);
	if (rc == 0 && unlinkat(os->obj_fd, name, 0) < 0 && errno != ENOENT)
		rc = -errno;
	os_name(fid, stripe, OS_KIND_MAP, name, sub);
	if (rc == 0 && unlinkat(os->obj_fd, name, 0) < 0 && errno != ENOENT)
		rc = -errno;
	pthread_mutex_lock(&os->lock);
	e = os_lookup(os, fid, stripe);
	if (e && os_uncache(os, e))
		dead = e;
	os->gen++;
	pthread_mutex_unlock(&os->lock);
	if (dead)
		os_ent_free(dead);
	return rc;
}

int objstore_statfs(struct objstore *os, uint64_t *total, uint64_t *avail, uint64_t *objects)
{
	struct statvfs sv;

	if (fstatvfs(os->obj_fd, &sv) < 0)
		return -errno;
	*total = (uint64_t)sv.f_blocks * sv.f_frsize;
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	*objects = atomic_load(&os->objects);
	return 0;
}

/* ---- listing and recovery ---- */

/* Parses "<fid>.<stripe>" (crc == 0) or "<fid>.<stripe>.crc" (crc == 1). */
static int os_parse(const char *name, uint64_t *fid, uint32_t *stripe, int *crc)
{
	char tail[8];
	int n;

	n = sscanf(name, "%" SCNu64 ".%" SCNu32 "%7s", fid, stripe, tail);
	if (n == 2 && name[0] >= '0' && name[0] <= '9') {
		*crc = 0;
		return 1;
	}
	if (n == 3 && !strcmp(tail, OS_CRC_SUFFIX) && name[0] >= '0' && name[0] <= '9') {
		*crc = OS_KIND_CRC;
		return 1;
	}
	if (n == 3 && !strcmp(tail, OS_MAP_SUFFIX) && name[0] >= '0' && name[0] <= '9') {
		*crc = OS_KIND_MAP;
		return 1;
	}
	return 0;
}

static int os_obj_cmp(const void *a, const void *b)
{
	const struct wire_obj *x = a, *y = b;

	if (x->fid != y->fid)
		return x->fid < y->fid ? -1 : 1;
	return x->stripe < y->stripe ? -1 : x->stripe > y->stripe;
}

/* The objects of bucket b, sorted; *n gets the count. */
static int os_list_bucket(struct objstore *os, unsigned b, struct wire_obj **out, size_t *n)
{
	struct wire_obj *v = NULL, *nv;
	size_t cap = 0, cnt = 0;
	struct dirent *d;
	char sub[3];
	DIR *dir;
	int fd, crc;

	*out = NULL;
	*n = 0;
	snprintf(sub, sizeof(sub), "%02x", b & 0xffu);
	fd = openat(os->obj_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((d = readdir(dir)) != NULL) {
		uint64_t fid;
		uint32_t stripe;

		if (!os_parse(d->d_name, &fid, &stripe, &crc) || crc)
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt].fid = fid;
		v[cnt++].stripe = stripe;
	}
	closedir(dir);
	qsort(v, cnt, sizeof(*v), os_obj_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

int objstore_list(struct objstore *os, uint32_t *bucket, uint64_t *fid, uint32_t *stripe,
		  int first, struct wire_obj *out, uint32_t max, uint32_t *count, int *eof)
{
	struct wire_obj key = { .fid = *fid, .stripe = *stripe };
	uint32_t got = 0;
	unsigned b;
	int rc;

	*count = 0;
	*eof = 0;
	for (b = *bucket; b < 256 && got < max; b++, first = 1) {
		struct wire_obj *v;
		size_t n, i = 0;

		rc = os_list_bucket(os, b, &v, &n);
		if (rc < 0)
			return rc;
		if (!first)
			while (i < n && os_obj_cmp(&v[i], &key) <= 0)
				i++;
		for (; i < n && got < max; i++) {
			out[got++] = v[i];
			*bucket = b;
			*fid = v[i].fid;
			*stripe = v[i].stripe;
		}
		free(v);
		if (i < n)
			break;
	}
	*count = got;
	*eof = b >= 256;
	return 0;
}

/* After an unclean stop: sidecars longer than their object are cut (a
 * crash inside a truncate), sidecars without an object go (a crash inside
 * a destroy or create), missing sidecars are rebuilt (os_get does it). */
static void os_recover_bucket(struct objstore *os, unsigned b, uint64_t *fixed)
{
	struct dirent *d;
	char sub[3], name[OS_NAME_MAX];
	DIR *dir;
	int fd, crc;

	snprintf(sub, sizeof(sub), "%02x", b & 0xffu);
	fd = openat(os->obj_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		uint64_t fid, size = 0, clen = 0;
		uint32_t stripe;
		struct os_ent *e;
		struct stat st;

		if (!os_parse(d->d_name, &fid, &stripe, &crc))
			continue;
		if (crc) {
			/* Look beside it (a stray file may sit in another bucket). */
			snprintf(name, sizeof(name), "%" PRIu64 ".%" PRIu32, fid, stripe);
			if (fstatat(dirfd(dir), name, &st, 0) < 0 && errno == ENOENT &&
			    unlinkat(dirfd(dir), d->d_name, 0) == 0)
				(*fixed)++;
			continue;
		}
		if (os_get(os, fid, stripe, 0, &e) < 0)
			continue;
		if (os_fsize(e->fd, &size) == 0 && os_fsize(e->cfd, &clen) == 0 &&
		    clen > os_nblocks(size) * OS_REC) {
			if (ftruncate(e->cfd, (off_t)(os_nblocks(size) * OS_REC)) == 0)
				(*fixed)++;
		}
		if (atomic_load(&e->mfd) >= 0 && os_fsize(atomic_load(&e->mfd), &clen) == 0) {
			uint64_t want = OS_MAP_HDR + (size + e->csize - 1) / e->csize * OS_REC;

			if (clen > want && ftruncate(atomic_load(&e->mfd), (off_t)want) == 0)
				(*fixed)++;
		}
		os_put(os, e);
	}
	closedir(dir);
}

static void os_recover(struct objstore *os)
{
	uint64_t fixed = 0;

	for (unsigned b = 0; b < 256; b++)
		os_recover_bucket(os, b, &fixed);
	log_msg(LOG_WARN, "objstore: target %" PRIu32 ": unclean stop; checked every "
		"object's checksum file, %" PRIu64 " fixed", os->target, fixed);
}

/* ---- open / close ---- */

/* Writes DIR/target.id durably (temp file, fsync, rename, fsync DIR). */
static int os_id_write(struct objstore *os, uint32_t id)
{
	char text[16];
	int fd, n, rc = 0;

	n = snprintf(text, sizeof(text), "%" PRIu32 "\n", id);
	fd = openat(os->dir_fd, OS_ID_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = os_pwrite_all(fd, (const uint8_t *)text, (uint64_t)n, 0);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && renameat(os->dir_fd, OS_ID_TMP, os->dir_fd, OS_ID_FILE) < 0)
		rc = -errno;
	if (rc == 0 && fsync(os->dir_fd) < 0)
		rc = -errno;
	return rc;
}

/* Checks DIR/target.id against id, writing it on first start. */
static int os_id_check(struct objstore *os, uint32_t id, char *err, size_t errlen)
{
	char text[32], *end;
	unsigned long have;
	int64_t n;
	int fd, rc;

	fd = openat(os->dir_fd, OS_ID_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		rc = os_id_write(os, id);
		if (rc < 0)
			snprintf(err, errlen, "cannot write %s/%s: %s", os->dir, OS_ID_FILE,
				 strerror(-rc));
		return rc;
	}
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s/%s: %s", os->dir, OS_ID_FILE, strerror(-rc));
		return rc;
	}
	n = os_pread_all(fd, (uint8_t *)text, sizeof(text) - 1, 0);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s/%s: %s", os->dir, OS_ID_FILE,
			 strerror((int)-n));
		return (int)n;
	}
	text[n] = '\0';
	errno = 0;
	have = strtoul(text, &end, 10);
	if (errno || end == text || (*end != '\n' && *end != '\0') || have > UINT32_MAX) {
		snprintf(err, errlen, "%s/%s is corrupt; refusing to start", os->dir, OS_ID_FILE);
		return -EINVAL;
	}
	if (have != id) {
		snprintf(err, errlen, "%s belongs to target %lu, not %" PRIu32
			 " (per %s); refusing to start", os->dir, have, id, OS_ID_FILE);
		return -EEXIST;
	}
	return 0;
}

/* Counts "<fid>.<stripe>" files in one DIR/objects/<sub>. */
static uint64_t os_count_sub(struct objstore *os, const char *sub)
{
	struct dirent *d;
	uint64_t count = 0, fid;
	uint32_t stripe;
	char tail;
	DIR *dir;
	int fd;

	fd = openat(os->obj_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while ((d = readdir(dir)) != NULL)
		if (sscanf(d->d_name, "%" SCNu64 ".%" SCNu32 "%c", &fid, &stripe, &tail) == 2)
			count++;
	closedir(dir);
	return count;
}

static int os_recount(struct objstore *os)
{
	struct dirent *d;
	uint64_t count = 0;
	DIR *dir;
	int fd;

	fd = dup(os->obj_fd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((d = readdir(dir)) != NULL)
		if (strlen(d->d_name) == 2 && d->d_name[0] != '.')
			count += os_count_sub(os, d->d_name);
	closedir(dir);
	atomic_store(&os->objects, count);
	return 0;
}

/* Opens DIR (created if missing) and takes its lock. */
static int os_open_dir(struct objstore *os, char *err, size_t errlen)
{
	if (mkdir(os->dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", os->dir, strerror(errno));
		return -errno;
	}
	os->dir_fd = open(os->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (os->dir_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", os->dir, strerror(errno));
		return -errno;
	}
	if (flock(os->dir_fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = errno == EWOULDBLOCK ? -EBUSY : -errno;

		snprintf(err, errlen, "%s is in use by another server (%s)", os->dir,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

static int os_open_objdir(struct objstore *os, char *err, size_t errlen, int *fresh)
{
	if (mkdirat(os->dir_fd, OS_OBJ_DIR, 0755) == 0) {
		*fresh = 1;
		if (fsync(os->dir_fd) < 0) {
			snprintf(err, errlen, "cannot fsync %s: %s", os->dir, strerror(errno));
			return -errno;
		}
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s/%s: %s", os->dir, OS_OBJ_DIR,
			 strerror(errno));
		return -errno;
	}
	os->obj_fd = openat(os->dir_fd, OS_OBJ_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (os->obj_fd < 0) {
		snprintf(err, errlen, "cannot open %s/%s: %s", os->dir, OS_OBJ_DIR,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* Removes DIR/clean (durably: a crash from now on must be seen as unclean);
 * *clean tells whether it was there. */
static int os_clean_take(struct objstore *os, char *err, size_t errlen, int *clean)
{
	if (unlinkat(os->dir_fd, OS_CLEAN, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot remove %s/%s: %s", os->dir, OS_CLEAN,
			 strerror(errno));
		return -errno;
	}
	*clean = 1;
	if (fsync(os->dir_fd) < 0) {
		snprintf(err, errlen, "cannot fsync %s: %s", os->dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Marks a clean stop: every operation has finished (the OSS quiesced). */
static void os_clean_put(struct objstore *os)
{
	int fd;

	fd = openat(os->dir_fd, OS_CLEAN, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_msg(LOG_WARN, "objstore: cannot create %s/%s: %s", os->dir, OS_CLEAN,
			strerror(errno));
		return;
	}
	close(fd);
	(void)fsync(os->dir_fd);
}

int objstore_open(const char *dir, uint32_t target_id, struct objstore **out,
		  char *err, size_t errlen)
{
	struct objstore *os;
	int rc, fresh = 0, clean = 0;

	*out = NULL;
	snprintf(err, errlen, "out of memory");
	os = calloc(1, sizeof(*os));
	if (!os)
		return -ENOMEM;
	os->dir_fd = -1;
	os->obj_fd = -1;
	os->target = target_id;
	os_crc_init(os);
	os->lru.next = os->lru.prev = &os->lru;
	atomic_init(&os->objects, 0);
	rc = pthread_mutex_init(&os->lock, NULL);
	if (rc) {
		free(os);
		return -rc;
	}
	pthread_mutex_init(&os->cpool_lock, NULL);
	pthread_mutex_init(&os->create_lock, NULL);
	os->dir = strdup(dir);
	if (!os->dir) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = os_open_dir(os, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_id_check(os, target_id, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_open_objdir(os, err, errlen, &fresh);
	if (rc < 0)
		goto fail;
	rc = os_clean_take(os, err, errlen, &clean);
	if (rc < 0)
		goto fail;
	if (!clean && !fresh)
		os_recover(os);
	rc = os_recount(os);
	if (rc < 0) {
		snprintf(err, errlen, "cannot list %s/%s: %s", dir, OS_OBJ_DIR, strerror(-rc));
		goto fail;
	}
	os->ready = 1;
	*out = os;
	return 0;
fail:
	objstore_close(os);
	return rc;
}

void objstore_close(struct objstore *os)
{
	struct os_ent *e, *n;

	if (!os)
		return;
	for (e = os->lru.next; e != &os->lru; e = n) {
		n = e->next;
		os_ent_free(e);
	}
	if (os->obj_fd >= 0 && os->dir_fd >= 0 && os->ready)
		os_clean_put(os);
	if (os->obj_fd >= 0)
		close(os->obj_fd);
	if (os->dir_fd >= 0)
		close(os->dir_fd);
	pthread_mutex_destroy(&os->lock);
	for (int i = 0; i < os->ncpool; i++)
		compress_ctx_free(os->cpool[i]);
	pthread_mutex_destroy(&os->cpool_lock);
	pthread_mutex_destroy(&os->create_lock);
	free(os->dir);
	free(os);
}
