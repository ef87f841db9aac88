/* io.c - libpfs data path: pread/pwrite/preadv/pwritev on top of list I/O,
 * which splits extents per stripe object and drives every target at once. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "checksum.h"
#include "client.h"
#include "compress.h"
#include "ec_io.h"
#include "io.h"
#include "layout.h"
#include "stream.h"

#define IO_WINDOW 64            /* RPCs in flight per call */
/* Most bytes one bulk RPC moves, and the segments it is cut into. Measured
 * on tcp loopback (bench-quick, 3 runs each, same machine and hour), stream
 * write/read, plain and with write-behind/read-ahead, then EC 2+1 and the
 * 4-process fpp and shared-file rows, GiB/s, with each RPC's data pulled or
 * pushed whole:
 *   256 KiB: 0.84/1.02, cached 1.11/1.49, EC 0.42/0.95, fpp 0.99/1.10,
 *            shared 0.87/1.55; server CPU 1.32/1.02 cpu-s per GiB
 *   512 KiB: 0.88/1.13, cached 1.35/1.82, EC 0.57/1.21, fpp 1.08/1.19,
 *            shared 0.93/1.68; server CPU 1.10/0.82
 *     1 MiB: 0.89/1.15, cached 1.29/1.52, EC 0.59/1.34, fpp 1.20/1.44,
 *            shared 1.03/1.20; server CPU 0.95/0.80
 * Fewer, larger RPCs cost less CPU per byte (fewer requests, replies and
 * wake-ups), but a whole megabyte moved before (or after) it is stored
 * leaves the network and the storage copy one behind the other. So RPCs
 * are 1 MiB of IO_SEG_MAX segments: the OSS stores one segment while it
 * pulls the next, or pushes one while it loads the next (oss_ops.c), and
 * each segment of a write carries its own CRC so that it can be stored
 * before the rest has arrived. Against 512 KiB RPCs (same hour, 1 GiB
 * synchronous 1 MiB calls, 4 stripes): write 1.29-1.41 -> 1.42-1.54 GiB/s,
 * read 1.46-1.72 -> 1.91-1.94, client CPU 0.23-0.27 -> 0.16-0.22 s/GiB. */
#define IO_RPC_MAX (1u << 20)
#define IO_SEG_MAX (512u << 10)
/* Over a transport whose RMA does not move while the OSS stores (shm, see
 * net_rma_overlaps) one worker per megabyte does the two segments one
 * after the other, and two 512 KiB RPCs served by two workers at once are
 * faster: shm stream write 1.23-1.29 GiB/s with them, 0.79-0.95 with
 * 1 MiB RPCs. */
#define IO_RPC_MAX_SERIAL (512u << 10)
/* Most stored bytes one OBJ_WRITE_CHUNKS moves (pulled whole: its CRC
 * covers all of it). */
#define IO_CHUNK_RPC_MAX (512u << 10)
/* Most logical bytes of whole chunks compressed before they are sent. */
#define IO_CHUNK_BATCH (16u << 20)
#define IO_CCTX_POOL 8

/* Compression contexts (zstd's are ~1 MiB to set up) reused across calls:
 * process-wide state, guarded by io_cctx_lock. */
static pthread_mutex_t io_cctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct compress_ctx *io_cctx[IO_CCTX_POOL];
static int io_ncctx;

/* A whole compression chunk of a write, and how it goes out. */
struct io_chunk {
	uint32_t stripe;
	uint32_t codec;         /* PFS_COMPRESS_NONE when stored raw */
	uint64_t obj_off;
	const uint8_t *ptr;     /* the user's bytes */
	uint64_t boff;          /* stored bytes at bounce + boff */
	uint32_t slen;
};

/* One user memory segment (adjacent iovecs merged), registered for RMA
 * when a bulk RPC touches it. */
struct io_mem {
	uint8_t *base;
	uint64_t len;
	struct net_mr *mr;
	int need_mr;
};

/* Bytes that lie in one object and one memory segment. */
struct io_piece {
	uint32_t stripe;
	uint32_t mem;
	uint64_t obj_off;
	uint64_t len;
	uint8_t *ptr;
};

/* One object RPC: pieces [first, first + count) of io_ctx.rpc_pieces. */
struct io_rpc {
	uint32_t stripe;
	size_t first;
	size_t count;
	uint32_t next;
	uint32_t nseg;
	uint64_t bytes;
	uint64_t obj_end;       /* highest object byte touched + 1 */
};

/* A growable array. */
struct io_vec {
	void *p;
	size_t n;
	size_t cap;
};

struct io_ctx {
	pfs_file_t *f;
	const struct wire_layout *l;
	int write;
	struct io_mem *mem;
	size_t nmem;
	struct io_vec pieces;       /* struct io_piece, list order */
	struct io_vec rpc_pieces;   /* struct io_piece, grouped per RPC */
	struct io_vec rpcs;         /* struct io_rpc, grouped per stripe */
	size_t *order;              /* start order: stripes interleaved */
	struct net_call **calls;
	struct client_retry *retry; /* per started RPC: its budget */
	struct wire_obj_io *msg;
	uint8_t *enc;
	uint8_t *inl;
	int past_eof;
	int *status;                /* io_objects: per-stripe results */
	uint64_t *obj_size;         /* io_objects reads: per-stripe sizes */
	struct io_vec chunks;       /* struct io_chunk: whole chunks of a compressed write */
};

