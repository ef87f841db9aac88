/* test_ec.c - unit tests of the Reed-Solomon codec (ec.c): every pattern of
 * up to m lost cells rebuilds the original row, more than m is refused. */
#include "pfs_test.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ec.h"
#include "pfs.h"

#define CELL 4109              /* odd on purpose: no alignment assumed */

/* Tries every set of lost cells with at most m members (bitmask walk) and
 * returns how many patterns were checked. */
static unsigned check_all_patterns(uint32_t k, uint32_t m)
{
	uint32_t n = k + m;
	struct ec_codec c;
	uint8_t *orig[PFS_EC_K_MAX + PFS_EC_M_MAX], *work[PFS_EC_K_MAX + PFS_EC_M_MAX];
	uint8_t lost[PFS_EC_K_MAX + PFS_EC_M_MAX];
	unsigned patterns = 0;

	T_EQ(ec_codec_init(&c, k, m), 0);
	for (uint32_t i = 0; i < n; i++) {
		orig[i] = malloc(CELL);
		work[i] = malloc(CELL);
		T_ASSERT((orig[i]) != NULL);
		T_ASSERT((work[i]) != NULL);
	}
	for (uint32_t i = 0; i < k; i++)
		t_fill(orig[i], CELL);
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
		T_EQ(ec_reconstruct(&c, CELL, work, lost), 0);
		for (uint32_t i = 0; i < n; i++)
			T_CHECK(!memcmp(work[i], orig[i], CELL),
				      "%u+%u: cell %u wrong with lost mask %#llx", k, m, i,
				      (unsigned long long)mask);
		patterns++;
	}
	/* one more than m lost cannot be decoded */
	memset(lost, 0, sizeof(lost));
	for (uint32_t i = 0; i <= m; i++)
		lost[i] = 1;
	T_EQ(ec_reconstruct(&c, CELL, work, lost), -EIO);
	for (uint32_t i = 0; i < n; i++) {
		free(orig[i]);
		free(work[i]);
	}
	ec_codec_fini(&c);
	return patterns;
}

static void patterns_4_2(void)
{
	T_UEQ(check_all_patterns(4, 2), 1 + 6 + 15);
}

static void patterns_8_3(void)
{
	T_UEQ(check_all_patterns(8, 3), 1 + 11 + 55 + 165);
}

static void patterns_other_shapes(void)
{
	check_all_patterns(1, 1);
	check_all_patterns(2, 1);
	check_all_patterns(3, 3);
	check_all_patterns(10, 4);
}

/* Parity is linear: the parity of a row of zeros is zeros, so unwritten
 * (hole) cells and their parity agree without being written. */
static void zeros_encode_to_zeros(void)
{
	struct ec_codec c;
	uint8_t *cells[6], zero[CELL];

	memset(zero, 0, sizeof(zero));
	T_EQ(ec_codec_init(&c, 4, 2), 0);
	for (int i = 0; i < 6; i++) {
		cells[i] = malloc(CELL);
		memset(cells[i], i < 4 ? 0 : 0x5a, CELL);
	}
	ec_encode(&c, CELL, cells, cells + 4);
	T_ASSERT(!memcmp(cells[4], zero, CELL));
	T_ASSERT(!memcmp(cells[5], zero, CELL));
	for (int i = 0; i < 6; i++)
		free(cells[i]);
	ec_codec_fini(&c);
}

static void bad_shapes(void)
{
	struct ec_codec c;

	T_EQ(ec_codec_init(&c, 0, 2), -EINVAL);
	T_EQ(ec_codec_init(&c, 4, 0), -EINVAL);
	T_EQ(ec_codec_init(&c, PFS_EC_K_MAX + 1, 2), -EINVAL);
	T_EQ(ec_codec_init(&c, 4, PFS_EC_M_MAX + 1), -EINVAL);
	T_EQ(ec_codec_init(&c, PFS_EC_K_MAX, PFS_EC_M_MAX), 0);
	ec_codec_fini(&c);
}

int main(void)
{
	t_seed();
	t_run("patterns_4_2", patterns_4_2, 60);
	t_run("patterns_8_3", patterns_8_3, 60);
	t_run("patterns_other_shapes", patterns_other_shapes, 60);
	t_run("zeros_encode_to_zeros", zeros_encode_to_zeros, 60);
	t_run("bad_shapes", bad_shapes, 60);
	return t_done();
}
