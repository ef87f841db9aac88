/* engine_ec.c - the erasure-coding engine: list I/O a batch of rows at a
 * time (reads that rebuild lost cells, row-locked read-modify-write of data
 * and parity) and truncate; the row machinery is ec_rows.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "ec.h"
#include "ec_rows.h"
#include "engine.h"
#include "layout.h"
#include "log.h"

/* The user's memory: iovecs with their start offsets in the list. */
struct ec_mem {
	const struct iovec *iov;
	size_t cnt;
	uint64_t *start;             /* cnt + 1 prefix sums */
};

/* A byte range of the file and where its bytes are in the user's memory. */
struct ec_span {
	uint64_t off, len, mem;
};

/* One list call: the extents as spans, in list order. */
struct ec_req {
	struct ec_mem mem;
	struct ec_span *span;
	size_t nspan;
};

/* ---- the user's memory ---- */

static int ec_mem_init(struct ec_mem *mm, const struct iovec *iov, size_t cnt)
{
	mm->iov = iov;
	mm->cnt = cnt;
	mm->start = malloc((cnt + 1) * sizeof(*mm->start));
	if (!mm->start)
		return -ENOMEM;
	mm->start[0] = 0;
	for (size_t i = 0; i < cnt; i++)
		mm->start[i + 1] = mm->start[i] + iov[i].iov_len;
	return 0;
}

