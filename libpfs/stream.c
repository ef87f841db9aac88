/* stream.c - write-behind and read-ahead for one open file: the cache
 * buffers (slots), the background operations on them, and the rules that
 * keep the file's own view consistent.
 *
 * Why: one synchronous 1 MiB call at a time leaves the targets idle between
 * calls (a stream over tcp runs at a third of what the link and storage
 * allow). With the caches, a write returns once its bytes are copied and a
 * sequential reader finds the next units already fetched, so several units
 * move at once on the connection's I/O threads (aio.c).
 *
 * The contract (README "Write-behind and read-ahead"):
 * - this handle always sees its own writes: every read, list I/O, stat,
 *   truncate, export or fsync on it first puts buffered writes on the
 *   servers, and every write drops what was read ahead;
 * - other clients see buffered writes after pfs_fsync or pfs_close (or any
 *   of the operations above), and this handle sees other clients' writes
 *   to bytes it read ahead after its own pfs_fsync: close-to-open, and
 *   MPI-IO's sync-barrier-sync;
 * - a buffered write that fails is reported once, by the next pfs_pwrite,
 *   list write, ftruncate, pfs_fsync or pfs_close on the handle. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "aio.h"
#include "engine.h"
#include "stream.h"

#define STREAM_UNIT_MIN (1u << 20)   /* smaller units: more calls per byte */
#define STREAM_UNIT_MAX (4u << 20)   /* bigger: more memory per slot */
#define STREAM_SLOTS_MAX 64     /* bounds the slot scans per call */

enum slot_state {
	SLOT_FREE,
	SLOT_FILLING,   /* write-behind: collecting contiguous writes */
	SLOT_BUSY,      /* its background operation is running */
	SLOT_READY,     /* read-ahead: got bytes of data from off */
};

struct stream_slot {
	uint8_t *buf;           /* unit bytes, allocated on first use */
	uint64_t off;
	size_t len;             /* bytes in buf (write), or asked (read) */
	ssize_t got;            /* READY: what the read returned */
	pfs_aio_t *op;          /* BUSY */
	uint64_t age;           /* when it was started, to find the oldest */
	int state;
};

struct stream {
	pthread_mutex_t lock;   /* the slots and everything below */
	size_t unit;
	int nwb, nra;
	struct stream_slot *wb, *ra;
	struct stream_slot *filling;    /* the write slot still collecting */
	int err;                /* first failure of an acknowledged write */
	uint64_t next_off;      /* end of the last read */
	unsigned seq;           /* reads in a row that began where the last ended */
	uint64_t eof;           /* a read-ahead came back short here (else max) */
	uint64_t age;
};

/* A whole number of the engine's units (EC: a row of k cells; RAID0: one
 * stripe unit), at least STREAM_UNIT_MIN where that fits under STREAM_UNIT_MAX:
 * whole rows spare EC its read-modify-write, and a unit per target spreads
 * the read-ahead over the targets. */
static size_t stream_unit(uint64_t row)
{
	uint64_t unit = row;

	if (row == 0 || row > STREAM_UNIT_MAX)
		return STREAM_UNIT_MAX;
	while (unit < STREAM_UNIT_MIN && unit + row <= STREAM_UNIT_MAX)
		unit += row;
	return (size_t)unit;
}

static int stream_slots(int mib, size_t unit)
{
	uint64_t n = ((uint64_t)mib << 20) / unit;

	if (mib <= 0)
		return 0;
	if (n < 2)
		return 2;
	return n > STREAM_SLOTS_MAX ? STREAM_SLOTS_MAX : (int)n;
}

int stream_open(pfs_file_t *f, int write_behind_mib, int read_ahead_mib)
{
	struct stream *s;

	f->stream = NULL;
	if (write_behind_mib <= 0 && read_ahead_mib <= 0)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->unit = stream_unit(f->engine->unit(&f->attr.layout));
	s->nwb = stream_slots(write_behind_mib, s->unit);
	s->nra = stream_slots(read_ahead_mib, s->unit);
	s->wb = calloc((size_t)s->nwb + 1, sizeof(*s->wb));
	s->ra = calloc((size_t)s->nra + 1, sizeof(*s->ra));
	if (!s->wb || !s->ra) {
		free(s->wb);
		free(s->ra);
		free(s);
		return -ENOMEM;
	}
	s->eof = UINT64_MAX;
	pthread_mutex_init(&s->lock, NULL);
	f->stream = s;
	return 0;
}

