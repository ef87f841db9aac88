/* pfs_bench.c - the pfs benchmark suite: starts its own local cluster, runs
 * every pattern against pfs and against its baseline in the same run (raw
 * libfabric, tmpfs), prints one table (medians, min-max, ratio) and writes
 * bench-results.json. Not a test: it never judges a speed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench_suite.h"
#include "cluster.h"
#include "pfs.h"

/* ---- the parent: the cluster and the phases ---- */

struct bench_env {
	struct bench_opts *o;
	struct bench_table *t;
	struct cluster c;
	const char *prov;
};

static double bench_servers_cpu(const struct cluster *c)
{
	double s = bench_proc_cpu(c->mds);

	for (int i = 0; i < c->noss; i++)
		s += bench_proc_cpu(c->oss[i]);
	return s;
}

static double bench_servers_rss_mib(const struct cluster *c)
{
	long k = bench_proc_rss_kib(c->mds);

	for (int i = 0; i < c->noss; i++)
		k += bench_proc_rss_kib(c->oss[i]);
	return (double)k / 1024.0;
}

/* Runs one phase; returns 0 and the results, or logs the failure in row. */
static int bench_phase(struct bench_env *e, const char *row, const char *unit, int nproc,
		       struct bench_wl *w, struct bench_result *res)
{
	double t0 = bench_now();
	int rc = bench_run_procs(nproc, bench_worker, w, res);

	if (getenv("PFS_BENCH_DEBUG"))
		fprintf(stderr, "phase %s (%s): %.2f s\n", row, w->pfs ? "pfs" : "tmpfs",
			bench_now() - t0);
	if (rc) {
		char msg[200];
		const char *why = "";

		for (int i = 0; i < nproc; i++)
			if (res[i].err[0]) {
				why = res[i].err;
				break;
			}
		snprintf(msg, sizeof(msg), "%s (%s)", why[0] ? why : pfs_strerror(rc),
			 w->pfs ? "pfs" : "tmpfs");
		bench_fail(e->t, row, e->prov, unit, msg);
	}
	return rc;
}

static void bench_cleanup(struct bench_env *e, struct bench_wl *w, int nproc)
{
	struct bench_wl u = *w;
	struct bench_result r[BENCH_MAX_PROCS];

	u.kind = BK_UNLINK;
	if (w->pfs) {
		bench_run_procs(1, bench_worker, &u, r);
	} else {
		/* POSIX cleanup needs no child */
		char path[512];

		for (int i = 0; i < (w->shared ? 1 : nproc); i++) {
			char name[128];

			bench_file_name(w, i, name, sizeof(name));
			snprintf(path, sizeof(path), "%s/%s", w->root, name);
			unlink(path);
		}
	}
	(void)e;
}

/* Write then read a pattern on pfs and on tmpfs, runs times, interleaved.
 * The pfs rows are judged against wbase1/rbase1 (same provider) or, when
 * NULL, the tmpfs rows; the streaming rows (cpu_rows) against the smaller
 * of the fabric probe and tmpfs, and they also report server CPU per GiB. */
static void bench_bandwidth(struct bench_env *e, const char *wname, const char *rname,
			    int nproc, int shared, size_t per_proc, const char *wbase1,
			    const char *rbase1, int cpu_rows)
{
	char n1[80], n2[80], b1[80], b2[80], tw[80], tr[80];
	struct bench_result res[BENCH_MAX_PROCS];
	int tmpfs_rows = !strcmp(e->prov, "tcp");

	snprintf(tw, sizeof(tw), "tmpfs-%s", wname);
	snprintf(tr, sizeof(tr), "tmpfs-%s", rname);
	bench_nm(b1, sizeof(b1), wbase1 ? wbase1 : tw, wbase1 ? e->prov : NULL);
	bench_nm(b2, sizeof(b2), rbase1 ? rbase1 : tr, rbase1 ? e->prov : NULL);
	for (int run = 0; run < e->o->runs; run++) {
		for (int pfs = 1; pfs >= 0; pfs--) {
			struct bench_wl w = { .pfs = pfs, .root = e->o->tmpfs, .file = wname,
					      .shared = shared, .bytes = per_proc };
			const char *wrow, *rrow;
			double cpu0, cpu1, cpu2;

			if (!pfs && !tmpfs_rows)
				continue;
			wrow = pfs ? bench_nm(n1, sizeof(n1), wname, e->prov) : tw;
			rrow = pfs ? bench_nm(n2, sizeof(n2), rname, e->prov) : tr;
			cpu0 = bench_servers_cpu(&e->c);
			w.kind = BK_WRITE;
			if (bench_phase(e, wrow, "GiB/s", nproc, &w, res))
				goto clean;
			bench_add(e->t, wrow, pfs ? e->prov : "-", "GiB/s", pfs ? b1 : NULL,
				  pfs && cpu_rows ? tw : NULL, bench_agg_rate(res, nproc, 0) / GiB);
			cpu1 = bench_servers_cpu(&e->c);
			w.kind = BK_READ;
			if (bench_phase(e, rrow, "GiB/s", nproc, &w, res))
				goto clean;
			bench_add(e->t, rrow, pfs ? e->prov : "-", "GiB/s", pfs ? b2 : NULL,
				  pfs && cpu_rows ? tr : NULL, bench_agg_rate(res, nproc, 0) / GiB);
			cpu2 = bench_servers_cpu(&e->c);
			if (pfs && cpu_rows) {
				double gib = (double)per_proc * nproc / GiB;

				bench_add(e->t, bench_nm(n1, sizeof(n1), "server-cpu-write", e->prov),
					  e->prov, "cpu-s/GiB", NULL, NULL, (cpu1 - cpu0) / gib);
				bench_add(e->t, bench_nm(n1, sizeof(n1), "server-cpu-read", e->prov),
					  e->prov, "cpu-s/GiB", NULL, NULL, (cpu2 - cpu1) / gib);
			}
clean:
			bench_cleanup(e, &w, nproc);
		}
	}
}