static void *io_vec_push(struct io_vec *v, size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		void *p = realloc(v->p, cap * size);

		if (!p)
			return NULL;
		v->p = p;
		v->cap = cap;
	}
	return (uint8_t *)v->p + size * v->n++;
}

/* ---- argument checks ---- */

/* Sums the extents; each must end inside the file space. */
static int io_ext_total(const struct pfs_extent *ext, size_t extcnt, uint64_t *total)
{
	uint64_t sum = 0;

	if (extcnt && !ext)
		return -EINVAL;
	for (size_t i = 0; i < extcnt; i++) {
		if (ext[i].len > CLIENT_FILE_MAX || ext[i].off > CLIENT_FILE_MAX - ext[i].len)
			return -EFBIG;
		sum += ext[i].len;
		if (sum > (uint64_t)SSIZE_MAX)
			return -EINVAL;
	}
	*total = sum;
	return 0;
}

/* Copies the iovecs into ctx->mem, merging adjacent ones and dropping
 * empty ones, and sums them. */
static int io_mem_init(struct io_ctx *ctx, const struct iovec *iov, size_t cnt,
		       uint64_t *total)
{
	uint64_t sum = 0;

	if (cnt && !iov)
		return -EINVAL;
	ctx->mem = calloc(cnt ? cnt : 1, sizeof(*ctx->mem));
	if (!ctx->mem)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		struct io_mem *last = ctx->nmem ? &ctx->mem[ctx->nmem - 1] : NULL;
		uint8_t *base = iov[i].iov_base;

		if (iov[i].iov_len == 0)
			continue;
		if (!base)
			return -EFAULT;
		sum += iov[i].iov_len;
		if (sum > (uint64_t)SSIZE_MAX)
			return -EINVAL;
		if (last && last->base + last->len == base) {
			last->len += iov[i].iov_len;
			continue;
		}
		ctx->mem[ctx->nmem].base = base;
		ctx->mem[ctx->nmem++].len = iov[i].iov_len;
	}
	*total = sum;
	return 0;
}

/* ---- planning ---- */

/* Appends a piece in list order, merging it into the previous one when both
 * the object range and the memory continue it. */