/* Copies len bytes between buf and the user's memory from list offset pos. */
static void ec_mem_copy(const struct ec_mem *mm, uint64_t pos, uint8_t *buf, uint64_t len,
			int to_user)
{
	size_t lo = 0, hi = mm->cnt;

	while (hi - lo > 1) {            /* the last iovec starting at or before pos */
		size_t mid = (lo + hi) / 2;

		if (mm->start[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	while (len) {
		uint64_t in = pos - mm->start[lo];
		uint64_t room = mm->iov[lo].iov_len - in;
		uint64_t n = len < room ? len : room;
		uint8_t *u = (uint8_t *)mm->iov[lo].iov_base + in;

		if (n) {
			if (to_user)
				memcpy(u, buf, n);
			else
				memcpy(buf, u, n);
		}
		buf += n;
		pos += n;
		len -= n;
		lo++;
	}
}

/* Calls fn for every piece of the spans that falls in rows [r0, r1), cut
 * at cell boundaries: row, data cell, offset in the cell, length, and the
 * list offset of its first byte. */
typedef int (*ec_piece_fn)(struct ec_ctx *c, void *arg, uint64_t row, uint32_t cell,
			   uint64_t coff, uint64_t len, uint64_t mem);

static int ec_walk(struct ec_ctx *c, const struct ec_req *q, uint64_t r0, uint64_t r1,
		   ec_piece_fn fn, void *arg)
{
	uint64_t lo = r0 * c->rowbytes, hi = r1 * c->rowbytes;
	int rc;

	for (size_t i = 0; i < q->nspan; i++) {
		uint64_t a = q->span[i].off, b = a + q->span[i].len;

		if (b <= lo || a >= hi)
			continue;
		if (a < lo)
			a = lo;
		if (b > hi)
			b = hi;
		while (a < b) {
			uint64_t in_row = a % c->rowbytes, coff = a % c->S;
			uint64_t n = c->S - coff < b - a ? c->S - coff : b - a;

			rc = fn(c, arg, a / c->rowbytes, (uint32_t)(in_row / c->S), coff, n,
				q->span[i].mem + (a - q->span[i].off));
			if (rc)
				return rc;
			a += n;
		}
	}
	return 0;
}

/* ec_add_data_piece's argument: the pieces of rw's data cells it adds to. */
struct ec_piece_arg {
	struct ec_rows *rw;
	struct ec_pieces *v;
};

static int ec_add_data_piece(struct ec_ctx *c, void *arg, uint64_t row, uint32_t cell,
			     uint64_t coff, uint64_t len, uint64_t mem)
{
	struct ec_piece_arg *a = arg;

	(void)mem;
	return ec_piece(a->v, cell, row * c->S + coff, len,
			ec_cell(c, a->rw->buf, a->rw->r0, row, cell) + coff);
}

static int ec_mark_need(struct ec_ctx *c, void *arg, uint64_t row, uint32_t cell,
			uint64_t coff, uint64_t len, uint64_t mem)
{
	struct ec_rows *rw = arg;

	(void)coff;
	(void)len;
	(void)mem;
	if (rw->status[cell])
		rw->need[row - rw->r0] = 1;
	return 0;
}

/* Reads the spans' bytes of rows [r0, r1) into rw->buf (at their places in
 * the cells), rebuilding what lost stripes held. */
static int ec_read_rows(struct ec_ctx *c, const struct ec_req *q, struct ec_rows *rw)
{
	struct ec_pieces v = { 0 };
	struct ec_piece_arg pa = { rw, &v };
	int rc;

	rc = ec_walk(c, q, rw->r0, rw->r1, ec_add_data_piece, &pa);
	if (!rc)
		rc = objio_spans(c->f, 0, c->l, rw->buf, (rw->r1 - rw->r0) * c->n * c->S, v.p, v.n,
				rw->status, rw->obj_size);
	free(v.p);
	if (rc)
		return rc;
	if (ec_nlost(c, rw) == 0)
		return 0;
	memset(rw->need, 0, rw->r1 - rw->r0);
	rc = ec_walk(c, q, rw->r0, rw->r1, ec_mark_need, rw);
	return rc ? rc : ec_rebuild_rows(c, rw);
}

/* Moves a piece between the user's memory and its place in the rows. */
struct ec_copy_arg {
	const struct ec_req *q;
	struct ec_rows *rw;
	int to_user;
};

static int ec_copy(struct ec_ctx *c, void *arg, uint64_t row, uint32_t cell, uint64_t coff,
		   uint64_t len, uint64_t mem)
{
	const struct ec_copy_arg *a = arg;

	ec_mem_copy(&a->q->mem, mem, ec_cell(c, a->rw->buf, a->rw->r0, row, cell) + coff, len,
		    a->to_user);
	return 0;
}

/* ---- batches ---- */

static int ec_span_cmp(const void *a, const void *b)
{
	const struct ec_span *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* The rows the request touches, as sorted disjoint [first, end) ranges. */
static int ec_row_ranges(const struct ec_ctx *c, const struct ec_req *q, uint64_t **out,
			 size_t *nout)
{
	struct ec_span *s = malloc(q->nspan * sizeof(*s));
	uint64_t *rr;
	size_t n = 0;

	if (!s)
		return -ENOMEM;
	rr = malloc(2 * q->nspan * sizeof(*rr));
	if (!rr) {
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < q->nspan; i++) {
		s[i].off = q->span[i].off / c->rowbytes;
		s[i].len = (q->span[i].off + q->span[i].len - 1) / c->rowbytes + 1;  /* end row */
	}
	qsort(s, q->nspan, sizeof(*s), ec_span_cmp);
	for (size_t i = 0; i < q->nspan; i++) {
		if (n && s[i].off <= rr[2 * n - 1]) {
			if (s[i].len > rr[2 * n - 1])
				rr[2 * n - 1] = s[i].len;
			continue;
		}
		rr[2 * n] = s[i].off;
		rr[2 * n + 1] = s[i].len;
		n++;
	}
	free(s);
	*out = rr;
	*nout = n;
	return 0;
}

typedef int (*ec_batch_fn)(struct ec_ctx *c, const struct ec_req *q, struct ec_rows *rw,
			   void *arg);

/* Runs fn over the touched rows, batch_rows at a time. */
static int ec_batches(struct ec_ctx *c, const struct ec_req *q, ec_batch_fn fn, void *arg)
{
	struct ec_rows rw = { 0 };
	uint64_t *rr = NULL, most = 0;
	size_t nr = 0;
	int rc;

	rc = ec_row_ranges(c, q, &rr, &nr);
	if (rc)
		return rc;
	/* a buffer for the largest batch this call has, not the largest any
	 * call may have: small writes stay cheap */
	for (size_t i = 0; i < nr; i++)
		most = rr[2 * i + 1] - rr[2 * i] > most ? rr[2 * i + 1] - rr[2 * i] : most;
	most = most < c->batch_rows ? most : c->batch_rows;
	rw.buf = malloc(most * c->n * c->S);
	rw.need = malloc(most);
	if (!rw.buf || !rw.need)
		rc = -ENOMEM;
	for (size_t i = 0; i < nr && !rc; i++) {
		for (uint64_t r = rr[2 * i]; r < rr[2 * i + 1] && !rc; r = rw.r1) {
			uint64_t left = rr[2 * i + 1] - r;

			rw.r0 = r;
			rw.r1 = r + (left < c->batch_rows ? left : c->batch_rows);
			memset(rw.status, 0, sizeof(rw.status));
			memset(rw.obj_size, 0, sizeof(rw.obj_size));
			if (!c->write) {
				uint64_t lost = ec_lost_get(c->f);

				for (uint32_t j = 0; j < c->n; j++)
					if (lost >> j & 1)
						rw.status[j] = -ENODEV;
			}
			rc = fn(c, q, &rw, arg);
			if (!c->write)
				ec_lost_note(c->f, rw.status, c->n);
		}
	}
	free(rw.buf);
	free(rw.need);
	free(rr);
	return rc;
}

/* After a read rebuilt cells of rw->need rows that failed their checksum:
 * locks the rows, reads and rebuilds them again (a writer may have changed
 * them since) and writes the rebuilt cells back. Best effort: returns the
 * number of cells rewritten; a failure leaves the damage for scrub. */
static uint64_t ec_repair(struct ec_ctx *c, struct ec_rows *rw)
{
	int badj[PFS_MAX_STRIPES], rc;
	struct ec_pieces v = { 0 };
	struct wire_obj_lock lk;
	uint64_t size, done = 0;

	for (uint32_t j = 0; j < c->n; j++)
		badj[j] = rw->status[j] == -EIO;
	if (ec_glimpse(c->f->fs, c->l, ec_size_hint(c->f), &size))
		return 0;
	if (ec_lock(c, rw->r0, rw->r1, &lk))
		return 0;
	memset(rw->status, 0, sizeof(rw->status));
	for (uint32_t j = 0; j < c->n; j++)
		if (badj[j])
			rw->status[j] = -EIO;   /* read around them */
	rc = ec_rebuild_rows(c, rw);
	for (uint64_t r = rw->r0; r < rw->r1 && !rc; r++) {
		uint64_t L = ec_row_used(c, size, r);

		if (!rw->need[r - rw->r0])
			continue;
		for (uint32_t j = 0; j < c->n && !rc; j++) {
			uint64_t len = j < c->k ? ec_cell_used(c, size, r, j) : L;

			if (badj[j] && len) {
				rc = ec_piece(&v, j, r * c->S, len, ec_cell(c, rw->buf, rw->r0, r, j));
				done++;
			}
		}
	}
	if (!rc)
		rc = objio_spans(c->f, 1, c->l, rw->buf, (rw->r1 - rw->r0) * c->n * c->S, v.p, v.n,
				NULL, NULL);
	ec_unlock(c, &lk);
	free(v.p);
	return rc ? 0 : done;
}

/* ---- read ---- */

/* What a read learnt for its end-of-file check. */
struct ec_read_state {
	int short_obj;               /* some piece ended past its object's end */
	uint64_t lost;               /* data stripes that could not be read */
	uint64_t repaired;           /* cells rewritten after a checksum failure */
};

static int ec_note_eof(struct ec_ctx *c, void *arg, uint64_t row, uint32_t cell,
		       uint64_t coff, uint64_t len, uint64_t mem)
{
	struct ec_rows *rw = ((void **)arg)[0];
	struct ec_read_state *st = ((void **)arg)[1];

	(void)mem;
	if (rw->status[cell])
		st->lost |= 1ull << cell;
	else if (row * c->S + coff + len > rw->obj_size[cell])
		st->short_obj = 1;
	return 0;
}

/* Lost cells of the rows read are rebuilt; cells that failed their
 * checksum (-EIO) are also written back, under the rows' lock. */
static int ec_read_batch(struct ec_ctx *c, const struct ec_req *q, struct ec_rows *rw,
			 void *arg)
{
	struct ec_read_state *st = arg;
	struct ec_copy_arg out = { q, rw, 1 };
	void *eof[2] = { rw, st };
	int rc, bad = 0;

	rc = ec_read_rows(c, q, rw);
	if (rc)
		return rc;
	for (uint32_t j = 0; j < c->n; j++)
		bad |= rw->status[j] == -EIO;
	ec_walk(c, q, rw->r0, rw->r1, ec_note_eof, eof);
	rc = ec_walk(c, q, rw->r0, rw->r1, ec_copy, &out);
	if (!rc && bad)
		st->repaired += ec_repair(c, rw);
	return rc;
}

/* Bytes of the spans, in list order, before the first at or past size. */
static uint64_t ec_eof_prefix(const struct ec_req *q, uint64_t size)
{
	uint64_t n = 0;

	for (size_t i = 0; i < q->nspan; i++) {
		if (q->span[i].off + q->span[i].len <= size) {
			n += q->span[i].len;
			continue;
		}
		if (q->span[i].off < size)
			n += size - q->span[i].off;
		break;
	}
	return n;
}

/* ---- write ---- */

/* The spans of rows [r0, r1), clipped, sorted and merged: what a write
 * changes there, whatever the list order. */
static int ec_merged(const struct ec_ctx *c, const struct ec_req *q, uint64_t r0, uint64_t r1,
		     struct ec_req *out)
{
	uint64_t lo = r0 * c->rowbytes, hi = r1 * c->rowbytes;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->span = malloc((q->nspan ? q->nspan : 1) * sizeof(*out->span));
	if (!out->span)
		return -ENOMEM;
	for (size_t i = 0; i < q->nspan; i++) {
		uint64_t a = q->span[i].off, b = a + q->span[i].len;

		if (b <= lo || a >= hi)
			continue;
		a = a < lo ? lo : a;
		b = b > hi ? hi : b;
		out->span[n++] = (struct ec_span){ a, b - a, 0 };
	}
	qsort(out->span, n, sizeof(*out->span), ec_span_cmp);
	out->nspan = 0;
	for (size_t i = 0; i < n; i++) {
		struct ec_span *last = out->nspan ? &out->span[out->nspan - 1] : NULL;

		if (last && out->span[i].off <= last->off + last->len) {
			uint64_t end = out->span[i].off + out->span[i].len;

			if (end > last->off + last->len)
				last->len = end - last->off;
			continue;
		}
		out->span[out->nspan++] = out->span[i];
	}
	return 0;
}

/* Per row of a write batch: bytes it changes and, per data cell, the end of
 * the new bytes in that cell. */
struct ec_cover {
	struct ec_rows *rw;
	uint64_t *bytes;             /* per row */
	uint64_t *end;               /* per row x k */
};

static int ec_count_cover(struct ec_ctx *c, void *arg, uint64_t row, uint32_t cell,
			  uint64_t coff, uint64_t len, uint64_t mem)
{
	struct ec_cover *cv = arg;
	uint64_t i = row - cv->rw->r0, *e = &cv->end[i * c->k + cell];

	(void)mem;
	cv->bytes[i] += len;
	if (coff + len > *e)
		*e = coff + len;
	return 0;
}


/* Rows only partly written: every data cell read whole first (a write
 * needs every target, so a stripe that fails fails the write). */
static int ec_read_partial(struct ec_ctx *c, struct ec_rows *rw, const struct ec_cover *cv)
{
	struct ec_pieces v = { 0 };
	int rc = 0;

	for (uint64_t r = rw->r0; r < rw->r1 && !rc; r++) {
		if (cv->bytes[r - rw->r0] == c->rowbytes)
			continue;
		for (uint32_t j = 0; j < c->k && !rc; j++)
			rc = ec_piece(&v, j, r * c->S, c->S, ec_cell(c, rw->buf, rw->r0, r, j));
	}
	if (!rc && v.n)
		rc = objio_spans(c->f, 0, c->l, rw->buf, (rw->r1 - rw->r0) * c->n * c->S, v.p, v.n,
				rw->status, rw->obj_size);
	for (uint32_t j = 0; j < c->k && !rc; j++)
		rc = rw->status[j];
	free(v.p);
	return rc;
}

/* Parity of every row, over its used length; the parity pieces to write. */
static int ec_parity(struct ec_ctx *c, struct ec_rows *rw, const struct ec_cover *cv,
		     struct ec_pieces *v)
{
	int rc = 0;

	for (uint64_t r = rw->r0; r < rw->r1 && !rc; r++) {
		uint64_t i = r - rw->r0, L = c->S;
		uint8_t *cells[PFS_MAX_STRIPES];

		if (cv->bytes[i] != c->rowbytes) {
			L = 0;
			for (uint32_t j = 0; j < c->k; j++) {
				uint64_t old = rw->obj_size[j] > r * c->S ? rw->obj_size[j] - r * c->S : 0;
				uint64_t u = old < c->S ? old : c->S;

				u = cv->end[i * c->k + j] > u ? cv->end[i * c->k + j] : u;
				L = u > L ? u : L;
			}
		}
		for (uint32_t j = 0; j < c->n; j++)
			cells[j] = ec_cell(c, rw->buf, rw->r0, r, j);
		ec_encode(&c->codec, L, cells, cells + c->k);
		for (uint32_t p = 0; p < c->m && !rc; p++)
			rc = ec_piece(v, c->k + p, r * c->S, L, cells[c->k + p]);
	}
	return rc;
}

/* One batch of a write: lock, read what partial rows keep, merge the new
 * bytes in, encode, write new data and all parity, unlock. */
static int ec_write_batch(struct ec_ctx *c, const struct ec_req *q, struct ec_rows *rw,
			  void *arg)
{
	uint64_t nrows = rw->r1 - rw->r0;
	struct ec_cover cv = { .rw = rw };
	struct ec_pieces v = { 0 };
	struct ec_copy_arg in = { q, rw, 0 };
	struct ec_piece_arg pa = { rw, &v };
	struct wire_obj_lock lk;
	struct ec_req mg;
	int rc;

	(void)arg;
	rc = ec_merged(c, q, rw->r0, rw->r1, &mg);
	if (rc)
		return rc;
	cv.bytes = calloc(nrows, sizeof(*cv.bytes));
	cv.end = calloc(nrows * c->k, sizeof(*cv.end));
	if (!cv.bytes || !cv.end) {
		rc = -ENOMEM;
		goto out;
	}
	ec_walk(c, &mg, rw->r0, rw->r1, ec_count_cover, &cv);
	rc = ec_lock(c, rw->r0, rw->r1, &lk);
	if (rc)
		goto out;
	rc = ec_read_partial(c, rw, &cv);
	if (!rc)
		rc = ec_walk(c, q, rw->r0, rw->r1, ec_copy, &in);
	if (!rc)
		rc = ec_walk(c, &mg, rw->r0, rw->r1, ec_add_data_piece, &pa);
	if (!rc)
		rc = ec_parity(c, rw, &cv, &v);
	if (!rc)
		rc = objio_spans(c->f, 1, c->l, rw->buf, nrows * c->n * c->S, v.p, v.n, NULL, NULL);
	ec_unlock(c, &lk);
out:
	free(v.p);
	free(cv.bytes);
	free(cv.end);
	free(mg.span);
	return rc;
}

/* ---- entry points ---- */

/* After a write that extended the file: the MDS's size hint is raised (never
 * lowered, so racing writers agree), so that a reader who loses the stripe
 * holding the end still knows where it is. One MDS request per extending
 * call, none for writes inside the file. */
static int ec_tell_size(pfs_file_t *f, const struct ec_req *q)
{
	uint64_t end = 0;
	int rc;

	for (size_t i = 0; i < q->nspan; i++)
		if (q->span[i].off + q->span[i].len > end)
			end = q->span[i].off + q->span[i].len;
	if (end <= ec_size_hint(f))
		return 0;
	rc = client_set_size(f->fs, f->attr.ino, end, WIRE_SIZE_GROW);
	if (rc)
		return rc;
	pthread_mutex_lock(&f->lock);
	if (end > f->size_told)
		f->size_told = end;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int ec_req_init(struct ec_req *q, const struct iovec *mem, size_t memcnt,
		       const struct pfs_extent *ext, size_t extcnt)
{
	uint64_t pos = 0;
	int rc;

	memset(q, 0, sizeof(*q));
	rc = ec_mem_init(&q->mem, mem, memcnt);
	if (rc)
		return rc;
	q->span = malloc((extcnt ? extcnt : 1) * sizeof(*q->span));
	if (!q->span)
		return -ENOMEM;
	for (size_t i = 0; i < extcnt; i++) {
		if (ext[i].len)
			q->span[q->nspan++] = (struct ec_span){ ext[i].off, ext[i].len, pos };
		pos += ext[i].len;
	}
	return 0;
}

static void ec_req_fini(struct ec_req *q)
{
	free(q->mem.start);
	free(q->span);
}

static ssize_t ec_list_io(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		   const struct pfs_extent *ext, size_t extcnt, uint64_t total)
{
	struct ec_read_state st = { 0 };
	struct ec_ctx c;
	struct ec_req q;
	uint64_t size;
	int rc;

	rc = ec_ctx_init(&c, f, &f->attr.layout);
	if (!rc)
		rc = ec_req_init(&q, mem, memcnt, ext, extcnt);
	else
		memset(&q, 0, sizeof(q));
	c.write = write;
	if (!rc && write) {
		pthread_mutex_lock(&f->lock);
		f->dirty = 1;
		pthread_mutex_unlock(&f->lock);
		rc = ec_batches(&c, &q, ec_write_batch, NULL);
		if (!rc)
			rc = ec_tell_size(f, &q);
	} else if (!rc) {
		rc = ec_batches(&c, &q, ec_read_batch, &st);
		if (!rc && (st.short_obj || st.lost)) {
			rc = ec_glimpse_skip(f->fs, &f->attr.layout, ec_size_hint(f), st.lost,
					     &size);
			if (!rc)
				total = ec_eof_prefix(&q, size);
		}
		if (st.repaired)
			log_msg(LOG_WARN, "fid %llu: %llu cells rebuilt after checksum errors",
				(unsigned long long)f->attr.layout.fid,
				(unsigned long long)st.repaired);
	}
	ec_req_fini(&q);
	ec_ctx_fini(&c);
	return rc ? rc : (ssize_t)total;
}

/* The MDS's size hint set to exactly size (a truncate may lower it). */
static int ec_set_size(pfs_file_t *f, uint64_t size)
{
	int rc = client_set_size(f->fs, f->attr.ino, size, 0);

	if (rc)
		return rc;
	pthread_mutex_lock(&f->lock);
	f->size_told = size;
	f->attr.size_hint = size;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

/* Truncate: the data objects to their new sizes, then the parity of the
 * row the new end falls in recomputed from what that row keeps, all under
 * a lock on every row from there on. */
static int ec_truncate(pfs_file_t *f, uint64_t size)
{
	uint64_t sizes[PFS_MAX_STRIPES], rb, within, L;
	struct ec_pieces v = { 0 };
	struct wire_obj_lock lk;
	struct ec_rows rw = { 0 };
	struct ec_ctx c;
	int rc;

	rc = ec_ctx_init(&c, f, &f->attr.layout);
	if (rc)
		return rc;
	rb = size / c.rowbytes;
	within = size % c.rowbytes;
	L = within < c.S ? within : c.S;
	for (uint32_t j = 0; j < c.n; j++)
		sizes[j] = j < c.k ? layout_obj_size(&c.dview, j, size) : rb * c.S + L;
	rc = ec_lock(&c, rb, UINT64_MAX - 1, &lk);
	if (rc)
		goto out;
	pthread_mutex_lock(&f->lock);
	f->dirty = 1;
	pthread_mutex_unlock(&f->lock);
	rc = client_obj_fanout(f->fs, c.l, WIRE_OP_OBJ_PUNCH, sizes, NULL);
	if (rc || L == 0)
		goto unlock;
	rw.r0 = rb;
	rw.r1 = rb + 1;
	rw.buf = malloc(c.n * c.S);
	if (!rw.buf) {
		rc = -ENOMEM;
		goto unlock;
	}
	for (uint32_t j = 0; j < c.k && !rc; j++)
		rc = ec_piece(&v, j, rb * c.S, L, ec_cell(&c, rw.buf, rb, rb, j));
	if (!rc)
		rc = objio_spans(f, 0, c.l, rw.buf, c.n * c.S, v.p, v.n, NULL, NULL);
	if (!rc) {
		uint8_t *cells[PFS_MAX_STRIPES];

		for (uint32_t j = 0; j < c.n; j++)
			cells[j] = ec_cell(&c, rw.buf, rb, rb, j);
		ec_encode(&c.codec, L, cells, cells + c.k);
		v.n = 0;
		for (uint32_t p = 0; p < c.m && !rc; p++)
			rc = ec_piece(&v, c.k + p, rb * c.S, L, cells[c.k + p]);
	}
	if (!rc)
		rc = objio_spans(f, 1, c.l, rw.buf, c.n * c.S, v.p, v.n, NULL, NULL);
unlock:
	if (!rc)
		rc = ec_set_size(f, size);
	ec_unlock(&c, &lk);
out:
	free(rw.buf);
	free(v.p);
	ec_ctx_fini(&c);
	return rc;
}

static uint64_t ec_unit(const struct wire_layout *l)
{
	return l->stripe_size * l->ec_k;
}

static uint32_t ec_redundancy(const struct wire_layout *l)
{
	return l->ec_m;
}

const struct engine_ops engine_ec = {
	.name = "ec",
	.list_io = ec_list_io,
	.truncate = ec_truncate,
	.glimpse = ec_glimpse,
	.unit = ec_unit,
	.redundancy = ec_redundancy,
};
