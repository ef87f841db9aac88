/* layout_api.c - the public struct pfs_layout and the protocol's struct
 * wire_layout: conversions both ways, and the compile-time proof that the
 * public constants of pfs.h are the protocol's (proto.h). */
#include <string.h>
#include "layout_api.h"

_Static_assert(PFS_NAME_MAX == PROTO_NAME_MAX, "pfs.h and proto.h disagree");
_Static_assert(PFS_PATH_MAX == PROTO_PATH_MAX, "pfs.h and proto.h disagree");
_Static_assert(PFS_MAX_STRIPES == PROTO_MAX_STRIPES, "pfs.h and proto.h disagree");
_Static_assert(PFS_PATTERN_RAID0 == PROTO_PATTERN_RAID0, "pfs.h and proto.h disagree");
_Static_assert(PFS_PATTERN_EC == PROTO_PATTERN_EC, "pfs.h and proto.h disagree");
_Static_assert(PFS_EC_K_MAX == PROTO_EC_K_MAX, "pfs.h and proto.h disagree");
_Static_assert(PFS_EC_M_MAX == PROTO_EC_M_MAX, "pfs.h and proto.h disagree");
_Static_assert(PFS_COMPRESS_NONE == PROTO_COMPRESS_NONE, "pfs.h and proto.h disagree");
_Static_assert(PFS_COMPRESS_LZ4 == PROTO_COMPRESS_LZ4, "pfs.h and proto.h disagree");
_Static_assert(PFS_COMPRESS_ZSTD == PROTO_COMPRESS_ZSTD, "pfs.h and proto.h disagree");
_Static_assert(PFS_CHUNK_DEFAULT == PROTO_CHUNK_DEFAULT, "pfs.h and proto.h disagree");
_Static_assert(PFS_STRIPE_ALL == PROTO_STRIPE_ALL, "pfs.h and proto.h disagree");

void layout_to_public(const struct wire_layout *w, struct pfs_layout *p)
{
	memset(p, 0, sizeof(*p));
	p->pattern = w->pattern;
	p->stripe_count = w->stripe_count;
	p->stripe_size = w->stripe_size;
	p->first_target = w->first_target;
	p->fid = w->fid;
	for (uint32_t i = 0; i < w->stripe_count && i < PFS_MAX_STRIPES; i++)
		p->targets[i] = w->targets[i];
	p->ec_k = w->ec_k;
	p->ec_m = w->ec_m;
	p->compress = w->compress;
	p->compress_level = w->compress_level;
	p->chunk_size = w->chunk_size;
}

void layout_from_public(const struct pfs_layout *p, struct wire_layout *w)
{
	memset(w, 0, sizeof(*w));
	w->pattern = p->pattern;
	w->stripe_count = p->stripe_count;
	w->stripe_size = p->stripe_size;
	w->first_target = p->first_target;
	w->fid = p->fid;
	for (uint32_t i = 0; i < p->stripe_count && i < PFS_MAX_STRIPES; i++)
		w->targets[i] = p->targets[i];
	w->ec_k = p->ec_k;
	w->ec_m = p->ec_m;
	w->compress = p->compress;
	w->compress_level = p->compress_level;
	w->chunk_size = p->chunk_size;
}
