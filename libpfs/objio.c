/* objio.c - the object I/O layer under every layout engine: pieces of
 * stripe objects planned into RPCs and moved to or from memory, every target
 * at once, with retries within each RPC's budget.
 *
 * Bulk RPCs move up to OBJIO_RPC_MAX bytes cut into OBJIO_SEG_MAX segments:
 * the OSS stores one segment while it pulls the next (or loads one while it
 * pushes the previous), and each segment of a write carries its own CRC so
 * that it can be stored before the rest has arrived. Fewer, larger RPCs
 * cost less CPU per byte; segments keep the network and the storage copy
 * overlapped (docs/PERFORMANCE.md has the figures). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "checksum.h"
#include "objio.h"

#define OBJIO_RPC_MAX (1u << 20)
#define OBJIO_SEG_MAX (512u << 10)
/* Over a transport whose RMA does not move while the OSS stores (shm, see
 * net_rma_overlaps) one worker per megabyte would do the two segments one
 * after the other; two 512 KiB RPCs are served by two workers at once. */
#define OBJIO_RPC_MAX_SERIAL (512u << 10)

void *objio_vec_push(struct objio_vec *v, size_t size)
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

/* Copies the iovecs into ctx->mem, merging adjacent ones and dropping
 * empty ones, and sums them. */