/* The stream rows again with the client's write-behind and read-ahead on
 * (libpfs/stream.c; BENCH_CACHE_MIB each): the same single client, pattern
 * and baselines, through a second config file beside the cluster's. */
#define BENCH_CACHE_MIB 8

static void bench_stream_cached(struct bench_env *e)
{
	char conf[400], extra[128], wn[80], rn[80], bw[80], br[80];
	struct bench_result res[BENCH_MAX_PROCS];

	bench_nm(wn, sizeof(wn), "stream-write-cached", e->prov);
	bench_nm(rn, sizeof(rn), "stream-read-cached", e->prov);
	bench_nm(bw, sizeof(bw), "fabric-rma-write-1m", e->prov);
	bench_nm(br, sizeof(br), "fabric-rma-read-1m", e->prov);
	snprintf(extra, sizeof(extra), "write_behind_mib = %d\nread_ahead_mib = %d\n",
		 BENCH_CACHE_MIB, BENCH_CACHE_MIB);
	if (cluster_conf_with(&e->c, "cached.conf", extra, conf, sizeof(conf))) {
		bench_fail(e->t, wn, e->prov, "GiB/s", "cannot write the cached config");
		return;
	}
	setenv("PFS_CONFIG", conf, 1);
	for (int run = 0; run < e->o->runs; run++) {
		struct bench_wl w = { .pfs = 1, .root = e->o->tmpfs, .file = "stream-cached",
				      .bytes = e->o->stream_bytes, .kind = BK_WRITE };

		if (bench_phase(e, wn, "GiB/s", 1, &w, res))
			goto clean;
		bench_add(e->t, wn, e->prov, "GiB/s", bw, "tmpfs-stream-write",
			  bench_agg_rate(res, 1, 0) / GiB);
		w.kind = BK_READ;
		if (bench_phase(e, rn, "GiB/s", 1, &w, res))
			goto clean;
		bench_add(e->t, rn, e->prov, "GiB/s", br, "tmpfs-stream-read",
			  bench_agg_rate(res, 1, 0) / GiB);
clean:
		bench_cleanup(e, &w, 1);
	}
	setenv("PFS_CONFIG", e->c.conf, 1);
}

static void bench_settle(const struct cluster *c);

/* The target of a file's stripe, looked up from a child: the parent forks
 * every phase and never opens a libfabric endpoint itself. */
static int bench_stripe_target(const char *path, uint32_t stripe)
{
	int fds[2], status, id = -1;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct pfs_layout l;
		pfs_fs_t *fs;
		int t = -1;

		close(fds[0]);
		if (pfs_connect(NULL, &fs) == 0) {
			if (pfs_getstripe(fs, path, &l) == 0 && stripe < l.stripe_count)
				t = (int)l.targets[stripe];
			pfs_disconnect(fs);
		}
		_exit(write(fds[1], &t, sizeof(t)) == sizeof(t) ? 0 : 1);
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], &id, sizeof(id)) != sizeof(id))
		id = -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return id;
}

/* EC 2+1 streaming against plain striping (the stream rows of this run),
 * then the same read with the target of data stripe 0 killed. */
