/* objstore_chunks.c - compressed objects in the OSS object store: the chunk map
 * (<fid>.<stripe>.cmp), storing, resolving, decompressing and unpacking chunks. */

/*
 * Compressed chunks
 * -----------------
 * An object written with compression has a chunk map <fid>.<stripe>.cmp: a
 * 16-byte header (struct os_map_hdr: magic "PFSC", version 1, chunk size C) and for chunk k
 * (object bytes [k*C, (k+1)*C), its slot) 8 bytes at 16 + 8*k: cur and prev
 * chunk formats, each 0 for raw or codec << 24 | stored length. A chunk is
 * stored in its slot: raw, or its compressed bytes at the slot start (the
 * last block zero-padded) and the rest of the slot punched out, so
 * overwrites need no allocator and the disk keeps only what is stored. The
 * block records (objstore.c) always describe the stored bytes. The object's
 * size stays the logical size.
 *
 * Storing a chunk (lock held): block records (new, old), map (new, old),
 * the stored bytes (one pwritev), records (new, new), map (new, new); the
 * slot's tail is punched after the data (garbage collection only: blocks
 * past a compressed chunk's stored length are never read). A chunk whose
 * map entry is torn (cur != prev) is resolved by its blocks: all blocks of
 * the cur format matching the records' cur -> cur, else all of the prev
 * format matching prev -> prev, else -EIO. A process killed inside the
 * pwritev of a multi-page compressed chunk can leave it neither (-EIO, found
 * by scrub, never wrong bytes); raw data keeps per-block old-or-new.
 *
 * Readers of an object with a map take the chunk-aligned range lock (no
 * lock-free path: a raw-looking block may be compressed bytes by the time
 * it is read); a lock-free raw read re-checks after reading that the object
 * did not get a map meanwhile.
 *
 * Reads decompress here, on the OSS, not in the client: a read keeps one
 * protocol (RMA straight into the caller's buffers, partial reads need no
 * client bounce buffer), the OSS checks the stored bytes and the codec's
 * result before anything leaves, and the reply's CRC covers the logical
 * bytes. The client compresses on writes (its CPU scales with the clients,
 * and the wire carries the smaller bytes). A partial write or a truncate
 * into a compressed chunk is merged here: the chunk is decompressed and
 * stored raw (the OSS never recompresses; the next whole-chunk write from
 * a client compresses it again).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "checksum.h"
#include "compress.h"
#include "log.h"
#include "objstore.h"
#include "objstore_int.h"
#include "proto.h"

/* ---- chunk maps ---- */

/* Gives the object a chunk map of chunk size csize (or checks the one it
 * has). Published (mfd set) only once complete. */
static int os_map_ensure(struct objstore *os, struct os_ent *e, uint32_t csize)
{
	char name[OS_NAME_MAX], sub[3];
	struct os_map_hdr hdr = { htole32(OS_MAP_MAGIC), htole32(OS_MAP_VERSION),
				  htole32(csize), 0 };
	int fd, rc = 0;

	if (atomic_load(&e->mfd) >= 0)
		return e->csize == csize ? 0 : -EINVAL;
	pthread_mutex_lock(&os->create_lock);
	if (atomic_load(&e->mfd) >= 0) {
		rc = e->csize == csize ? 0 : -EINVAL;
		goto out;
	}
	os_name(e->fid, e->stripe, OS_KIND_MAP, name, sub);
	fd = openat(os->obj_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* Another entry of this object made it (complete: same lock). */
		rc = os_map_open(os, e);
		if (rc == 0 && atomic_load(&e->mfd) >= 0 && e->csize != csize)
			rc = -EINVAL;
		goto out;
	}
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = os_pwrite_all(fd, (const uint8_t *)&hdr, sizeof(hdr), 0);
	if (rc == 0)
		rc = os_fsync_dirat(os->obj_fd, sub);
	if (rc < 0) {
		(void)unlinkat(os->obj_fd, name, 0);
		close(fd);
		goto out;
	}
	e->csize = csize;
	atomic_store(&e->mfd, fd);
out:
	pthread_mutex_unlock(&os->create_lock);
	return rc;
}

