/* test_ec.c - erasure-coded files against a live cluster (1 MDS + 11 OSS on
 * 127.0.0.1): every pattern of up to m killed targets reads back the
 * original bytes, partial writes interleave with target kills, truncate
 * recomputes parity, health reports lost stripes, and rebuild restores full
 * redundancy after a target is lost for good, and a client finds a dead
 * target without waiting out an RPC attempt.
 *
 * Targets are really killed (SIGKILL) and restarted, or frozen (SIGSTOP) and
 * thawed, so a "lost" stripe is one whose server does not answer.
 * Environment: PFS_EC_ALL=1 runs all 231 loss patterns of up to 3 of 8+3
 * (default: every single loss and a seeded 1 in 20 of the others);
 * PFS_TEST_SEED fixes the sample and the writes.
 *
 * Every case runs on a cluster of its own, started in its forked child:
 * the cases kill and restart servers, which only their parent can reap. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cluster.h"
#include "pfs_test.h"
#include "pfs.h"

#define NOSS 11
#define TIMEOUT_MS 1500           /* the client's RPC budget in this test */
#define GRACE_MS "2000"           /* OSS lock grace after an unclean stop */

static struct cluster ec_cluster;
static pfs_fs_t *ec_fs;
static unsigned ec_seed;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand_r(&seed) >> 3);
}

static pfs_file_t *ec_create(const char *path, uint32_t k, uint32_t m, uint64_t cell,
			     struct pfs_layout *out)
{
	struct pfs_layout l = { .pattern = PFS_PATTERN_EC, .ec_k = k, .ec_m = m,
				.stripe_size = cell, .first_target = -1 };
	pfs_file_t *f = NULL;
	int rc = pfs_open(ec_fs, path, O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f);

	T_CHECK(rc == 0, "create %s (%u+%u): %s", path, k, m, pfs_strerror(rc));
	if (!rc)
		pfs_get_layout(f, out);
	return f;
}

/* Reads [0, len) of path through a fresh open and compares it with want. */
static int read_matches(const char *path, const uint8_t *want, size_t len, const char *what)
{
	uint8_t *got = malloc(len + 4096);
	pfs_file_t *f = NULL;
	ssize_t n;
	int rc, ok;

	rc = pfs_open(ec_fs, path, O_RDONLY, 0, NULL, &f);
	if (rc) {
		T_FAIL("%s: open: %s", what, pfs_strerror(rc));
		free(got);
		return 0;
	}
	n = pfs_pread(f, got, len + 4096, 0);     /* past EOF on purpose */
	ok = n == (ssize_t)len && !memcmp(got, want, len);
	T_CHECK(ok, "%s: read %zd of %zu bytes%s", what, n, len,
	      n == (ssize_t)len ? ", content differs" : "");
	pfs_close(f);
	free(got);
	return ok;
}

/* ---- killing targets ---- */

static void kill_targets(const uint32_t *ids, int n)
{
	for (int i = 0; i < n; i++)
		cluster_kill_oss(&ec_cluster, (int)ids[i], SIGKILL);
}

/* Waits until the file sees every stripe again: a restarted or thawed
 * target must answer this client within seconds, not be written off. */
static void wait_healthy(const char *path, const char *after)
{
	struct pfs_health h;
	double t0 = now_s();

	do {
		if (pfs_health(ec_fs, path, &h) == 0 && h.lost == 0)
			return;
		usleep(50 * 1000);
	} while (now_s() - t0 < 20);
	T_FAIL("%s: stripes still lost 20 s after a %s", path, after);
}

/* Restarts them and waits until the file sees every stripe again. */
static void restart_targets(const uint32_t *ids, int n, const char *path)
{

	for (int i = 0; i < n; i++)
		T_CHECK(cluster_start_oss(&ec_cluster, (int)ids[i]) == 0, "restart target %u", ids[i]);
	wait_healthy(path, "restart");
}

