/* test_stream.c - write-behind and read-ahead (libpfs/stream.c) against a
 * live cluster (1 MDS + 3 OSS): seeded random mixes of cached and uncached
 * I/O on RAID0, small-stripe, EC and compressed files checked byte for byte
 * against a model, with the caches from the config or from
 * pfs_file_set_cache; 4 threads sharing one cached handle; the visibility
 * contract (fsync publishes, fsync refreshes); a buffered write lost to a
 * dead target reported by a later call. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "cluster.h"
#include "pfs_test.h"
#include "pfs.h"

#define NOSS 3
#define MIB (1u << 20)
#define MODEL_MAX (24u * MIB)

static struct cluster tc;
static pfs_fs_t *plain, *cached;

/* A connection with the cluster's config plus extra lines. */
static int connect_with(const char *extra, pfs_fs_t **fs)
{
	char path[400], name[64];
	int rc;

	static int made;

	/* One file per connection config: cases run in forked children. */
	snprintf(name, sizeof(name), "cached-%d-%d.conf", (int)getpid(), made++);
	rc = cluster_conf_with(&tc, name, extra, path, sizeof(path));
	return rc ? rc : pfs_connect(path, fs);
}

/* Compares what f reads at [off, off + len) with the model of a file of
 * `size` bytes (short at end of file). */
static void expect(pfs_file_t *f, const uint8_t *model, uint64_t size, uint64_t off,
		   size_t len, const char *what)
{
	uint8_t *buf = malloc(len ? len : 1);
	size_t want = off >= size ? 0 : (size - off < len ? (size_t)(size - off) : len);
	ssize_t n = pfs_pread(f, buf, len, off);

	T_CHECK(n == (ssize_t)want, "%s: read %zu at %" PRIu64 " (size %" PRIu64 "): %zd, want %zu",
	      what, len, off, size, n, want);
	if (n == (ssize_t)want && memcmp(buf, model + off, want)) {
		for (size_t i = 0; i < want; i++)
			if (buf[i] != model[off + i])
				T_FAIL("%s: first wrong byte at %" PRIu64 " (read %zu at %" PRIu64 ")",
				       what, off + i, len, off);
	}
	free(buf);
}

static size_t pick_len(void)
{
	static const size_t lens[] = { 1, 4096, 65536, 700000, MIB, MIB + 1, 3 * MIB, 12345 };

	return lens[t_rand() % (sizeof(lens) / sizeof(lens[0]))];
}

/* One write through the cached handle, as pwrite or as a 3-piece pwritev. */
static void put(pfs_file_t *f, uint8_t *model, uint64_t *size, uint64_t off, size_t len,
		const char *what)
{
	uint8_t *src = malloc(len);
	ssize_t n;

	t_fill(src, len);
	if (len > 2 && t_rand() % 3 == 0) {
		struct iovec v[3] = { { src, 1 }, { src + 1, len / 2 }, { src + 1 + len / 2,
									   len - 1 - len / 2 } };
		n = pfs_pwritev(f, v, 3, off);
	} else {
		n = pfs_pwrite(f, src, len, off);
	}
	T_CHECK(n == (ssize_t)len, "%s: write %zu at %" PRIu64 ": %zd", what, len, off, n);
	memcpy(model + off, src, len);
	if (off + len > *size)
		*size = off + len;
	free(src);
}

/* Seeded random runs of sequential and random, cached and uncached reads
 * and writes, truncates and fsyncs on one cached handle (through the
 * cached connection, or a plain one with pfs_file_set_cache); then the
 * file is read back through a plain connection. */
