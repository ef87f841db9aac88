/* objstore_verify.c - reading stored blocks of an object verified against
 * their sidecar CRCs: whole blocks, the edges of a range, a block checked
 * again under its range lock, and a whole extent (zeros past the end). */
#include <errno.h>
#include <string.h>
#include "checksum.h"
#include "objstore_int.h"

/* Checks block blk again under its range lock, reading it into buf (a
 * concurrent writer may have been between its steps when the lock-free
 * check ran). *c gets its CRC. 0 when it verifies, -EIO (logged) if not. */
int os_recheck(struct objstore *os, struct os_ent *e, uint64_t blk, uint8_t *buf,
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
