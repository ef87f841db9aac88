/* objstore.h - the OSS object store: one file per stripe object under
 * DIR/objects/<2 hex>/<fid>.<stripe> with its CRC32C sidecar, a bounded fd
 * cache and DIR/target.id. See objstore.c for the checksum format and rules. */
#ifndef PFS_OBJSTORE_H
#define PFS_OBJSTORE_H

#include <stdint.h>
#include "wire.h"

#define OBJSTORE_OFF_MAX (1ull << 62)   /* extents must end at or below this */
#define OBJSTORE_FD_CACHE 256           /* objects kept open (each: object + .crc sidecar,
					 * + .cmp map when compressed: <= 768 fds) */
#define OBJSTORE_BLOCK 4096u            /* checksum granularity (object-aligned) */

struct objstore;

/* Opens (creating DIR and DIR/objects if missing) the store of target_id.
 * DIR/format (objstore_format.h) is checked first: a version this build
 * does not read -> -EPROTONOSUPPORT, err naming both versions; missing, it
 * is written (a directory from before format records is read as it is).
 * DIR/target.id is written on first start and must match afterwards:
 * mismatch -> -EEXIST with a message in err. Recounts the objects. */
int objstore_open(const char *dir, uint32_t target_id, struct objstore **os,
		  char *err, size_t errlen);
void objstore_close(struct objstore *os);

/* Writes data (the extents' bytes back to back, in order) to the object,
 * creating it when missing, and stores the CRC32C of every 4 KiB block it
 * touches. crc is the sender's CRC32C of data: a mismatch is -EBADMSG and
 * nothing is written. A partial-block write over a block whose stored
 * checksum fails is -EIO (nothing written). *obj_size gets the size after. */
int objstore_write(struct objstore *os, uint64_t fid, uint32_t stripe,
		   const struct wire_extent *ext, uint32_t next,
		   const uint8_t *data, uint32_t crc, uint64_t *obj_size);
/* Reads the extents back to back into data, verifying every stored block
 * it touches; holes and bytes past the end (or a missing object) read as
 * zeros. A checksum mismatch is -EIO (logged with target, fid, stripe and
 * offset). *obj_size gets the size (0 if missing), *crc the CRC32C of data. */
int objstore_read(struct objstore *os, uint64_t fid, uint32_t stripe,
		  const struct wire_extent *ext, uint32_t next,
		  uint8_t *data, uint64_t *obj_size, uint32_t *crc);
/* CRC32C of A followed by B, from crc(A), crc(B) and B's length: the CRC of
 * a read done piece by piece. */
uint32_t objstore_crc_cat(const struct objstore *os, uint32_t a, uint32_t b, uint64_t blen);
/* Stores whole compression chunks (OBJ_WRITE_CHUNKS): extent i is the slot
 * of a chunk of csize bytes, its len the stored bytes, codec[i] their
 * format (PROTO_COMPRESS_NONE: raw). crc covers data (-EBADMSG). The object
 * gets a chunk map; reads decompress (see objstore_chunks.c). */
int objstore_write_chunks(struct objstore *os, uint64_t fid, uint32_t stripe,
			  uint32_t csize, const struct wire_extent *ext, const uint32_t *codec,
			  uint32_t next, const uint8_t *data, uint32_t crc, uint64_t *obj_size);
/* Truncates to size (missing + 0: nothing created; missing + > 0: created). */
int objstore_punch(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t size);
/* Current size, 0 when missing. */
int objstore_size(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t *size);
/* fdatasync (missing: 0). */
int objstore_sync(struct objstore *os, uint64_t fid, uint32_t stripe);
/* Unlinks the object (missing: 0), evicting it from the fd cache. */
int objstore_destroy(struct objstore *os, uint64_t fid, uint32_t stripe);
/* Result of verifying (part of) one object. */
struct objstore_scrub {
	uint64_t size;          /* object size */
	uint64_t next;          /* first byte not yet verified (size when done) */
	uint64_t blocks;        /* blocks verified by this call */
	uint64_t bad;           /* of which failed */
	uint64_t first_bad;     /* object offset of the first bad block, or UINT64_MAX */
};
/* Verifies the object's blocks from off (rounded down to a block) for at
 * most budget bytes, into buf (bufsize >= OBJSTORE_BLOCK, a multiple of it).
 * A missing object: size 0, nothing bad. Bad blocks are logged. */
int objstore_scrub(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t off,
		   uint64_t budget, uint8_t *buf, size_t bufsize, struct objstore_scrub *res);
/* Lists objects in the store's order (hash bucket, then fid, then stripe)
 * strictly after the cursor (*bucket, *fid, *stripe; start with bucket 0,
 * fid 0, stripe 0 and first = 1). Fills at most max; *eof = 1 when nothing
 * follows; the cursor is advanced to the last object returned. */
int objstore_list(struct objstore *os, uint32_t *bucket, uint64_t *fid, uint32_t *stripe,
		  int first, struct wire_obj *out, uint32_t max, uint32_t *count, int *eof);
/* Bytes the object occupies on disk (st_blocks * 512 of the data file). */
int objstore_stored(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t *size,
		    uint64_t *stored);

/* statvfs of DIR and the object count. */
int objstore_statfs(struct objstore *os, uint64_t *total, uint64_t *avail, uint64_t *objects);

/* Checks that extents lie in [0, OBJSTORE_OFF_MAX) and adds their lengths
 * into *total (overflow-safe). Returns 0 or -EINVAL. */
int objstore_extents_check(const struct wire_extent *ext, uint32_t next, uint64_t *total);

#endif /* PFS_OBJSTORE_H */
