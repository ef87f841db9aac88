/* oss_ops.c - the OSS request handler: decodes object RPCs, pulls/pushes bulk
 * data by RMA straight into per-worker registered buffers; CRC32C checks and
 * checksums at rest are the object store's (objstore.c), scrub and listing. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "checksum.h"
#include "log.h"
#include "oss_ops.h"
#include "wire_ops.h"

#define OSS_BULK_ALIGN (2u << 20)  /* lets the kernel back bulk with huge pages */
#define OSS_REPLY_MAX (WIRE_MSG_MAX - WIRE_HDR_LEN)
/* Most bytes one OBJ_SCRUB call verifies: well inside any RPC timeout. */
#define OSS_SCRUB_BUDGET (64ull << 20)
/* A bulk RPC's segments in transfer at once: a write's pulled ahead of the
 * one being stored, a read's pushes in flight while the next is loaded. */
#define OSS_SEGS_AHEAD 2

/* What one worker owns: only that worker thread touches it. */
struct oss_worker {
	uint8_t *bulk;                 /* WIRE_BULK_MAX bytes, registered */
	struct net_mr *mr;
	struct wire_obj_io io;         /* decoded request (too big for a stack) */
	struct wire_oss_list_rep list; /* OSS_LIST reply being built */
	struct wire_obj_chunks chunks; /* decoded OBJ_WRITE_CHUNKS */
	struct wire_extent slice[WIRE_MAX_EXTENTS]; /* one segment's extents */
	uint8_t reply[OSS_REPLY_MAX];
};

struct oss_ctx {
	struct net_ep *ep;
	struct objstore *os;
	struct oss_locks *locks;       /* EC row locks (NULL: refused) */
	uint32_t target_id;
	int nworkers;
	struct oss_worker *w;
	pthread_mutex_t lock;          /* guards inflight, stopping */
	pthread_cond_t idle;           /* inflight dropped to 0 */
	int inflight;
	int stopping;
};

/* ---- setup ---- */

static int oss_worker_init(struct net_ep *ep, struct oss_worker *w)
{
	void *p;
	int rc;

	rc = posix_memalign(&p, OSS_BULK_ALIGN, WIRE_BULK_MAX);
	if (rc)
		return -rc;
	(void)madvise(p, WIRE_BULK_MAX, MADV_HUGEPAGE);
	w->bulk = p;
	rc = net_mr_reg(ep, w->bulk, WIRE_BULK_MAX, NET_MR_LOCAL, &w->mr);
	if (rc < 0) {
		free(w->bulk);
		w->bulk = NULL;
		w->mr = NULL;
	}
	return rc;
}

int oss_ctx_create(struct net_ep *ep, struct objstore *os, uint32_t target_id,
		   int nworkers, struct oss_ctx **out)
{
	struct oss_ctx *ctx;
	int i, rc;

	*out = NULL;
	if (nworkers <= 0)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->ep = ep;
	ctx->os = os;
	ctx->target_id = target_id;
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->idle, NULL);
	ctx->w = calloc((size_t)nworkers, sizeof(*ctx->w));
	if (!ctx->w) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < nworkers; i++) {
		rc = oss_worker_init(ep, &ctx->w[i]);
		if (rc < 0) {
			log_msg(LOG_ERR, "cannot register bulk buffer %d: %s", i, strerror(-rc));
			goto fail;
		}
		ctx->nworkers = i + 1;
	}
	*out = ctx;
	return 0;
fail:
	oss_ctx_destroy(ctx);
	return rc;
}

void oss_ctx_set_locks(struct oss_ctx *ctx, struct oss_locks *locks)
{
	ctx->locks = locks;
}

static void oss_ctx_unregister(struct oss_ctx *ctx)
{
	int i;

	for (i = 0; ctx->w && i < ctx->nworkers; i++) {
		net_mr_close(ctx->w[i].mr);
		ctx->w[i].mr = NULL;
	}
}

void oss_ctx_quiesce(struct oss_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->stopping = 1;
	while (ctx->inflight > 0)
		pthread_cond_wait(&ctx->idle, &ctx->lock);
	pthread_mutex_unlock(&ctx->lock);
	oss_ctx_unregister(ctx);
}

