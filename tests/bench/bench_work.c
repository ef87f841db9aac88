/* bench_work.c - what one pfs_bench worker process does: the client side
 * (pfs or a tmpfs directory) and the stream, random, metadata and ping loads. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bench_suite.h"
#include "pfs.h"

/* ---- the client side: pfs or a local (tmpfs) directory ---- */


struct bench_cli {
	pfs_fs_t *fs;
	const char *root;
};

struct bench_fh {
	pfs_file_t *f;
	int fd;
};

static void bench_path(const struct bench_cli *c, char *buf, size_t len, const char *name)
{
	if (c->fs)
		snprintf(buf, len, "/%s", name);
	else
		snprintf(buf, len, "%s/%s", c->root, name);
}

static int bench_connect(struct bench_cli *c, const struct bench_wl *w)
{
	c->fs = NULL;
	c->root = w->root;
	return w->pfs ? pfs_connect(NULL, &c->fs) : 0;
}

static void bench_disconnect(struct bench_cli *c)
{
	if (c->fs)
		pfs_disconnect(c->fs);
}

static int bench_open(struct bench_cli *c, const char *name, int flags, int striped,
		      struct bench_fh *h, const struct bench_wl *w)
{
	struct pfs_layout l = { .stripe_count = BENCH_NOSS, .stripe_size = BENCH_XFER,
				.first_target = -1, .compress = w->compress,
				.compress_level = w->level };
	/* A row of 2 cells is one transfer: every write is a full row. */
	struct pfs_layout ec = { .pattern = PFS_PATTERN_EC, .ec_k = BENCH_EC_K, .ec_m = BENCH_EC_M,
				 .stripe_size = BENCH_XFER / BENCH_EC_K, .first_target = -1 };
	char path[512];

	bench_path(c, path, sizeof(path), name);
	h->f = NULL;
	h->fd = -1;
	if (c->fs)
		return pfs_open(c->fs, path, flags, 0644, w->ec ? &ec : striped ? &l : NULL,
				&h->f);
	h->fd = open(path, flags, 0644);
	return h->fd < 0 ? -errno : 0;
}

static ssize_t bench_io(struct bench_fh *h, int write, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	if (h->f)
		return write ? pfs_pwrite(h->f, buf, len, off) : pfs_pread(h->f, buf, len, off);
	n = write ? pwrite(h->fd, buf, len, (off_t)off) : pread(h->fd, buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}

static int bench_fsync(struct bench_fh *h)
{
	if (h->f)
		return pfs_fsync(h->f);
	return fsync(h->fd) ? -errno : 0;
}

static int bench_close(struct bench_fh *h)
{
	if (h->f)
		return pfs_close(h->f);
	return h->fd >= 0 && close(h->fd) ? -errno : 0;
}

static int bench_unlink(struct bench_cli *c, const char *name)
{
	char path[512];

	bench_path(c, path, sizeof(path), name);
	if (c->fs)
		return pfs_unlink(c->fs, path);
	return unlink(path) ? -errno : 0;
}

static int bench_stat(struct bench_cli *c, const char *name)
{
	char path[512];
	struct stat st;

	bench_path(c, path, sizeof(path), name);
	if (c->fs) {
		struct pfs_stat ps;

		return pfs_stat(c->fs, path, &ps);
	}
	return stat(path, &st) ? -errno : 0;
}

static int bench_mkdir(struct bench_cli *c, const char *name)
{
	char path[512];
	int rc;

	bench_path(c, path, sizeof(path), name);
	if (c->fs)
		rc = pfs_mkdir(c->fs, path, 0755);
	else
		rc = mkdir(path, 0755) ? -errno : 0;
	return rc == -EEXIST ? 0 : rc;
}

void bench_file_name(const struct bench_wl *w, int rank, char *buf, size_t len)
{
	if (w->shared)
		snprintf(buf, len, "%s", w->file);
	else
		snprintf(buf, len, "%s.%d", w->file, rank);
}

static void bench_err(struct bench_result *res, int rc, const char *what)
{
	res->rc = rc ? rc : -EIO;
	snprintf(res->err, sizeof(res->err), "%s: %s", what, pfs_strerror(res->rc));
}

/* ---- workers (each in its own process) ---- */

/* Compressible (words, like logs or text) or incompressible (random) data. */
static void bench_fill(uint8_t *p, size_t n, int text, int rank)
{
	static const char *words[] = { "stripe ", "object ", "target ", "checkpoint ", "rank ",
				       "0.000123 ", "step=", "loss ", "the ", "\n" };
	unsigned seed = 1234u + (unsigned)rank;
	size_t i = 0;

	if (!text) {
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)rand_r(&seed);
		return;
	}
	while (i < n) {
		const char *wd = words[rand_r(&seed) % 10];
		size_t l = strlen(wd);

		memcpy(p + i, wd, l < n - i ? l : n - i);
		i += l;
	}
}

