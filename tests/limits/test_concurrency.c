/* test_concurrency.c - thousands of concurrent requests: 64 threads on one
 * connection plus 8 processes of 8 threads each on their own connections,
 * every thread doing many small RPCs (4 KiB writes and reads of its own
 * file region, stats, fsyncs, opens). Nothing fails in this run, so every
 * call must succeed within the RPC budget (an -EIO or -ETIMEDOUT here is a
 * bug, not load); no thread's data is lost or mixed with another's; the
 * servers survive with bounded memory, measured (an RSS that cannot be read
 * fails the test).
 *
 * PFS_LIMITS_OPS sets the operations per thread (default 400); each
 * thread's operation mix comes from the run's seed (PFS_TEST_SEED). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pfs.h"
#include "cluster.h"
#include "limits_util.h"

#define CC_THREADS 64
#define CC_PROCS 8
#define CC_PROC_THREADS 8
#define CC_BLOCK 4096
#define CC_BLOCKS 16              /* per thread: 64 KiB region */
#define CC_BUDGET_S 15.0          /* 10 s RPC budget + scheduling */
#define CC_SERVER_GROWTH_KB (256 * 1024)

#if defined(__SANITIZE_ADDRESS__)
#define CC_MEM_FACTOR 4
#else
#define CC_MEM_FACTOR 1
#endif

struct cc_thread {
	pfs_fs_t *fs;
	pfs_file_t *f;            /* shared file: each thread owns a region */
	int id;                   /* global: region index */
	long ops;
	unsigned ok;
	double slowest;
	uint32_t ver[CC_BLOCKS];
};

static void cc_fill(uint8_t *p, int id, int blk, uint32_t v)
{
	for (int i = 0; i < CC_BLOCK; i += 4) {
		uint32_t x = ((uint32_t)id << 20) ^ ((uint32_t)blk << 12) ^ v ^ (uint32_t)i * 2654435761u;

		memcpy(p + i, &x, 4);
	}
}

/* Every call must succeed, in time: no fault is injected in this run. */
static void cc_result(struct cc_thread *t, int rc, double t0, const char *what)
{
	double d = limits_now() - t0;

	if (d > t->slowest)
		t->slowest = d;
	T_CHECK(d <= CC_BUDGET_S, "thread %d: %s took %.1f s", t->id, what, d);
	T_CHECK(rc >= 0, "thread %d: %s: error %d (%s) in a run without faults", t->id, what,
		rc, pfs_strerror(rc));
	t->ok++;
}

static void *cc_run(void *p)
{
	struct cc_thread *t = p;
	uint8_t buf[CC_BLOCK], got[CC_BLOCK];
	/* rand_r per thread (t_rand is not thread-safe), from the run's seed */
	unsigned seed = (unsigned)t_seed() + (unsigned)t->id * 7919u;
	uint64_t base = (uint64_t)t->id * CC_BLOCKS * CC_BLOCK;

	for (long i = 0; i < t->ops; i++) {
		int blk = rand_r(&seed) % CC_BLOCKS, op = rand_r(&seed) % 16;
		uint64_t off = base + (uint64_t)blk * CC_BLOCK;
		double t0 = limits_now();
		ssize_t n;

		if (op < 8) {
			uint32_t v = t->ver[blk] + 1;

			cc_fill(buf, t->id, blk, v);
			n = pfs_pwrite(t->f, buf, CC_BLOCK, off);
			cc_result(t, (int)n, t0, "pwrite");
			T_CHECK(n == CC_BLOCK, "thread %d: short write %zd", t->id, n);
			t->ver[blk] = v;
		} else if (op < 13) {
			n = pfs_pread(t->f, got, CC_BLOCK, off);
			cc_result(t, n < 0 ? (int)n : 0, t0, "pread");
			if (n < CC_BLOCK)     /* past the end of the file: zeros */
				memset(got + n, 0, CC_BLOCK - (size_t)n);
			if (t->ver[blk] == 0)
				memset(buf, 0, CC_BLOCK);
			else
				cc_fill(buf, t->id, blk, t->ver[blk]);
			T_CHECK(memcmp(buf, got, CC_BLOCK) == 0,
				"thread %d: block %d does not hold version %u", t->id, blk,
				t->ver[blk]);
		} else if (op < 14) {
			struct pfs_stat st;

			cc_result(t, pfs_fstat(t->f, &st), t0, "fstat");
		} else if (op < 15) {
			cc_result(t, pfs_fsync(t->f), t0, "fsync");
		} else {
			pfs_file_t *f2;
			int rc = pfs_open(t->fs, "/shared", O_RDONLY, 0, NULL, &f2);

			if (!rc)
				rc = pfs_close(f2);
			cc_result(t, rc, t0, "open+close");
		}
	}
	return NULL;
}

