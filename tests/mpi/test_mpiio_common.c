/* test_mpiio_common.c - unit tests (Check) of the code the MPI-IO drivers
 * share: pfs: names, hint parsing and reporting, aggregators, list building. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mpiio.h"

START_TEST(test_names)
{
	ck_assert(mpiio_is_pfs("pfs:/a"));
	ck_assert(!mpiio_is_pfs("/a"));
	ck_assert(!mpiio_is_pfs("ufs:/a"));
	ck_assert(!mpiio_is_pfs(NULL));
	ck_assert_str_eq(mpiio_path("pfs:/a/b"), "/a/b");
	ck_assert_str_eq(mpiio_path("/a/b"), "/a/b");
}
END_TEST

START_TEST(test_hints)
{
	struct mpiio_hints h;
	struct pfs_layout l;
	char msg[MPIIO_MSG_MAX];

	mpiio_hints_init(&h);
	ck_assert_int_eq(mpiio_hints_layout(&h, &l), 0);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_factor", "4", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_unit", "64k", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "cb_nodes", "2", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "cb_buffer_size", "1048576", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "romio_cb_write", "disable", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "romio_cb_read", "enable", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "pfs_first_target", "2", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "pfs_fcoll", "vulcan", msg, sizeof(msg)), 1);
	ck_assert_int_eq(mpiio_hint_apply(&h, "access_style", "read_once", msg, sizeof(msg)), 0);
	ck_assert_uint_eq(h.striping_factor, 4);
	ck_assert_uint_eq(h.striping_unit, 65536);
	ck_assert_int_eq(h.cb_nodes, 2);
	ck_assert_uint_eq(h.cb_buffer_size, 1048576);
	ck_assert_int_eq(h.cb_write, MPIIO_CB_DISABLE);
	ck_assert_int_eq(h.cb_read, MPIIO_CB_ENABLE);
	ck_assert_int_eq(h.fcoll, MPIIO_FCOLL_VULCAN);
	ck_assert_int_eq(mpiio_hints_layout(&h, &l), 1);
	ck_assert_uint_eq(l.stripe_count, 4);
	ck_assert_uint_eq(l.stripe_size, 65536);
	ck_assert_int_eq(l.first_target, 2);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_factor", "-1", msg, sizeof(msg)), 1);
	ck_assert_uint_eq(h.striping_factor, PFS_STRIPE_ALL);

	/* refused, and the message names the hint */
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_unit", "1000", msg, sizeof(msg)), -EINVAL);
	ck_assert(strstr(msg, "striping_unit") != NULL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_unit", "4k2", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_factor", "0", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_factor", "65", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_factor", "x", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "cb_nodes", "-3", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "romio_cb_read", "maybe", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "pfs_fcoll", "fast", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "pfs_stripe_cuont", "4", msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(mpiio_hint_apply(&h, "striping_unit", "18446744073709551615g", msg,
					  sizeof(msg)), -EINVAL);
}
END_TEST

struct kv {
	char key[64][32];
	char val[64][64];
	int n;
};

static int kv_set(void *ctx, const char *key, const char *val)
{
	struct kv *kv = ctx;

	strcpy(kv->key[kv->n], key);
	strcpy(kv->val[kv->n++], val);
	return 0;
}

static const char *kv_get(const struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	return NULL;
}

START_TEST(test_report)
{
	struct mpiio_hints h;
	struct pfs_layout l = { .stripe_count = 3, .stripe_size = 131072, .targets = { 2, 3, 0 } };
	struct kv kv = { .n = 0 };

	mpiio_hints_init(&h);
	h.cb_write = MPIIO_CB_DISABLE;
	ck_assert_int_eq(mpiio_hints_report(&h, &l, 3, 1 << 20, "striped", kv_set, &kv), 0);
	ck_assert_str_eq(kv_get(&kv, "striping_factor"), "3");
	ck_assert_str_eq(kv_get(&kv, "striping_unit"), "131072");
	ck_assert_str_eq(kv_get(&kv, "pfs_first_target"), "2");
	ck_assert_str_eq(kv_get(&kv, "cb_nodes"), "3");
	ck_assert_str_eq(kv_get(&kv, "cb_buffer_size"), "1048576");
	ck_assert_str_eq(kv_get(&kv, "romio_cb_write"), "disable");
	ck_assert_str_eq(kv_get(&kv, "romio_cb_read"), "automatic");
	ck_assert_str_eq(kv_get(&kv, "pfs_fcoll"), "striped");
}
END_TEST

START_TEST(test_aggregators)
{
	ck_assert_int_eq(mpiio_aggregators(4, 4, 0), 4);
	ck_assert_int_eq(mpiio_aggregators(4, 3, 0), 2);   /* divisor of 4 */
	ck_assert_int_eq(mpiio_aggregators(4, 9, 0), 8);   /* multiple of 4 */
	ck_assert_int_eq(mpiio_aggregators(3, 2, 0), 1);
	ck_assert_int_eq(mpiio_aggregators(1, 5, 0), 5);
	ck_assert_int_eq(mpiio_aggregators(4, 3, 7), 3);   /* cb_nodes clamped */
	ck_assert_int_eq(mpiio_aggregators(4, 8, 2), 2);
	ck_assert_int_eq(mpiio_aggregators(4, 0, 0), 1);

	uint64_t end;
	ck_assert_int_eq(mpiio_stripe_owner(0, 65536, 3, &end), 0);
	ck_assert_uint_eq(end, 65536);
	ck_assert_int_eq(mpiio_stripe_owner(65536 * 4 + 5, 65536, 3, &end), 1);
	ck_assert_uint_eq(end, 65536 * 5);
	ck_assert_int_eq(mpiio_stripe_owner(77, 0, 3, &end), 0);
}
END_TEST

START_TEST(test_pieces)
{
	char buf[100];
	struct mpiio_piece p[5] = {
		{ buf, 1000, 10 },
		{ buf + 10, 1010, 5 },    /* adjacent both sides: merged */
		{ buf + 50, 1015, 0 },    /* empty: dropped */
		{ buf + 50, 1015, 7 },    /* file adjacent only */
		{ buf + 57, 3000, 3 },    /* memory adjacent only */
	};
	struct iovec iov[5];
	struct pfs_extent ext[5];
	size_t niov, next;

	ck_assert_uint_eq(mpiio_pieces_to_list(p, 5, iov, &niov, ext, &next), 25);
	ck_assert_uint_eq(niov, 2);
	ck_assert_uint_eq(next, 2);
	ck_assert_ptr_eq(iov[0].iov_base, buf);
	ck_assert_uint_eq(iov[0].iov_len, 15);
	ck_assert_ptr_eq(iov[1].iov_base, buf + 50);
	ck_assert_uint_eq(iov[1].iov_len, 10);
	ck_assert_uint_eq(ext[0].off, 1000);
	ck_assert_uint_eq(ext[0].len, 22);
	ck_assert_uint_eq(ext[1].off, 3000);
	ck_assert_uint_eq(ext[1].len, 3);
	ck_assert_uint_eq(mpiio_pieces_to_list(p, 0, iov, &niov, ext, &next), 0);
	ck_assert_uint_eq(niov, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mpiio_common");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hints);
	tcase_add_test(tc, test_report);
	tcase_add_test(tc, test_aggregators);
	tcase_add_test(tc, test_pieces);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
