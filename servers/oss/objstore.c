/* objstore.c - the OSS object store's operations: write, read, punch, size, sync,
 * scrub, destroy, statfs and listing, over objstore_int.h. */

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

#define OS_SCRUB_LOG_MAX 16    /* bad blocks logged per scrub call */

/* ---- operations ---- */

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
	os_evict(os, fid, stripe);
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

/* ---- listing ---- */


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