static int os_map_read(struct os_ent *e, uint64_t k, uint64_t n, struct os_rec *m)
{
	return os_pread_zero(atomic_load(&e->mfd), (uint8_t *)m, n * OS_REC,
			     OS_MAP_HDR + k * OS_REC);
}

static int os_map_write(struct os_ent *e, uint64_t k, const struct os_rec *m)
{
	return os_pwrite_all(atomic_load(&e->mfd), (const uint8_t *)m, OS_REC,
			     OS_MAP_HDR + k * OS_REC);
}

static struct compress_ctx *os_cctx_get(struct objstore *os)
{
	struct compress_ctx *c = NULL;

	pthread_mutex_lock(&os->cpool_lock);
	if (os->ncpool)
		c = os->cpool[--os->ncpool];
	pthread_mutex_unlock(&os->cpool_lock);
	if (!c && compress_ctx_new(&c) < 0)
		return NULL;
	return c;
}

static void os_cctx_put(struct objstore *os, struct compress_ctx *c)
{
	pthread_mutex_lock(&os->cpool_lock);
	if (os->ncpool < OS_CTX_POOL) {
		os->cpool[os->ncpool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&os->cpool_lock);
	compress_ctx_free(c);
}

/* ---- compressed chunks ---- */

static uint32_t os_fmt_len(uint32_t fmt, uint32_t csize)
{
	return fmt ? (fmt & 0xffffffu) : csize;
}

/* Which format chunk k holds (its slot read into tmp, C bytes): 0 and *fmt
 * set, or -EIO (logged). Lock held. */
static int os_chunk_resolve(struct objstore *os, struct os_ent *e, uint64_t k,
			    uint8_t *tmp, uint32_t *fmt)
{
	uint32_t C = e->csize, nb = C >> OS_BLK_SHIFT, cur, prev;
	uint64_t b0 = k * nb;
	struct os_rec m, *r;
	int rc, okc = 1, okp = 1, okany = 1;
	uint32_t lc, lp, bad = 0, badc = 0;

	r = malloc(nb * sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = os_map_read(e, k, 1, &m);
	if (rc == 0)
		rc = os_rec_read(e->cfd, b0, nb, r);
	if (rc == 0)
		rc = os_pread_zero(e->fd, tmp, C, k * C);
	if (rc < 0)
		goto out;
	cur = le32toh(m.cur);
	prev = le32toh(m.prev);
	lc = (os_fmt_len(cur, C) + OS_BLK - 1) >> OS_BLK_SHIFT;
	lp = (os_fmt_len(prev, C) + OS_BLK - 1) >> OS_BLK_SHIFT;
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t c = checksum_crc32c(0, tmp + (size_t)i * OS_BLK, OS_BLK);
		int mc = os_crc_ok1(os, le32toh(r[i].cur), c);
		int mp = os_crc_ok1(os, le32toh(r[i].prev), c);

		if (i < lc && !mc)
			okc = 0;
		if (i < lp && !mp)
			okp = 0;
		if (i < lc && !mc && !mp && okany) {
			okany = 0;
			bad = i;
			badc = c;
		}
	}
	if (cur == prev && okany)
		*fmt = cur;
	else if (cur != prev && okc)
		*fmt = cur;
	else if (cur != prev && okp)
		*fmt = prev;
	else {
		os_log_bad(os, e, b0 + bad, &r[bad], badc, "compressed chunk");
		rc = -EIO;
	}
out:
	free(r);
	return rc;
}

/* The logical bytes of chunk k into buf (C bytes); tmp is C bytes of
 * scratch. Lock held. */
static int os_chunk_load(struct objstore *os, struct os_ent *e, uint64_t k, uint8_t *buf,
			 uint8_t *tmp)
{
	struct compress_ctx *cc;
	uint32_t fmt;
	int rc;

	rc = os_chunk_resolve(os, e, k, tmp, &fmt);
	if (rc < 0)
		return rc;
	if (fmt == 0) {
		memcpy(buf, tmp, e->csize);
		return 0;
	}
	cc = os_cctx_get(os);
	if (!cc)
		return -ENOMEM;
	rc = os_fmt_len(fmt, e->csize) > e->csize ? -EIO :
	     compress_decode(cc, fmt >> 24, tmp, os_fmt_len(fmt, e->csize), buf, e->csize);
	os_cctx_put(os, cc);
	if (rc == -EIO)
		log_msg(LOG_ERR, "objstore: target %" PRIu32 ": fid %" PRIu64 " stripe %" PRIu32
			": chunk at object offset %" PRIu64 " does not decompress",
			os->target, e->fid, e->stripe, k * e->csize);
	return rc;
}

/* Stores chunk k in format fmt from stored[0..slen) (see the rules above).
 * tmp: C bytes of scratch. Lock held; the object has a map. */
static int os_chunk_store(struct objstore *os, struct os_ent *e, uint64_t k, uint32_t fmt,
			  const uint8_t *stored, uint32_t slen, uint8_t *tmp)
{
	uint32_t C = e->csize, nb = C >> OS_BLK_SHIFT, full = slen >> OS_BLK_SHIFT;
	uint32_t part = slen & (OS_BLK - 1), oldfmt;
	uint64_t b0 = k * nb, size = 0;
	uint8_t last[OS_BLK];
	struct os_rec m, *r;
	uint32_t *newc;
	struct iovec iov[2];
	ssize_t wr;
	int rc, n = 0;

	r = malloc(nb * (sizeof(*r) + sizeof(*newc)));
	if (!r)
		return -ENOMEM;
	newc = (uint32_t *)(r + nb);
	rc = os_map_read(e, k, 1, &m);
	if (rc < 0)
		goto out;
	oldfmt = le32toh(m.cur);
	if (m.cur != m.prev && os_chunk_resolve(os, e, k, tmp, &oldfmt) < 0)
		oldfmt = le32toh(m.cur);   /* bad either way: overwritten whole */
	rc = os_rec_read(e->cfd, b0, nb, r);
	if (rc < 0)
		goto out;
	if (part) {
		memcpy(last, stored + (size_t)full * OS_BLK, part);
		memset(last + part, 0, OS_BLK - part);
	}
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t cur = le32toh(r[i].cur), old = cur;

		if (i < full)
			newc[i] = checksum_crc32c(0, stored + (size_t)i * OS_BLK, OS_BLK);
		else if (i == full && part)
			newc[i] = checksum_crc32c(0, last, OS_BLK);
		else
			newc[i] = 0;
		if (cur != le32toh(r[i].prev)) {
			uint32_t c;

			rc = os_pread_zero(e->fd, tmp, OS_BLK, (b0 + i) << OS_BLK_SHIFT);
			if (rc < 0)
				goto out;
			c = checksum_crc32c(0, tmp, OS_BLK);
			if (os_rec_ok(os, &r[i], c))
				old = c;
		}
		os_rec_set(&r[i], newc[i], old);
	}
	rc = os_rec_write(e->cfd, b0, nb, r);
	if (rc < 0)
		goto out;
	os_rec_set(&m, fmt, oldfmt);
	rc = os_map_write(e, k, &m);
	if (rc < 0)
		goto out;
	if (full) {
		iov[n].iov_base = (void *)stored;
		iov[n++].iov_len = (size_t)full * OS_BLK;
	}
	if (part) {
		iov[n].iov_base = last;
		iov[n++].iov_len = OS_BLK;
	}
	wr = pwritev(e->fd, iov, n, (off_t)(k * C));
	if (wr != (ssize_t)(((size_t)full + (part ? 1 : 0)) * OS_BLK)) {
		rc = wr < 0 ? -errno : -EIO;
		goto out;
	}
	/* The logical size covers the whole chunk: a zero byte at the slot's
	 * end (its tail is zeros already). Never ftruncate here: writers of
	 * other slots extend the file at the same time and must not be cut. */
	rc = os_fsize(e->fd, &size);
	if (rc == 0 && size < (k + 1) * C)
		rc = os_pwrite_all(e->fd, (const uint8_t *)"", 1, (k + 1) * C - 1);
	if (rc < 0)
		goto out;
	for (uint32_t i = 0; i < nb; i++)
		os_rec_set(&r[i], newc[i], newc[i]);
	rc = os_rec_write(e->cfd, b0, nb, r);
	if (rc < 0)
		goto out;
	os_rec_set(&m, fmt, fmt);
	rc = os_map_write(e, k, &m);
	if (rc == 0 && fmt) {
		uint64_t used = ((uint64_t)full + (part ? 1 : 0)) * OS_BLK;

		/* Only space: failure (a file system without punch) is fine. */
		(void)fallocate(e->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)(k * C + used), (off_t)(C - used));
	}