void oss_ctx_destroy(struct oss_ctx *ctx)
{
	int i;

	if (!ctx)
		return;
	oss_ctx_unregister(ctx);
	for (i = 0; ctx->w && i < ctx->nworkers; i++)
		free(ctx->w[i].bulk);
	free(ctx->w);
	pthread_cond_destroy(&ctx->idle);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

/* Counts the request in; 0 once the server is stopping. */
static int oss_enter(struct oss_ctx *ctx)
{
	int ok;

	pthread_mutex_lock(&ctx->lock);
	ok = !ctx->stopping;
	if (ok)
		ctx->inflight++;
	pthread_mutex_unlock(&ctx->lock);
	return ok;
}

static void oss_leave(struct oss_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	if (--ctx->inflight == 0 && ctx->stopping)
		pthread_cond_broadcast(&ctx->idle);
	pthread_mutex_unlock(&ctx->lock);
}

/* ---- helpers ---- */

/* Extents in range, at least one, total within WIRE_BULK_MAX, and the segs
 * (if any) exactly as long. The decoder checks most of this already; the
 * server does not rely on that. */
static int oss_io_check(const struct wire_obj_io *io, uint64_t *total)
{
	uint64_t segs = 0;
	uint32_t i;
	int rc;

	if (io->next == 0)
		return -EINVAL;
	rc = objstore_extents_check(io->ext, io->next, total);
	if (rc < 0)
		return rc;
	if (*total > WIRE_BULK_MAX)
		return -EINVAL;
	for (i = 0; i < io->nseg; i++) {
		if (io->seg[i].len > WIRE_BULK_MAX)
			return -EINVAL;
		segs += io->seg[i].len;
	}
	if (io->nseg && segs != *total)
		return -EINVAL;
	return 0;
}

/* Whatever broke an RMA transfer (a reset, a cancel, the caller's
 * deadline), the client sees one status that means "nothing moved, send it
 * again". */
static int oss_rma_status(int rc)
{
	return rc == 0 || rc == -ENOMEM ? rc : -ECOMM;
}

/* Pulls the client's segs, in order, into the worker's bulk buffer. */
static int oss_pull(struct oss_ctx *ctx, struct oss_worker *w, const struct net_req_info *info,
		    const struct wire_obj_io *io)
{
	uint64_t off = 0;
	int rc;

	for (uint32_t i = 0; i < io->nseg; i++) {
		const struct wire_seg *s = &io->seg[i];

		rc = net_rma_read(ctx->ep, info->src, w->bulk + off, s->len, w->mr, s->addr,
				  s->key, &info->deadline);
		if (rc < 0) {
			log_msg(LOG_DEBUG, "RMA read of seg %u (%llu bytes): %s", i,
				(unsigned long long)s->len, strerror(-rc));
			return oss_rma_status(rc);
		}
		off += s->len;
	}
	return 0;
}

/* ---- operations: each returns the reply length or a negative errno ---- */

/* A write's data comes by RMA over segments or inline in the request, never
 * both; *total is its length. */
static int oss_write_check(const struct wire_obj_io *io, uint64_t *total)
{
	int rc = oss_io_check(io, total);

	if (rc < 0)
		return rc;
	if (io->nseg ? io->inline_len != 0 : io->inline_len != *total)
		return -EINVAL;
	return 0;
}

/* A write's data: pulled by RMA into the worker's bulk buffer, or inline in
 * the request; *total is its length. */
static int oss_write_data(struct oss_ctx *ctx, struct oss_worker *w,
			  const struct net_req_info *info, const struct wire_obj_io *io,
			  uint64_t *total, const uint8_t **data)
{
	int rc = oss_write_check(io, total);

	if (rc < 0)
		return rc;
	if (!io->nseg) {
		*data = io->inline_data;
		return 0;
	}
	rc = oss_pull(ctx, w, info, io);
	if (rc < 0)
		return rc;
	*data = w->bulk;
	return 0;
}

/* The extents that hold bytes [from, from + len) of io's data, into out;
 * returns how many. */
static uint32_t oss_ext_slice(const struct wire_obj_io *io, uint64_t from, uint64_t len,
			      struct wire_extent *out)
{
	uint64_t pos = 0;
	uint32_t n = 0;

	for (uint32_t i = 0; i < io->next && len; pos += io->ext[i].len, i++) {
		uint64_t skip, take;

		if (pos + io->ext[i].len <= from)
			continue;
		skip = from - pos;
		take = io->ext[i].len - skip < len ? io->ext[i].len - skip : len;
		out[n++] = (struct wire_extent){ io->ext[i].off + skip, take };
		from += take;
		len -= take;
	}
	return n;
}

/* A write over segments, stored segment by segment as each arrives: up to
 * OSS_SEGS_AHEAD pulls run while one segment is checked against its own
 * CRC and stored, so the storage copy of one overlaps the network copy of
 * the next (what that bought: docs/PERFORMANCE.md). A failure leaves
 * the segments before it stored; the client sends the whole RPC again or
 * reports the error. */
static int oss_write_segs(struct oss_ctx *ctx, struct oss_worker *w,
			  const struct net_req_info *info, const struct wire_obj_io *io,
			  uint64_t *obj_size)
{
	struct net_rma *op[OSS_SEGS_AHEAD];
	uint64_t pulled = 0, stored = 0;
	uint32_t started = 0;
	int rc = 0, net_rc = 0;

	for (uint32_t i = 0; i < io->nseg; i++) {
		const struct wire_seg *s = &io->seg[i];
		uint32_t n;
		int wrc;

		/* After a failure nothing new starts; what did is waited for. */
		for (; !rc && !net_rc && started < io->nseg && started < i + OSS_SEGS_AHEAD;
		     started++) {
			const struct wire_seg *t = &io->seg[started];

			net_rc = net_rma_start(ctx->ep, 0, info->src, w->bulk + pulled, t->len,
					       w->mr, t->addr, t->key, &info->deadline,
					       &op[started % OSS_SEGS_AHEAD]);
			if (net_rc)
				break;
			pulled += t->len;
		}
		if (i >= started)
			break;
		wrc = net_rma_wait(ctx->ep, op[i % OSS_SEGS_AHEAD]);
		if (wrc && !net_rc) {
			log_msg(LOG_DEBUG, "RMA read of seg %u (%llu bytes): %s", i,
				(unsigned long long)s->len, strerror(-wrc));
			net_rc = wrc;
		}
		if (!rc && !net_rc) {
			n = oss_ext_slice(io, stored, s->len, w->slice);
			rc = objstore_write(ctx->os, io->fid, io->stripe, w->slice, n,
					    w->bulk + stored, s->crc, obj_size);
			if (rc == -EBADMSG)
				log_msg(LOG_WARN, "OBJ_WRITE %llu.%u: CRC mismatch in segment %u "
					"of %u, it and the rest refused",
					(unsigned long long)io->fid, io->stripe, i, io->nseg);
		}
		stored += s->len;
	}
	return rc ? rc : oss_rma_status(net_rc);
}

static int oss_obj_write(struct oss_ctx *ctx, struct oss_worker *w,
			 const struct net_req_info *info)
{
	struct wire_obj_io *io = &w->io;
	struct wire_obj_io_rep rep = { 0 };
	const uint8_t *data;
	uint64_t total;
	int rc;

	rc = wire_dec_obj_io(info->payload, info->plen, io);
	if (rc < 0)
		return rc;
	if (io->nseg) {
		rc = oss_write_check(io, &total);
		if (rc == 0)
			rc = oss_write_segs(ctx, w, info, io, &rep.obj_size);
	} else {
		rc = oss_write_data(ctx, w, info, io, &total, &data);
		/* The store checks io->crc while it computes the block CRCs. */
		if (rc == 0)
			rc = objstore_write(ctx->os, io->fid, io->stripe, io->ext, io->next, data,
					    io->crc, &rep.obj_size);
		if (rc == -EBADMSG)
			log_msg(LOG_WARN, "OBJ_WRITE %llu.%u: CRC mismatch, %llu bytes refused",
				(unsigned long long)io->fid, io->stripe, (unsigned long long)total);
	}
	if (rc < 0)
		return rc;
	return wire_enc_obj_io_rep(w->reply, sizeof(w->reply), &rep);
}

/* Whole compressed (or raw) chunks of a compressed file. */
static int oss_obj_write_chunks(struct oss_ctx *ctx, struct oss_worker *w,
				const struct net_req_info *info)
{
	struct wire_obj_chunks *m = &w->chunks;
	struct wire_obj_io *io = &m->io;
	struct wire_obj_io_rep rep = { 0 };
	const uint8_t *data;
	uint64_t total;
	int rc;

	rc = wire_dec_obj_chunks(info->payload, info->plen, m);
	if (rc < 0)
		return rc;
	rc = oss_write_data(ctx, w, info, io, &total, &data);
	if (rc < 0)
		return rc;
	rc = objstore_write_chunks(ctx->os, io->fid, io->stripe, m->chunk_size, io->ext,
				   m->codec, io->next, data, io->crc, &rep.obj_size);
	if (rc == -EBADMSG)
		log_msg(LOG_WARN, "OBJ_WRITE_CHUNKS %llu.%u: CRC mismatch, %llu bytes refused",
			(unsigned long long)io->fid, io->stripe, (unsigned long long)total);
	if (rc < 0)
		return rc;
	return wire_enc_obj_io_rep(w->reply, sizeof(w->reply), &rep);
}

/* A read over segments, loaded and pushed segment by segment: up to
 * OSS_SEGS_AHEAD pushes run while the next segment is loaded and verified,
 * so the network copy of one overlaps the storage copy of the next. *crc
 * gets the CRC32C of all the data, in order. */
static int oss_read_segs(struct oss_ctx *ctx, struct oss_worker *w,
			 const struct net_req_info *info, const struct wire_obj_io *io,
			 uint64_t *obj_size, uint32_t *crc)
{
	struct net_rma *op[OSS_SEGS_AHEAD];
	uint64_t loaded = 0;
	uint32_t started = 0, waited = 0;
	int rc = 0, net_rc = 0;

	for (uint32_t i = 0; i < io->nseg && !rc && !net_rc; i++) {
		const struct wire_seg *s = &io->seg[i];
		uint32_t n = oss_ext_slice(io, loaded, s->len, w->slice), c;

		rc = objstore_read(ctx->os, io->fid, io->stripe, w->slice, n, w->bulk + loaded,
				   obj_size, &c);
		if (rc)
			break;
		*crc = i ? objstore_crc_cat(ctx->os, *crc, c, s->len) : c;
		if (started - waited == OSS_SEGS_AHEAD)
			net_rc = net_rma_wait(ctx->ep, op[waited++ % OSS_SEGS_AHEAD]);
		if (!net_rc)
			net_rc = net_rma_start(ctx->ep, 1, info->src, w->bulk + loaded, s->len,
					       w->mr, s->addr, s->key, &info->deadline,
					       &op[started % OSS_SEGS_AHEAD]);
		if (!net_rc)
			started++;
		loaded += s->len;
	}
	while (waited < started) {
		int wrc = net_rma_wait(ctx->ep, op[waited++ % OSS_SEGS_AHEAD]);

		if (wrc && !net_rc)
			net_rc = wrc;
	}
	if (net_rc)
		log_msg(LOG_DEBUG, "RMA write of %u segments: %s", io->nseg, strerror(-net_rc));
	return rc ? rc : oss_rma_status(net_rc);
}

static int oss_obj_read(struct oss_ctx *ctx, struct oss_worker *w,
			const struct net_req_info *info)
{
	struct wire_obj_io *io = &w->io;
	struct wire_obj_io_rep rep = { 0 };
	uint64_t total;
	int rc;

	rc = wire_dec_obj_io(info->payload, info->plen, io);
	if (rc < 0)
		return rc;
	rc = oss_io_check(io, &total);
	if (rc < 0)
		return rc;
	if (io->inline_len || (io->nseg == 0 && total > WIRE_INLINE_MAX))
		return -EINVAL;
	/* rep.crc comes from the verified stored CRCs: end to end. */
	if (io->nseg)
		rc = oss_read_segs(ctx, w, info, io, &rep.obj_size, &rep.crc);
	else
		rc = objstore_read(ctx->os, io->fid, io->stripe, io->ext, io->next, w->bulk,
				   &rep.obj_size, &rep.crc);
	if (rc < 0)
		return rc;
	if (!io->nseg) {
		rep.inline_len = (uint32_t)total;
		rep.inline_data = w->bulk;
	}
	return wire_enc_obj_io_rep(w->reply, sizeof(w->reply), &rep);
}

static int oss_obj_punch(struct oss_ctx *ctx, struct oss_worker *w,
			 const struct net_req_info *info)
{
	struct wire_obj_punch m;
	struct wire_obj_size rep;
	int rc;

	rc = wire_dec_obj_punch(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	rc = objstore_punch(ctx->os, m.fid, m.stripe, m.size);
	if (rc < 0)
		return rc;
	rep.size = m.size;
	return wire_enc_obj_size(w->reply, sizeof(w->reply), &rep);
}

static int oss_obj_glimpse(struct oss_ctx *ctx, struct oss_worker *w,
			   const struct net_req_info *info)
{
	struct wire_obj m;
	struct wire_obj_size rep;
	int rc;

	rc = wire_dec_obj(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	rc = objstore_size(ctx->os, m.fid, m.stripe, &rep.size);
	if (rc < 0)
		return rc;
	return wire_enc_obj_size(w->reply, sizeof(w->reply), &rep);
}

static int oss_obj_sync(struct oss_ctx *ctx, struct oss_worker *w,
			const struct net_req_info *info)
{
	struct wire_obj m;
	int rc;

	rc = wire_dec_obj(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	return objstore_sync(ctx->os, m.fid, m.stripe);
}

static int oss_obj_destroy(struct oss_ctx *ctx, struct oss_worker *w,
			   const struct net_req_info *info)
{
	struct wire_obj m;
	int rc;

	rc = wire_dec_obj(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	return objstore_destroy(ctx->os, m.fid, m.stripe);
}

static int oss_obj_scrub(struct oss_ctx *ctx, struct oss_worker *w,
			 const struct net_req_info *info)
{
	struct wire_obj_scrub m;
	struct wire_obj_scrub_rep rep;
	struct objstore_scrub res;
	int rc;

	rc = wire_dec_obj_scrub(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	if (m.budget == 0 || m.budget > OSS_SCRUB_BUDGET)
		m.budget = OSS_SCRUB_BUDGET;
	rc = objstore_scrub(ctx->os, m.fid, m.stripe, m.off, m.budget, w->bulk,
			    WIRE_BULK_MAX, &res);
	if (rc < 0)
		return rc;
	rep.size = res.size;
	rep.next = res.next;
	rep.blocks = res.blocks;
	rep.bad = res.bad;
	rep.first_bad = res.first_bad;
	return wire_enc_obj_scrub_rep(w->reply, sizeof(w->reply), &rep);
}

static int oss_list(struct oss_ctx *ctx, struct oss_worker *w, const struct net_req_info *info)
{
	struct wire_oss_list m;
	struct wire_oss_list_rep *rep = &w->list;
	int rc, eof;

	rc = wire_dec_oss_list(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	rep->bucket = m.bucket;
	rep->fid = m.fid;
	rep->stripe = m.stripe;
	rc = objstore_list(ctx->os, &rep->bucket, &rep->fid, &rep->stripe, (int)m.first,
			   rep->obj, m.max, &rep->count, &eof);
	if (rc < 0)
		return rc;
	rep->eof = (uint32_t)eof;
	return wire_enc_oss_list_rep(w->reply, sizeof(w->reply), rep);
}

static int oss_obj_stat(struct oss_ctx *ctx, struct oss_worker *w,
			const struct net_req_info *info)
{
	struct wire_obj m;
	struct wire_obj_stat rep;
	int rc;

	rc = wire_dec_obj(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	rc = objstore_stored(ctx->os, m.fid, m.stripe, &rep.size, &rep.stored);
	if (rc < 0)
		return rc;
	return wire_enc_obj_stat(w->reply, sizeof(w->reply), &rep);
}

static int oss_statfs(struct oss_ctx *ctx, struct oss_worker *w,
		      const struct net_req_info *info)
{
	struct wire_statfs_rep rep;
	int rc;

	if (info->plen != 0)
		return -EPROTO;
	rep.target_id = ctx->target_id;
	rc = objstore_statfs(ctx->os, &rep.total_bytes, &rep.free_bytes, &rep.objects);
	if (rc < 0)
		return rc;
	return wire_enc_statfs_rep(w->reply, sizeof(w->reply), &rep);
}

static int oss_obj_lock(struct oss_ctx *ctx, struct oss_worker *w,
			const struct net_req_info *info)
{
	struct wire_obj_lock m;
	int rc;

	rc = wire_dec_obj_lock(info->payload, info->plen, &m);
	if (rc < 0)
		return rc;
	if (!ctx->locks)
		return -EOPNOTSUPP;
	if (info->opcode == WIRE_OP_OBJ_UNLOCK)
		return oss_locks_release(ctx->locks, &m);
	return oss_locks_acquire(ctx->locks, &m);
}

/* ---- the ops table ---- */

/* A handler: the reply length in w->reply, or a negative errno. */
typedef int (*oss_op_fn)(struct oss_ctx *ctx, struct oss_worker *w,
			 const struct net_req_info *info);

/* The handler of each opcode an OSS serves; what an opcode is (ours or
 * not) is the protocol's opcode table, wire_ops.h. */
static const oss_op_fn oss_op_table[WIRE_OP_MAX] = {
	[WIRE_OP_OBJ_WRITE] = oss_obj_write,
	[WIRE_OP_OBJ_READ] = oss_obj_read,
	[WIRE_OP_OBJ_PUNCH] = oss_obj_punch,
	[WIRE_OP_OBJ_GLIMPSE] = oss_obj_glimpse,
	[WIRE_OP_OBJ_SYNC] = oss_obj_sync,
	[WIRE_OP_OBJ_DESTROY] = oss_obj_destroy,
	[WIRE_OP_OSS_STATFS] = oss_statfs,
	[WIRE_OP_OBJ_SCRUB] = oss_obj_scrub,
	[WIRE_OP_OSS_LIST] = oss_list,
	[WIRE_OP_OBJ_STAT] = oss_obj_stat,
	[WIRE_OP_OBJ_WRITE_CHUNKS] = oss_obj_write_chunks,
	[WIRE_OP_OBJ_LOCK] = oss_obj_lock,
	[WIRE_OP_OBJ_UNLOCK] = oss_obj_lock,
};

/* Serves the request with its opcode's handler; -EOPNOTSUPP for an
 * opcode that is not an OSS's (an MDS opcode, or none at all). */
static int oss_dispatch(struct oss_ctx *ctx, struct oss_worker *w,
			const struct net_req_info *info)
{
	oss_op_fn fn = NULL;

	if (wire_op_served_by(info->opcode, WIRE_SERVER_OSS))
		fn = oss_op_table[info->opcode];
	if (!fn)
		return -EOPNOTSUPP;
	return fn(ctx, w, info);
}

/* Client mistakes are routine; anything else is worth a line in the log. */
static int oss_client_error(int rc)
{
	return rc == -EINVAL || rc == -EPROTO || rc == -EOPNOTSUPP || rc == -EBADMSG ||
	       rc == -EAGAIN;
}

void oss_handle(struct net_req *req, void *arg)
{
	struct oss_ctx *ctx = arg;
	struct net_req_info info;
	struct oss_worker *w;
	int idx, rc;

	net_req_info(req, &info);
	idx = net_req_worker(req);
	if (idx < 0 || idx >= ctx->nworkers) {
		log_msg(LOG_ERR, "request on unknown worker %d", idx);
		net_reply(req, -EIO, NULL, 0);
		return;
	}
	if (!oss_enter(ctx)) {
		net_reply(req, -ESHUTDOWN, NULL, 0);
		return;
	}
	w = &ctx->w[idx];
	rc = oss_dispatch(ctx, w, &info);
	oss_leave(ctx);
	if (rc < 0) {
		log_msg(oss_client_error(rc) ? LOG_DEBUG : LOG_WARN, "op %u reqid %llu: %s",
			info.opcode, (unsigned long long)info.reqid, strerror(-rc));
		net_reply(req, rc, NULL, 0);
		return;
	}
	net_reply(req, 0, rc > 0 ? w->reply : NULL, (size_t)rc);
}