/* nthreads threads on fs, ids from id0 (a failure in any ends the process). */
static void cc_threads(pfs_fs_t *fs, pfs_file_t *f, int id0, int nthreads, long ops,
		      const char *who)
{
	pthread_t th[CC_THREADS];
	struct cc_thread *t = calloc((size_t)nthreads, sizeof(*t));
	unsigned ok = 0;
	double slowest = 0;

	T_ASSERT(t != NULL);
	for (int i = 0; i < nthreads; i++) {
		t[i].fs = fs;
		t[i].f = f;
		t[i].id = id0 + i;
		t[i].ops = ops;
		T_CHECK(pthread_create(&th[i], NULL, cc_run, &t[i]) == 0, "%s: pthread_create",
			who);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		ok += t[i].ok;
		slowest = t[i].slowest > slowest ? t[i].slowest : slowest;
	}
	t_log("%s: %d threads, %u calls ok, slowest %.2f s", who, nthreads, ok, slowest);
	free(t);
}

/* Server memory after the storm: bounded growth, measured. */
static void cc_check_memory(const struct cluster *c, long mds0, const long oss0[2])
{
	long mds1 = limits_rss_kb_or_fail(c->mds, "the MDS");
	long oss1[2] = { limits_rss_kb_or_fail(c->oss[0], "oss0"),
			 limits_rss_kb_or_fail(c->oss[1], "oss1") };

	t_log("server RSS mds %ld -> %ld KiB, oss0 %ld -> %ld, oss1 %ld -> %ld", mds0, mds1,
	      oss0[0], oss1[0], oss0[1], oss1[1]);
	T_CHECK(mds1 - mds0 <= CC_SERVER_GROWTH_KB * CC_MEM_FACTOR,
		"MDS memory grew without bound: %ld -> %ld KiB", mds0, mds1);
	for (int i = 0; i < 2; i++)
		T_CHECK(oss1[i] - oss0[i] <= CC_SERVER_GROWTH_KB * CC_MEM_FACTOR,
			"oss%d memory grew without bound: %ld -> %ld KiB", i, oss0[i], oss1[i]);
}

/* One of the CC_PROCS processes: its own connection and threads. */
static void cc_process(int p, const struct pfs_layout *l, long ops)
{
	pfs_fs_t *cfs;
	pfs_file_t *cf;
	char who[32];
	int rc = pfs_connect(NULL, &cfs);

	T_CHECK(rc == 0, "process %d: connect: %s", p, pfs_strerror(rc));
	rc = pfs_open(cfs, "/shared", O_RDWR | O_CREAT, 0644, l, &cf);
	T_CHECK(rc == 0, "process %d: open: %s", p, pfs_strerror(rc));
	snprintf(who, sizeof(who), "process %d", p);
	cc_threads(cfs, cf, CC_THREADS + p * CC_PROC_THREADS, CC_PROC_THREADS, ops, who);
	T_OK(pfs_close(cf));
	T_OK(pfs_disconnect(cfs));
}

static void storm(void)
{
	long ops = limits_env("PFS_LIMITS_OPS", 400);
	struct pfs_layout l = { .stripe_count = PFS_STRIPE_ALL, .stripe_size = 65536,
				.first_target = -1 };
	long rss_mds0, rss_oss0[2];
	pid_t kids[CC_PROCS];
	struct cluster c;
	pfs_file_t *f;
	pfs_fs_t *fs;
	double t0;
	int rc;

	rc = cluster_start(&c, 2, "tcp");
	T_CHECK(rc == 0, "cluster: %s", strerror(-rc));
	rss_mds0 = limits_rss_kb_or_fail(c.mds, "the MDS");
	rss_oss0[0] = limits_rss_kb_or_fail(c.oss[0], "oss0");
	rss_oss0[1] = limits_rss_kb_or_fail(c.oss[1], "oss1");
	t0 = limits_now();
	/* The processes (forked before this one opens its connection: a
	 * libfabric endpoint is not carried over fork): each its own connection
	 * and threads. */
	for (int p = 0; p < CC_PROCS; p++) {
		kids[p] = fork();
		if (kids[p] == 0) {
			cc_process(p, &l, ops);
			_exit(0);
		}
		T_CHECK(kids[p] > 0, "fork: %s", strerror(errno));
	}
	rc = pfs_connect(NULL, &fs);
	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
	rc = pfs_open(fs, "/shared", O_RDWR | O_CREAT, 0644, &l, &f);
	T_CHECK(rc == 0, "create: %s", pfs_strerror(rc));
	cc_threads(fs, f, 0, CC_THREADS, ops, "main process");
	for (int p = 0; p < CC_PROCS; p++) {
		int st;

		T_CHECK(waitpid(kids[p], &st, 0) == kids[p], "waitpid: %s", strerror(errno));
		T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "process %d failed (status %#x)",
			p, st);
	}
	t_log("%d threads x %ld calls in %.1f s", CC_THREADS + CC_PROCS * CC_PROC_THREADS, ops,
	      limits_now() - t0);
	cc_check_memory(&c, rss_mds0, rss_oss0);
	/* The servers still serve. */
	{
		struct pfs_stat st;

		T_OK(pfs_fsync(f));
		T_OK(pfs_stat(fs, "/shared", &st));
	}
	T_OK(pfs_close(f));
	T_OK(pfs_disconnect(fs));
	cluster_destroy(&c);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	limits_tmpdir();
	t_seed();
	t_run("storm", storm, 900);
	return t_done();
}
