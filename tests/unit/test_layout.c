/* test_layout.c - property tests of the striping math: random byte ranges
 * mapped to object pieces and back, object sizes against a brute force. */
#include "pfs_test.h"
#include <stdlib.h>
#include "layout_api.h"

static const uint32_t counts[] = { 1, 2, 3, 4, 5, 7, 8, 16, 63, 64 };
static const uint64_t sizes[] = { 4096, 8192, 65536, 1 << 20, 3 * 4096, 4u << 20 };

static void make_layout(struct wire_layout *l, uint32_t count, uint64_t size)
{
	*l = (struct wire_layout){ .pattern = PFS_PATTERN_RAID0, .stripe_count = count,
				   .stripe_size = size, .first_target = -1, .fid = 7 };
	for (uint32_t i = 0; i < count; i++)
		l->targets[i] = (i * 5 + 3) % PROTO_MAX_TARGETS;
}

/* Pieces tile the range exactly, never cross a stripe boundary, and map back
 * to the file offsets they came from. */
static void map_roundtrip(void)
{
	for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			struct wire_layout l;

			make_layout(&l, counts[ci], sizes[si]);
			T_EQ(layout_check(&l), 0);
			for (int iter = 0; iter < 60; iter++) {
				uint64_t off = t_rand() % (1ull << 40);
				uint64_t len = 1 + t_rand() % (3 * sizes[si] * counts[ci] + 17);
				uint64_t at = off;

				if (iter % 3 == 0)
					off -= off % sizes[si];   /* aligned starts too */
				at = off;
				while (at < off + len) {
					struct layout_piece p;

					layout_map(&l, at, off + len - at, &p);
					T_UGT(p.len, 0);
					T_UEQ(p.file_off, at);
					T_ULT(p.stripe, l.stripe_count);
					T_ULE(p.obj_off % l.stripe_size + p.len, l.stripe_size);
					T_UEQ(layout_file_offset(&l, p.stripe, p.obj_off), at);
					T_UEQ(layout_file_offset(&l, p.stripe, p.obj_off + p.len - 1),
							  at + p.len - 1);
					at += p.len;
				}
				T_UEQ(at, off + len);
			}
		}
	}
}

/* Object sizes for a file size agree with counting bytes one stripe at a
 * time, and the file size is recovered from the object sizes. */
static void obj_size_brute(void)
{
	for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
		struct wire_layout l;

		make_layout(&l, counts[ci], 4096);
		for (int iter = 0; iter < 200; iter++) {
			uint64_t size = iter < 20 ? (uint64_t)iter * 1000 : t_rand() % (4096ull * 200);
			uint64_t expect[PFS_MAX_STRIPES] = { 0 }, recovered = 0;

			for (uint64_t at = 0; at < size;) {
				struct layout_piece p;

				layout_map(&l, at, size - at, &p);
				expect[p.stripe] = p.obj_off + p.len;
				at += p.len;
			}
			for (uint32_t s = 0; s < l.stripe_count; s++) {
				uint64_t got = layout_obj_size(&l, s, size), fs;

				T_UEQ(got, expect[s]);
				fs = layout_file_size_from_obj(&l, s, got);
				if (fs > recovered)
					recovered = fs;
			}
			T_UEQ(recovered, size);
		}
	}
}

static void check_rejects(void)
{
	struct wire_layout l;

	make_layout(&l, 4, 1 << 20);
	T_EQ(layout_check(&l), 0);
	l.stripe_size = 1000;
	T_LT(layout_check(&l), 0);
	T_LT(layout_check_request(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.targets[2] = l.targets[1];
	T_LT(layout_check(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.stripe_count = PFS_MAX_STRIPES + 1;
	T_LT(layout_check(&l), 0);
	T_LT(layout_check_request(&l), 0);
	l.stripe_count = PFS_STRIPE_ALL;
	T_EQ(layout_check_request(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.pattern = 77;
	T_LT(layout_check(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.first_target = PROTO_MAX_TARGETS;
	T_LT(layout_check_request(&l), 0);
	make_layout(&l, 4, LAYOUT_MAX_STRIPE_SIZE + 4096);
	T_LT(layout_check_request(&l), 0);
	make_layout(&l, 0, 0);
	T_EQ(layout_check_request(&l), 0);  /* all defaults */
	T_LT(layout_check(&l), 0);
}

/* The EC and compression groups: each field only with its companions. */
static void check_ec_compress(void)
{
	struct wire_layout l;

	make_layout(&l, 6, 1 << 20);
	l.pattern = PFS_PATTERN_EC;
	T_LT(layout_check(&l), 0);          /* no k, m */
	l.ec_k = 4;
	l.ec_m = 2;
	T_EQ(layout_check(&l), 0);
	l.stripe_count = 5;                              /* count != k + m */
	T_LT(layout_check(&l), 0);
	T_LT(layout_check_request(&l), 0);
	l.stripe_count = 0;                              /* derived in a request */
	T_EQ(layout_check_request(&l), 0);
	l.ec_m = PFS_EC_M_MAX + 1;
	T_LT(layout_check_request(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.ec_k = 2;                                      /* k on RAID0 */
	T_LT(layout_check(&l), 0);

	make_layout(&l, 4, 1 << 20);
	l.compress = PFS_COMPRESS_ZSTD;
	l.compress_level = 3;
	l.chunk_size = 64 << 10;
	T_EQ(layout_check(&l), 0);
	l.chunk_size = 0;                                /* default: requests only */
	T_EQ(layout_check_request(&l), 0);
	T_LT(layout_check(&l), 0);
	l.chunk_size = 96 << 10;                         /* not a power of two */
	T_LT(layout_check_request(&l), 0);
	l.chunk_size = 2 << 20;                          /* larger than the stripe */
	T_LT(layout_check_request(&l), 0);
	l.chunk_size = 64 << 10;
	l.compress_level = 20;
	T_LT(layout_check_request(&l), 0);
	l.compress = PFS_COMPRESS_LZ4;                   /* lz4 has no level */
	l.compress_level = 1;
	T_LT(layout_check_request(&l), 0);
	l.compress_level = 0;
	T_EQ(layout_check(&l), 0);
	l.compress = 9;
	T_LT(layout_check_request(&l), 0);
	l.compress = PFS_COMPRESS_NONE;                  /* a chunk without a codec */
	T_LT(layout_check_request(&l), 0);
	make_layout(&l, 6, 1 << 20);                     /* EC with compression */
	l.pattern = PFS_PATTERN_EC;
	l.ec_k = 4;
	l.ec_m = 2;
	l.compress = PFS_COMPRESS_LZ4;
	l.chunk_size = 64 << 10;
	T_LT(layout_check_request(&l), 0);
}

static void public_roundtrip(void)
{
	struct wire_layout l, back;
	struct pfs_layout p;

	make_layout(&l, 7, 65536);
	l.compress = PFS_COMPRESS_ZSTD;
	l.compress_level = 5;
	l.chunk_size = 16384;
	layout_to_public(&l, &p);
	layout_from_public(&p, &back);
	T_MEMEQ(&l, &back, sizeof(l));
}

int main(void)
{
	t_seed();
	t_run("map_roundtrip", map_roundtrip, 120);
	t_run("obj_size_brute", obj_size_brute, 120);
	t_run("check_rejects", check_rejects, 120);
	t_run("check_ec_compress", check_ec_compress, 120);
	t_run("public_roundtrip", public_roundtrip, 120);
	return t_done();
}