static void bench_ec(struct bench_env *e)
{
	struct bench_result res[BENCH_MAX_PROCS];
	char nw[80], nr[80], nd[80], bw[80], br[80];

	bench_nm(nw, sizeof(nw), "ec-write", e->prov);
	bench_nm(nr, sizeof(nr), "ec-read", e->prov);
	bench_nm(nd, sizeof(nd), "ec-degraded-read", e->prov);
	bench_nm(bw, sizeof(bw), "stream-write", e->prov);
	bench_nm(br, sizeof(br), "stream-read", e->prov);
	for (int run = 0; run < e->o->runs; run++) {
		struct bench_wl w = { .pfs = 1, .root = e->o->tmpfs, .file = "ec-stream", .ec = 1,
				      .bytes = e->o->stream_bytes };
		char fname[128];
		int victim;

		w.kind = BK_WRITE;
		if (bench_phase(e, nw, "GiB/s", 1, &w, res))
			goto clean;
		bench_add(e->t, nw, e->prov, "GiB/s", bw, NULL, bench_agg_rate(res, 1, 0) / GiB);
		w.kind = BK_READ;
		if (bench_phase(e, nr, "GiB/s", 1, &w, res))
			goto clean;
		bench_add(e->t, nr, e->prov, "GiB/s", br, NULL, bench_agg_rate(res, 1, 0) / GiB);
		bench_file_name(&w, 0, fname + 1, sizeof(fname) - 1);
		fname[0] = '/';
		victim = bench_stripe_target(fname, 0);
		if (victim < 0 || cluster_kill_oss(&e->c, victim, SIGKILL))
			goto clean;
		if (!bench_phase(e, nd, "GiB/s", 1, &w, res))
			bench_add(e->t, nd, e->prov, "GiB/s", nr, NULL,
				  bench_agg_rate(res, 1, 0) / GiB);
		cluster_start_oss(&e->c, victim);
		bench_settle(&e->c);
clean:
		bench_cleanup(e, &w, 1);
	}
}

/* Compression: lz4 and zstd on compressible and incompressible data, one
 * client streaming; rows of write and read GiB/s (logical bytes, against
 * the uncompressed stream rows) and the ratio logical / stored. */
static void bench_compress(struct bench_env *e)
{
	static const struct { const char *name; uint32_t codec; int level; } codecs[] = {
		{ "lz4", PFS_COMPRESS_LZ4, 0 }, { "zstd", PFS_COMPRESS_ZSTD, 3 } };
	struct bench_result res[BENCH_MAX_PROCS];
	char wrow[80], rrow[80], qrow[80], b1[80], b2[80];

	bench_nm(b1, sizeof(b1), "stream-write", e->prov);
	bench_nm(b2, sizeof(b2), "stream-read", e->prov);
	for (int run = 0; run < e->o->runs; run++) {
		for (size_t ci = 0; ci < sizeof(codecs) / sizeof(codecs[0]); ci++) {
			for (int text = 1; text >= 0; text--) {
				struct bench_wl w = { .pfs = 1, .root = e->o->tmpfs,
						      .file = "compress",
						      .bytes = e->o->stream_bytes,
						      .compress = codecs[ci].codec,
						      .level = codecs[ci].level, .text = text };
				const char *d = text ? "text" : "random";
				char n[64];

				snprintf(n, sizeof(n), "compress-%s-%s-write", codecs[ci].name, d);
				bench_nm(wrow, sizeof(wrow), n, e->prov);
				snprintf(n, sizeof(n), "compress-%s-%s-read", codecs[ci].name, d);
				bench_nm(rrow, sizeof(rrow), n, e->prov);
				snprintf(n, sizeof(n), "compress-%s-%s-ratio", codecs[ci].name, d);
				bench_nm(qrow, sizeof(qrow), n, e->prov);
				w.kind = BK_WRITE;
				if (bench_phase(e, wrow, "GiB/s", 1, &w, res))
					goto clean;
				bench_add(e->t, wrow, e->prov, "GiB/s", b1, NULL,
					  bench_agg_rate(res, 1, 0) / GiB);
				if (res[0].ops > 0)
					bench_add(e->t, qrow, e->prov, "x", NULL, NULL,
						  res[0].bytes / res[0].ops);
				w.kind = BK_READ;
				if (bench_phase(e, rrow, "GiB/s", 1, &w, res))
					goto clean;
				bench_add(e->t, rrow, e->prov, "GiB/s", b2, NULL,
					  bench_agg_rate(res, 1, 0) / GiB);
clean:
				bench_cleanup(e, &w, 1);
			}
		}
	}
}