/* Reads path with the targets of the stripes in mask lost: killed and
 * restarted (sig SIGKILL), or frozen and thawed (SIGSTOP: a hung server,
 * which costs the client an RPC timeout instead of a refused connection). */
static void read_lost(const char *path, const struct pfs_layout *l, uint64_t mask,
		      const uint8_t *want, size_t len, int sig)
{
	uint32_t ids[PFS_MAX_STRIPES];
	char what[160];
	int n = 0, off = 0;

	off += snprintf(what, sizeof(what), "%u+%u lost stripes {", l->ec_k, l->ec_m);
	for (uint32_t s = 0; s < l->stripe_count; s++) {
		if (!(mask >> s & 1))
			continue;
		ids[n++] = l->targets[s];
		off += snprintf(what + off, sizeof(what) - (size_t)off, " %u", s);
	}
	snprintf(what + off, sizeof(what) - (size_t)off, " }%s",
		 sig == SIGSTOP ? " (hung)" : "");
	for (int i = 0; i < n; i++)
		cluster_kill_oss(&ec_cluster, (int)ids[i], sig);
	read_matches(path, want, len, what);
	if (sig != SIGSTOP) {
		restart_targets(ids, n, path);
		return;
	}
	for (int i = 0; i < n; i++)
		cluster_kill_oss(&ec_cluster, (int)ids[i], SIGCONT);
	wait_healthy(path, "thaw");
}

static void read_with_loss(const char *path, const struct pfs_layout *l, uint64_t mask,
			   const uint8_t *want, size_t len)
{
	read_lost(path, l, mask, want, len, SIGKILL);
}

/* ---- the cases ---- */

/* Unaligned and partial writes (read-modify-write), a rewrite, holes. */
static void case_roundtrip(void)
{
	const size_t len = 5 * 4 * 16384 + 12345;
	uint8_t *want = calloc(1, len), *chunk = malloc(len);
	struct pfs_layout l;
	pfs_file_t *f = ec_create("/ec/rt", 4, 2, 16384, &l);
	unsigned seed = ec_seed;
	struct pfs_stat st;
	size_t off = 0;

	if (!f)
		return;
	T_CHECK(l.stripe_count == 6 && l.ec_k == 4 && l.ec_m == 2, "layout is 4+2 over 6 targets");
	while (off < len) {                     /* random pieces, in order */
		size_t n = 1 + (size_t)rand_r(&seed) % 30000;

		n = n < len - off ? n : len - off;
		fill(chunk, n, seed + (unsigned)off);
		T_CHECK(pfs_pwrite(f, chunk, n, off) == (ssize_t)n, "write %zu at %zu", n, off);
		memcpy(want + off, chunk, n);
		off += n;
	}
	for (int i = 0; i < 20; i++) {          /* overwrites anywhere */
		size_t o = (size_t)rand_r(&seed) % len, n = 1 + (size_t)rand_r(&seed) % 70000;

		n = n < len - o ? n : len - o;
		fill(chunk, n, seed);
		T_CHECK(pfs_pwrite(f, chunk, n, o) == (ssize_t)n, "overwrite %zu at %zu", n, o);
		memcpy(want + o, chunk, n);
	}
	T_CHECK(pfs_fstat(f, &st) == 0 && st.size == len, "size %zu", len);
	pfs_close(f);
	read_matches("/ec/rt", want, len, "4+2 round trip");
	read_with_loss("/ec/rt", &l, 1u << 0 | 1u << 5, want, len);

	/* a hole: a write far past the end leaves zeros that parity covers */
	f = ec_create("/ec/hole", 4, 2, 16384, &l);
	if (f) {
		memset(want, 0, len);
		fill(want + 200000, 1000, 7);
		T_CHECK(pfs_pwrite(f, want + 200000, 1000, 200000) == 1000, "write past a hole");
		pfs_close(f);
		read_with_loss("/ec/hole", &l, 1u << 1 | 1u << 4, want, 201000);
	}
	free(want);
	free(chunk);
}

