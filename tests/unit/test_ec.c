/* test_ec.c - unit tests of the Reed-Solomon codec (ec.c): every pattern of
 * up to m lost cells rebuilds the original row, more than m is refused. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ec.h"
#include "pfs.h"

#define CELL 4109              /* odd on purpose: no alignment assumed */

/* Tries every set of lost cells with at most m members (bitmask walk) and
 * returns how many patterns were checked. */
static unsigned check_all_patterns(uint32_t k, uint32_t m, unsigned seed)
{
	uint32_t n = k + m;
	struct ec_codec c;
	uint8_t *orig[PFS_EC_K_MAX + PFS_EC_M_MAX], *work[PFS_EC_K_MAX + PFS_EC_M_MAX];
	uint8_t lost[PFS_EC_K_MAX + PFS_EC_M_MAX];
	unsigned patterns = 0;

	ck_assert_int_eq(ec_codec_init(&c, k, m), 0);
	for (uint32_t i = 0; i < n; i++) {
		orig[i] = malloc(CELL);
		work[i] = malloc(CELL);
		ck_assert_ptr_nonnull(orig[i]);
		ck_assert_ptr_nonnull(work[i]);
	}
	for (uint32_t i = 0; i < k; i++)
		for (size_t b = 0; b < CELL; b++)
			orig[i][b] = (uint8_t)rand_r(&seed);
	ec_encode(&c, CELL, orig, orig + k);
	for (uint64_t mask = 0; mask < (1ull << n); mask++) {
		uint32_t nl = (uint32_t)__builtin_popcountll(mask);

		if (nl > m)
			continue;
		for (uint32_t i = 0; i < n; i++) {
			lost[i] = (uint8_t)((mask >> i) & 1);
			if (lost[i])
				memset(work[i], 0xa5, CELL);   /* garbage, not zeros */
			else
				memcpy(work[i], orig[i], CELL);
		}
		ck_assert_int_eq(ec_reconstruct(&c, CELL, work, lost), 0);
		for (uint32_t i = 0; i < n; i++)
			ck_assert_msg(!memcmp(work[i], orig[i], CELL),
				      "%u+%u: cell %u wrong with lost mask %#llx", k, m, i,
				      (unsigned long long)mask);
		patterns++;
	}
	/* one more than m lost cannot be decoded */
	memset(lost, 0, sizeof(lost));
	for (uint32_t i = 0; i <= m; i++)
		lost[i] = 1;
	ck_assert_int_eq(ec_reconstruct(&c, CELL, work, lost), -EIO);
	for (uint32_t i = 0; i < n; i++) {
		free(orig[i]);
		free(work[i]);
	}
	ec_codec_fini(&c);
	return patterns;
}

START_TEST(patterns_4_2)
{
	ck_assert_uint_eq(check_all_patterns(4, 2, 1), 1 + 6 + 15);
}
END_TEST

START_TEST(patterns_8_3)
{
	ck_assert_uint_eq(check_all_patterns(8, 3, 2), 1 + 11 + 55 + 165);
}
END_TEST

START_TEST(patterns_other_shapes)
{
	check_all_patterns(1, 1, 3);
	check_all_patterns(2, 1, 4);
	check_all_patterns(3, 3, 5);
	check_all_patterns(10, 4, 6);
}
END_TEST

/* Parity is linear: the parity of a row of zeros is zeros, so unwritten
 * (hole) cells and their parity agree without being written. */
START_TEST(zeros_encode_to_zeros)
{
	struct ec_codec c;
	uint8_t *cells[6], zero[CELL];

	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(ec_codec_init(&c, 4, 2), 0);
	for (int i = 0; i < 6; i++) {
		cells[i] = malloc(CELL);
		memset(cells[i], i < 4 ? 0 : 0x5a, CELL);
	}
	ec_encode(&c, CELL, cells, cells + 4);
	ck_assert(!memcmp(cells[4], zero, CELL));
	ck_assert(!memcmp(cells[5], zero, CELL));
	for (int i = 0; i < 6; i++)
		free(cells[i]);
	ec_codec_fini(&c);
}
END_TEST

START_TEST(bad_shapes)
{
	struct ec_codec c;

	ck_assert_int_eq(ec_codec_init(&c, 0, 2), -EINVAL);
	ck_assert_int_eq(ec_codec_init(&c, 4, 0), -EINVAL);
	ck_assert_int_eq(ec_codec_init(&c, PFS_EC_K_MAX + 1, 2), -EINVAL);
	ck_assert_int_eq(ec_codec_init(&c, 4, PFS_EC_M_MAX + 1), -EINVAL);
	ck_assert_int_eq(ec_codec_init(&c, PFS_EC_K_MAX, PFS_EC_M_MAX), 0);
	ec_codec_fini(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ec");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, patterns_4_2);
	tcase_add_test(tc, patterns_8_3);
	tcase_add_test(tc, patterns_other_shapes);
	tcase_add_test(tc, zeros_encode_to_zeros);
	tcase_add_test(tc, bad_shapes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