/* MPI-IO N-to-1 collective (4 ranks under Open MPI with the pfs components)
 * against the same bytes written file per process through libpfs, both
 * measured by one MPI job (bench_mpiio.sh); skipped without Open MPI. */
static void bench_mpiio(struct bench_env *e)
{
	const char *src = getenv("PFS_SRCDIR");
	char cmd[1200], line[256], name[48], n1[64], n2[80], row[80], base[80];
	int status;

	if (!src) {
		fprintf(stderr, "pfs_bench: mpiio: PFS_SRCDIR not set, skipped\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s/tests/bench/bench_mpiio.sh 4 %zu 2>&1", src,
		 e->o->multi_bytes / 4);
	for (int run = 0; run < e->o->runs; run++) {
		FILE *p = popen(cmd, "r");
		double v;

		if (!p)
			return;
		while (fgets(line, sizeof(line), p)) {
			if (sscanf(line, "%47s %lf", name, &v) != 2 || strncmp(name, "mpiio-", 6))
				continue;
			bench_nm(row, sizeof(row), name, e->prov);
			if (!strncmp(name, "mpiio-n1-", 9)) {
				snprintf(n1, sizeof(n1), "mpiio-fpp-%s", name + 9);
				bench_nm(base, sizeof(base), n1, e->prov);
				bench_add(e->t, row, e->prov, "GiB/s", base, NULL, v);
			} else {
				bench_add(e->t, row, e->prov, "GiB/s", NULL, NULL, v);
			}
		}
		status = pclose(p);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
			fprintf(stderr, "pfs_bench: mpiio: Open MPI or the components missing, "
				"skipped\n");
			return;
		}
		if (status != 0) {
			bench_nm(n2, sizeof(n2), "mpiio-n1-write", e->prov);
			bench_fail(e->t, n2, e->prov, "GiB/s", "the MPI job failed");
			return;
		}
	}
}

static void bench_fabric(struct bench_env *e)
{
	char n[80], b[80], err[200];

	for (int run = 0; run < e->o->runs; run++) {
		struct bench_fabric_res f;

		if (bench_fabric_probe(e->prov, e->o->fabric_bytes, e->o->pingpongs, e->o->tmpfs,
				       &f, err, sizeof(err))) {
			bench_fail(e->t, bench_nm(n, sizeof(n), "fabric-rma-write-1m", e->prov),
				   e->prov, "GiB/s", err);
			return;
		}
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-rma-write-1m", e->prov), e->prov,
			  "GiB/s", NULL, NULL, f.write_gibs);
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-rma-read-1m", e->prov), e->prov,
			  "GiB/s", NULL, NULL, f.read_gibs);
		/* The bounds, judged like the stream rows (see bench_fabric.c):
		 * their ratios are the most the cached (pipelined) and the
		 * plain (synchronous) stream rows can reach. */
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-tmpfs-write-1m", e->prov), e->prov,
			  "GiB/s", bench_nm(b, sizeof(b), "fabric-rma-write-1m", e->prov),
			  "tmpfs-stream-write", f.store_write_gibs);
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-tmpfs-read-1m", e->prov), e->prov,
			  "GiB/s", bench_nm(b, sizeof(b), "fabric-rma-read-1m", e->prov),
			  "tmpfs-stream-read", f.store_read_gibs);
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-tmpfs-write-1m-sync", e->prov),
			  e->prov, "GiB/s", bench_nm(b, sizeof(b), "fabric-rma-write-1m", e->prov),
			  "tmpfs-stream-write", f.sync_write_gibs);
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-tmpfs-read-1m-sync", e->prov),
			  e->prov, "GiB/s", bench_nm(b, sizeof(b), "fabric-rma-read-1m", e->prov),
			  "tmpfs-stream-read", f.sync_read_gibs);
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-pingpong-8b", e->prov), e->prov,
			  "us", NULL, NULL, f.rtt8_us);
		bench_add(e->t, bench_nm(n, sizeof(n), "fabric-pingpong-4k", e->prov), e->prov,
			  "us", NULL, NULL, f.rtt4k_us);
	}
}