static int objio_mem_init(struct objio *ctx, const struct iovec *iov, size_t cnt,
		       uint64_t *total)
{
	uint64_t sum = 0;

	if (cnt && !iov)
		return -EINVAL;
	ctx->mem = calloc(cnt ? cnt : 1, sizeof(*ctx->mem));
	if (!ctx->mem)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		struct objio_mem *last = ctx->nmem ? &ctx->mem[ctx->nmem - 1] : NULL;
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
static int objio_piece_add(struct objio *ctx, const struct layout_piece *lp,
			uint32_t mem, uint8_t *ptr)
{
	struct objio_piece *p = ctx->pieces.n ? (struct objio_piece *)ctx->pieces.p + ctx->pieces.n - 1
					   : NULL;

	if (p && p->stripe == lp->stripe && p->mem == mem &&
	    p->obj_off + p->len == lp->obj_off && p->ptr + p->len == ptr) {
		p->len += lp->len;
		return 0;
	}
	p = objio_vec_push(&ctx->pieces, sizeof(*p));
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
int objio_split(struct objio *ctx, const struct pfs_extent *ext, size_t extcnt)
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
			rc = objio_piece_add(ctx, &lp, (uint32_t)mi, ctx->mem[mi].base + moff);
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

static int objio_ext_joins(const struct objio_piece *prev, const struct objio_piece *p)
{
	return prev->obj_off + prev->len == p->obj_off;
}

static int objio_seg_joins(const struct objio_piece *prev, const struct objio_piece *p)
{
	return prev->mem == p->mem && prev->ptr + prev->len == p->ptr;
}

/* Whether a segment must begin at byte pos of its RPC. */
static int objio_seg_starts(uint64_t pos)
{
	return pos % OBJIO_SEG_MAX == 0;
}

static struct objio_rpc *objio_rpc_new(struct objio *ctx, uint32_t stripe)
{
	struct objio_rpc *r = objio_vec_push(&ctx->rpcs, sizeof(*r));

	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->stripe = stripe;
	r->first = ctx->rpc_pieces.n;
	return r;
}

/* Adds as much of *p as fits to RPC *rp (opening a new RPC when the current
 * one is full) and advances *p past it. */
static int objio_rpc_take(struct objio *ctx, struct objio_rpc **rp, struct objio_piece *p)
{
	struct objio_rpc *r = *rp;
	struct objio_piece *prev, *q;
	uint64_t take, max = net_rma_overlaps(ctx->f->fs->ep) ? OBJIO_RPC_MAX : OBJIO_RPC_MAX_SERIAL;
	int new_ext, new_seg;

	prev = r->count ? (struct objio_piece *)ctx->rpc_pieces.p + ctx->rpc_pieces.n - 1 : NULL;
	new_ext = !prev || !objio_ext_joins(prev, p);
	new_seg = !prev || !objio_seg_joins(prev, p) || objio_seg_starts(r->bytes);
	if (r->bytes >= max || r->next + new_ext > WIRE_MAX_EXTENTS ||
	    r->nseg + new_seg > WIRE_MAX_SEGS) {
		r = *rp = objio_rpc_new(ctx, p->stripe);
		if (!r)
			return -ENOMEM;
		new_ext = new_seg = 1;
	}
	/* A piece ends where its segment does (objio_rpc_describe). */
	take = OBJIO_SEG_MAX - r->bytes % OBJIO_SEG_MAX;
	take = p->len < take ? p->len : take;
	q = objio_vec_push(&ctx->rpc_pieces, sizeof(*q));
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
static size_t *objio_by_stripe(const struct objio *ctx, size_t *start)
{
	const struct objio_piece *all = ctx->pieces.p;
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
static int objio_plan(struct objio *ctx)
{
	const struct objio_piece *all = ctx->pieces.p;
	size_t start[PFS_MAX_STRIPES + 1], *idx;
	int rc = 0;

	idx = objio_by_stripe(ctx, start);
	if (!idx)
		return -ENOMEM;
	for (uint32_t s = 0; s < ctx->l->stripe_count && !rc; s++) {
		struct objio_rpc *r = NULL;

		for (size_t i = start[s]; i < start[s + 1] && !rc; i++) {
			struct objio_piece p = all[idx[i]];

			if (!r && !(r = objio_rpc_new(ctx, s))) {
				rc = -ENOMEM;
				break;
			}
			while (p.len && !rc)
				rc = objio_rpc_take(ctx, &r, &p);
		}
	}
	free(idx);
	return rc;
}

/* Start order: the first RPC of every stripe, then the second, ... so that
 * the window keeps every target busy. */
static int objio_order(struct objio *ctx)
{
	const struct objio_rpc *r = ctx->rpcs.p;
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
static int objio_register(struct objio *ctx)
{
	const struct objio_rpc *r = ctx->rpcs.p;
	const struct objio_piece *p = ctx->rpc_pieces.p;
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

static uint32_t objio_rpc_crc(const struct objio *ctx, const struct objio_rpc *r)
{
	const struct objio_piece *p = (const struct objio_piece *)ctx->rpc_pieces.p + r->first;
	uint32_t crc = 0;

	for (size_t i = 0; i < r->count; i++)
		crc = checksum_crc32c(crc, p[i].ptr, p[i].len);
	return crc;
}

/* Fills the request's extents and, for bulk RPCs, its segments: cut every
 * OBJIO_SEG_MAX bytes, a write's each with its own CRC. */
static void objio_rpc_describe(struct objio *ctx, const struct objio_rpc *r, int bulk)
{
	const struct objio_piece *p = (const struct objio_piece *)ctx->rpc_pieces.p + r->first;
	struct wire_obj_io *m = ctx->msg;
	uint64_t pos = 0;

	m->next = m->nseg = 0;
	for (size_t i = 0; i < r->count; pos += p[i].len, i++) {
		struct wire_seg *s;

		if (i && objio_ext_joins(&p[i - 1], &p[i]))
			m->ext[m->next - 1].len += p[i].len;
		else
			m->ext[m->next++] = (struct wire_extent){ p[i].obj_off, p[i].len };
		if (!bulk)
			continue;
		if (!i || !objio_seg_joins(&p[i - 1], &p[i]) || objio_seg_starts(pos)) {
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
static void objio_gather(struct objio *ctx, const struct objio_rpc *r)
{
	const struct objio_piece *p = (const struct objio_piece *)ctx->rpc_pieces.p + r->first;
	uint64_t o = 0;

	for (size_t i = 0; i < r->count; i++) {
		memcpy(ctx->inl + o, p[i].ptr, p[i].len);
		o += p[i].len;
	}
}

static int objio_rpc_start(struct objio *ctx, const struct objio_rpc *r, int timeout_ms,
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
	objio_rpc_describe(ctx, r, bulk);
	if (ctx->write && !bulk) {
		m->crc = objio_rpc_crc(ctx, r);
		objio_gather(ctx, r);
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
static void objio_scatter(struct objio *ctx, const struct objio_rpc *r, const uint8_t *data)
{
	const struct objio_piece *p = (const struct objio_piece *)ctx->rpc_pieces.p + r->first;
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
static int objio_read_done(struct objio *ctx, const struct objio_rpc *r,
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
		objio_scatter(ctx, r, rep.inline_data);
	} else if (objio_rpc_crc(ctx, r) != rep.crc) {
		return -EBADMSG;
	}
	if (r->obj_end > rep.obj_size)
		ctx->past_eof = 1;
	if (ctx->obj_size)
		ctx->obj_size[r->stripe] = rep.obj_size;
	return 0;
}

static int objio_rpc_finish(struct objio *ctx, const struct objio_rpc *r, struct net_call *call,
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
	return objio_read_done(ctx, r, payload, plen);
}

/* With per-stripe results (objio_spans): notes rc against the RPC's
 * stripe; the call goes on with the other stripes. */
static void objio_note(struct objio *ctx, const struct objio_rpc *r, int rc)
{
	if (rc && !ctx->status[r->stripe])
		ctx->status[r->stripe] = rc;
}

/* Failures after which the same RPC is sent again within its budget: any
 * transport failure, a transit CRC mismatch (-EBADMSG, seen by the server on
 * a write or here on a read) and a server's failed RMA to our buffers
 * (-ECOMM): nothing was stored or returned. -EIO from a server is bad data
 * at rest and final. */
int objio_resendable(int rc, int transport)
{
	return transport || rc == -EBADMSG || rc == -ECOMM;
}

/* Starts every RPC, at most OBJIO_WINDOW in flight, and collects the results
 * oldest first. An RPC that fails in transport (its server died or
 * restarted) is sent again within its budget (client_retry_*): reads and
 * positioned writes are idempotent. Returns the first error. With
 * per-stripe results nothing is retried (the caller has redundancy to fall
 * back on) and a stripe that failed gets no more RPCs. */
static int objio_send(struct objio *ctx)
{
	const struct objio_rpc *r = ctx->rpcs.p;
	size_t n = ctx->rpcs.n, started = 0, done = 0;
	int err = 0, rc, transport;

	while (done < n) {
		while (!err && started < n && started - done < OBJIO_WINDOW) {
			const struct objio_rpc *x = &r[ctx->order[started]];

			ctx->calls[started] = NULL;
			if (ctx->status && ctx->status[x->stripe]) {
				started++;
				continue;
			}
			client_retry_init(ctx->f->fs, &ctx->retry[started]);
			rc = objio_rpc_start(ctx, x, client_retry_timeout(&ctx->retry[started]),
					  &ctx->calls[started]);
			if (rc && ctx->status) {
				objio_note(ctx, x, rc);
			} else if (rc) {
				err = rc;
				break;
			}
			started++;
			/* A request that could not be sent (its server is
			 * unreachable: the post waited out the attempt) is
			 * retried or failed before more go out, so that the
			 * RPCs queued behind it do not each wait out an attempt
			 * in turn (docs/PERFORMANCE.md: a hung server). */
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
		rc = objio_rpc_finish(ctx, &r[ctx->order[done]], ctx->calls[done], &transport);
		net_call_free(ctx->calls[done]);
		ctx->calls[done] = NULL;
		if (rc && ctx->status) {
			objio_note(ctx, &r[ctx->order[done]], rc);
			rc = 0;
		}
		if (rc && objio_resendable(rc, transport) && !err &&
		    client_retry_again(&ctx->retry[done], transport ? rc : -EAGAIN)) {
			rc = objio_rpc_start(ctx, &r[ctx->order[done]],
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

/* ---- list I/O ---- */

static int objio_ctx_alloc(struct objio *ctx)
{
	ctx->msg = malloc(sizeof(*ctx->msg));
	ctx->enc = malloc(CLIENT_REQ_MAX);
	ctx->inl = malloc(WIRE_INLINE_MAX);
	return ctx->msg && ctx->enc && ctx->inl ? 0 : -ENOMEM;
}

void objio_fini(struct objio *ctx)
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
}

int objio_init(struct objio *ctx, pfs_file_t *f, const struct wire_layout *l, int write,
	       const struct iovec *mem, size_t memcnt)
{
	uint64_t total;
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	ctx->f = f;
	ctx->l = l;
	ctx->write = write;
	rc = objio_mem_init(ctx, mem, memcnt, &total);
	if (!rc)
		rc = objio_ctx_alloc(ctx);
	return rc;
}

int objio_run(struct objio *ctx)
{
	int rc = 0;

	if (ctx->write) {
		pthread_mutex_lock(&ctx->f->lock);
		ctx->f->dirty = 1;
		pthread_mutex_unlock(&ctx->f->lock);
	}
	if (ctx->pieces.n == 0)
		return 0;
	rc = objio_plan(ctx);
	if (!rc)
		rc = objio_order(ctx);
	if (!rc)
		rc = objio_register(ctx);
	if (!rc)
		rc = objio_send(ctx);
	return rc;
}

int objio_spans(pfs_file_t *f, int write, const struct wire_layout *l, uint8_t *buf,
		uint64_t buflen, const struct objio_span *p, size_t n, int *status,
		uint64_t *obj_size)
{
	struct iovec iov = { .iov_base = buf, .iov_len = buflen };
	struct objio ctx;
	int rc;

	rc = objio_init(&ctx, f, l, write, &iov, 1);
	ctx.status = status;
	ctx.obj_size = obj_size;
	for (size_t i = 0; i < n && !rc; i++) {
		struct layout_piece lp = { .stripe = p[i].stripe, .obj_off = p[i].obj_off,
					   .len = p[i].len };

		if (p[i].stripe >= l->stripe_count || p[i].ptr < buf ||
		    p[i].len > buflen || p[i].ptr - buf > (ptrdiff_t)(buflen - p[i].len))
			rc = -EINVAL;
		else if (p[i].len)
			rc = objio_piece_add(&ctx, &lp, 0, p[i].ptr);
	}
	if (!rc && ctx.pieces.n)
		rc = objio_run(&ctx);
	objio_fini(&ctx);
	return rc;
}
