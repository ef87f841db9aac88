/* test_mpiio_common.c - unit tests of the code the MPI-IO drivers
 * share: pfs: names, hint parsing and reporting, aggregators, list building. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pfs_test.h"
#include "mpiio.h"

static void test_names(void)
{
	T_ASSERT(mpiio_is_pfs("pfs:/a"));
	T_ASSERT(!mpiio_is_pfs("/a"));
	T_ASSERT(!mpiio_is_pfs("ufs:/a"));
	T_ASSERT(!mpiio_is_pfs(NULL));
	T_STREQ(mpiio_path("pfs:/a/b"), "/a/b");
	T_STREQ(mpiio_path("/a/b"), "/a/b");
}

static void test_hints(void)
{
	struct mpiio_hints h;
	struct pfs_layout l;
	char msg[MPIIO_MSG_MAX];

	mpiio_hints_init(&h);
	T_EQ(mpiio_hints_layout(&h, &l), 0);
	T_EQ(mpiio_hint_apply(&h, "striping_factor", "4", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "striping_unit", "64k", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "cb_nodes", "2", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "cb_buffer_size", "1048576", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "romio_cb_write", "disable", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "romio_cb_read", "enable", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "pfs_first_target", "2", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "pfs_fcoll", "vulcan", msg, sizeof(msg)), 1);
	T_EQ(mpiio_hint_apply(&h, "access_style", "read_once", msg, sizeof(msg)), 0);
	T_UEQ(h.striping_factor, 4);
	T_UEQ(h.striping_unit, 65536);
	T_EQ(h.cb_nodes, 2);
	T_UEQ(h.cb_buffer_size, 1048576);
	T_EQ(h.cb_write, MPIIO_CB_DISABLE);
	T_EQ(h.cb_read, MPIIO_CB_ENABLE);
	T_EQ(h.fcoll, MPIIO_FCOLL_VULCAN);
	T_EQ(mpiio_hints_layout(&h, &l), 1);
	T_UEQ(l.stripe_count, 4);
	T_UEQ(l.stripe_size, 65536);
	T_EQ(l.first_target, 2);
	T_EQ(mpiio_hint_apply(&h, "striping_factor", "-1", msg, sizeof(msg)), 1);
	T_UEQ(h.striping_factor, PFS_STRIPE_ALL);

	/* refused, and the message names the hint */
	T_EQ(mpiio_hint_apply(&h, "striping_unit", "1000", msg, sizeof(msg)), -EINVAL);
	T_ASSERT(strstr(msg, "striping_unit") != NULL);
	T_EQ(mpiio_hint_apply(&h, "striping_unit", "4k2", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "striping_factor", "0", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "striping_factor", "65", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "striping_factor", "x", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "cb_nodes", "-3", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "romio_cb_read", "maybe", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "pfs_fcoll", "fast", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "pfs_stripe_cuont", "4", msg, sizeof(msg)), -EINVAL);
	T_EQ(mpiio_hint_apply(&h, "striping_unit", "18446744073709551615g", msg,
					  sizeof(msg)), -EINVAL);
}

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

static void test_report(void)
{
	struct mpiio_hints h;
	struct pfs_layout l = { .stripe_count = 3, .stripe_size = 131072, .targets = { 2, 3, 0 } };
	struct kv kv = { .n = 0 };

	mpiio_hints_init(&h);
	h.cb_write = MPIIO_CB_DISABLE;
	T_EQ(mpiio_hints_report(&h, &l, 3, 1 << 20, "striped", kv_set, &kv), 0);
	T_STREQ(kv_get(&kv, "striping_factor"), "3");
	T_STREQ(kv_get(&kv, "striping_unit"), "131072");
	T_STREQ(kv_get(&kv, "pfs_first_target"), "2");
	T_STREQ(kv_get(&kv, "cb_nodes"), "3");
	T_STREQ(kv_get(&kv, "cb_buffer_size"), "1048576");
	T_STREQ(kv_get(&kv, "romio_cb_write"), "disable");
	T_STREQ(kv_get(&kv, "romio_cb_read"), "automatic");
	T_STREQ(kv_get(&kv, "pfs_fcoll"), "striped");
}

static void test_aggregators(void)
{
	T_EQ(mpiio_aggregators(4, 4, 0), 4);
	T_EQ(mpiio_aggregators(4, 3, 0), 2);   /* divisor of 4 */
	T_EQ(mpiio_aggregators(4, 9, 0), 8);   /* multiple of 4 */
	T_EQ(mpiio_aggregators(3, 2, 0), 1);
	T_EQ(mpiio_aggregators(1, 5, 0), 5);
	T_EQ(mpiio_aggregators(4, 3, 7), 3);   /* cb_nodes clamped */
	T_EQ(mpiio_aggregators(4, 8, 2), 2);
	T_EQ(mpiio_aggregators(4, 0, 0), 1);

	uint64_t end;
	T_EQ(mpiio_stripe_owner(0, 65536, 3, &end), 0);
	T_UEQ(end, 65536);
	T_EQ(mpiio_stripe_owner(65536 * 4 + 5, 65536, 3, &end), 1);
	T_UEQ(end, 65536 * 5);
	T_EQ(mpiio_stripe_owner(77, 0, 3, &end), 0);
}

static void test_pieces(void)
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

	T_UEQ(mpiio_pieces_to_list(p, 5, iov, &niov, ext, &next), 25);
	T_UEQ(niov, 2);
	T_UEQ(next, 2);
	T_ASSERT((iov[0].iov_base) == (buf));
	T_UEQ(iov[0].iov_len, 15);
	T_ASSERT((iov[1].iov_base) == (buf + 50));
	T_UEQ(iov[1].iov_len, 10);
	T_UEQ(ext[0].off, 1000);
	T_UEQ(ext[0].len, 22);
	T_UEQ(ext[1].off, 3000);
	T_UEQ(ext[1].len, 3);
	T_UEQ(mpiio_pieces_to_list(p, 0, iov, &niov, ext, &next), 0);
	T_UEQ(niov, 0);
}

int main(void)
{
	t_run("test_names", test_names, 60);
	t_run("test_hints", test_hints, 60);
	t_run("test_report", test_report, 60);
	t_run("test_aggregators", test_aggregators, 60);
	t_run("test_pieces", test_pieces, 60);
	return t_done();
}
