/* ec_rows.c - the rows of erasure-coded files: geometry, row locks, stripes
 * known lost, rebuilding lost cells of rows, and the size from the data objects.
 *
 * Geometry: S = stripe_size, row r holds data cell j (0 <= j < k) at offset
 * r*S of object j and parity cell p at offset r*S of object k+p; file byte o
 * is in row o / (k*S), cell (o % (k*S)) / S. The data objects alone are a
 * RAID0 file over k stripes (the "data view"), so reads touch parity only
 * when a data cell cannot be read.
 *
 * Parity of a row covers its first L bytes, L the longest data any cell of
 * the row holds; beyond L every cell is zeros (holes), and so is the parity
 * of zeros, so parity objects stay as short as the data.
 *
 * Concurrency: every write (and truncate, and rebuild) holds a lock on the
 * rows it changes, granted by the server of the first parity stripe
 * (OBJ_LOCK, a lease of 3 x timeout_ms). Two writers of one row therefore
 * never interleave their data and parity: the second reads the row after
 * the first wrote both. Reads take no lock: like RAID0 reads they may see a
 * row between a writer's data and parity, which matters only when that
 * read must rebuild a cell (then it races a writer it did not wait for).
 * A write that fails part-way leaves its rows' parity stale until the next
 * write of those rows, which recomputes it from all the data (a retry of
 * the failed write heals them). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "ec.h"
#include "ec_rows.h"
#include "layout.h"

#define EC_BATCH_BYTES (64u << 20)   /* row buffer of one batch, at most */
#define EC_LOCK_BACKOFF_MAX_MS 64
/* A stripe that did not answer is read around, without asking it again,
 * for this long: a dead target would otherwise cost every read an RPC
 * timeout. Then it is asked again. */
#define EC_LOST_RETRY_NS (5ull * 1000000000ull)

/* ---- setup ---- */

int ec_ctx_init(struct ec_ctx *c, pfs_file_t *f, const struct wire_layout *l)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->l = l;
	c->k = l->ec_k;
	c->m = l->ec_m;
	c->n = c->k + c->m;
	c->S = l->stripe_size;
	c->rowbytes = c->S * c->k;
	c->dview = *l;
	c->dview.pattern = PFS_PATTERN_RAID0;
	c->dview.stripe_count = c->k;
	c->dview.ec_k = c->dview.ec_m = 0;
	c->batch_rows = EC_BATCH_BYTES / (c->S * c->n);
	if (c->batch_rows == 0)
		c->batch_rows = 1;
	return ec_codec_init(&c->codec, c->k, c->m);
}

void ec_ctx_fini(struct ec_ctx *c)
{
	ec_codec_fini(&c->codec);
}

uint8_t *ec_cell(const struct ec_ctx *c, uint8_t *buf, uint64_t r0, uint64_t r, uint32_t j)
{
	return buf + ((r - r0) * c->n + j) * c->S;
}

/* What the MDS knows of the size: the hint read at open, or what this
 * handle told it since. A degraded read needs it when the lost stripe may
 * hold the end of the file. */
uint64_t ec_size_hint(pfs_file_t *f)
{
	uint64_t h;

	pthread_mutex_lock(&f->lock);
	h = f->size_told > f->attr.size_hint ? f->size_told : f->attr.size_hint;
	pthread_mutex_unlock(&f->lock);
	return h;
}

/* ---- stripes known lost ---- */

static uint64_t ec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The stripes a read should not ask now. */
uint64_t ec_lost_get(pfs_file_t *f)
{
	uint64_t mask;

	pthread_mutex_lock(&f->lock);
	if (f->ec_lost && ec_now_ns() - f->ec_lost_ns > EC_LOST_RETRY_NS)
		f->ec_lost = 0;
	mask = f->ec_lost;
	pthread_mutex_unlock(&f->lock);
	return mask;
}

/* Remembers the stripes that failed in transport (not a checksum error:
 * that stripe's server answers, and the bad cell is repaired). */