static void bench_stream(int rank, int nproc, const struct bench_wl *w,
			 struct bench_result *res)
{
	int write = w->kind == BK_WRITE;
	size_t nx = w->bytes / BENCH_XFER;
	struct bench_cli c;
	struct bench_fh h;
	char name[128];
	uint8_t *buf;
	int rc;

	buf = aligned_alloc(4096, BENCH_XFER);
	if (!buf) {
		bench_err(res, -ENOMEM, "buffer");
		return;
	}
	if (w->compress)
		bench_fill(buf, BENCH_XFER, w->text, rank);
	else
		memset(buf, 0x5a + rank, BENCH_XFER);
	bench_file_name(w, rank, name, sizeof(name));
	rc = bench_connect(&c, w);
	if (rc) {
		bench_err(res, rc, "connect");
		return;
	}
	rc = bench_open(&c, name, write ? O_RDWR | O_CREAT : O_RDONLY, 1, &h, w);
	if (rc) {
		bench_err(res, rc, "open");
		goto out;
	}
	bench_barrier();
	res->t0 = bench_now();
	for (size_t k = 0; k < nx; k++) {
		uint64_t off = w->shared ? ((uint64_t)k * (uint64_t)nproc + (uint64_t)rank) * BENCH_XFER
					 : (uint64_t)k * BENCH_XFER;
		ssize_t n = bench_io(&h, write, buf, BENCH_XFER, off);

		if (n != BENCH_XFER) {
			bench_err(res, n < 0 ? (int)n : -EIO, write ? "write" : "read");
			goto close;
		}
	}
	if (write && (rc = bench_fsync(&h))) {
		bench_err(res, rc, "fsync");
		goto close;
	}
	res->t1 = bench_now();
	res->bytes = (double)nx * BENCH_XFER;
	res->rc = 0;
	if (write && w->compress && c.fs) {
		char path[512];
		uint64_t size, stored;

		/* ops carries the bytes stored on the targets (for the ratio). */
		bench_path(&c, path, sizeof(path), name);
		if (pfs_stored_size(c.fs, path, &size, &stored) == 0)
			res->ops = (double)stored;
	}
close:
	rc = bench_close(&h);
	if (rc && !res->rc)
		bench_err(res, rc, "close");
out:
	bench_disconnect(&c);
	free(buf);
}

static void bench_unlink_files(int rank, int nproc, const struct bench_wl *w,
			       struct bench_result *res)
{
	struct bench_cli c;
	char name[128];
	int rc = bench_connect(&c, w);

	if (rc) {
		bench_err(res, rc, "connect");
		return;
	}
	res->rc = 0;
	for (int i = 0; i < (w->shared ? 1 : nproc); i++) {
		bench_file_name(w, i, name, sizeof(name));
		rc = bench_unlink(&c, name);
		if (rc && rc != -ENOENT)
			bench_err(res, rc, "unlink");
	}
	bench_disconnect(&c);
	(void)rank;
}