static void mix(const char *name, const struct pfs_layout *l, int per_file)
{
	uint8_t *model = calloc(1, MODEL_MAX);
	uint64_t size = 0, pos = 0;
	char path[64], what[96];
	pfs_file_t *f = NULL, *g = NULL;
	int rc;

	snprintf(path, sizeof(path), "/mix-%s", name);
	rc = pfs_open(per_file ? plain : cached, path, O_RDWR | O_CREAT | O_TRUNC, 0644, l, &f);
	if (!rc && per_file)
		rc = pfs_file_set_cache(f, 3, 5);
	T_CHECK(rc == 0, "%s: open: %s", name, pfs_strerror(rc));
	if (rc)
		goto out;
	for (int step = 0; step < 160; step++) {
		int op = t_rand() % 100, run = 1 + t_rand() % 8;
		size_t len = pick_len();

		snprintf(what, sizeof(what), "%s step %d", name, step);
		if (op < 35) {                          /* a sequential write run */
			for (int i = 0; i < run && pos + len <= MODEL_MAX; i++, pos += len)
				put(f, model, &size, pos, len, what);
		} else if (op < 45) {                   /* a random overwrite */
			uint64_t off = t_rand() % (MODEL_MAX - len);

			put(f, model, &size, off, len, what);
		} else if (op < 75) {                   /* a sequential read run */
			for (int i = 0; i < run && pos + len <= MODEL_MAX; i++, pos += len)
				expect(f, model, size, pos, len, what);
		} else if (op < 85) {                   /* a random read */
			expect(f, model, size, t_rand() % MODEL_MAX / 2, len, what);
		} else if (op < 88) {                   /* list I/O on the same handle */
			struct pfs_extent e = { t_rand() % (MODEL_MAX - 8192), 8192 };
			uint8_t b[8192];
			struct iovec v = { b, sizeof(b) };

			t_fill(b, sizeof(b));
			T_CHECK(pfs_writelist(f, &v, 1, &e, 1) == 8192, "%s: writelist", what);
			memcpy(model + e.off, b, sizeof(b));
			if (e.off + e.len > size)
				size = e.off + e.len;
		} else if (op < 91) {                   /* truncate, down or up */
			uint64_t to = t_rand() % MODEL_MAX;

			T_CHECK(pfs_ftruncate(f, to) == 0, "%s: truncate", what);
			if (to < size)
				memset(model + to, 0, size - to);
			size = to;
		} else if (op < 95) {
			struct pfs_stat st;

			T_CHECK(pfs_fstat(f, &st) == 0 && st.size == size,
			      "%s: fstat size %" PRIu64 ", want %" PRIu64, what, st.size, size);
		} else if (op < 98) {
			T_CHECK(pfs_fsync(f) == 0, "%s: fsync", what);
		} else {
			pos = t_rand() % (MODEL_MAX / 2);
		}
		if (pos + 4 * MIB > MODEL_MAX)
			pos = 0;
	}
	rc = pfs_close(f);
	T_CHECK(rc == 0, "%s: close: %s", name, pfs_strerror(rc));
	rc = pfs_open(plain, path, O_RDONLY, 0, NULL, &g);
	T_CHECK(rc == 0, "%s: reopen: %s", name, pfs_strerror(rc));
	if (!rc) {
		snprintf(what, sizeof(what), "%s after close", name);
		expect(g, model, size, 0, MODEL_MAX, what);
		pfs_close(g);
	}
out:
	free(model);
}

/* Threads sharing one cached handle: each writes every NTHREADS-th record
 * (so the collecting slot changes hands all the time), then reads its own
 * records back, last first; the handle's own writes must always be seen
 * (others' records may not be written yet; the whole file is checked after
 * the threads end). */
#define NTHREADS 4
#define REC (96u << 10)
#define NREC 96

struct shared {
	pfs_file_t *f;
	uint8_t *model;
	int t;
	int bad;
};

static void *thread_io(void *arg)
{
	struct shared *sh = arg;
	uint8_t *buf = malloc(REC);

	if (!buf) {
		sh->bad++;
		return NULL;
	}
	for (int r = sh->t; r < NREC; r += NTHREADS)
		if (pfs_pwrite(sh->f, sh->model + (size_t)r * REC, REC, (uint64_t)r * REC) != REC)
			sh->bad++;
	for (int r = NREC - NTHREADS + sh->t; r >= 0; r -= NTHREADS)
		if (pfs_pread(sh->f, buf, REC, (uint64_t)r * REC) != REC ||
		    memcmp(buf, sh->model + (size_t)r * REC, REC))
			sh->bad++;
	free(buf);
	return NULL;
}

static void threads(void)
{
	static const struct pfs_layout l = { .stripe_count = NOSS, .stripe_size = 256 << 10,
					     .first_target = -1 };
	struct shared sh[NTHREADS];
	pthread_t tid[NTHREADS];
	uint8_t *model = malloc((size_t)NREC * REC);
	pfs_file_t *f = NULL, *g = NULL;
	int bad = 0, started[NTHREADS];

	if (!model)
		T_FAIL("threads: out of memory");
	t_fill(model, (size_t)NREC * REC);
	if (pfs_open(cached, "/threads", O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f))
		T_FAIL("threads: open");
	for (int t = 0; t < NTHREADS; t++) {
		sh[t] = (struct shared){ .f = f, .model = model, .t = t };
		started[t] = pthread_create(&tid[t], NULL, thread_io, &sh[t]) == 0;
		T_CHECK(started[t], "threads: thread %d not started", t);
	}
	for (int t = 0; t < NTHREADS; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		bad += sh[t].bad;
	}
	T_CHECK(bad == 0, "threads: %d writes or reads of own records failed", bad);
	expect(f, model, (uint64_t)NREC * REC, 0, (size_t)NREC * REC, "threads: whole file");
	T_CHECK(pfs_close(f) == 0, "threads: close");
	if (pfs_open(plain, "/threads", O_RDONLY, 0, NULL, &g))
		T_FAIL("threads: reopen");
	expect(g, model, (uint64_t)NREC * REC, 0, (size_t)NREC * REC, "threads: after close");
	pfs_close(g);
	free(model);
}

