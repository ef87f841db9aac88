/* objstore.h - the OSS object store: one file per stripe object under
 * DIR/objects/<2 hex>/<fid>.<stripe>, a bounded fd cache and DIR/target.id. */
#ifndef PFS_OBJSTORE_H
#define PFS_OBJSTORE_H

#include <stdint.h>
#include "wire.h"

#define OBJSTORE_OFF_MAX (1ull << 62)   /* extents must end at or below this */
#define OBJSTORE_FD_CACHE 512           /* open object files kept */

struct objstore;

/* Opens (creating DIR and DIR/objects if missing) the store of target_id.
 * DIR/target.id is written on first start and must match afterwards:
 * mismatch -> -EEXIST with a message in err. Recounts the objects. */
int objstore_open(const char *dir, uint32_t target_id, struct objstore **os,
		  char *err, size_t errlen);
void objstore_close(struct objstore *os);

/* Writes data (the extents' bytes back to back, in order) to the object,
 * creating it when missing. *obj_size gets the size afterwards. */
int objstore_write(struct objstore *os, uint64_t fid, uint32_t stripe,
		   const struct wire_extent *ext, uint32_t next,
		   const uint8_t *data, uint64_t *obj_size);
/* Reads the extents back to back into data; holes and bytes past the end
 * (or a missing object) read as zeros. *obj_size gets the size (0 if missing). */
int objstore_read(struct objstore *os, uint64_t fid, uint32_t stripe,
		  const struct wire_extent *ext, uint32_t next,
		  uint8_t *data, uint64_t *obj_size);
/* Truncates to size (missing + 0: nothing created; missing + > 0: created). */
int objstore_punch(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t size);
/* Current size, 0 when missing. */
int objstore_size(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t *size);
/* fdatasync (missing: 0). */
int objstore_sync(struct objstore *os, uint64_t fid, uint32_t stripe);
/* Unlinks the object (missing: 0), evicting it from the fd cache. */
int objstore_destroy(struct objstore *os, uint64_t fid, uint32_t stripe);
/* statvfs of DIR and the object count. */
int objstore_statfs(struct objstore *os, uint64_t *total, uint64_t *avail, uint64_t *objects);

/* Checks that extents lie in [0, OBJSTORE_OFF_MAX) and adds their lengths
 * into *total (overflow-safe). Returns 0 or -EINVAL. */
int objstore_extents_check(const struct wire_extent *ext, uint32_t next, uint64_t *total);

#endif /* PFS_OBJSTORE_H */