/* Random 4 KiB I/O: qd threads, each with one request at a time. */
struct bench_rand {
	const struct bench_wl *w;
	struct bench_fh *h;
	pthread_barrier_t *start;
	double deadline;
	unsigned seed;
	double *lat;
	size_t n, cap;
	int rc;
};

static void *bench_rand_thread(void *p)
{
	struct bench_rand *r = p;
	uint64_t blocks = r->w->file_bytes / 4096;
	uint8_t *buf = aligned_alloc(4096, 4096);

	if (!buf) {
		r->rc = -ENOMEM;
		return NULL;
	}
	memset(buf, 0x33, 4096);
	pthread_barrier_wait(r->start);
	while (!r->rc) {
		uint64_t off = ((uint64_t)rand_r(&r->seed) % blocks) * 4096;
		double t0 = bench_now(), t1;
		ssize_t n = bench_io(r->h, r->w->rand_write, buf, 4096, off);

		t1 = bench_now();
		if (n != 4096) {
			r->rc = n < 0 ? (int)n : -EIO;
			break;
		}
		if (r->n == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 65536;
			double *nl = realloc(r->lat, cap * sizeof(*nl));

			if (!nl) {
				r->rc = -ENOMEM;
				break;
			}
			r->lat = nl;
			r->cap = cap;
		}
		r->lat[r->n++] = (t1 - t0) * 1e6;
		if (t1 >= r->deadline)
			break;
	}
	free(buf);
	return NULL;
}

static void bench_randio(const struct bench_wl *w, struct bench_result *res)
{
	struct bench_rand r[BENCH_QD_MAX];
	pthread_t th[BENCH_QD_MAX];
	pthread_barrier_t start;
	struct bench_cli c;
	struct bench_fh h;
	double *all;
	size_t total = 0;
	int rc, qd = w->qd;

	rc = bench_connect(&c, w);
	if (rc) {
		bench_err(res, rc, "connect");
		return;
	}
	rc = bench_open(&c, w->file, O_RDWR, 1, &h, w);
	if (rc) {
		bench_err(res, rc, "open");
		goto out;
	}
	pthread_barrier_init(&start, NULL, (unsigned)qd + 1);
	for (int i = 0; i < qd; i++) {
		r[i] = (struct bench_rand){ .w = w, .h = &h, .start = &start,
					    .seed = 12345u + (unsigned)i * 7919u };
		pthread_create(&th[i], NULL, bench_rand_thread, &r[i]);
	}
	bench_barrier();
	res->t0 = bench_now();
	for (int i = 0; i < qd; i++)
		r[i].deadline = res->t0 + w->secs;
	pthread_barrier_wait(&start);
	res->rc = 0;
	for (int i = 0; i < qd; i++) {
		pthread_join(th[i], NULL);
		if (r[i].rc && !res->rc)
			bench_err(res, r[i].rc, w->rand_write ? "random write" : "random read");
		total += r[i].n;
	}
	res->t1 = bench_now();
	pthread_barrier_destroy(&start);
	all = malloc((total ? total : 1) * sizeof(*all));
	if (all) {
		size_t k = 0;

		for (int i = 0; i < qd; i++) {
			memcpy(all + k, r[i].lat, r[i].n * sizeof(*all));
			k += r[i].n;
		}
		res->p50_us = bench_quantile(all, total, 0.50);
		res->p99_us = bench_quantile(all, total, 0.99);
		free(all);
	}
	for (int i = 0; i < qd; i++)
		free(r[i].lat);
	res->ops = (double)total;
	res->bytes = (double)total * 4096;
	bench_close(&h);
out:
	bench_disconnect(&c);
}

/* Metadata: each process creates, stats or unlinks its share of the files
 * of one directory, with w->qd threads sharing its connection (each its own
 * slice of the names), so that qd operations per process are in flight. */
struct bench_meta_slice {
	struct bench_cli *c;
	const struct bench_wl *w;
	int rank, first, count, rc;
};