out:
	free(r);
	return rc;
}

/* Turns chunk k raw (a partial write or a truncate is about to change it):
 * nothing to do when it already is. Lock held. */
int os_chunk_unpack(struct objstore *os, struct os_ent *e, uint64_t k)
{
	struct os_rec m;
	uint8_t *buf, *tmp;
	int rc;

	rc = os_map_read(e, k, 1, &m);
	if (rc < 0 || (m.cur == 0 && m.prev == 0))
		return rc;
	buf = malloc(2 * (size_t)e->csize);
	if (!buf)
		return -ENOMEM;
	tmp = buf + e->csize;
	rc = os_chunk_load(os, e, k, buf, tmp);
	if (rc == 0)
		rc = os_chunk_store(os, e, k, 0, buf, e->csize, tmp);
	free(buf);
	return rc;
}

/* Widens blocks [lo, hi) to whole chunks. */
void os_chunk_round(const struct os_ent *e, uint64_t *lo, uint64_t *hi)
{
	uint64_t nb = e->csize >> OS_BLK_SHIFT;

	*lo -= *lo % nb;
	if (*hi != UINT64_MAX)
		*hi = (*hi + nb - 1) / nb * nb;
}

/* Makes raw every chunk holding one of the sorted blocks blk[0..n). */
int os_unpack_blocks(struct objstore *os, struct os_ent *e, const uint64_t *blk,
		     size_t n)
{
	uint64_t nb = e->csize >> OS_BLK_SHIFT, last = UINT64_MAX;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		if (blk[i] / nb == last)
			continue;
		last = blk[i] / nb;
		rc = os_chunk_unpack(os, e, last);
	}
	return rc;
}

