/* test_layout.c - property tests of the striping math: random byte ranges
 * mapped to object pieces and back, object sizes against a brute force. */
#include <check.h>
#include <stdlib.h>
#include "layout_api.h"

static const uint32_t counts[] = { 1, 2, 3, 4, 5, 7, 8, 16, 63, 64 };
static const uint64_t sizes[] = { 4096, 8192, 65536, 1 << 20, 3 * 4096, 4u << 20 };

static uint64_t rnd64(unsigned *seed)
{
	return ((uint64_t)rand_r(seed) << 31) ^ (uint64_t)rand_r(seed);
}

static void make_layout(struct wire_layout *l, uint32_t count, uint64_t size)
{
	*l = (struct wire_layout){ .pattern = PFS_PATTERN_RAID0, .stripe_count = count,
				   .stripe_size = size, .first_target = -1, .fid = 7 };
	for (uint32_t i = 0; i < count; i++)
		l->targets[i] = (i * 5 + 3) % PROTO_MAX_TARGETS;
}

/* Pieces tile the range exactly, never cross a stripe boundary, and map back
 * to the file offsets they came from. */
START_TEST(map_roundtrip)
{
	unsigned seed = 1234;

	for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			struct wire_layout l;

			make_layout(&l, counts[ci], sizes[si]);
			ck_assert_int_eq(layout_check(&l), 0);
			for (int iter = 0; iter < 60; iter++) {
				uint64_t off = rnd64(&seed) % (1ull << 40);
				uint64_t len = 1 + rnd64(&seed) % (3 * sizes[si] * counts[ci] + 17);
				uint64_t at = off;

				if (iter % 3 == 0)
					off -= off % sizes[si];   /* aligned starts too */
				at = off;
				while (at < off + len) {
					struct layout_piece p;

					layout_map(&l, at, off + len - at, &p);
					ck_assert_uint_gt(p.len, 0);
					ck_assert_uint_eq(p.file_off, at);
					ck_assert_uint_lt(p.stripe, l.stripe_count);
					ck_assert_uint_le(p.obj_off % l.stripe_size + p.len, l.stripe_size);
					ck_assert_uint_eq(layout_file_offset(&l, p.stripe, p.obj_off), at);
					ck_assert_uint_eq(layout_file_offset(&l, p.stripe, p.obj_off + p.len - 1),
							  at + p.len - 1);
					at += p.len;
				}
				ck_assert_uint_eq(at, off + len);
			}
		}
	}
}
END_TEST

/* Object sizes for a file size agree with counting bytes one stripe at a
 * time, and the file size is recovered from the object sizes. */
START_TEST(obj_size_brute)
{
	unsigned seed = 99;

	for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
		struct wire_layout l;

		make_layout(&l, counts[ci], 4096);
		for (int iter = 0; iter < 200; iter++) {
			uint64_t size = iter < 20 ? (uint64_t)iter * 1000 : rnd64(&seed) % (4096ull * 200);
			uint64_t expect[PFS_MAX_STRIPES] = { 0 }, recovered = 0;

			for (uint64_t at = 0; at < size;) {
				struct layout_piece p;

				layout_map(&l, at, size - at, &p);
				expect[p.stripe] = p.obj_off + p.len;
				at += p.len;
			}
			for (uint32_t s = 0; s < l.stripe_count; s++) {
				uint64_t got = layout_obj_size(&l, s, size), fs;

				ck_assert_uint_eq(got, expect[s]);
				fs = layout_file_size_from_obj(&l, s, got);
				if (fs > recovered)
					recovered = fs;
			}
			ck_assert_uint_eq(recovered, size);
		}
	}
}
END_TEST