/* A client that never reached a target before finds it dead without
 * waiting out an RPC attempt: rxm keeps retrying a refused connect, and
 * net_call.c counts 250 ms of it as refused, so the degraded read goes around
 * the dead target at once. The client here has a 20 s budget (5 s
 * attempts): before that bound the read took an attempt and more. */
#define DEAD_TIMEOUT_MS 20000

static void case_dead_found_fast(void)
{
	const size_t len = 1 << 20;
	uint8_t *want = malloc(len), *got = malloc(len);
	char conf[400];
	struct pfs_layout l;
	pfs_fs_t *fs = NULL;
	pfs_file_t *f = ec_create("/ec/dead", 2, 1, 65536, &l);
	FILE *cf = NULL;
	double t0, dt;
	ssize_t n;
	int rc;

	if (!f || !want || !got)
		goto out;
	fill(want, len, ec_seed + 17);
	T_CHECK(pfs_pwrite(f, want, len, 0) == (ssize_t)len, "dead: write %zu", len);
	pfs_close(f);
	f = NULL;
	snprintf(conf, sizeof(conf), "%s/dead.conf", ec_cluster.dir);
	cf = fopen(conf, "w");
	T_CHECK(cf != NULL, "dead: write %s", conf);
	if (!cf)
		goto out;
	fprintf(cf, "provider = tcp\nmds_host = 127.0.0.1\nmds_port = %d\ntimeout_ms = %d\n",
		ec_cluster.base_port, DEAD_TIMEOUT_MS);
	fclose(cf);
	rc = pfs_connect(conf, &fs);
	T_CHECK(rc == 0, "dead: connect: %s", pfs_strerror(rc));
	if (rc)
		goto out;
	kill_targets(&l.targets[0], 1);
	t0 = now_s();
	rc = pfs_open(fs, "/ec/dead", O_RDONLY, 0, NULL, &f);
	n = rc ? rc : pfs_pread(f, got, len, 0);
	dt = now_s() - t0;
	printf("# dead target found: 1 MiB degraded read in %.2f s\n", dt);
	T_CHECK(n == (ssize_t)len && !memcmp(got, want, len), "dead: degraded read %zd", n);
	T_CHECK(dt < DEAD_TIMEOUT_MS / 4 / 1000.0,
	      "dead: a degraded read waited %.2f s (an RPC attempt is %.1f s)", dt,
	      DEAD_TIMEOUT_MS / 4 / 1000.0);
	restart_targets(&l.targets[0], 1, "/ec/dead");
out:
	if (f)
		pfs_close(f);
	if (fs)
		pfs_disconnect(fs);
	free(want);
	free(got);
}

/* Every pattern of up to m lost stripes (all of them, or a sample). */
static void case_patterns(uint32_t k, uint32_t m, uint64_t cell, int all)
{
	const size_t len = 3 * k * cell + cell / 2 + 77;
	uint8_t *want = malloc(len);
	struct pfs_layout l;
	char path[64];
	pfs_file_t *f;
	unsigned seed = ec_seed + k;
	int tried = 0;
	double t0 = now_s();

	snprintf(path, sizeof(path), "/ec/p%u_%u", k, m);
	f = ec_create(path, k, m, cell, &l);
	if (!f)
		goto out;
	fill(want, len, seed);
	T_CHECK(pfs_pwrite(f, want, len, 0) == (ssize_t)len, "%s: write", path);
	T_CHECK(pfs_fsync(f) == 0, "%s: fsync", path);
	pfs_close(f);
	for (uint64_t mask = 1; mask < (1ull << l.stripe_count); mask++) {
		int nl = __builtin_popcountll(mask);

		if (nl > (int)m)
			continue;
		/* the sample: every single loss, 1 in 20 of the others */
		if (!all && nl > 1 && rand_r(&seed) % 20)
			continue;
		/* an odd number lost: hung (frozen, then thawed) targets */
		read_lost(path, &l, mask, want, len, nl % 2 ? SIGSTOP : SIGKILL);
		tried++;
	}
	/* one more than m is refused, not answered with wrong bytes */
	{
		uint32_t ids[PFS_EC_M_MAX + 1];
		uint8_t *buf = malloc(len);
		pfs_file_t *g = NULL;
		ssize_t n = 0;

		for (uint32_t s = 0; s <= m; s++)
			ids[s] = l.targets[s];
		kill_targets(ids, (int)m + 1);
		if (pfs_open(ec_fs, path, O_RDONLY, 0, NULL, &g) == 0) {
			n = pfs_pread(g, buf, len, 0);
			pfs_close(g);
		}
		T_CHECK(n < 0, "%s: %u lost stripes give an error (got %zd)", path, m + 1, n);
		restart_targets(ids, (int)m + 1, path);
		free(buf);
	}
	printf("# %u+%u: %d loss patterns read back (%s), %.1f s\n", k, m, tried,
	       all ? "all" : "sample", now_s() - t0);
out:
	free(want);
}