int objstore_write_chunks(struct objstore *os, uint64_t fid, uint32_t stripe,
			  uint32_t csize, const struct wire_extent *ext, const uint32_t *codec,
			  uint32_t next, const uint8_t *data, uint32_t crc, uint64_t *obj_size)
{
	uint64_t total, lo = UINT64_MAX, hi = 0;
	struct os_ent *e;
	uint8_t *tmp;
	int rc, slot;

	rc = objstore_extents_check(ext, next, &total);
	if (rc < 0)
		return rc;
	if (csize < OS_BLK || csize > (4u << 20) || (csize & (csize - 1)))
		return -EINVAL;
	for (uint32_t i = 0; i < next; i++) {
		if (ext[i].off % csize || ext[i].len > csize || ext[i].len == 0 ||
		    (codec[i] == PROTO_COMPRESS_NONE && ext[i].len != csize) ||
		    (codec[i] != PROTO_COMPRESS_NONE && codec[i] != PROTO_COMPRESS_LZ4 &&
		     codec[i] != PROTO_COMPRESS_ZSTD))
			return -EINVAL;
		if (ext[i].off >> OS_BLK_SHIFT < lo)
			lo = ext[i].off >> OS_BLK_SHIFT;
		if ((ext[i].off + csize) >> OS_BLK_SHIFT > hi)
			hi = (ext[i].off + csize) >> OS_BLK_SHIFT;
	}
	if (checksum_crc32c(0, data, total) != crc)
		return -EBADMSG;
	tmp = malloc(csize);
	if (!tmp)
		return -ENOMEM;
	rc = os_get(os, fid, stripe, 1, &e);
	if (rc < 0)
		goto out;
	rc = os_map_ensure(os, e, csize);
	if (rc == 0) {
		slot = os_rl_take(e, lo, hi);
		for (uint32_t i = 0; i < next && rc == 0; i++) {
			uint32_t fmt = codec[i] == PROTO_COMPRESS_NONE ? 0 :
				       codec[i] << 24 | (uint32_t)ext[i].len;

			rc = os_chunk_store(os, e, ext[i].off / csize, fmt, data,
					    (uint32_t)ext[i].len, tmp);
			data += ext[i].len;
		}
		os_rl_drop(e, slot);
	}
	if (rc == 0)
		rc = os_fsize(e->fd, obj_size);
	os_put(os, e);
out:
	free(tmp);
	return rc;
}