static int io_piece_add(struct io_ctx *ctx, const struct layout_piece *lp,
			uint32_t mem, uint8_t *ptr)
{
	struct io_piece *p = ctx->pieces.n ? (struct io_piece *)ctx->pieces.p + ctx->pieces.n - 1
					   : NULL;

	if (p && p->stripe == lp->stripe && p->mem == mem &&
	    p->obj_off + p->len == lp->obj_off && p->ptr + p->len == ptr) {
		p->len += lp->len;
		return 0;
	}
	p = io_vec_push(&ctx->pieces, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->stripe = lp->stripe;
	p->mem = mem;
	p->obj_off = lp->obj_off;
	p->len = lp->len;
	p->ptr = ptr;
	return 0;
}

/* Walks the extents and the memory segments together, cutting at stripe
 * boundaries. */
static int io_split(struct io_ctx *ctx, const struct pfs_extent *ext, size_t extcnt)
{
	size_t mi = 0;
	uint64_t moff = 0;
	int rc;

	for (size_t i = 0; i < extcnt; i++) {
		uint64_t off = ext[i].off, rem = ext[i].len;

		while (rem) {
			struct layout_piece lp;
			uint64_t room = ctx->mem[mi].len - moff;

			layout_map(ctx->l, off, rem < room ? rem : room, &lp);
			rc = io_piece_add(ctx, &lp, (uint32_t)mi, ctx->mem[mi].base + moff);
			if (rc)
				return rc;
			off += lp.len;
			rem -= lp.len;
			moff += lp.len;
			if (moff == ctx->mem[mi].len) {
				mi++;
				moff = 0;
			}
		}
	}
	return 0;
}

static int io_ext_joins(const struct io_piece *prev, const struct io_piece *p)
{
	return prev->obj_off + prev->len == p->obj_off;
}

static int io_seg_joins(const struct io_piece *prev, const struct io_piece *p)
{
	return prev->mem == p->mem && prev->ptr + prev->len == p->ptr;
}

/* Whether a segment must begin at byte pos of its RPC. */
static int io_seg_starts(uint64_t pos)
{
	return pos % IO_SEG_MAX == 0;
}

static struct io_rpc *io_rpc_new(struct io_ctx *ctx, uint32_t stripe)
{
	struct io_rpc *r = io_vec_push(&ctx->rpcs, sizeof(*r));

	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->stripe = stripe;
	r->first = ctx->rpc_pieces.n;
	return r;
}

/* Adds as much of *p as fits to RPC *rp (opening a new RPC when the current
 * one is full) and advances *p past it. */
static int io_rpc_take(struct io_ctx *ctx, struct io_rpc **rp, struct io_piece *p)
{
	struct io_rpc *r = *rp;
	struct io_piece *prev, *q;
	uint64_t take, max = net_rma_overlaps(ctx->f->fs->ep) ? IO_RPC_MAX : IO_RPC_MAX_SERIAL;
	int new_ext, new_seg;

	prev = r->count ? (struct io_piece *)ctx->rpc_pieces.p + ctx->rpc_pieces.n - 1 : NULL;
	new_ext = !prev || !io_ext_joins(prev, p);
	new_seg = !prev || !io_seg_joins(prev, p) || io_seg_starts(r->bytes);
	if (r->bytes >= max || r->next + new_ext > WIRE_MAX_EXTENTS ||
	    r->nseg + new_seg > WIRE_MAX_SEGS) {
		r = *rp = io_rpc_new(ctx, p->stripe);
		if (!r)
			return -ENOMEM;
		new_ext = new_seg = 1;
	}
	/* A piece ends where its segment does (io_rpc_describe). */
	take = IO_SEG_MAX - r->bytes % IO_SEG_MAX;
	take = p->len < take ? p->len : take;
	q = io_vec_push(&ctx->rpc_pieces, sizeof(*q));
	if (!q)
		return -ENOMEM;
	*q = *p;
	q->len = take;
	r->count++;
	r->next += (uint32_t)new_ext;
	r->nseg += (uint32_t)new_seg;
	r->bytes += take;
	if (q->obj_off + take > r->obj_end)
		r->obj_end = q->obj_off + take;
	p->obj_off += take;
	p->ptr += take;
	p->len -= take;
	return 0;
}

/* Indices of the pieces grouped per stripe, list order kept (a counting
 * sort); start[s] .. start[s + 1] are stripe s's. */
static size_t *io_by_stripe(const struct io_ctx *ctx, size_t *start)
{
	const struct io_piece *all = ctx->pieces.p;
	uint32_t nstripe = ctx->l->stripe_count;
	size_t pos[PFS_MAX_STRIPES], *idx;

	idx = malloc((ctx->pieces.n ? ctx->pieces.n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	memset(start, 0, (nstripe + 1) * sizeof(*start));
	for (size_t i = 0; i < ctx->pieces.n; i++)
		start[all[i].stripe + 1]++;
	for (uint32_t s = 0; s < nstripe; s++) {
		start[s + 1] += start[s];
		pos[s] = start[s];
	}
	for (size_t i = 0; i < ctx->pieces.n; i++)
		idx[pos[all[i].stripe]++] = i;
	return idx;
}

/* Cuts the pieces of every stripe (in list order) into RPCs. */
static int io_plan(struct io_ctx *ctx)
{
	const struct io_piece *all = ctx->pieces.p;
	size_t start[PFS_MAX_STRIPES + 1], *idx;
	int rc = 0;

	idx = io_by_stripe(ctx, start);
	if (!idx)
		return -ENOMEM;
	for (uint32_t s = 0; s < ctx->l->stripe_count && !rc; s++) {
		struct io_rpc *r = NULL;

		for (size_t i = start[s]; i < start[s + 1] && !rc; i++) {
			struct io_piece p = all[idx[i]];

			if (!r && !(r = io_rpc_new(ctx, s))) {
				rc = -ENOMEM;
				break;
			}
			while (p.len && !rc)
				rc = io_rpc_take(ctx, &r, &p);
		}
	}
	free(idx);
	return rc;
}

/* Start order: the first RPC of every stripe, then the second, ... so that
 * the window keeps every target busy. */
static int io_order(struct io_ctx *ctx)
{
	const struct io_rpc *r = ctx->rpcs.p;
	size_t n = ctx->rpcs.n, k = 0;
	size_t start[PFS_MAX_STRIPES + 1] = { 0 }, pos[PFS_MAX_STRIPES];
	uint32_t nstripe = ctx->l->stripe_count;

	ctx->order = malloc(n * sizeof(*ctx->order));
	ctx->calls = calloc(n, sizeof(*ctx->calls));
	ctx->retry = calloc(n, sizeof(*ctx->retry));
	if (!ctx->order || !ctx->calls || !ctx->retry)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		start[r[i].stripe + 1]++;
	for (uint32_t s = 0; s < nstripe; s++) {
		start[s + 1] += start[s];
		pos[s] = start[s];
	}
	while (k < n) {
		for (uint32_t s = 0; s < nstripe; s++)
			if (pos[s] < start[s + 1])
				ctx->order[k++] = pos[s]++;
	}
	return 0;
}

/* Registers every memory segment a bulk (RMA) RPC uses, once. */
static int io_register(struct io_ctx *ctx)
{
	const struct io_rpc *r = ctx->rpcs.p;
	const struct io_piece *p = ctx->rpc_pieces.p;
	int access = ctx->write ? NET_MR_REMOTE_READ : NET_MR_REMOTE_WRITE;
	int rc;

	for (size_t i = 0; i < ctx->rpcs.n; i++) {
		if (r[i].bytes <= WIRE_INLINE_MAX)
			continue;
		for (size_t j = r[i].first; j < r[i].first + r[i].count; j++)
			ctx->mem[p[j].mem].need_mr = 1;
	}
	for (size_t m = 0; m < ctx->nmem; m++) {
		if (!ctx->mem[m].need_mr)
			continue;
		rc = net_mr_reg(ctx->f->fs->ep, ctx->mem[m].base, ctx->mem[m].len, access,
				&ctx->mem[m].mr);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- RPCs ---- */

static uint32_t io_rpc_crc(const struct io_ctx *ctx, const struct io_rpc *r)
{
	const struct io_piece *p = (const struct io_piece *)ctx->rpc_pieces.p + r->first;
	uint32_t crc = 0;

	for (size_t i = 0; i < r->count; i++)
		crc = checksum_crc32c(crc, p[i].ptr, p[i].len);
	return crc;
}

/* Fills the request's extents and, for bulk RPCs, its segments: cut every
 * IO_SEG_MAX bytes, a write's each with its own CRC. */
static void io_rpc_describe(struct io_ctx *ctx, const struct io_rpc *r, int bulk)
{
	const struct io_piece *p = (const struct io_piece *)ctx->rpc_pieces.p + r->first;
	struct wire_obj_io *m = ctx->msg;
	uint64_t pos = 0;

	m->next = m->nseg = 0;
	for (size_t i = 0; i < r->count; pos += p[i].len, i++) {
		struct wire_seg *s;

		if (i && io_ext_joins(&p[i - 1], &p[i]))
			m->ext[m->next - 1].len += p[i].len;
		else
			m->ext[m->next++] = (struct wire_extent){ p[i].obj_off, p[i].len };
		if (!bulk)
			continue;
		if (!i || !io_seg_joins(&p[i - 1], &p[i]) || io_seg_starts(pos)) {
			s = &m->seg[m->nseg++];
			s->addr = net_mr_raddr(ctx->mem[p[i].mem].mr, p[i].ptr);
			s->key = net_mr_key(ctx->mem[p[i].mem].mr);
			s->len = 0;
			s->crc = 0;
		}
		s = &m->seg[m->nseg - 1];
		s->len += p[i].len;
		if (ctx->write)
			s->crc = checksum_crc32c(s->crc, p[i].ptr, p[i].len);
	}
}

/* Copies an inline write's data, in order, into ctx->inl. */
static void io_gather(struct io_ctx *ctx, const struct io_rpc *r)
{
	const struct io_piece *p = (const struct io_piece *)ctx->rpc_pieces.p + r->first;
	uint64_t o = 0;

	for (size_t i = 0; i < r->count; i++) {
		memcpy(ctx->inl + o, p[i].ptr, p[i].len);
		o += p[i].len;
	}
}

static int io_rpc_start(struct io_ctx *ctx, const struct io_rpc *r, int timeout_ms,
			struct net_call **call)
{
	struct wire_obj_io *m = ctx->msg;
	int bulk = r->bytes > WIRE_INLINE_MAX;
	fi_addr_t addr;
	int rc, len;

	rc = client_target_addr(ctx->f->fs, ctx->l->targets[r->stripe], &addr);
	if (rc)
		return rc;
	m->fid = ctx->l->fid;
	m->stripe = r->stripe;
	m->crc = 0;
	m->inline_len = 0;
	m->inline_data = NULL;
	io_rpc_describe(ctx, r, bulk);
	if (ctx->write && !bulk) {
		m->crc = io_rpc_crc(ctx, r);
		io_gather(ctx, r);
		m->inline_len = (uint32_t)r->bytes;
		m->inline_data = ctx->inl;
	}
	len = wire_enc_obj_io(ctx->enc, CLIENT_REQ_MAX, m);
	if (len < 0)
		return len;
	return net_call_start(ctx->f->fs->ep, addr,
			      ctx->write ? WIRE_OP_OBJ_WRITE : WIRE_OP_OBJ_READ,
			      ctx->enc, (size_t)len, timeout_ms, call);
}

/* Scatters an inline read reply into the pieces. */
static void io_scatter(struct io_ctx *ctx, const struct io_rpc *r, const uint8_t *data)
{
	const struct io_piece *p = (const struct io_piece *)ctx->rpc_pieces.p + r->first;
	uint64_t o = 0;

	for (size_t i = 0; i < r->count; i++) {
		memcpy(p[i].ptr, data + o, p[i].len);
		o += p[i].len;
	}
}

/* Checks a read reply: data present and intact, end of object noted. The
 * server's CRC is derived from the stored block CRCs, so a match proves the
 * bytes are those written; a mismatch here happened in transit (-EBADMSG,
 * sent again), while bad data at rest comes back as the server's -EIO. */
static int io_read_done(struct io_ctx *ctx, const struct io_rpc *r,
			const void *payload, size_t plen)
{
	struct wire_obj_io_rep rep;
	int rc;

	rc = wire_dec_obj_io_rep(payload, plen, &rep);
	if (rc)
		return rc;
	if (r->bytes <= WIRE_INLINE_MAX) {
		if (rep.inline_len != r->bytes)
			return -EPROTO;
		if (checksum_crc32c(0, rep.inline_data, rep.inline_len) != rep.crc)
			return -EBADMSG;
		io_scatter(ctx, r, rep.inline_data);
	} else if (io_rpc_crc(ctx, r) != rep.crc) {
		return -EBADMSG;
	}
	if (r->obj_end > rep.obj_size)
		ctx->past_eof = 1;
	if (ctx->obj_size)
		ctx->obj_size[r->stripe] = rep.obj_size;
	return 0;
}

static int io_rpc_finish(struct io_ctx *ctx, const struct io_rpc *r, struct net_call *call,
			 int *transport)
{
	const void *payload;
	size_t plen;
	int status, rc;

	*transport = 0;
	rc = net_call_result(call, &status, &payload, &plen);
	if (rc) {
		*transport = 1;
		return rc;
	}
	if (status)
		return status;
	if (ctx->write)
		return 0;
	return io_read_done(ctx, r, payload, plen);
}

/* With per-stripe results (io_objects): notes rc against the RPC's
 * stripe; the call goes on with the other stripes. */
static void io_note(struct io_ctx *ctx, const struct io_rpc *r, int rc)
{
	if (rc && !ctx->status[r->stripe])
		ctx->status[r->stripe] = rc;
}

/* Failures after which the same RPC is sent again within its budget: any
 * transport failure, a transit CRC mismatch (-EBADMSG, seen by the server on
 * a write or here on a read) and a server's failed RMA to our buffers
 * (-ECOMM): nothing was stored or returned. -EIO from a server is bad data
 * at rest and final. */
static int io_resendable(int rc, int transport)
{
	return transport || rc == -EBADMSG || rc == -ECOMM;
}

/* Starts every RPC, at most IO_WINDOW in flight, and collects the results
 * oldest first. An RPC that fails in transport (its server died or
 * restarted) is sent again within its budget (client_retry_*): reads and
 * positioned writes are idempotent. Returns the first error. With
 * per-stripe results nothing is retried (the caller has redundancy to fall
 * back on) and a stripe that failed gets no more RPCs. */
static int io_run(struct io_ctx *ctx)
{
	const struct io_rpc *r = ctx->rpcs.p;
	size_t n = ctx->rpcs.n, started = 0, done = 0;
	int err = 0, rc, transport;

	while (done < n) {
		while (!err && started < n && started - done < IO_WINDOW) {
			const struct io_rpc *x = &r[ctx->order[started]];

			ctx->calls[started] = NULL;
			if (ctx->status && ctx->status[x->stripe]) {
				started++;
				continue;
			}
			client_retry_init(ctx->f->fs, &ctx->retry[started]);
			rc = io_rpc_start(ctx, x, client_retry_timeout(&ctx->retry[started]),
					  &ctx->calls[started]);
			if (rc && ctx->status) {
				io_note(ctx, x, rc);
			} else if (rc) {
				err = rc;
				break;
			}
			started++;
			/* A request that could not be sent (its server is
			 * unreachable: the post waited out the attempt) is
			 * retried or failed before more go out, so that the
			 * RPCs queued behind it do not each wait out an attempt
			 * in turn: a 4 MiB read from a server that hung
			 * before the connection came up took 6.3 s for a 1.5 s
			 * timeout. */
			if (ctx->calls[started - 1] && net_call_unsent(ctx->calls[started - 1]))
				break;
		}
		if (done == started)
			break;
		if (!ctx->calls[done]) {
			done++;
			continue;
		}
		net_call_wait(ctx->f->fs->ep, &ctx->calls[done], 1);
		rc = io_rpc_finish(ctx, &r[ctx->order[done]], ctx->calls[done], &transport);
		net_call_free(ctx->calls[done]);
		ctx->calls[done] = NULL;
		if (rc && ctx->status) {
			io_note(ctx, &r[ctx->order[done]], rc);
			rc = 0;
		}
		if (rc && io_resendable(rc, transport) && !err &&
		    client_retry_again(&ctx->retry[done], transport ? rc : -EAGAIN)) {
			rc = io_rpc_start(ctx, &r[ctx->order[done]],
					  client_retry_timeout(&ctx->retry[done]),
					  &ctx->calls[done]);
			if (!rc)
				continue;       /* wait for the new attempt */
		}
		if (rc && !err)
			err = rc;
		done++;
	}
	return err;
}

/* ---- compressed writes: whole chunks are compressed here ----
 * Rule: a write to a compressed file sends every whole chunk it covers
 * (chunk-aligned in the file, hence in the object, one memory segment)
 * compressed by OBJ_WRITE_CHUNKS, raw when compressing would not save at
 * least one 4 KiB block; everything else (unaligned heads and tails,
 * chunks split across iovecs) goes as an ordinary raw write, which the OSS
 * merges into a compressed chunk by unpacking it to raw (objstore.c). List
 * writes whose extents overlap are sent all raw (their order matters).
 * Reads are not affected: the OSS decompresses. */

static int io_compressed(const struct wire_layout *l)
{
	return l->compress == PFS_COMPRESS_LZ4 || l->compress == PFS_COMPRESS_ZSTD;
}

static uint32_t io_chunk_size(const struct wire_layout *l)
{
	return l->chunk_size ? l->chunk_size : PFS_CHUNK_DEFAULT;
}

static int io_ext_cmp(const void *a, const void *b)
{
	const struct pfs_extent *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int io_ext_overlap(const struct pfs_extent *ext, size_t n)
{
	struct pfs_extent *s;
	int overlap = 0;

	if (n < 2)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 1;
	memcpy(s, ext, n * sizeof(*s));
	qsort(s, n, sizeof(*s), io_ext_cmp);
	for (size_t i = 1; i < n && !overlap; i++)
		overlap = s[i].off < s[i - 1].off + s[i - 1].len;
	free(s);
	return overlap;
}

static int io_chunk_cmp(const void *a, const void *b)
{
	const struct io_chunk *x = a, *y = b;

	if (x->stripe != y->stripe)
		return x->stripe < y->stripe ? -1 : 1;
	return x->obj_off < y->obj_off ? -1 : x->obj_off > y->obj_off;
}

/* Moves the whole chunks out of ctx->pieces into ctx->chunks. */
static int io_chunks_extract(struct io_ctx *ctx)
{
	struct io_vec keep = { 0 };
	const struct io_piece *all = ctx->pieces.p;
	uint64_t C = io_chunk_size(ctx->l);

	for (size_t i = 0; i < ctx->pieces.n; i++) {
		struct io_piece p = all[i], *q;
		uint64_t end = p.obj_off + p.len;
		uint64_t first = (p.obj_off + C - 1) / C * C, last = end / C * C;

		if (first >= last) {
			q = io_vec_push(&keep, sizeof(*q));
			if (!q)
				goto nomem;
			*q = p;
			continue;
		}
		if (first > p.obj_off) {
			q = io_vec_push(&keep, sizeof(*q));
			if (!q)
				goto nomem;
			*q = p;
			q->len = first - p.obj_off;
		}
		for (uint64_t x = first; x < last; x += C) {
			struct io_chunk *c = io_vec_push(&ctx->chunks, sizeof(*c));

			if (!c)
				goto nomem;
			memset(c, 0, sizeof(*c));
			c->stripe = p.stripe;
			c->obj_off = x;
			c->ptr = p.ptr + (x - p.obj_off);
		}
		if (end > last) {
			q = io_vec_push(&keep, sizeof(*q));
			if (!q)
				goto nomem;
			*q = p;
			q->obj_off = last;
			q->ptr = p.ptr + (last - p.obj_off);
			q->len = end - last;
		}
	}
	free(ctx->pieces.p);
	ctx->pieces = keep;
	/* Per stripe in object order: an RPC's chunks then sit back to back
	 * in the bounce buffer (one segment). */
	if (ctx->chunks.n)
		qsort(ctx->chunks.p, ctx->chunks.n, sizeof(struct io_chunk), io_chunk_cmp);
	return 0;
nomem:
	free(keep.p);
	return -ENOMEM;
}

static struct compress_ctx *io_cctx_get(void)
{
	struct compress_ctx *c = NULL;

	pthread_mutex_lock(&io_cctx_lock);
	if (io_ncctx)
		c = io_cctx[--io_ncctx];
	pthread_mutex_unlock(&io_cctx_lock);
	if (!c && compress_ctx_new(&c) < 0)
		return NULL;
	return c;
}

static void io_cctx_put(struct compress_ctx *c)
{
	pthread_mutex_lock(&io_cctx_lock);
	if (io_ncctx < IO_CCTX_POOL) {
		io_cctx[io_ncctx++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&io_cctx_lock);
	compress_ctx_free(c);
}

/* One OBJ_WRITE_CHUNKS: chunks [first, first + n) of one stripe. */
struct io_crpc {
	size_t first, n;
	uint64_t bytes;
};

static int io_crpc_start(struct io_ctx *ctx, struct wire_obj_chunks *m, const struct io_crpc *r,
			 uint8_t *bounce, struct net_mr *mr, int timeout_ms, struct net_call **call)
{
	const struct io_chunk *c = (const struct io_chunk *)ctx->chunks.p + r->first;
	struct wire_obj_io *io = &m->io;
	fi_addr_t addr;
	int rc, len;

	rc = client_target_addr(ctx->f->fs, ctx->l->targets[c->stripe], &addr);
	if (rc)
		return rc;
	m->chunk_size = io_chunk_size(ctx->l);
	io->fid = ctx->l->fid;
	io->stripe = c->stripe;
	io->next = (uint32_t)r->n;
	io->nseg = 0;
	io->inline_len = 0;
	io->inline_data = NULL;
	for (size_t i = 0; i < r->n; i++) {
		io->ext[i] = (struct wire_extent){ c[i].obj_off, c[i].slen };
		m->codec[i] = c[i].codec;
	}
	io->crc = checksum_crc32c(0, bounce + c->boff, r->bytes);
	if (r->bytes <= WIRE_INLINE_MAX) {
		io->inline_len = (uint32_t)r->bytes;
		io->inline_data = bounce + c->boff;
	} else {
		io->nseg = 1;
		io->seg[0].addr = net_mr_raddr(mr, bounce + c->boff);
		io->seg[0].key = net_mr_key(mr);
		io->seg[0].len = r->bytes;
		io->seg[0].crc = 0;    /* OBJ_WRITE_CHUNKS checks io->crc */
	}
	len = wire_enc_obj_chunks(ctx->enc, CLIENT_REQ_MAX, m);
	if (len < 0)
		return len;
	return net_call_start(ctx->f->fs->ep, addr, WIRE_OP_OBJ_WRITE_CHUNKS, ctx->enc,
			      (size_t)len, timeout_ms, call);
}

/* Sends chunks [from, to) (stored in bounce) as RPCs, IO_WINDOW at a time. */
static int io_chunks_send(struct io_ctx *ctx, size_t from, size_t to, uint8_t *bounce,
			  struct net_mr *mr, struct wire_obj_chunks *m)
{
	const struct io_chunk *c = ctx->chunks.p;
	struct io_crpc *rpcs;
	struct net_call **calls;
	struct client_retry *retry;
	size_t n = 0, started = 0, done = 0;
	int err = 0, rc;

	rpcs = malloc((to - from) * sizeof(*rpcs));
	calls = calloc(to - from, sizeof(*calls));
	retry = calloc(to - from, sizeof(*retry));
	if (!rpcs || !calls || !retry) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = from; i < to; i++) {
		struct io_crpc *r = n ? &rpcs[n - 1] : NULL;

		if (!r || c[i].stripe != c[r->first].stripe || r->n == WIRE_MAX_EXTENTS ||
		    r->bytes + c[i].slen > IO_CHUNK_RPC_MAX) {
			r = &rpcs[n++];
			r->first = i;
			r->n = 0;
			r->bytes = 0;
		}
		r->n++;
		r->bytes += c[i].slen;
	}
	while (done < n) {
		int transport = 0, status = 0;
		const void *pl;
		size_t plen;

		while (!err && started < n && started - done < IO_WINDOW) {
			client_retry_init(ctx->f->fs, &retry[started]);
			rc = io_crpc_start(ctx, m, &rpcs[started], bounce, mr,
					   client_retry_timeout(&retry[started]), &calls[started]);
			if (rc) {
				err = rc;
				break;
			}
			started++;
			if (net_call_unsent(calls[started - 1]))
				break;          /* as in io_run */
		}
		if (done == started)
			break;
		net_call_wait(ctx->f->fs->ep, &calls[done], 1);
		rc = net_call_result(calls[done], &status, &pl, &plen);
		transport = rc != 0;
		if (!rc)
			rc = status;
		net_call_free(calls[done]);
		calls[done] = NULL;
		if (rc && io_resendable(rc, transport) && !err &&
		    client_retry_again(&retry[done], transport ? rc : -EAGAIN)) {
			rc = io_crpc_start(ctx, m, &rpcs[done], bounce, mr,
					   client_retry_timeout(&retry[done]), &calls[done]);
			if (!rc)
				continue;
		}
		if (rc && !err)
			err = rc;
		done++;
	}
out:
	free(rpcs);
	free(calls);
	free(retry);
	return err;
}

/* Compresses and sends the whole chunks, IO_CHUNK_BATCH logical bytes at a
 * time through one registered bounce buffer. */
static int io_chunks_run(struct io_ctx *ctx)
{
	struct io_chunk *c = ctx->chunks.p;
	uint64_t C = io_chunk_size(ctx->l);
	size_t per = IO_CHUNK_BATCH / C ? IO_CHUNK_BATCH / C : 1, i = 0;
	struct wire_obj_chunks *m = NULL;
	struct compress_ctx *cc = NULL;
	struct net_mr *mr = NULL;
	uint8_t *bounce = NULL;
	int rc = 0;

	if (per > ctx->chunks.n)
		per = ctx->chunks.n;
	bounce = malloc(per * C);
	m = malloc(sizeof(*m));
	cc = io_cctx_get();
	if (!bounce || !m || !cc) {
		rc = -ENOMEM;
		goto out;
	}
	rc = net_mr_reg(ctx->f->fs->ep, bounce, per * C, NET_MR_REMOTE_READ, &mr);
	while (!rc && i < ctx->chunks.n) {
		size_t end = i + per < ctx->chunks.n ? i + per : ctx->chunks.n;
		uint64_t off = 0;

		for (size_t j = i; j < end; j++) {
			/* Must save at least one block, else stored raw. */
			int64_t k = compress_chunk(cc, ctx->l->compress, ctx->l->compress_level,
						   c[j].ptr, C, bounce + off, C - 4096);

			if (k < 0) {
				rc = (int)k;
				break;
			}
			c[j].boff = off;
			if (k > 0) {
				c[j].codec = ctx->l->compress;
				c[j].slen = (uint32_t)k;
			} else {
				memcpy(bounce + off, c[j].ptr, C);
				c[j].codec = PFS_COMPRESS_NONE;
				c[j].slen = (uint32_t)C;
			}
			off += c[j].slen;
		}
		if (!rc)
			rc = io_chunks_send(ctx, i, end, bounce, mr, m);
		i = end;
	}
out:
	if (mr)
		net_mr_close(mr);
	if (cc)
		io_cctx_put(cc);
	free(bounce);
	free(m);
	return rc;
}

/* ---- list I/O ---- */

static int io_ctx_alloc(struct io_ctx *ctx)
{
	ctx->msg = malloc(sizeof(*ctx->msg));
	ctx->enc = malloc(CLIENT_REQ_MAX);
	ctx->inl = malloc(WIRE_INLINE_MAX);
	return ctx->msg && ctx->enc && ctx->inl ? 0 : -ENOMEM;
}

static void io_ctx_free(struct io_ctx *ctx)
{
	for (size_t m = 0; m < ctx->nmem; m++)
		if (ctx->mem[m].mr)
			net_mr_close(ctx->mem[m].mr);
	free(ctx->mem);
	free(ctx->pieces.p);
	free(ctx->rpc_pieces.p);
	free(ctx->rpcs.p);
	free(ctx->order);
	free(ctx->calls);
	free(ctx->retry);
	free(ctx->msg);
	free(ctx->enc);
	free(ctx->inl);
	free(ctx->chunks.p);
}

/* Bytes of the extents, in list order, before the first byte at or past
 * size: what a read returns once end of file is known. */
static uint64_t io_eof_prefix(const struct pfs_extent *ext, size_t extcnt, uint64_t size)
{
	uint64_t n = 0;

	for (size_t i = 0; i < extcnt; i++) {
		if (ext[i].off + ext[i].len <= size) {
			n += ext[i].len;
			continue;
		}
		if (ext[i].off < size)
			n += size - ext[i].off;
		break;
	}
	return n;
}

ssize_t io_list(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		const struct pfs_extent *ext, size_t extcnt)
{
	struct io_ctx ctx = { .f = f, .write = write };
	uint64_t mtotal = 0, etotal = 0, size;
	int acc, rc;

	if (!f)
		return -EINVAL;
	acc = f->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	ctx.l = &f->attr.layout;
	rc = io_mem_init(&ctx, mem, memcnt, &mtotal);
	if (!rc)
		rc = io_ext_total(ext, extcnt, &etotal);
	if (!rc && mtotal != etotal)
		rc = -EINVAL;
	if (rc || etotal == 0)
		goto out;
	if (ctx.l->pattern == PFS_PATTERN_EC) {
		io_ctx_free(&ctx);
		return ec_io_list(f, write, mem, memcnt, ext, extcnt, etotal);
	}
	rc = io_ctx_alloc(&ctx);
	if (!rc)
		rc = io_split(&ctx, ext, extcnt);
	if (!rc && write && io_compressed(ctx.l) && !io_ext_overlap(ext, extcnt))
		rc = io_chunks_extract(&ctx);
	if (!rc && ctx.pieces.n)
		rc = io_plan(&ctx);
	if (!rc && ctx.pieces.n)
		rc = io_order(&ctx);
	if (!rc && ctx.pieces.n)
		rc = io_register(&ctx);
	if (!rc && write) {
		pthread_mutex_lock(&f->lock);
		f->dirty = 1;
		pthread_mutex_unlock(&f->lock);
	}
	if (!rc && ctx.pieces.n)
		rc = io_run(&ctx);
	if (!rc && ctx.chunks.n)
		rc = io_chunks_run(&ctx);
	if (rc || write || !ctx.past_eof)
		goto out;
	rc = client_glimpse(f->fs, ctx.l, &size);
	if (!rc)
		etotal = io_eof_prefix(ext, extcnt, size);
out:
	io_ctx_free(&ctx);
	return rc ? rc : (ssize_t)etotal;
}

int io_objects(pfs_file_t *f, int write, const struct wire_layout *l, uint8_t *buf,
	       uint64_t buflen, const struct io_obj_piece *p, size_t n, int *status,
	       uint64_t *obj_size)
{
	struct io_ctx ctx = { .f = f, .write = write, .l = l, .status = status,
			      .obj_size = obj_size };
	struct iovec iov = { .iov_base = buf, .iov_len = buflen };
	uint64_t total;
	int rc;

	rc = io_mem_init(&ctx, &iov, 1, &total);
	if (!rc)
		rc = io_ctx_alloc(&ctx);
	for (size_t i = 0; i < n && !rc; i++) {
		struct layout_piece lp = { .stripe = p[i].stripe, .obj_off = p[i].obj_off,
					   .len = p[i].len };

		if (p[i].stripe >= l->stripe_count || p[i].ptr < buf ||
		    p[i].len > buflen || p[i].ptr - buf > (ptrdiff_t)(buflen - p[i].len))
			rc = -EINVAL;
		else if (p[i].len)
			rc = io_piece_add(&ctx, &lp, 0, p[i].ptr);
	}
	if (!rc && ctx.pieces.n == 0)
		goto out;
	if (!rc)
		rc = io_plan(&ctx);
	if (!rc)
		rc = io_order(&ctx);
	if (!rc)
		rc = io_register(&ctx);
	if (!rc && write) {
		pthread_mutex_lock(&f->lock);
		f->dirty = 1;
		pthread_mutex_unlock(&f->lock);
	}
	if (!rc)
		rc = io_run(&ctx);
out:
	io_ctx_free(&ctx);
	return rc;
}

ssize_t pfs_readlist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		     const struct pfs_extent *ext, size_t extcnt)
{
	stream_before(file, STREAM_READ);
	return io_list(file, 0, mem, memcnt, ext, extcnt);
}

ssize_t pfs_writelist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		      const struct pfs_extent *ext, size_t extcnt)
{
	int rc = stream_before(file, STREAM_WRITE);

	return rc ? rc : io_list(file, 1, mem, memcnt, ext, extcnt);
}

/* ---- contiguous I/O ---- */

static ssize_t io_vec_io(pfs_file_t *f, int write, const struct iovec *iov, int iovcnt,
			 uint64_t off)
{
	struct pfs_extent e = { .off = off, .len = 0 };
	ssize_t done;

	if (!f || iovcnt < 0 || (iovcnt && !iov))
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - e.len)
			return -EINVAL;
		e.len += iov[i].iov_len;
	}
	if (write ? stream_write(f, iov, iovcnt, off, e.len, &done)
		  : stream_read(f, iov, iovcnt, off, e.len, &done))
		return done;
	return io_list(f, write, iov, (size_t)iovcnt, &e, 1);
}

ssize_t pfs_pread(pfs_file_t *file, void *buf, size_t len, uint64_t off)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };

	return io_vec_io(file, 0, &v, 1, off);
}

ssize_t pfs_pwrite(pfs_file_t *file, const void *buf, size_t len, uint64_t off)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };

	return io_vec_io(file, 1, &v, 1, off);
}

ssize_t pfs_preadv(pfs_file_t *file, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return io_vec_io(file, 0, iov, iovcnt, off);
}

ssize_t pfs_pwritev(pfs_file_t *file, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return io_vec_io(file, 1, iov, iovcnt, off);
}