/* Random partial writes while targets die and come back: a write that
 * fails is retried after the restart; reads while a target is down rebuild
 * from parity; at the end every byte matches the model, also degraded. */
static void case_writes_with_kills(void)
{
	const size_t len = 2 * 4 * 32768 * 3;
	uint8_t *want = calloc(1, len), *chunk = malloc(len);
	struct pfs_layout l;
	pfs_file_t *f = ec_create("/ec/kills", 4, 2, 32768, &l);
	unsigned seed = ec_seed * 31 + 1;
	int failed_writes = 0, kills = 0;
	size_t end = 0;                         /* the file's size in the model */

	if (!f)
		goto out;
	for (int it = 0; it < 40; it++) {
		size_t o = (size_t)rand_r(&seed) % len, n = 1 + (size_t)rand_r(&seed) % 100000;
		uint32_t victim = l.targets[rand_r(&seed) % l.stripe_count];
		int down = it % 8 == 3;
		ssize_t w;

		n = n < len - o ? n : len - o;
		fill(chunk, n, seed);
		if (down) {
			kill_targets(&victim, 1);
			kills++;
			/* a degraded read of what was acknowledged before */
			read_matches("/ec/kills", want, end, "read while a target is down");
		}
		w = pfs_pwrite(f, chunk, n, o);
		if (down)
			restart_targets(&victim, 1, "/ec/kills");
		if (w != (ssize_t)n) {
			failed_writes++;
			w = pfs_pwrite(f, chunk, n, o);    /* the retry heals the rows */
		}
		T_CHECK(w == (ssize_t)n, "write %zu at %zu: %zd", n, o, w);
		memcpy(want + o, chunk, n);
		end = o + n > end ? o + n : end;
	}
	/* the file's size is where the model says */
	{
		struct pfs_stat st;

		T_CHECK(pfs_fstat(f, &st) == 0 && st.size == end, "size %zu after the writes", end);
		pfs_close(f);
		f = NULL;
		read_matches("/ec/kills", want, end, "after writes with kills");
		read_with_loss("/ec/kills", &l, 1u << 2 | 1u << 3, want, end);
		printf("# writes with kills: 40 writes, %d kills, %d writes failed and were "
		       "retried\n", kills, failed_writes);
	}
out:
	if (f)
		pfs_close(f);
	free(want);
	free(chunk);
}

/* Writers of the same rows at once: 4 threads, each with its own handle,
 * write interleaved 3000-byte pieces (every 64 KiB row is changed by all
 * of them, by read-modify-write). Without the row locks a writer computes
 * parity from a row another is changing: the data reads back right but a
 * degraded read, which goes through parity, does not. */
#define CW_THREADS 4
#define CW_PIECE 3000
#define CW_ROUNDS 40

struct cw_arg {
	int t;
	int rc;
};