/* fsync (or close) publishes buffered writes to other clients; a reader's
 * own fsync drops what it read ahead, so it sees others' later writes. */
static void visibility(void)
{
	static const struct pfs_layout l = { .stripe_count = NOSS, .stripe_size = MIB,
					     .first_target = -1 };
	uint8_t *a = malloc(8 * MIB), *b = malloc(8 * MIB);
	pfs_file_t *w = NULL, *r = NULL, *p = NULL;
	struct pfs_stat st;

	t_fill(a, 8 * MIB);
	if (pfs_open(cached, "/vis", O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &w) ||
	    pfs_open(plain, "/vis", O_RDWR, 0, NULL, &p)) {
		T_FAIL("visibility: open");
		goto out;
	}
	for (int i = 0; i < 8; i++)
		T_CHECK(pfs_pwrite(w, a + i * MIB, MIB, (uint64_t)i * MIB) == MIB, "vis: write %d", i);
	T_CHECK(pfs_fstat(w, &st) == 0 && st.size == 8 * MIB, "vis: writer's fstat sees its bytes");
	T_CHECK(pfs_fsync(w) == 0, "vis: fsync");
	expect(p, a, 8 * MIB, 0, 8 * MIB, "vis: another client after fsync");

	/* A cached reader streams the first units, so later ones are fetched. */
	if (pfs_open(cached, "/vis", O_RDONLY, 0, NULL, &r))
		T_FAIL("visibility: open reader");
	expect(r, a, 8 * MIB, 0, MIB, "vis: reader unit 0");
	expect(r, a, 8 * MIB, MIB, MIB, "vis: reader unit 1");
	t_fill(b, 8 * MIB);
	T_CHECK(pfs_pwrite(p, b + 4 * MIB, MIB, 4 * MIB) == MIB, "vis: plain overwrite");
	memcpy(a + 4 * MIB, b + 4 * MIB, MIB);
	T_CHECK(pfs_fsync(r) == 0, "vis: reader fsync");
	expect(r, a, 8 * MIB, 2 * MIB, 6 * MIB, "vis: reader sees the overwrite after its fsync");
	/* The writer's own overwrite is seen by its own read at once. */
	memcpy(a, b, 4096);
	T_CHECK(pfs_pwrite(w, b, 4096, 0) == 4096, "vis: rewrite");
	expect(w, a, 8 * MIB, 0, 2 * MIB, "vis: read after own write");
out:
	if (r)
		pfs_close(r);
	if (p)
		pfs_close(p);
	if (w)
		T_CHECK(pfs_close(w) == 0, "vis: close");
	free(a);
	free(b);
}

/* pfs_file_set_cache turns a handle's caches off (its next write is on
 * the servers when it returns: 4 KiB, which a cache would still be
 * collecting) and refuses sizes over 1024 MiB. */
static void per_file_off(void)
{
	static const struct pfs_layout l = { .stripe_count = NOSS, .stripe_size = MIB,
					     .first_target = -1 };
	uint8_t *a = malloc(MIB);
	pfs_file_t *f = NULL, *p = NULL;

	t_fill(a, MIB);
	if (pfs_open(cached, "/off", O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f) ||
	    pfs_open(plain, "/off", O_RDONLY, 0, NULL, &p)) {
		T_FAIL("off: open");
		goto out;
	}
	T_CHECK(pfs_file_set_cache(f, 1025, 0) == -EINVAL, "off: 1025 MiB refused");
	T_CHECK(pfs_file_set_cache(NULL, 1, 1) == -EINVAL, "off: NULL refused");
	T_CHECK(pfs_file_set_cache(f, 0, 0) == 0, "off: turned off");
	T_CHECK(pfs_pwrite(f, a, 4096, 0) == 4096, "off: write");
	expect(p, a, 4096, 0, 4096, "off: another client sees an uncached write at once");
out:
	if (p)
		pfs_close(p);
	if (f)
		T_CHECK(pfs_close(f) == 0, "off: close");
	free(a);
}

/* Buffered writes to a target that is down: the failure surfaces on a
 * later pwrite or at close, never silently. */