void ec_lost_note(pfs_file_t *f, const int *status, uint32_t n)
{
	uint64_t mask = 0;

	for (uint32_t j = 0; j < n; j++)
		if (status[j] && status[j] != -EIO && status[j] != -ENODEV)
			mask |= 1ull << j;
	if (!mask)
		return;
	pthread_mutex_lock(&f->lock);
	if (!f->ec_lost)
		f->ec_lost_ns = ec_now_ns();
	f->ec_lost |= mask;
	pthread_mutex_unlock(&f->lock);
}

/* ---- row locks ---- */

static int ec_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

static int ec_timeout_ms(const struct ec_ctx *c)
{
	return c->f->fs->cfg.timeout_ms > 0 ? c->f->fs->cfg.timeout_ms : 10000;
}

/* One OBJ_LOCK or OBJ_UNLOCK to the first parity stripe's server. */
static int ec_lock_rpc(struct ec_ctx *c, uint16_t op, const struct wire_obj_lock *m,
		       int timeout_ms)
{
	uint8_t req[64];
	fi_addr_t addr;
	int len, rc, transport;

	rc = client_target_addr(c->f->fs, c->l->targets[c->k], &addr);
	if (rc)
		return rc;
	len = wire_enc_obj_lock(req, sizeof(req), m);
	if (len < 0)
		return len;
	return client_call_once(c->f->fs, addr, op, req, (size_t)len, timeout_ms, NULL, NULL,
				&transport);
}

/* Locks rows [r0, r1), waiting (with back-off) while another writer holds
 * them or the lock server is in its restart grace, for at most 4 x
 * timeout_ms: longer than the server's default grace. */
int ec_lock(struct ec_ctx *c, uint64_t r0, uint64_t r1, struct wire_obj_lock *m)
{
	int tmo = ec_timeout_ms(c), wait_ms = 1, rc;
	uint64_t lease = 3ull * (uint64_t)tmo;
	struct timespec t0;

	memset(m, 0, sizeof(*m));
	m->fid = c->l->fid;
	m->row = r0;
	m->nrows = r1 - r0;
	m->lease_ms = lease > WIRE_LOCK_LEASE_MAX_MS ? WIRE_LOCK_LEASE_MAX_MS : (uint32_t)lease;
	if (getrandom(&m->owner, sizeof(m->owner), 0) != sizeof(m->owner))
		return -EIO;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int left = 4 * tmo - ec_ms_since(&t0);

		if (left <= 0)
			return -ETIMEDOUT;
		rc = ec_lock_rpc(c, WIRE_OP_OBJ_LOCK, m, left < tmo ? left : tmo);
		if (rc != -EAGAIN && rc != -ECONNREFUSED && rc != -ECONNRESET &&
		    rc != -EPIPE && rc != -ENOTCONN)
			return rc;
		struct timespec ts = { .tv_sec = wait_ms / 1000,
				       .tv_nsec = (long)(wait_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		if (wait_ms < EC_LOCK_BACKOFF_MAX_MS)
			wait_ms *= 2;
	}
}

/* Best effort: an unlock that does not arrive ends with the lease. */
void ec_unlock(struct ec_ctx *c, const struct wire_obj_lock *m)
{
	(void)ec_lock_rpc(c, WIRE_OP_OBJ_UNLOCK, m, ec_timeout_ms(c));
}

/* ---- reading rows ---- */

int ec_piece(struct ec_pieces *v, uint32_t stripe, uint64_t obj_off, uint64_t len,
		    uint8_t *ptr)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		struct objio_span *p = realloc(v->p, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->p = p;
		v->cap = cap;
	}
	v->p[v->n++] = (struct objio_span){ stripe, obj_off, len, ptr };
	return 0;
}

uint32_t ec_nlost(const struct ec_ctx *c, const struct ec_rows *rw)
{
	uint32_t n = 0;

	for (uint32_t j = 0; j < c->n; j++)
		n += rw->status[j] ? 1 : 0;
	return n;
}