static void *cw_writer(void *p)
{
	struct cw_arg *a = p;
	uint8_t buf[CW_PIECE];
	pfs_file_t *f = NULL;

	a->rc = pfs_open(ec_fs, "/ec/concurrent", O_RDWR, 0, NULL, &f);
	for (int j = 0; j < CW_ROUNDS && !a->rc; j++) {
		uint64_t off = ((uint64_t)j * CW_THREADS + (uint64_t)a->t) * CW_PIECE;

		memset(buf, (int)(1 + a->t + j * CW_THREADS), sizeof(buf));
		if (pfs_pwrite(f, buf, sizeof(buf), off) != (ssize_t)sizeof(buf))
			a->rc = -EIO;
	}
	if (f)
		pfs_close(f);
	return NULL;
}

static void case_concurrent_writers(void)
{
	const size_t len = (size_t)CW_ROUNDS * CW_THREADS * CW_PIECE;
	uint8_t *want = malloc(len);
	pthread_t th[CW_THREADS];
	struct cw_arg arg[CW_THREADS];
	struct pfs_layout l;
	pfs_file_t *f = ec_create("/ec/concurrent", 4, 2, 16384, &l);

	if (!f)
		goto out;
	pfs_close(f);
	for (int t = 0; t < CW_THREADS; t++) {
		arg[t] = (struct cw_arg){ .t = t };
		pthread_create(&th[t], NULL, cw_writer, &arg[t]);
	}
	for (int t = 0; t < CW_THREADS; t++) {
		pthread_join(th[t], NULL);
		T_CHECK(arg[t].rc == 0, "concurrent writer %d: %s", t, pfs_strerror(arg[t].rc));
	}
	for (size_t i = 0; i < len; i++)
		want[i] = (uint8_t)(1 + i / CW_PIECE);
	read_matches("/ec/concurrent", want, len, "concurrent writers");
	read_with_loss("/ec/concurrent", &l, 1u << 0 | 1u << 2, want, len);
	/* one hung target (frozen, not killed): its RPCs time out */
	read_lost("/ec/concurrent", &l, 1u << 1, want, len, SIGSTOP);
out:
	free(want);
}

/* A shard corrupted on a target's disk: the read gives the right bytes
 * (rebuilt from the others) and writes the rebuilt cells back, after which
 * a scrub of the file finds every block good again. */
static int bad_blocks(const struct pfs_scrub_obj *o, void *arg)
{
	*(uint64_t *)arg += o->bad;
	return 0;
}

static void case_bad_shard(void)
{
	const size_t len = 4 * 4 * 16384;
	uint8_t *want = malloc(len);
	struct pfs_layout l;
	pfs_file_t *f = ec_create("/ec/bad", 4, 2, 16384, &l);
	uint64_t bad = 0;
	char cmd[700];
	int rc;

	if (!f)
		goto out;
	fill(want, len, 11);
	T_CHECK(pfs_pwrite(f, want, len, 0) == (ssize_t)len, "write before the damage");
	T_CHECK(pfs_fsync(f) == 0, "fsync before the damage");
	pfs_close(f);
	/* 16 bytes in the middle of data stripe 1's second cell */
	snprintf(cmd, sizeof(cmd),
		 "f=$(find %s/oss%u/objects -name '%llu.1'); test -n \"$f\" && "
		 "printf 'XXXXXXXXXXXXXXXX' | dd of=\"$f\" bs=1 seek=%d conv=notrunc status=none",
		 ec_cluster.dir, l.targets[1], (unsigned long long)l.fid, 16384 + 5000);
	T_CHECK(system(cmd) == 0, "flip bytes in a shard on disk");
	rc = pfs_scrub_file(ec_fs, "/ec/bad", bad_blocks, &bad);
	T_CHECK(rc == 0 && bad == 1, "scrub finds the bad block (rc %d, bad %llu)", rc,
	      (unsigned long long)bad);
	read_matches("/ec/bad", want, len, "read around a corrupt shard");
	bad = 0;
	rc = pfs_scrub_file(ec_fs, "/ec/bad", bad_blocks, &bad);
	T_CHECK(rc == 0 && bad == 0, "the read repaired it (rc %d, bad %llu)", rc,
	      (unsigned long long)bad);
	read_with_loss("/ec/bad", &l, 1u << 0 | 1u << 4, want, len);
out:
	free(want);
}

