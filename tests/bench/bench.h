/* bench.h - shared pieces of the pfs benchmark suite: timing, statistics,
 * forked worker processes with a start barrier, /proc sampling, JSON check. */
#ifndef PFS_BENCH_H
#define PFS_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_MAX_PROCS 16

double bench_now(void);                 /* CLOCK_MONOTONIC seconds */
int bench_cmp_double(const void *a, const void *b);
/* Sorts v in place; the q-quantile (0..1) by nearest rank. */
double bench_quantile(double *v, size_t n, double q);

/* What one worker process reports back to the parent. */
struct bench_result {
	int rc;                 /* 0 or a negative errno */
	double t0, t1;          /* work started / ended (CLOCK_MONOTONIC) */
	double bytes;           /* moved */
	double ops;             /* operations done */
	double p50_us, p99_us;  /* latency, when measured */
	char err[160];
};

/* The function a worker runs in its own process. It sets up, calls
 * bench_barrier() once ready, works, and fills *res. */
typedef void (*bench_fn)(int rank, int nproc, void *arg, struct bench_result *res);
void bench_barrier(void);
/* Forks nproc workers, releases them together, collects their results.
 * Returns 0 or the first worker's error (res[i].err says what). */
int bench_run_procs(int nproc, bench_fn fn, void *arg, struct bench_result *res);
/* Aggregate of worker results: bytes / (last end - first start). */
double bench_agg_rate(const struct bench_result *res, int n, int use_ops);

/* CPU seconds (user + system) and resident KiB of a process, from /proc. */
double bench_proc_cpu(pid_t pid);
long bench_proc_rss_kib(pid_t pid);

/* 0 when the file holds one well-formed JSON value. */
int bench_json_check(const char *path, char *err, size_t errlen);

/* ---- the raw libfabric probe (bench_fabric.c) ---- */

struct bench_fabric_res {
	double rtt8_us, rtt4k_us;      /* ping-pong round trip, median */
	double write_gibs, read_gibs;  /* RMA 1 MiB, client -> server and back */
	/* RMA read piped into a tmpfs file, and a tmpfs file piped into RMA
	 * write: the bound for stream-write and stream-read. */
	double store_write_gibs, store_read_gibs;
	/* The same one synchronous 1 MiB call at a time, each behind an 8-byte
	 * round trip: the bound for the plain (uncached) stream rows. */
	double sync_write_gibs, sync_read_gibs;
};

/* Forks a probe server and a client on provider; fills one sample (the
 * store rates only with a store_dir, a directory on tmpfs). */
int bench_fabric_probe(const char *provider, size_t bw_bytes, int pingpongs,
		       const char *store_dir, struct bench_fabric_res *out, char *err,
		       size_t errlen);

#endif /* PFS_BENCH_H */