/* Rows marked in rw->need: reads every cell whole from the stripes that
 * still answer, then rebuilds the lost cells of those rows. */
int ec_rebuild_rows(struct ec_ctx *c, struct ec_rows *rw)
{
	struct ec_pieces v = { 0 };
	uint8_t lost[PFS_MAX_STRIPES];
	uint32_t before;
	int rc = 0;

	do {
		before = ec_nlost(c, rw);
		if (before > c->m) {
			rc = -EIO;
			break;
		}
		v.n = 0;
		for (uint64_t r = rw->r0; r < rw->r1 && !rc; r++) {
			if (!rw->need[r - rw->r0])
				continue;
			for (uint32_t j = 0; j < c->n && !rc; j++)
				if (!rw->status[j])
					rc = ec_piece(&v, j, r * c->S, c->S, ec_cell(c, rw->buf, rw->r0, r, j));
		}
		if (!rc)
			rc = objio_spans(c->f, 0, c->l, rw->buf, (rw->r1 - rw->r0) * c->n * c->S,
					v.p, v.n, rw->status, rw->obj_size);
	} while (!rc && ec_nlost(c, rw) != before);     /* another stripe failed */
	free(v.p);
	if (rc)
		return rc;
	if (ec_nlost(c, rw) > c->m)
		return -EIO;
	for (uint32_t j = 0; j < c->n; j++)
		lost[j] = rw->status[j] ? 1 : 0;
	for (uint64_t r = rw->r0; r < rw->r1 && !rc; r++) {
		uint8_t *cells[PFS_MAX_STRIPES];

		if (!rw->need[r - rw->r0])
			continue;
		for (uint32_t j = 0; j < c->n; j++)
			cells[j] = ec_cell(c, rw->buf, rw->r0, r, j);
		rc = ec_reconstruct(&c->codec, c->S, cells, lost);
	}
	return rc;
}

/* Bytes of cell j of row r that lie inside a file of size bytes. */
uint64_t ec_cell_used(const struct ec_ctx *c, uint64_t size, uint64_t r, uint32_t j)
{
	uint64_t osz = layout_obj_size(&c->dview, j, size);

	if (osz <= r * c->S)
		return 0;
	return osz - r * c->S < c->S ? osz - r * c->S : c->S;
}

/* The parity length of row r of a file of size bytes: its longest cell. */
uint64_t ec_row_used(const struct ec_ctx *c, uint64_t size, uint64_t r)
{
	uint64_t L = 0;

	for (uint32_t j = 0; j < c->k; j++) {
		uint64_t u = ec_cell_used(c, size, r, j);

		L = u > L ? u : L;
	}
	return L;
}

int ec_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t *size)
{
	return ec_glimpse_skip(fs, l, hint, 0, size);
}

int ec_glimpse_skip(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t skip,
		    uint64_t *size)
{
	uint64_t objs[PFS_MAX_STRIPES] = { 0 }, max = 0;
	int res[PFS_MAX_STRIPES], reached = 0, rc;
	struct wire_layout dview = *l;

	dview.pattern = PFS_PATTERN_RAID0;
	dview.stripe_count = l->ec_k;
	dview.ec_k = dview.ec_m = 0;
	rc = client_obj_fanout_each(fs, &dview, WIRE_OP_OBJ_GLIMPSE, NULL, objs, skip, res);
	if (rc)
		return rc;
	for (uint32_t j = 0; j < dview.stripe_count; j++) {
		uint64_t s;

		if (res[j])
			continue;
		reached++;
		s = layout_file_size_from_obj(&dview, j, objs[j]);
		max = s > max ? s : max;
	}
	if (reached == 0)
		return res[0];
	if ((uint32_t)reached < dview.stripe_count && hint > max)
		max = hint;
	*size = max;
	return 0;
}