static void *bench_meta_thread(void *p)
{
	struct bench_meta_slice *m = p;
	const struct bench_wl *w = m->w;
	char name[128];
	int rc = 0;

	for (int i = m->first; i < m->first + m->count && !rc; i++) {
		snprintf(name, sizeof(name), "%s/f.%d.%d", w->file, m->rank, i);
		if (w->kind == BK_CREATE) {
			struct bench_fh h;

			rc = bench_open(m->c, name, O_WRONLY | O_CREAT | O_EXCL, 0, &h, w);
			if (!rc)
				rc = bench_close(&h);
		} else if (w->kind == BK_STAT) {
			rc = bench_stat(m->c, name);
		} else {
			rc = bench_unlink(m->c, name);
		}
	}
	m->rc = rc;
	return NULL;
}

static void bench_meta(int rank, const struct bench_wl *w, struct bench_result *res)
{
	struct bench_meta_slice m[BENCH_QD_MAX];
	pthread_t th[BENCH_QD_MAX];
	int qd = w->qd > 1 ? w->qd : 1, started = 0, rc;
	struct bench_cli c;

	rc = bench_connect(&c, w);
	if (rc) {
		bench_err(res, rc, "connect");
		return;
	}
	if (w->kind == BK_CREATE && (rc = bench_mkdir(&c, w->file))) {
		bench_err(res, rc, "mkdir");
		goto out;
	}
	bench_barrier();
	res->t0 = bench_now();
	res->rc = 0;
	for (int t = 0; t < qd; t++) {
		m[t] = (struct bench_meta_slice){ .c = &c, .w = w, .rank = rank,
			.first = w->nfiles * t / qd,
			.count = w->nfiles * (t + 1) / qd - w->nfiles * t / qd };
		if (qd == 1)
			bench_meta_thread(&m[t]);
		else if (pthread_create(&th[t], NULL, bench_meta_thread, &m[t]))
			m[t].rc = -EAGAIN;
		else
			started |= 1 << t;
	}
	for (int t = 0; t < qd; t++) {
		if (started >> t & 1)
			pthread_join(th[t], NULL);
		if (m[t].rc && !res->rc)
			bench_err(res, m[t].rc, w->kind == BK_CREATE ? "create" :
				  w->kind == BK_STAT ? "stat" : "unlink");
	}
	res->t1 = bench_now();
	res->ops = w->nfiles;
out:
	bench_disconnect(&c);
}

/* Waits until every target is up (a fresh cluster registers within ~2 s). */
static void bench_ping(const struct bench_wl *w, struct bench_result *res)
{
	for (int i = 0; i < 300; i++) {
		struct pfs_target_stat t[BENCH_NOSS];
		pfs_fs_t *fs;
		int up = 0, rc;

		if (pfs_connect(NULL, &fs) == 0) {
			rc = pfs_statfs(fs, t, BENCH_NOSS);
			for (int k = 0; k < rc && k < BENCH_NOSS; k++)
				up += t[k].up;
			pfs_disconnect(fs);
			if (rc == BENCH_NOSS && up == BENCH_NOSS) {
				res->rc = 0;
				return;
			}
		}
		usleep(50 * 1000);
	}
	(void)w;
	bench_err(res, -ETIMEDOUT, "targets up");
}

void bench_worker(int rank, int nproc, void *arg, struct bench_result *res)
{
	const struct bench_wl *w = arg;

	switch (w->kind) {
	case BK_WRITE:
	case BK_READ:
		bench_stream(rank, nproc, w, res);
		break;
	case BK_UNLINK:
		bench_unlink_files(rank, nproc, w, res);
		break;
	case BK_RAND:
		bench_randio(w, res);
		break;
	case BK_CREATE:
	case BK_STAT:
	case BK_MDUNLINK:
		bench_meta(rank, w, res);
		break;
	case BK_PING:
		bench_ping(w, res);
		break;
	}
}