/* Truncate inside a row recomputes that row's parity. */
static void case_truncate(void)
{
	const size_t len = 6 * 4 * 16384;
	uint8_t *want = malloc(len);
	struct pfs_layout l;
	pfs_file_t *f = ec_create("/ec/trunc", 4, 2, 16384, &l);
	const size_t cut = 2 * 4 * 16384 + 16384 + 999;

	if (!f)
		goto out;
	fill(want, len, 99);
	T_CHECK(pfs_pwrite(f, want, len, 0) == (ssize_t)len, "write before truncate");
	T_CHECK(pfs_ftruncate(f, cut) == 0, "truncate to %zu", cut);
	pfs_close(f);
	read_matches("/ec/trunc", want, cut, "after truncate");
	/* stripes 0 (holds the new end) and 1 lost: row 2 comes from parity */
	read_with_loss("/ec/trunc", &l, 1u << 0 | 1u << 1, want, cut);
	f = NULL;
	if (pfs_open(ec_fs, "/ec/trunc", O_RDWR, 0, NULL, &f) == 0) {
		memset(want + cut, 0, len - cut);    /* growing adds zeros */
		T_CHECK(pfs_ftruncate(f, len) == 0, "truncate up");
		pfs_close(f);
		read_with_loss("/ec/trunc", &l, 1u << 1 | 1u << 2, want, len);
	}
out:
	free(want);
}

/* A target lost for good: health says degraded, rebuild moves its stripe
 * to another target, after which any m others may fail again. */
