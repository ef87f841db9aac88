/* test_oss_lock.c - the OSS's EC row-lock table in-process: overlapping and
 * disjoint ranges, renewal, release, lease expiry, the restart grace period,
 * and a randomized run against a model of who holds which row. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oss_lock.h"
#include "pfs_test.h"

static char marker[256];

static struct oss_locks *locks_new(uint32_t grace_ms)
{
	struct oss_locks *l = NULL;

	snprintf(marker, sizeof(marker), "%s/pfs-test-lock.%d",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	T_OK(oss_locks_create(marker, grace_ms, &l));
	return l;
}

static struct wire_obj_lock lk(uint64_t fid, uint64_t row, uint64_t n, uint64_t owner,
			       uint32_t lease_ms)
{
	struct wire_obj_lock m = { .fid = fid, .row = row, .nrows = n, .owner = owner,
				   .lease_ms = lease_ms };

	return m;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void t_overlap(void)
{
	struct oss_locks *l = locks_new(0);
	struct wire_obj_lock a = lk(1, 10, 5, 100, 60000);       /* rows 10..14 */

	T_OK(oss_locks_acquire(l, &a));
	T_OK(oss_locks_acquire(l, &a));                           /* renewal */
	struct wire_obj_lock b = lk(1, 14, 3, 200, 60000);       /* touches row 14 */
	T_ERR(oss_locks_acquire(l, &b), -EAGAIN);
	b = lk(1, 5, 10, 200, 60000);                             /* rows 5..14 */
	T_ERR(oss_locks_acquire(l, &b), -EAGAIN);
	b = lk(1, 15, 3, 200, 60000);                             /* just after */
	T_OK(oss_locks_acquire(l, &b));
	b = lk(1, 7, 3, 200, 60000);                              /* just before */
	T_OK(oss_locks_acquire(l, &b));
	b = lk(2, 10, 5, 200, 60000);                             /* another file */
	T_OK(oss_locks_acquire(l, &b));
	/* the release of a range not held (or someone else's) changes nothing */
	b = lk(1, 10, 5, 200, 60000);
	T_OK(oss_locks_release(l, &b));
	b = lk(1, 12, 1, 200, 60000);
	T_ERR(oss_locks_acquire(l, &b), -EAGAIN);
	T_OK(oss_locks_release(l, &a));
	T_OK(oss_locks_release(l, &a));                           /* twice: still 0 */
	T_OK(oss_locks_acquire(l, &b));
	oss_locks_destroy(l);        /* locks still held: the marker stays */
	T_ASSERT(access(marker, F_OK) == 0);
	unlink(marker);
}

static void t_expiry(void)
{
	struct oss_locks *l = locks_new(0);
	struct wire_obj_lock a = lk(3, 0, 4, 1, 100), b = lk(3, 2, 1, 2, 60000);

	T_OK(oss_locks_acquire(l, &a));
	T_ERR(oss_locks_acquire(l, &b), -EAGAIN);
	sleep_ms(150);
	T_OK(oss_locks_acquire(l, &b));                           /* a's lease ran out */
	oss_locks_destroy(l);
}

/* A marker left by a run that stopped with locks out: nothing is granted for
 * the grace period. */
static void t_grace(void)
{
	struct oss_locks *l = locks_new(0);
	struct wire_obj_lock a = lk(4, 0, 1, 1, 60000);

	T_OK(oss_locks_acquire(l, &a));
	T_ASSERT(access(marker, F_OK) == 0);
	oss_locks_destroy(l);                                     /* held, unexpired */
	T_ASSERT(access(marker, F_OK) == 0);
	l = locks_new(200);
	T_ERR(oss_locks_acquire(l, &a), -EAGAIN);
	sleep_ms(250);
	T_OK(oss_locks_acquire(l, &a));
	T_OK(oss_locks_release(l, &a));
	oss_locks_destroy(l);
	T_ASSERT(access(marker, F_OK) != 0);
}

/* Random acquire/release by 4 owners over 2 files of 32 rows, against a
 * model of each row's holder (no expiry: long leases). */
static void t_random(void)
{
	enum { FILES = 2, ROWS = 32, OWNERS = 4 };
	int held[FILES][ROWS];
	struct oss_locks *l = locks_new(0);
	struct {
		int used;
		struct wire_obj_lock m;
	} mine[OWNERS][64];

	memset(held, 0, sizeof(held));
	memset(mine, 0, sizeof(mine));
	for (int i = 0; i < 5000; i++) {
		uint64_t owner = 1 + t_rand() % OWNERS, f = t_rand() % FILES;
		int slot = (int)(t_rand() % 64);

		if (mine[owner - 1][slot].used) {
			struct wire_obj_lock *m = &mine[owner - 1][slot].m;

			T_OK(oss_locks_release(l, m));
			for (uint64_t r = m->row; r < m->row + m->nrows; r++)
				held[m->fid][r] = 0;
			mine[owner - 1][slot].used = 0;
			continue;
		}
		uint64_t row = t_rand() % ROWS, n = 1 + t_rand() % 4;
		int want = 0;

		if (row + n > ROWS)
			n = ROWS - row;
		for (uint64_t r = row; r < row + n; r++)
			if (held[f][r])
				want = -EAGAIN;   /* any holder: this owner's own other lock
						   * over other rows is also a lock apart */
		if (want) {
			/* the table refuses only other owners' overlaps; skip ranges
			 * overlapping the owner's own locks (not modelled) */
			int other = 0;

			for (uint64_t r = row; r < row + n; r++)
				if (held[f][r] && held[f][r] != (int)owner)
					other = 1;
			if (!other)
				continue;
		}
		struct wire_obj_lock m = lk(f, row, n, owner, 600000);

		T_ERR(oss_locks_acquire(l, &m), want);
		if (want)
			continue;
		for (uint64_t r = row; r < row + n; r++)
			held[f][r] = (int)owner;
		mine[owner - 1][slot].used = 1;
		mine[owner - 1][slot].m = m;
	}
	oss_locks_destroy(l);
	unlink(marker);
}

int main(void)
{
	t_seed();
	t_run("overlap", t_overlap, 30);
	t_run("expiry", t_expiry, 30);
	t_run("grace", t_grace, 30);
	t_run("random", t_random, 60);
	return t_done();
}
