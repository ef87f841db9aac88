/* layout.h - striping math: mapping file byte ranges to (stripe, object
 * offset) pieces and back, object sizes for a file size, and layout checks. */
#ifndef PFS_LAYOUT_H
#define PFS_LAYOUT_H

#include <stdint.h>
#include "proto.h"

#define LAYOUT_DEFAULT_STRIPE_SIZE (1u << 20)
#define LAYOUT_DEFAULT_STRIPE_COUNT 1
#define LAYOUT_MIN_STRIPE_SIZE 4096u
#define LAYOUT_MAX_STRIPE_SIZE (1ull << 32)
#define LAYOUT_EC_MAX_CELL (64ull << 20)
#define LAYOUT_MIN_CHUNK 4096u
#define LAYOUT_MAX_CHUNK (4u << 20)
#define LAYOUT_ZSTD_LEVEL_MAX 19
#define LAYOUT_ZSTD_LEVEL_DEFAULT 3

/* A file's layout as it travels in messages and as the MDS stores it
 * (wire.c encodes it field by field; mds_store.c keeps its own record). */
struct wire_layout {
	uint32_t pattern;
	uint32_t stripe_count;
	uint64_t stripe_size;
	int32_t first_target;
	uint64_t fid;
	uint32_t targets[PROTO_MAX_STRIPES];
	uint32_t ec_k;
	uint32_t ec_m;
	uint32_t compress;
	int32_t compress_level;
	uint32_t chunk_size;
};

/* One piece of a file range that lies in a single stripe object. */
struct layout_piece {
	uint32_t stripe;      /* index into layout targets */
	uint64_t obj_off;     /* offset within that object */
	uint64_t file_off;
	uint64_t len;
};

/* Checks a complete layout (as stored on a file): pattern known with its
 * EC fields, compression fields consistent, count in 1..PROTO_MAX_STRIPES,
 * stripe size a multiple of 4 KiB within bounds, targets distinct. Returns 0
 * or -EINVAL. */
int layout_check(const struct wire_layout *l);
/* Checks a layout request (zeros/-1 allowed for "default"). */
int layout_check_request(const struct wire_layout *l);

/* The first piece of [off, off+len) (len > 0): it ends at the first stripe
 * boundary or at off+len. Callers loop advancing off by piece.len. */
void layout_map(const struct wire_layout *l, uint64_t off, uint64_t len,
		struct layout_piece *piece);
/* File offset of byte obj_off of object stripe. */
uint64_t layout_file_offset(const struct wire_layout *l, uint32_t stripe, uint64_t obj_off);
/* Size object stripe has when the file is size bytes long. */
uint64_t layout_obj_size(const struct wire_layout *l, uint32_t stripe, uint64_t size);
/* File size implied by one object's size (0 when the object is empty). */
uint64_t layout_file_size_from_obj(const struct wire_layout *l, uint32_t stripe, uint64_t obj_size);

#endif /* PFS_LAYOUT_H */