static void case_rebuild(void)
{
	const size_t len = 5 * 4 * 16384 + 4321;
	uint8_t *want = malloc(len);
	struct pfs_layout l, nl;
	struct pfs_health h;
	pfs_file_t *f = ec_create("/ec/rebuild", 4, 2, 16384, &l);
	uint32_t lost, placed = 0;
	char cmd[600];
	int rc;

	if (!f)
		goto out;
	fill(want, len, 5);
	T_CHECK(pfs_pwrite(f, want, len, 0) == (ssize_t)len, "write before rebuild");
	pfs_close(f);
	lost = l.targets[1];
	kill_targets(&lost, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s/oss%u", ec_cluster.dir, lost);
	T_CHECK(system(cmd) == 0, "remove target %u's storage", lost);
	rc = pfs_health(ec_fs, "/ec/rebuild", &h);
	T_CHECK(rc == 0 && h.lost == 1 && h.stripe_err[1] != 0 && h.redundancy == 2,
	      "health: 1 of 6 lost (rc %d, lost %u)", rc, h.lost);
	rc = pfs_rebuild(ec_fs, "/ec/rebuild", lost, -1, &placed);
	T_CHECK(rc == 0, "rebuild: %s", pfs_strerror(rc));
	T_CHECK(pfs_getstripe(ec_fs, "/ec/rebuild", &nl) == 0 && nl.targets[1] == placed &&
	      placed != lost, "the layout names the new target %u", placed);
	rc = pfs_health(ec_fs, "/ec/rebuild", &h);
	T_CHECK(rc == 0 && h.lost == 0, "healthy after the rebuild");
	/* full redundancy again: lose two other stripes, including the new one */
	read_with_loss("/ec/rebuild", &nl, 1u << 1 | 1u << 4, want, len);
	read_with_loss("/ec/rebuild", &nl, 1u << 0 | 1u << 3, want, len);
	T_CHECK(pfs_rebuild(ec_fs, "/ec/rebuild", 250, -1, NULL) == -ENOENT,
	      "rebuild of a target the file does not use: ENOENT");
	T_CHECK(cluster_start_oss(&ec_cluster, (int)lost) == 0, "the lost target comes back empty");
	{
		pfs_file_t *r = NULL;
		struct pfs_layout rl = { .stripe_count = 2, .first_target = -1 };

		if (pfs_open(ec_fs, "/ec/raid0", O_RDWR | O_CREAT, 0644, &rl, &r) == 0) {
			pfs_get_layout(r, &rl);
			pfs_close(r);
			T_CHECK(pfs_rebuild(ec_fs, "/ec/raid0", rl.targets[0], -1, NULL) == -EOPNOTSUPP,
			      "rebuild of a RAID0 file: EOPNOTSUPP");
		}
	}
out:
	free(want);
}

/* ---- setup ---- */

static int write_conf(void)
{
	FILE *cf = fopen(ec_cluster.conf, "w");

	if (!cf)
		return -errno;
	fprintf(cf, "provider = tcp\nmds_host = 127.0.0.1\nmds_port = %d\ntimeout_ms = %d\n",
		ec_cluster.base_port, TIMEOUT_MS);
	fclose(cf);
	return 0;
}

static int wait_up(void)
{
	struct pfs_target_stat t[NOSS];
	double t0 = now_s();

	while (now_s() - t0 < 30) {
		int n = pfs_statfs(ec_fs, t, NOSS), up = 0;

		for (int i = 0; i < n; i++)
			up += t[i].up;
		if (n == NOSS && up == NOSS)
			return 0;
		usleep(100 * 1000);
	}
	return -ETIMEDOUT;
}

/* The cluster of one case, in the case's own process. */
static void ec_cluster_up(void)
{
	int rc;

	setenv("PFS_TEST_LOCK_GRACE_MS", GRACE_MS, 1);
	rc = cluster_start(&ec_cluster, NOSS, "tcp");
	if (!rc)
		rc = write_conf();
	if (!rc)
		rc = pfs_connect(ec_cluster.conf, &ec_fs);
	if (!rc)
		rc = wait_up();
	if (!rc)
		rc = pfs_mkdir(ec_fs, "/ec", 0755);
	if (rc)
		setenv("PFS_KEEP_TEST_DIR", "1", 1);
	T_CHECK(rc == 0, "cluster did not come up: %s (logs in %s)", pfs_strerror(rc),
		ec_cluster.dir);
}

static void ec_cluster_down(void)
{
	T_OK(pfs_disconnect(ec_fs));
	cluster_destroy(&ec_cluster);
}

#define ON_CLUSTER(name, call)                                                      \
	static void name(void)                                                      \
	{                                                                           \
		ec_cluster_up();                                                    \
		call;                                                               \
		ec_cluster_down();                                                  \
	}
static int ec_all;
ON_CLUSTER(roundtrip, case_roundtrip())
ON_CLUSTER(dead_found_fast, case_dead_found_fast())
ON_CLUSTER(patterns_4_2, case_patterns(4, 2, 16384, 1))
ON_CLUSTER(patterns_8_3, case_patterns(8, 3, 8192, ec_all))
ON_CLUSTER(concurrent_writers, case_concurrent_writers())
ON_CLUSTER(bad_shard, case_bad_shard())
ON_CLUSTER(truncate_parity, case_truncate())
ON_CLUSTER(writes_with_kills, case_writes_with_kills())
ON_CLUSTER(rebuild, case_rebuild())

int main(void)
{
	static const struct t_case cases[] = {
		T_CASE(roundtrip), T_CASE(dead_found_fast), T_CASE(patterns_4_2),
		T_CASE(patterns_8_3), T_CASE(concurrent_writers), T_CASE(bad_shard),
		T_CASE(truncate_parity), T_CASE(writes_with_kills), T_CASE(rebuild),
	};
	double t0 = now_s();
	int rc;

	ec_all = getenv("PFS_EC_ALL") && !strcmp(getenv("PFS_EC_ALL"), "1");
	/* The generators below take an unsigned seed: the run's seed folded. */
	ec_seed = (unsigned)(t_seed() ^ (t_seed() >> 32));
	t_run_cases(cases, T_NCASES(cases), 600);
	rc = t_done();
	printf("# test_ec: %.1f s\n", now_s() - t0);
	return rc;
}