static void bench_random(struct bench_env *e)
{
	static const int qds[] = { 1, 16 };
	struct bench_wl w = { .pfs = 1, .root = e->o->tmpfs, .file = "rand", .shared = 1,
			      .bytes = e->o->rand_file, .file_bytes = e->o->rand_file,
			      .secs = e->o->rand_secs };
	struct bench_result res[1];
	char n[80], base4k[80], base8[80];

	bench_nm(base4k, sizeof(base4k), "fabric-pingpong-4k", e->prov);
	bench_nm(base8, sizeof(base8), "fabric-pingpong-8b", e->prov);
	w.kind = BK_WRITE;
	if (bench_phase(e, bench_nm(n, sizeof(n), "randread-4k-qd1", e->prov), "us", 1, &w, res))
		return;
	for (int run = 0; run < e->o->runs; run++) {
		for (int wr = 0; wr < 2; wr++) {
			for (size_t q = 0; q < sizeof(qds) / sizeof(qds[0]); q++) {
				char row[64], r99[100], rio[100];

				snprintf(row, sizeof(row), "rand%s-4k-qd%d", wr ? "write" : "read",
					 qds[q]);
				w.kind = BK_RAND;
				w.rand_write = wr;
				w.qd = qds[q];
				bench_nm(n, sizeof(n), row, e->prov);
				if (bench_phase(e, n, "us", 1, &w, res))
					continue;
				bench_add(e->t, n, e->prov, "us p50", base4k, NULL, res[0].p50_us);
				snprintf(r99, sizeof(r99), "%s-p99", n);
				bench_add(e->t, r99, e->prov, "us p99", base4k, NULL, res[0].p99_us);
				snprintf(rio, sizeof(rio), "%s-iops", n);
				bench_add(e->t, rio, e->prov, "IOPS", NULL, NULL,
					  bench_agg_rate(res, 1, 1));
			}
		}
	}
	(void)base8;
	w.kind = BK_UNLINK;
	bench_run_procs(1, bench_worker, &w, res);
}

/* What kind of file system dir is on, for the table ("ext4 disk", ...). */
static void bench_fs_kind(const char *dir, char *buf, size_t len)
{
	struct statfs sf;

	if (statfs(dir, &sf)) {
		snprintf(buf, len, "?");
		return;
	}
	switch ((unsigned long)sf.f_type) {
	case 0x01021994UL: snprintf(buf, len, "tmpfs (not durable)"); break;
	case 0xEF53UL: snprintf(buf, len, "ext4"); break;
	case 0x58465342UL: snprintf(buf, len, "xfs"); break;
	case 0x9123683EUL: snprintf(buf, len, "btrfs"); break;
	case 0x794c7630UL: snprintf(buf, len, "overlayfs"); break;
	default: snprintf(buf, len, "fs 0x%lx", (unsigned long)sf.f_type); break;
	}
}

static void bench_metadata_run(struct bench_env *e);

/* The metadata rows measure durable namespace changes: their own cluster,
 * with the MDS's LMDB (and the OSS) under o->md_dir, a real disk by default,
 * so that every acknowledged create has reached stable storage. */
static void bench_metadata(struct bench_env *e)
{
	struct bench_env m = *e;
	struct bench_wl w = { .kind = BK_PING, .pfs = 1 };
	struct bench_result r[1];
	const char *tmp = getenv("TMPDIR");
	char saved[300], n[80];
	int rc;

	snprintf(saved, sizeof(saved), "%s", tmp ? tmp : "/tmp");
	setenv("TMPDIR", e->o->md_dir, 1);
	rc = cluster_start(&m.c, BENCH_NOSS, e->prov);
	setenv("TMPDIR", saved, 1);
	if (!rc)
		rc = bench_run_procs(1, bench_worker, &w, r);
	if (rc) {
		bench_fail(e->t, bench_nm(n, sizeof(n), "create", e->prov), e->prov, "ops/s",
			   "metadata cluster did not start");
	} else {
		bench_metadata_run(&m);
	}
	cluster_destroy(&m.c);
	setenv("PFS_CONFIG", e->c.conf, 1);
}

/* Each row twice: one operation in flight per process, as a plain loop
 * makes them, and BENCH_MD_QD per process (threads), which is what lets the
 * MDS put more than 4 changes in one durable commit. */
#define BENCH_MD_QD 16

