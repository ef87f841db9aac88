/* test_concurrency.c - thousands of concurrent requests: 64 threads on one
 * connection plus 8 processes of 8 threads each on their own connections,
 * every thread doing many small RPCs (4 KiB writes and reads of its own
 * file region, stats, fsyncs, opens). Every call must end in success or a
 * clear error within the RPC budget; no thread's data is lost or mixed with
 * another's; the servers survive with bounded memory.
 *
 * PFS_LIMITS_OPS sets the operations per thread (default 400). */
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
	unsigned ok, errs, bad;
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

/* A clear error: a documented errno the caller can act on. */
static int cc_clear(int rc)
{
	switch (-rc) {
	case ENOMEM: case EAGAIN: case EBUSY: case ETIMEDOUT: case ENOSPC: case EMFILE:
	case ENFILE: case ECONNRESET: case ECONNREFUSED: case EIO:
		return 1;
	}
	return 0;
}

static void cc_result(struct cc_thread *t, int rc, double t0, const char *what)
{
	double d = limits_now() - t0;

	if (d > t->slowest)
		t->slowest = d;
	if (d > CC_BUDGET_S)
		limits_fail("thread %d: %s took %.1f s", t->id, what, d);
	if (rc >= 0) {
		t->ok++;
		return;
	}
	t->errs++;
	if (!cc_clear(rc))
		limits_fail("thread %d: %s: unexpected error %d (%s)", t->id, what, rc,
			    pfs_strerror(rc));
}

static void *cc_run(void *p)
{
	struct cc_thread *t = p;
	uint8_t buf[CC_BLOCK], got[CC_BLOCK];
	unsigned seed = (unsigned)t->id * 7919u + 1;
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
			if (n == CC_BLOCK)
				t->ver[blk] = v;
			else if (n >= 0)
				n = -EIO;
			cc_result(t, (int)n, t0, "pwrite");
			/* a failed write leaves the block unknown: stop checking it */
			if (n < 0)
				t->ver[blk] = UINT32_MAX;
		} else if (op < 13) {
			n = pfs_pread(t->f, got, CC_BLOCK, off);
			cc_result(t, n < 0 ? (int)n : 0, t0, "pread");
			if (n >= 0 && t->ver[blk] != UINT32_MAX) {
				if (n < CC_BLOCK)
					memset(got + n, 0, CC_BLOCK - (size_t)n);
				if (t->ver[blk] == 0) {
					memset(buf, 0, CC_BLOCK);
				} else {
					cc_fill(buf, t->id, blk, t->ver[blk]);
				}
				if (memcmp(buf, got, CC_BLOCK)) {
					t->bad++;
					limits_fail("thread %d: block %d does not hold version %u",
						    t->id, blk, t->ver[blk]);
				}
			}
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

/* nthreads threads on fs, ids from id0; returns the number of failures. */
static int cc_threads(pfs_fs_t *fs, pfs_file_t *f, int id0, int nthreads, long ops,
		      const char *who)
{
	pthread_t th[CC_THREADS];
	struct cc_thread *t = calloc((size_t)nthreads, sizeof(*t));
	unsigned ok = 0, errs = 0;
	double slowest = 0;

	if (!t)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		t[i].fs = fs;
		t[i].f = f;
		t[i].id = id0 + i;
		t[i].ops = ops;
		if (pthread_create(&th[i], NULL, cc_run, &t[i])) {
			limits_fail("%s: pthread_create", who);
			nthreads = i;
			break;
		}
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		ok += t[i].ok;
		errs += t[i].errs;
		slowest = t[i].slowest > slowest ? t[i].slowest : slowest;
	}
	printf("concurrency: %s: %d threads, %u calls ok, %u clear errors, slowest %.2f s\n",
	       who, nthreads, ok, errs, slowest);
	free(t);
	return limits_failed;
}