START_TEST(check_rejects)
{
	struct wire_layout l;

	make_layout(&l, 4, 1 << 20);
	ck_assert_int_eq(layout_check(&l), 0);
	l.stripe_size = 1000;
	ck_assert_int_lt(layout_check(&l), 0);
	ck_assert_int_lt(layout_check_request(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.targets[2] = l.targets[1];
	ck_assert_int_lt(layout_check(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.stripe_count = PFS_MAX_STRIPES + 1;
	ck_assert_int_lt(layout_check(&l), 0);
	ck_assert_int_lt(layout_check_request(&l), 0);
	l.stripe_count = PFS_STRIPE_ALL;
	ck_assert_int_eq(layout_check_request(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.pattern = 77;
	ck_assert_int_lt(layout_check(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.first_target = PROTO_MAX_TARGETS;
	ck_assert_int_lt(layout_check_request(&l), 0);
	make_layout(&l, 4, LAYOUT_MAX_STRIPE_SIZE + 4096);
	ck_assert_int_lt(layout_check_request(&l), 0);
	make_layout(&l, 0, 0);
	ck_assert_int_eq(layout_check_request(&l), 0);  /* all defaults */
	ck_assert_int_lt(layout_check(&l), 0);
}
END_TEST

/* The EC and compression groups: each field only with its companions. */
START_TEST(check_ec_compress)
{
	struct wire_layout l;

	make_layout(&l, 6, 1 << 20);
	l.pattern = PFS_PATTERN_EC;
	ck_assert_int_lt(layout_check(&l), 0);          /* no k, m */
	l.ec_k = 4;
	l.ec_m = 2;
	ck_assert_int_eq(layout_check(&l), 0);
	l.stripe_count = 5;                              /* count != k + m */
	ck_assert_int_lt(layout_check(&l), 0);
	ck_assert_int_lt(layout_check_request(&l), 0);
	l.stripe_count = 0;                              /* derived in a request */
	ck_assert_int_eq(layout_check_request(&l), 0);
	l.ec_m = PFS_EC_M_MAX + 1;
	ck_assert_int_lt(layout_check_request(&l), 0);
	make_layout(&l, 4, 1 << 20);
	l.ec_k = 2;                                      /* k on RAID0 */
	ck_assert_int_lt(layout_check(&l), 0);

	make_layout(&l, 4, 1 << 20);
	l.compress = PFS_COMPRESS_ZSTD;
	l.compress_level = 3;
	l.chunk_size = 64 << 10;
	ck_assert_int_eq(layout_check(&l), 0);
	l.chunk_size = 0;                                /* default: requests only */
	ck_assert_int_eq(layout_check_request(&l), 0);
	ck_assert_int_lt(layout_check(&l), 0);
	l.chunk_size = 96 << 10;                         /* not a power of two */
	ck_assert_int_lt(layout_check_request(&l), 0);
	l.chunk_size = 2 << 20;                          /* larger than the stripe */
	ck_assert_int_lt(layout_check_request(&l), 0);
	l.chunk_size = 64 << 10;
	l.compress_level = 20;
	ck_assert_int_lt(layout_check_request(&l), 0);
	l.compress = PFS_COMPRESS_LZ4;                   /* lz4 has no level */
	l.compress_level = 1;
	ck_assert_int_lt(layout_check_request(&l), 0);
	l.compress_level = 0;
	ck_assert_int_eq(layout_check(&l), 0);
	l.compress = 9;
	ck_assert_int_lt(layout_check_request(&l), 0);
	l.compress = PFS_COMPRESS_NONE;                  /* a chunk without a codec */
	ck_assert_int_lt(layout_check_request(&l), 0);
	make_layout(&l, 6, 1 << 20);                     /* EC with compression */
	l.pattern = PFS_PATTERN_EC;
	l.ec_k = 4;
	l.ec_m = 2;
	l.compress = PFS_COMPRESS_LZ4;
	l.chunk_size = 64 << 10;
	ck_assert_int_lt(layout_check_request(&l), 0);
}
END_TEST

START_TEST(public_roundtrip)
{
	struct wire_layout l, back;
	struct pfs_layout p;

	make_layout(&l, 7, 65536);
	l.compress = PFS_COMPRESS_ZSTD;
	l.compress_level = 5;
	l.chunk_size = 16384;
	layout_to_public(&l, &p);
	layout_from_public(&p, &back);
	ck_assert_mem_eq(&l, &back, sizeof(l));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("math");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, map_roundtrip);
	tcase_add_test(tc, obj_size_brute);
	tcase_add_test(tc, check_rejects);
	tcase_add_test(tc, check_ec_compress);
	tcase_add_test(tc, public_roundtrip);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