static int stream_buf(struct stream *s, struct stream_slot *slot)
{
	void *p = NULL;

	if (slot->buf)
		return 0;
	if (posix_memalign(&p, 4096, s->unit))
		return -ENOMEM;
	slot->buf = p;
	return 0;
}

static void stream_note_err(struct stream *s, int rc)
{
	if (rc < 0 && !s->err)
		s->err = rc;
}

/* ---- write-behind ---- */

static void wb_wait(struct stream *s, struct stream_slot *slot)
{
	ssize_t n = pfs_aio_wait(slot->op);

	if (n >= 0 && (size_t)n != slot->len)
		n = -EIO;
	stream_note_err(s, (int)(n < 0 ? n : 0));
	slot->op = NULL;
	slot->state = SLOT_FREE;
}

static int ranges_overlap(uint64_t a, size_t alen, uint64_t b, size_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Starts the slot's write. A running write to any of the same bytes is
 * waited for first, so the servers apply overlapping writes in order. */
static void wb_start(pfs_file_t *f, struct stream *s, struct stream_slot *slot)
{
	struct iovec v = { .iov_base = slot->buf, .iov_len = slot->len };
	struct pfs_extent e = { .off = slot->off, .len = slot->len };
	ssize_t n;

	for (int i = 0; i < s->nwb; i++) {
		struct stream_slot *o = &s->wb[i];

		if (o->state == SLOT_BUSY && ranges_overlap(o->off, o->len, slot->off, slot->len))
			wb_wait(s, o);
	}
	if (s->filling == slot)
		s->filling = NULL;
	if (aio_submit(f, 1, &v, 1, &e, 1, &slot->op) == 0) {
		slot->state = SLOT_BUSY;
		slot->age = ++s->age;
		return;
	}
	/* No thread or memory for the background: write it now. */
	n = engine_list_io(f, 1, &v, 1, &e, 1);

	stream_note_err(s, (int)(n < 0 ? n : ((size_t)n == slot->len ? 0 : -EIO)));
	slot->state = SLOT_FREE;
}

static void wb_flush(pfs_file_t *f, struct stream *s)
{
	if (s->filling)
		wb_start(f, s, s->filling);
	for (int i = 0; i < s->nwb; i++)
		if (s->wb[i].state == SLOT_BUSY)
			wb_wait(s, &s->wb[i]);
}

/* A free write slot, waiting for the oldest write when all are busy. */
static struct stream_slot *wb_free_slot(struct stream *s)
{
	struct stream_slot *oldest = NULL;

	for (int i = 0; i < s->nwb; i++) {
		struct stream_slot *o = &s->wb[i];

		if (o->state == SLOT_FREE)
			return o;
		if (o->state == SLOT_BUSY && (!oldest || o->age < oldest->age))
			oldest = o;
	}
	if (oldest)
		wb_wait(s, oldest);
	return oldest;
}

/* Copies n bytes between buf and the iovecs, from skip bytes into them:
 * into the iovecs when to_iov, else out of them. */
static void iov_copy(const struct iovec *iov, int iovcnt, size_t skip, uint8_t *buf, size_t n,
		     int to_iov)
{
	for (int i = 0; i < iovcnt && n; i++) {
		uint8_t *p = (uint8_t *)iov[i].iov_base + skip;
		size_t take;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - skip < n ? iov[i].iov_len - skip : n;
		if (to_iov)
			memcpy(p, buf, take);
		else
			memcpy(buf, p, take);
		buf += take;
		n -= take;
		skip = 0;
	}
}

/* ---- read-ahead ---- */

static void ra_wait(struct stream *s, struct stream_slot *slot)
{
	slot->got = pfs_aio_wait(slot->op);
	slot->op = NULL;
	slot->state = slot->got < 0 ? SLOT_FREE : SLOT_READY;
	if (slot->got >= 0 && (size_t)slot->got < slot->len && slot->off + (uint64_t)slot->got < s->eof)
		s->eof = slot->off + (uint64_t)slot->got;
}

static void ra_drop(struct stream *s)
{
	for (int i = 0; i < s->nra; i++) {
		if (s->ra[i].state == SLOT_BUSY)
			ra_wait(s, &s->ra[i]);
		s->ra[i].state = SLOT_FREE;
	}
	s->seq = 0;
	s->eof = UINT64_MAX;
}

static struct stream_slot *ra_find(struct stream *s, uint64_t pos)
{
	for (int i = 0; i < s->nra; i++) {
		struct stream_slot *o = &s->ra[i];

		if ((o->state == SLOT_BUSY || o->state == SLOT_READY) && pos >= o->off &&
		    pos - o->off < o->len)
			return o;
	}
	return NULL;
}

/* Serves [off, off + len) from the read-ahead slots as far as they hold it
 * without a gap. *eof is set when a slot shows the file ends before the
 * range does. Returns the bytes copied. */
static size_t ra_serve(struct stream *s, const struct iovec *iov, int iovcnt, uint64_t off,
		       size_t len, int *eof)
{
	size_t done = 0;

	*eof = 0;
	while (done < len) {
		struct stream_slot *o = ra_find(s, off + done);
		uint64_t pos = off + done, have;
		size_t n;

		if (!o)
			break;
		if (o->state == SLOT_BUSY)
			ra_wait(s, o);
		if (o->state != SLOT_READY)
			break;          /* failed: the caller reads it and sees why */
		have = o->off + (uint64_t)o->got;
		if (pos >= have) {
			*eof = 1;
			break;
		}
		n = (size_t)(have - pos) < len - done ? (size_t)(have - pos) : len - done;
		iov_copy(iov, iovcnt, done, o->buf + (pos - o->off), n, 1);
		done += n;
		if ((size_t)o->got < o->len && done < len && off + done >= have) {
			*eof = 1;
			break;
		}
	}
	return done;
}

/* A unit the reader at `reader` no longer needs: behind it, or beyond the
 * window ahead of it (left from before a seek). */
static int ra_spent(const struct stream *s, const struct stream_slot *o, uint64_t reader)
{
	return o->off + o->len <= reader ||
	       (o->off > reader && o->off - reader >= (uint64_t)s->nra * s->unit);
}

/* A slot for the next unit: a free one, or a spent one whose read has
 * finished (never waits). */
static struct stream_slot *ra_free_slot(struct stream *s, uint64_t reader)
{
	for (int i = 0; i < s->nra; i++)
		if (s->ra[i].state == SLOT_FREE)
			return &s->ra[i];
	for (int i = 0; i < s->nra; i++) {
		struct stream_slot *o = &s->ra[i];

		if (!ra_spent(s, o, reader))
			continue;
		if (o->state == SLOT_BUSY && pfs_aio_test(o->op, NULL) == 1)
			ra_wait(s, o);
		if (o->state == SLOT_READY || o->state == SLOT_FREE)
			return o;
	}
	return NULL;
}

/* Keeps nra units in flight or ready from the unit holding `from`; the
 * reader is at `reader` (slots wholly before it are spent). */
static void ra_fill(pfs_file_t *f, struct stream *s, uint64_t from, uint64_t reader)
{
	uint64_t u = from - from % s->unit;

	for (int i = 0; i < s->nra; i++, u += s->unit) {
		struct stream_slot *o;
		struct iovec v;
		struct pfs_extent e;

		if (u >= s->eof || u > CLIENT_FILE_MAX - s->unit)
			return;
		if (ra_find(s, u))
			continue;
		o = ra_free_slot(s, reader);
		if (!o || stream_buf(s, o))
			return;
		v.iov_base = o->buf;
		v.iov_len = s->unit;
		e.off = u;
		e.len = s->unit;
		o->off = u;
		o->len = s->unit;
		o->state = SLOT_FREE;
		if (aio_submit(f, 0, &v, 1, &e, 1, &o->op))
			return;
		o->state = SLOT_BUSY;
	}
}

/* Reads [off, off + len) without the cache into the iovecs past their
 * first `skip` bytes (which the cache filled). */
static int stream_read_rest(pfs_file_t *f, const struct iovec *iov, int iovcnt, uint64_t off,
			    size_t len, size_t skip, ssize_t *done)
{
	struct pfs_extent e = { .off = off, .len = len };
	struct iovec *rest = malloc((size_t)iovcnt * sizeof(*rest));
	size_t left = skip;
	int n = 0;
	ssize_t r;

	if (!rest)
		return 0;       /* the caller reads it all */
	for (int i = 0; i < iovcnt; i++) {
		if (left >= iov[i].iov_len) {
			left -= iov[i].iov_len;
			continue;
		}
		rest[n].iov_base = (uint8_t *)iov[i].iov_base + left;
		rest[n].iov_len = iov[i].iov_len - left;
		left = 0;
		n++;
	}
	r = engine_list_io(f, 0, rest, (size_t)n, &e, 1);
	free(rest);
	*done = r < 0 ? r : (ssize_t)skip + r;
	return 1;
}

/* ---- entry points ---- */

static int stream_take_err(struct stream *s)
{
	int rc = s->err;

	s->err = 0;
	return rc;
}

int stream_before(pfs_file_t *f, enum stream_need need)
{
	struct stream *s = f ? f->stream : NULL;
	int rc = 0;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	wb_flush(f, s);
	if (need == STREAM_WRITE) {
		ra_drop(s);
		rc = stream_take_err(s);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int stream_close(pfs_file_t *f)
{
	struct stream *s = f->stream;
	int rc;

	if (!s)
		return 0;
	rc = stream_before(f, STREAM_WRITE);
	for (int i = 0; i < s->nwb; i++)
		free(s->wb[i].buf);
	for (int i = 0; i < s->nra; i++)
		free(s->ra[i].buf);
	free(s->wb);
	free(s->ra);
	pthread_mutex_destroy(&s->lock);
	free(s);
	f->stream = NULL;
	return rc;
}

/* The cache takes I/O that fits in a unit, with memory behind every
 * iovec; anything else goes the plain way and gets the plain error. */
static int stream_takes(const struct stream *s, const struct iovec *iov, int iovcnt,
			uint64_t off, size_t len)
{
	if (len == 0 || len > s->unit || off > CLIENT_FILE_MAX - len)
		return 0;
	for (int i = 0; i < iovcnt; i++)
		if (iov[i].iov_len && !iov[i].iov_base)
			return 0;
	return 1;
}

int stream_write(pfs_file_t *f, const struct iovec *iov, int iovcnt, uint64_t off,
		 size_t len, ssize_t *done)
{
	struct stream *s = f->stream;
	struct stream_slot *slot;
	int taken = 0, cached;

	if (!s || (f->flags & O_ACCMODE) == O_RDONLY)
		return 0;
	pthread_mutex_lock(&s->lock);
	ra_drop(s);
	cached = s->nwb && stream_takes(s, iov, iovcnt, off, len);
	if (!cached)
		wb_flush(f, s);     /* earlier bytes first, then the plain way */
	if (s->err) {
		*done = stream_take_err(s);
		taken = 1;
		goto out;
	}
	if (!cached)
		goto out;
	slot = s->filling;
	if (slot && off == slot->off + slot->len && slot->len + len <= s->unit) {
		iov_copy(iov, iovcnt, 0, slot->buf + slot->len, len, 0);
		slot->len += len;
		goto queued;
	}
	if (slot)
		wb_start(f, s, slot);
	slot = wb_free_slot(s);
	if (!slot || stream_buf(s, slot)) {
		wb_flush(f, s);
		goto out;
	}
	iov_copy(iov, iovcnt, 0, slot->buf, len, 0);
	slot->off = off;
	slot->len = len;
	slot->state = SLOT_FILLING;
	s->filling = slot;
queued:
	if (slot->len == s->unit)
		wb_start(f, s, slot);
	*done = (ssize_t)len;
	taken = 1;          /* f->dirty: set by the write itself, before close looks */
out:
	pthread_mutex_unlock(&s->lock);
	return taken;
}

int stream_read(pfs_file_t *f, const struct iovec *iov, int iovcnt, uint64_t off,
		size_t len, ssize_t *done)
{
	struct stream *s = f->stream;
	size_t got = 0;
	int eof = 0;

	if (!s || (f->flags & O_ACCMODE) == O_WRONLY)
		return 0;
	pthread_mutex_lock(&s->lock);
	wb_flush(f, s);
	if (!s->nra || !stream_takes(s, iov, iovcnt, off, len)) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	s->seq = off == s->next_off ? s->seq + 1 : 0;
	s->next_off = off + len;
	got = ra_serve(s, iov, iovcnt, off, len, &eof);
	/* From the second read in a row on, keep the units after this one
	 * coming; what is not there yet this read fetches itself. */
	if (s->seq >= 1)
		ra_fill(f, s, off + len, off + len);
	pthread_mutex_unlock(&s->lock);
	if (got == len || eof) {
		*done = (ssize_t)got;
		return 1;
	}
	if (got == 0)
		return 0;
	return stream_read_rest(f, iov, iovcnt, off + got, len - got, got, done);
}