static void lost_target(void)
{
	static const struct pfs_layout l = { .stripe_count = NOSS, .stripe_size = MIB,
					     .first_target = 0 };
	uint8_t *a = calloc(1, MIB);
	pfs_fs_t *fast = NULL;
	pfs_file_t *f = NULL;
	int reported = 0, rc;

	rc = connect_with("write_behind_mib = 8\ntimeout_ms = 1500\n", &fast);
	T_CHECK(rc == 0, "lost: connect: %s", pfs_strerror(rc));
	if (rc || pfs_open(fast, "/lost", O_WRONLY | O_CREAT | O_TRUNC, 0644, &l, &f))
		T_FAIL("lost: open");
	T_CHECK(pfs_pwrite(f, a, MIB, 0) == MIB, "lost: first write");
	T_CHECK(pfs_fsync(f) == 0, "lost: fsync while all are up");
	cluster_kill_oss(&tc, 1, SIGKILL);
	for (int i = 0; i < 6; i++) {
		ssize_t n = pfs_pwrite(f, a, MIB, (uint64_t)i * MIB);

		if (n < 0)
			reported++;
		else
			T_CHECK(n == MIB, "lost: write %d: %zd", i, n);
	}
	rc = pfs_close(f);
	f = NULL;
	if (rc < 0)
		reported++;
	T_CHECK(reported >= 1, "lost: no call reported the failed buffered write");
	T_CHECK(cluster_start_oss(&tc, 1) == 0, "lost: restart target 1");
	pfs_disconnect(fast);      /* its result after a lost target is not the point */
	free(a);
}

/* Every case but lost_target runs against the cluster main started; each
 * connects its two clients (plain, and cached through the client caches)
 * in its own forked child. */
static void connect_both(void)
{
	int rc = pfs_connect(NULL, &plain);

	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
	rc = connect_with("write_behind_mib = 4\nread_ahead_mib = 4\n", &cached);
	T_CHECK(rc == 0, "connect cached: %s", pfs_strerror(rc));
}

static void disconnect_both(void)
{
	T_OK(pfs_disconnect(cached));
	T_OK(pfs_disconnect(plain));
}

static const struct pfs_layout raid0 = { .stripe_count = NOSS, .stripe_size = MIB,
					 .first_target = -1 };

static void mix_raid0(void)
{
	connect_both();
	mix("raid0", &raid0, 0);
	disconnect_both();
}

static void mix_small_stripes(void)
{
	const struct pfs_layout small = { .stripe_count = NOSS, .stripe_size = 64 << 10,
					  .first_target = -1 };

	connect_both();
	mix("small-stripes", &small, 0);
	disconnect_both();
}

static void mix_ec(void)
{
	const struct pfs_layout ec = { .pattern = PFS_PATTERN_EC, .ec_k = 2, .ec_m = 1,
				       .stripe_size = 256 << 10, .first_target = -1 };

	connect_both();
	mix("ec", &ec, 0);
	disconnect_both();
}

static void mix_lz4(void)
{
	const struct pfs_layout lz4 = { .stripe_count = NOSS, .stripe_size = MIB,
					.first_target = -1, .compress = PFS_COMPRESS_LZ4 };

	connect_both();
	mix("lz4", &lz4, 0);
	disconnect_both();
}

static void mix_raid0_per_file(void)
{
	connect_both();
	mix("raid0-per-file", &raid0, 1);
	disconnect_both();
}

/* Wraps a case that needs only the two connections. */
#define CONNECTED(fn)                                                               \
	static void fn##_case(void)                                                 \
	{                                                                           \
		connect_both();                                                     \
		fn();                                                               \
		disconnect_both();                                                  \
	}
CONNECTED(threads)
CONNECTED(per_file_off)
CONNECTED(visibility)

/* lost_target kills and restarts a server, which only the server's parent
 * can reap: it runs on a cluster of its own, started in its forked child. */
static void lost_target_case(void)
{
	T_CHECK(cluster_start(&tc, NOSS, getenv("PFS_TEST_PROVIDER")) == 0,
		"cluster did not come up");
	lost_target();
	cluster_destroy(&tc);
}

int main(void)
{
	static const struct t_case cases[] = {
		T_CASE(mix_raid0), T_CASE(mix_small_stripes), T_CASE(mix_ec), T_CASE(mix_lz4),
		T_CASE(mix_raid0_per_file), { "threads", threads_case },
		{ "per_file_off", per_file_off_case }, { "visibility", visibility_case },
	};

	t_seed();
	if (cluster_start(&tc, NOSS, getenv("PFS_TEST_PROVIDER"))) {
		t_fail_cases(cases, T_NCASES(cases), "the cluster did not come up");
	} else {
		t_run_cases(cases, T_NCASES(cases), 600);
		cluster_destroy(&tc);
	}
	t_run("lost_target", lost_target_case, 600);
	return t_done();
}