static void bench_metadata_run(struct bench_env *e)
{
	static const enum bench_kind kinds[] = { BK_CREATE, BK_STAT, BK_MDUNLINK };
	static const char *names[] = { "create", "stat", "unlink" };
	static const int qds[] = { 1, BENCH_MD_QD };
	struct bench_result res[4];
	char n[80], tn[80], dir[400], row[40];
	int tmpfs_rows = !strcmp(e->prov, "tcp");

	snprintf(dir, sizeof(dir), "%s/md", e->o->tmpfs);
	for (int run = 0; run < e->o->runs; run++) {
		for (int q = 0; q < 2; q++) {
			for (int pfs = 1; pfs >= 0; pfs--) {
				struct bench_wl w = { .pfs = pfs, .root = e->o->tmpfs, .file = "md",
						      .nfiles = e->o->md_files / 4, .qd = qds[q] };

				if (!pfs && !tmpfs_rows)
					continue;
				for (int k = 0; k < 3; k++) {
					if (qds[q] > 1)
						snprintf(row, sizeof(row), "%s-qd%d", names[k], qds[q]);
					else
						snprintf(row, sizeof(row), "%s", names[k]);
					snprintf(tn, sizeof(tn), "tmpfs-%s", row);
					bench_nm(n, sizeof(n), row, e->prov);
					w.kind = kinds[k];
					if (bench_phase(e, pfs ? n : tn, "ops/s", 4, &w, res))
						break;
					bench_add(e->t, pfs ? n : tn, pfs ? e->prov : "-", "ops/s",
						  pfs ? tn : NULL, NULL, bench_agg_rate(res, 4, 1));
					if (pfs)
						bench_row_get(e->t, n, e->prov, "ops/s", NULL, NULL)->storage =
							e->o->md_store;
				}
				if (!pfs)
					rmdir(dir);
			}
		}
	}
}

static int bench_cluster_up(struct bench_env *e)
{
	struct bench_wl w = { .kind = BK_PING, .pfs = 1 };
	struct bench_result r[1];
	char n[80];
	int rc;

	rc = cluster_start(&e->c, BENCH_NOSS, e->prov);
	if (!rc)
		rc = bench_run_procs(1, bench_worker, &w, r);
	if (rc) {
		bench_fail(e->t, bench_nm(n, sizeof(n), "cluster-start", e->prov), e->prov, "-",
			   pfs_strerror(rc));
		cluster_destroy(&e->c);
	}
	return rc;
}