int main(void)
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

	setvbuf(stdout, NULL, _IOLBF, 0);
	limits_tmpdir();
	rc = cluster_start(&c, 2, "tcp");
	if (rc) {
		fprintf(stderr, "FAIL: cluster: %s\n", strerror(-rc));
		cluster_destroy(&c);
		return 99;
	}
	rss_mds0 = limits_rss_kb(c.mds);
	rss_oss0[0] = limits_rss_kb(c.oss[0]);
	rss_oss0[1] = limits_rss_kb(c.oss[1]);
	t0 = limits_now();
	/* The processes (forked before this one opens its connection: a
	 * libfabric endpoint is not carried over fork): each its own connection
	 * and threads. */
	for (int p = 0; p < CC_PROCS; p++) {
		kids[p] = fork();
		if (kids[p] == 0) {
			pfs_fs_t *cfs;
			pfs_file_t *cf;
			char who[32];

			rc = pfs_connect(NULL, &cfs);
			if (!rc)
				rc = pfs_open(cfs, "/shared", O_RDWR | O_CREAT, 0644, &l, &cf);
			if (rc) {
				fprintf(stderr, "FAIL: process %d: %s\n", p, pfs_strerror(rc));
				_exit(1);
			}
			snprintf(who, sizeof(who), "process %d", p);
			rc = cc_threads(cfs, cf, CC_THREADS + p * CC_PROC_THREADS,
					CC_PROC_THREADS, ops, who);
			pfs_close(cf);
			pfs_disconnect(cfs);
			_exit(rc ? 1 : 0);
		}
		if (kids[p] < 0)
			limits_fail("fork: %s", strerror(errno));
	}
	rc = pfs_connect(NULL, &fs);
	if (!rc)
		rc = pfs_open(fs, "/shared", O_RDWR | O_CREAT, 0644, &l, &f);
	if (rc) {
		fprintf(stderr, "FAIL: connect/create: %s\n", pfs_strerror(rc));
		for (int p = 0; p < CC_PROCS; p++)
			if (kids[p] > 0)
				waitpid(kids[p], NULL, 0);
		cluster_destroy(&c);
		return 1;
	}
	cc_threads(fs, f, 0, CC_THREADS, ops, "main process");
	for (int p = 0; p < CC_PROCS; p++) {
		int st;

		if (kids[p] <= 0)
			continue;
		waitpid(kids[p], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			limits_fail("process %d failed (status %#x)", p, st);
	}
	printf("concurrency: %d threads x %ld calls in %.1f s\n",
	       CC_THREADS + CC_PROCS * CC_PROC_THREADS, ops, limits_now() - t0);
	printf("concurrency: server RSS mds %ld -> %ld KiB, oss0 %ld -> %ld, oss1 %ld -> %ld\n",
	       rss_mds0, limits_rss_kb(c.mds), rss_oss0[0], limits_rss_kb(c.oss[0]),
	       rss_oss0[1], limits_rss_kb(c.oss[1]));
	if (limits_rss_kb(c.mds) - rss_mds0 > CC_SERVER_GROWTH_KB * CC_MEM_FACTOR)
		limits_fail("MDS memory grew without bound");
	for (int i = 0; i < 2; i++)
		if (limits_rss_kb(c.oss[i]) - rss_oss0[i] > CC_SERVER_GROWTH_KB * CC_MEM_FACTOR)
			limits_fail("oss%d memory grew without bound", i);
	/* The servers still serve. */
	{
		struct pfs_stat st;

		rc = pfs_fsync(f);
		if (!rc)
			rc = pfs_stat(fs, "/shared", &st);
		if (rc)
			limits_fail("after the storm: %s", pfs_strerror(rc));
	}
	pfs_close(f);
	pfs_disconnect(fs);
	cluster_destroy(&c);
	printf("%s: test_concurrency\n", limits_failed ? "FAIL" : "PASS");
	return limits_failed ? 1 : 0;
}