/* A read of an object with a chunk map, under the chunk-aligned range
 * lock over all extents: raw chunks through the block path, others loaded
 * (resolved, verified, decompressed) whole. */
int os_read_mapped(struct objstore *os, struct os_ent *e,
		   const struct wire_extent *ext, uint32_t next, uint8_t *data,
		   uint64_t *obj_size, uint32_t *crc)
{
	uint64_t lo = UINT64_MAX, hi = 0, size = 0, C = e->csize, have = UINT64_MAX;
	uint8_t *buf = NULL, *tmp = NULL;
	uint32_t c = 0;
	int rc, slot;

	for (uint32_t i = 0; i < next; i++) {
		if (ext[i].off >> OS_BLK_SHIFT < lo)
			lo = ext[i].off >> OS_BLK_SHIFT;
		if (((ext[i].off + ext[i].len + OS_BLK - 1) >> OS_BLK_SHIFT) > hi)
			hi = (ext[i].off + ext[i].len + OS_BLK - 1) >> OS_BLK_SHIFT;
	}
	os_chunk_round(e, &lo, &hi);
	slot = os_rl_take(e, lo, hi);
	rc = os_fsize(e->fd, &size);
	for (uint32_t i = 0; rc == 0 && i < next; i++) {
		uint64_t off = ext[i].off, end = off + ext[i].len;

		while (rc == 0 && off < end) {
			uint64_t k = off / C, stop = (k + 1) * C < end ? (k + 1) * C : end;
			struct os_rec m;

			if (off >= size) {
				memset(data, 0, end - off);
				c = checksum_crc32c(c, data, end - off);
				data += end - off;
				break;
			}
			rc = os_map_read(e, k, 1, &m);
			if (rc < 0)
				break;
			if (m.cur == 0 && m.prev == 0) {
				rc = os_read_extent(os, e, size, off, stop - off, data, &c, 1);
			} else {
				if (!buf) {
					buf = malloc(2 * C);
					tmp = buf ? buf + C : NULL;
					if (!buf) {
						rc = -ENOMEM;
						break;
					}
				}
				if (have != k)
					rc = os_chunk_load(os, e, k, buf, tmp);
				have = rc == 0 ? k : UINT64_MAX;
				if (rc == 0) {
					memcpy(data, buf + (off - k * C), stop - off);
					c = checksum_crc32c(c, data, stop - off);
				}
			}
			data += stop - off;
			off = stop;
		}
	}
	os_rl_drop(e, slot);
	free(buf);
	if (rc == 0) {
		*obj_size = size;
		*crc = c;
	}
	return rc;
}