/* Whether a phase runs: all by default, else those named in --only. */
static int bench_want(const struct bench_opts *o, const char *phase)
{
	size_t n = strlen(phase);

	for (const char *p = o->only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, phase, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return !o->only;
}

/* Whether a phase runs on this provider: every phase on tcp; on shm those
 * the mode turns on (shm_flag; quick mode keeps shm to the stream, random
 * and idle rows, the ones the goals name for it), or any that --only names. */
static int bench_on(const struct bench_opts *o, const char *prov, int shm_flag,
		    const char *phase)
{
	if (!bench_want(o, phase))
		return 0;
	return !strcmp(prov, "tcp") || shm_flag || o->only;
}

/* Waits (up to 10 s) until the servers are quiet for a second: after the
 * load, the MDS still sends the destroys of unlinked files' objects. */
static void bench_settle(const struct cluster *c)
{
	for (int i = 0; i < 10; i++) {
		double c0 = bench_servers_cpu(c);

		sleep(1);
		if (bench_servers_cpu(c) - c0 < 0.02)
			return;
	}
}

static void bench_provider(struct bench_opts *o, struct bench_table *t, const char *prov)
{
	struct bench_env e = { .o = o, .t = t, .prov = prov };
	double rss0, cpu0, t0, soak_t0;
	char n[80];
	int full_set = !strcmp(prov, "tcp");

	fprintf(stderr, "pfs_bench: %s: starting 1 MDS + %d OSS\n", prov, BENCH_NOSS);
	if (bench_cluster_up(&e))
		return;
	rss0 = bench_servers_rss_mib(&e.c);
	/* --soak SECS: the phases again and again on the same servers, their
	 * resident size printed after each round (server-rss-after is then the
	 * size at the end of the soak). */
	soak_t0 = bench_now();
	do {
		if (bench_want(o, "fabric")) {
			fprintf(stderr, "pfs_bench: %s: libfabric probe\n", prov);
			bench_fabric(&e);
		}
		if (bench_want(o, "stream")) {
			fprintf(stderr, "pfs_bench: %s: streaming, 1 client\n", prov);
			bench_bandwidth(&e, "stream-write", "stream-read", 1, 0, o->stream_bytes,
					"fabric-rma-write-1m", "fabric-rma-read-1m", 1);
			bench_stream_cached(&e);
		}
		if (bench_on(o, prov, o->multi_shm, "ec")) {
			fprintf(stderr, "pfs_bench: %s: erasure coding %d+%d, 1 client\n", prov,
				BENCH_EC_K, BENCH_EC_M);
			bench_ec(&e);
		}
		if (full_set && bench_want(o, "compress")) {
			fprintf(stderr, "pfs_bench: %s: compression, 1 client\n", prov);
			bench_compress(&e);
		}
		if (full_set && bench_want(o, "mpiio")) {
			fprintf(stderr, "pfs_bench: %s: MPI-IO N-to-1 collective, 4 ranks\n", prov);
			bench_mpiio(&e);
		}
		if (bench_on(o, prov, o->multi_shm, "fpp")) {
			fprintf(stderr, "pfs_bench: %s: file per process, 4 processes\n", prov);
			bench_bandwidth(&e, "fpp-write", "fpp-read", 4, 0, o->multi_bytes / 4, NULL, NULL, 0);
		}
		if (bench_on(o, prov, o->multi_shm, "shared")) {
			fprintf(stderr, "pfs_bench: %s: shared file, 4 processes\n", prov);
			bench_bandwidth(&e, "shared-file-write", "shared-file-read", 4, 1,
					o->multi_bytes / 4, "fpp-write", "fpp-read", 0);
		}
		if (bench_on(o, prov, o->rand_shm, "rand")) {
			fprintf(stderr, "pfs_bench: %s: random 4 KiB\n", prov);
			bench_random(&e);
		}
		if (bench_on(o, prov, o->md_shm, "meta")) {
			fprintf(stderr, "pfs_bench: %s: metadata, %d files\n", prov, o->md_files);
			bench_metadata(&e);
		}
		if (o->soak_secs > 0)
			fprintf(stderr, "pfs_bench: %s: soak %.0f s: servers %.1f MiB resident\n",
				prov, bench_now() - soak_t0, bench_servers_rss_mib(&e.c));
	} while (o->soak_secs > 0 && bench_now() - soak_t0 < o->soak_secs);
	if (!bench_want(o, "idle"))
		goto out;
	bench_settle(&e.c);
	fprintf(stderr, "pfs_bench: %s: idle cluster, %.0f s\n", prov, o->idle_secs);
	cpu0 = bench_servers_cpu(&e.c);
	t0 = bench_now();
	usleep((useconds_t)(o->idle_secs * 1e6));
	bench_add(t, bench_nm(n, sizeof(n), "idle-cpu", prov), prov, "% core", NULL, NULL,
		  100.0 * (bench_servers_cpu(&e.c) - cpu0) / (bench_now() - t0));
	{
		char base[80];

		bench_nm(base, sizeof(base), "server-rss-before", prov);
		bench_add(t, base, prov, "MiB", NULL, NULL, rss0);
		bench_add(t, bench_nm(n, sizeof(n), "server-rss-after", prov), prov, "MiB", base,
			  NULL, bench_servers_rss_mib(&e.c));
	}
out:
	cluster_destroy(&e.c);
}

/* ---- main ---- */

static void bench_usage(FILE *f)
{
	fprintf(f, "usage: pfs_bench [--smoke|--quick|--full] [--runs N] [--provider tcp|shm|both]\n"
		   "                 [--json FILE] [--tmpfs DIR] [--md-dir DIR] [--soak SECS]\n"
		   "                 [--only fabric,stream,ec,compress,mpiio,fpp,shared,\n"
		   "                        rand,meta,idle]\n"
		   "       pfs_bench --check-json FILE\n"
		   "Starts its own cluster (servers from $PFS_BUILDDIR/servers) on /dev/shm;\n"
		   "the metadata rows use a second one under --md-dir (default /var/tmp, a disk:\n"
		   "durable creates).\n");
}

static void bench_mode(struct bench_opts *o, const char *mode)
{
	o->mode = mode;
	o->nprov = 2;
	o->providers[0] = "tcp";
	o->providers[1] = "shm";
	if (!strcmp(mode, "smoke")) {
		o->runs = 1;
		o->stream_bytes = 8 << 20;
		o->multi_bytes = 8 << 20;
		o->rand_file = 4 << 20;
		o->rand_secs = 0.2;
		o->md_files = 200;
		o->idle_secs = 0.5;
		o->pingpongs = 50;
		o->fabric_bytes = 16 << 20;
		o->nprov = 1;
	} else if (!strcmp(mode, "quick")) {
		o->runs = 3;
		o->stream_bytes = 256 << 20;
		o->multi_bytes = 256 << 20;
		o->rand_file = 32 << 20;
		o->rand_secs = 0.35;
		o->md_files = 2000;
		o->idle_secs = 3;
		o->pingpongs = 1000;
		o->fabric_bytes = 512 << 20;
		o->rand_shm = 1;
	} else {
		o->runs = 5;
		o->stream_bytes = (size_t)1 << 30;
		o->multi_bytes = (size_t)1 << 30;
		o->rand_file = 256 << 20;
		o->rand_secs = 3;
		o->md_files = 10000;
		o->idle_secs = 10;
		o->pingpongs = 5000;
		o->fabric_bytes = (size_t)2 << 30;
		o->md_shm = 1;
		o->rand_shm = 1;
		o->multi_shm = 1;
	}
}

static void bench_machine(FILE *f)
{
	struct utsname u;
	char line[256], model[200] = "?";
	FILE *c = fopen("/proc/cpuinfo", "r");

	while (c && fgets(line, sizeof(line), c))
		if (sscanf(line, "model name : %199[^\n]", model) == 1)
			break;
	if (c)
		fclose(c);
	uname(&u);
	fprintf(f, "machine: %ld cores (%s), %.1f GiB RAM, %s %s\n", sysconf(_SC_NPROCESSORS_ONLN),
		model, (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / GiB,
		u.sysname, u.release);
}

int main(int argc, char **argv)
{
	static struct bench_table table;
	struct bench_opts o = { 0 };
	const char *prov = NULL, *shm = "/dev/shm";
	char err[300], tmpdir[300];
	int runs = 0, rc;

	bench_mode(&o, "quick");
	o.json = "bench-results.json";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--smoke") || !strcmp(a, "--quick") || !strcmp(a, "--full")) {
			bench_mode(&o, a + 2);
		} else if (!strcmp(a, "--runs") && v) {
			runs = atoi(v);
			i++;
		} else if (!strcmp(a, "--provider") && v) {
			prov = v;
			i++;
		} else if (!strcmp(a, "--only") && v) {
			o.only = v;
			i++;
		} else if (!strcmp(a, "--soak") && v) {
			o.soak_secs = atof(v);
			if (o.soak_secs <= 0 || o.soak_secs > 86400) {
				bench_usage(stderr);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--json") && v) {
			o.json = v;
			i++;
		} else if (!strcmp(a, "--md-dir") && v) {
			o.md_dir = v;
			i++;
		} else if (!strcmp(a, "--tmpfs") && v) {
			shm = v;
			i++;
		} else if (!strcmp(a, "--check-json") && v) {
			rc = bench_json_check(v, err, sizeof(err));
			if (rc)
				fprintf(stderr, "%s\n", err);
			return rc ? 1 : 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			bench_usage(stdout);
			return 0;
		} else {
			bench_usage(stderr);
			return 2;
		}
	}
	if (runs < 0 || runs > BENCH_RUNS_MAX) {
		bench_usage(stderr);
		return 2;
	}
	if (runs)
		o.runs = runs;
	if (!o.md_dir)
		o.md_dir = "/var/tmp";
	bench_fs_kind(o.md_dir, o.md_store, sizeof(o.md_store));
	if (prov && !strcmp(prov, "both")) {
		o.nprov = 2;
	} else if (prov && (!strcmp(prov, "tcp") || !strcmp(prov, "shm"))) {
		o.nprov = 1;
		o.providers[0] = prov;
	} else if (prov) {
		bench_usage(stderr);
		return 2;
	}
	/* Servers keep their objects on tmpfs too: both sides use the same
	 * storage, so the ratios show what pfs itself costs. */
	snprintf(tmpdir, sizeof(tmpdir), "%s", shm);
	setenv("TMPDIR", tmpdir, 1);
	snprintf(o.tmpfs, sizeof(o.tmpfs), "%s/pfs-bench-XXXXXX", shm);
	if (!mkdtemp(o.tmpfs)) {
		fprintf(stderr, "pfs_bench: %s: %s\n", o.tmpfs, strerror(errno));
		return 1;
	}
	fprintf(stderr, "pfs_bench: %s mode, %d runs per row, providers:", o.mode, o.runs);
	for (int i = 0; i < o.nprov; i++)
		fprintf(stderr, " %s", o.providers[i]);
	fprintf(stderr, "\n");
	for (int i = 0; i < o.nprov; i++)
		bench_provider(&o, &table, o.providers[i]);
	rmdir(o.tmpfs);
	bench_machine(stdout);
	printf("pfs_bench %s: %d runs per row; ratio = pfs / baseline; servers and "
	       "baselines on tmpfs (%s),\n  except create/stat/unlink: MDS on %s (%s, every "
	       "create committed durably)\n", o.mode, o.runs, shm, o.md_dir, o.md_store);
	bench_print(&table, stdout);
	rc = bench_write_json(&table, &o, o.json);
	if (rc) {
		fprintf(stderr, "pfs_bench: %s: %s\n", o.json, strerror(-rc));
		return 1;
	}
	if (bench_json_check(o.json, err, sizeof(err))) {
		fprintf(stderr, "pfs_bench: %s\n", err);
		return 1;
	}
	printf("results: %s\n", o.json);
	return table.errors ? 1 : 0;
}
