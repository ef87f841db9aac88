/* layout.c - striping math and layout checks: file range -> per-object
 * pieces, object offset -> file offset, file size <-> object sizes. An EC
 * layout's data stripes use the same math over its first ec_k stripes. */
#include <errno.h>
#include <string.h>
#include "layout.h"

static int layout_size_ok(uint64_t size)
{
	return size >= LAYOUT_MIN_STRIPE_SIZE && size <= LAYOUT_MAX_STRIPE_SIZE &&
	       size % LAYOUT_MIN_STRIPE_SIZE == 0;
}

/* The EC group: RAID0 has no k/m; EC has both in range, cells of at most
 * LAYOUT_EC_MAX_CELL (a client holds whole rows in memory) and stripe_count =
 * k + m (a request may leave the count 0: it follows from k + m). Pattern 0
 * (inherit) is for requests only and then k/m must be unset too. */
static int layout_ec_ok(const struct wire_layout *l, int request)
{
	if (l->pattern == PROTO_PATTERN_EC)
		return l->ec_k >= 1 && l->ec_k <= PROTO_EC_K_MAX && l->ec_m >= 1 &&
		       l->ec_m <= PROTO_EC_M_MAX && l->stripe_size <= LAYOUT_EC_MAX_CELL &&
		       (l->stripe_count == l->ec_k + l->ec_m || (request && l->stripe_count == 0));
	if (l->ec_k || l->ec_m)
		return 0;
	return l->pattern == PROTO_PATTERN_RAID0 || (request && l->pattern == 0);
}

/* The compression group: level and chunk only with a codec; the chunk a power
 * of two within bounds that divides the stripe (a chunk never spans two
 * objects); no compression together with EC (not supported yet). A request
 * may leave the chunk 0 (the default). */
static int layout_compress_ok(const struct wire_layout *l, int request)
{
	uint32_t c = l->chunk_size;

	if (l->compress == 0 || l->compress == PROTO_COMPRESS_NONE)
		return l->compress_level == 0 && c == 0;   /* 0 stored: none */
	if (l->compress != PROTO_COMPRESS_LZ4 && l->compress != PROTO_COMPRESS_ZSTD)
		return 0;
	if (l->compress == PROTO_COMPRESS_LZ4 && l->compress_level != 0)
		return 0;
	if (l->compress_level < 0 || l->compress_level > LAYOUT_ZSTD_LEVEL_MAX)
		return 0;
	if (c == 0)
		return request;
	if (c < LAYOUT_MIN_CHUNK || c > LAYOUT_MAX_CHUNK || (c & (c - 1)))
		return 0;
	if (l->stripe_size && l->stripe_size % c)
		return 0;
	return l->pattern != PROTO_PATTERN_EC;
}

int layout_check_request(const struct wire_layout *l)
{
	if (!layout_ec_ok(l, 1) || !layout_compress_ok(l, 1))
		return -EINVAL;
	if (l->stripe_count > PROTO_MAX_STRIPES && l->stripe_count != PROTO_STRIPE_ALL)
		return -EINVAL;
	if (l->stripe_size && !layout_size_ok(l->stripe_size))
		return -EINVAL;
	if (l->first_target < -1 || l->first_target >= PROTO_MAX_TARGETS)
		return -EINVAL;
	for (uint32_t i = 0; i < l->stripe_count && i < PROTO_MAX_STRIPES; i++)
		if (l->targets[i] >= PROTO_MAX_TARGETS)
			return -EINVAL;
	return 0;
}

int layout_check(const struct wire_layout *l)
{
	if (!layout_ec_ok(l, 0) || !layout_compress_ok(l, 0))
		return -EINVAL;
	if (l->stripe_count == 0 || l->stripe_count > PROTO_MAX_STRIPES)
		return -EINVAL;
	if (!layout_size_ok(l->stripe_size))
		return -EINVAL;
	for (uint32_t i = 0; i < l->stripe_count; i++) {
		if (l->targets[i] >= PROTO_MAX_TARGETS)
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (l->targets[i] == l->targets[j])
				return -EINVAL;
	}
	return 0;
}

void layout_map(const struct wire_layout *l, uint64_t off, uint64_t len,
		struct layout_piece *piece)
{
	uint64_t ss = l->stripe_size, n = l->stripe_count;
	uint64_t stripe_no = off / ss;        /* global stripe number */
	uint64_t within = off % ss;
	uint64_t room = ss - within;

	piece->stripe = (uint32_t)(stripe_no % n);
	piece->obj_off = (stripe_no / n) * ss + within;
	piece->file_off = off;
	piece->len = len < room ? len : room;
}

uint64_t layout_file_offset(const struct wire_layout *l, uint32_t stripe, uint64_t obj_off)
{
	uint64_t ss = l->stripe_size, row = obj_off / ss;

	return (row * l->stripe_count + stripe) * ss + obj_off % ss;
}

uint64_t layout_obj_size(const struct wire_layout *l, uint32_t stripe, uint64_t size)
{
	uint64_t ss = l->stripe_size, n = l->stripe_count;
	uint64_t row_bytes = ss * n;
	uint64_t full_rows = size / row_bytes;
	uint64_t rest = size % row_bytes;       /* bytes in the last, partial row */
	uint64_t obj = full_rows * ss;
	uint64_t start = (uint64_t)stripe * ss; /* where this stripe sits in a row */

	if (rest > start)
		obj += rest - start < ss ? rest - start : ss;
	return obj;
}

uint64_t layout_file_size_from_obj(const struct wire_layout *l, uint32_t stripe, uint64_t obj_size)
{
	if (obj_size == 0)
		return 0;
	return layout_file_offset(l, stripe, obj_size - 1) + 1;
}
