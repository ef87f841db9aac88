/* engine_compressed.c - the compressed engine: RAID0 striping whose whole
 * chunks are compressed here, on the client, before they are sent.
 *
 * Reads, truncate and the size are RAID0's: the OSS decompresses. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "checksum.h"
#include "compress.h"
#include "engine.h"
#include "objio.h"

/* Most stored bytes one OBJ_WRITE_CHUNKS moves (pulled whole: its CRC
 * covers all of it). */
#define CZ_RPC_MAX (512u << 10)
/* Most logical bytes of whole chunks compressed before they are sent. */
#define CZ_BATCH (16u << 20)
#define CZ_CTX_POOL 8

/* One write call: its object I/O (the raw pieces) and the whole chunks
 * taken out of it. */
struct cz_write {
	struct objio io;
	struct objio_vec chunks;    /* struct cz_chunk */
};

/* Compression contexts (zstd's are ~1 MiB to set up) reused across calls:
 * process-wide state, guarded by cz_cctx_lock. */
static pthread_mutex_t cz_cctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct compress_ctx *cz_cctx[CZ_CTX_POOL];
static int cz_ncctx;

/* A whole compression chunk of a write, and how it goes out. */
struct cz_chunk {
	uint32_t stripe;
	uint32_t codec;         /* PFS_COMPRESS_NONE when stored raw */
	uint64_t obj_off;
	const uint8_t *ptr;     /* the user's bytes */
	uint64_t boff;          /* stored bytes at bounce + boff */
	uint32_t slen;
};

/* Rule: a write to a compressed file sends every whole chunk it covers
 * (chunk-aligned in the file, hence in the object, one memory segment)
 * compressed by OBJ_WRITE_CHUNKS, raw when compressing would not save at
 * least one 4 KiB block; everything else (unaligned heads and tails,
 * chunks split across iovecs) goes as an ordinary raw write, which the OSS
 * merges into a compressed chunk by unpacking it to raw (objstore.c). List
 * writes whose extents overlap are sent all raw (their order matters).
 * Reads are not affected: the OSS decompresses. */

static uint32_t cz_chunk_size(const struct wire_layout *l)
{
	return l->chunk_size ? l->chunk_size : PFS_CHUNK_DEFAULT;
}

static int cz_ext_cmp(const void *a, const void *b)
{
	const struct pfs_extent *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int cz_ext_overlap(const struct pfs_extent *ext, size_t n)
{
	struct pfs_extent *s;
	int overlap = 0;

	if (n < 2)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 1;
	memcpy(s, ext, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cz_ext_cmp);
	for (size_t i = 1; i < n && !overlap; i++)
		overlap = s[i].off < s[i - 1].off + s[i - 1].len;
	free(s);
	return overlap;
}

static int cz_chunk_cmp(const void *a, const void *b)
{
	const struct cz_chunk *x = a, *y = b;

	if (x->stripe != y->stripe)
		return x->stripe < y->stripe ? -1 : 1;
	return x->obj_off < y->obj_off ? -1 : x->obj_off > y->obj_off;
}

/* Moves the whole chunks out of w->io.pieces into w->chunks. */
static int cz_chunks_extract(struct cz_write *w)
{
	struct objio_vec keep = { 0 };
	const struct objio_piece *all = w->io.pieces.p;
	uint64_t C = cz_chunk_size(w->io.l);

	for (size_t i = 0; i < w->io.pieces.n; i++) {
		struct objio_piece p = all[i], *q;
		uint64_t end = p.obj_off + p.len;
		uint64_t first = (p.obj_off + C - 1) / C * C, last = end / C * C;

		if (first >= last) {
			q = objio_vec_push(&keep, sizeof(*q));
			if (!q)
				goto nomem;
			*q = p;
			continue;
		}
		if (first > p.obj_off) {
			q = objio_vec_push(&keep, sizeof(*q));
			if (!q)
				goto nomem;
			*q = p;
			q->len = first - p.obj_off;
		}
		for (uint64_t x = first; x < last; x += C) {
			struct cz_chunk *c = objio_vec_push(&w->chunks, sizeof(*c));

			if (!c)
				goto nomem;
			memset(c, 0, sizeof(*c));
			c->stripe = p.stripe;
			c->obj_off = x;
			c->ptr = p.ptr + (x - p.obj_off);
		}
		if (end > last) {
			q = objio_vec_push(&keep, sizeof(*q));
			if (!q)
				goto nomem;
			*q = p;
			q->obj_off = last;
			q->ptr = p.ptr + (last - p.obj_off);
			q->len = end - last;
		}
	}
	free(w->io.pieces.p);
	w->io.pieces = keep;
	/* Per stripe in object order: an RPC's chunks then sit back to back
	 * in the bounce buffer (one segment). */
	if (w->chunks.n)
		qsort(w->chunks.p, w->chunks.n, sizeof(struct cz_chunk), cz_chunk_cmp);
	return 0;
nomem:
	free(keep.p);
	return -ENOMEM;
}

static struct compress_ctx *cz_cctx_get(void)
{
	struct compress_ctx *c = NULL;

	pthread_mutex_lock(&cz_cctx_lock);
	if (cz_ncctx)
		c = cz_cctx[--cz_ncctx];
	pthread_mutex_unlock(&cz_cctx_lock);
	if (!c && compress_ctx_new(&c) < 0)
		return NULL;
	return c;
}

static void cz_cctx_put(struct compress_ctx *c)
{
	pthread_mutex_lock(&cz_cctx_lock);
	if (cz_ncctx < CZ_CTX_POOL) {
		cz_cctx[cz_ncctx++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&cz_cctx_lock);
	compress_ctx_free(c);
}

/* One OBJ_WRITE_CHUNKS: chunks [first, first + n) of one stripe. */
struct cz_crpc {
	size_t first, n;
	uint64_t bytes;
};

static int cz_crpc_start(struct cz_write *w, struct wire_obj_chunks *m, const struct cz_crpc *r,
			 uint8_t *bounce, struct net_mr *mr, int timeout_ms, struct net_call **call)
{
	const struct cz_chunk *c = (const struct cz_chunk *)w->chunks.p + r->first;
	struct wire_obj_io *io = &m->io;
	fi_addr_t addr;
	int rc, len;

	rc = client_target_addr(w->io.f->fs, w->io.l->targets[c->stripe], &addr);
	if (rc)
		return rc;
	m->chunk_size = cz_chunk_size(w->io.l);
	io->fid = w->io.l->fid;
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
	len = wire_enc_obj_chunks(w->io.enc, CLIENT_REQ_MAX, m);
	if (len < 0)
		return len;
	return net_call_start(w->io.f->fs->ep, addr, WIRE_OP_OBJ_WRITE_CHUNKS, w->io.enc,
			      (size_t)len, timeout_ms, call);
}

/* Sends chunks [from, to) (stored in bounce) as RPCs, OBJIO_WINDOW at a time. */
static int cz_chunks_send(struct cz_write *w, size_t from, size_t to, uint8_t *bounce,
			  struct net_mr *mr, struct wire_obj_chunks *m)
{
	const struct cz_chunk *c = w->chunks.p;
	struct cz_crpc *rpcs;
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
		struct cz_crpc *r = n ? &rpcs[n - 1] : NULL;

		if (!r || c[i].stripe != c[r->first].stripe || r->n == WIRE_MAX_EXTENTS ||
		    r->bytes + c[i].slen > CZ_RPC_MAX) {
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

		while (!err && started < n && started - done < OBJIO_WINDOW) {
			client_retry_init(w->io.f->fs, &retry[started]);
			rc = cz_crpc_start(w, m, &rpcs[started], bounce, mr,
					   client_retry_timeout(&retry[started]), &calls[started]);
			if (rc) {
				err = rc;
				break;
			}
			started++;
			if (net_call_unsent(calls[started - 1]))
				break;          /* as in cz_run */
		}
		if (done == started)
			break;
		net_call_wait(w->io.f->fs->ep, &calls[done], 1);
		rc = net_call_result(calls[done], &status, &pl, &plen);
		transport = rc != 0;
		if (!rc)
			rc = status;
		net_call_free(calls[done]);
		calls[done] = NULL;
		if (rc && objio_resendable(rc, transport) && !err &&
		    client_retry_again(&retry[done], transport ? rc : -EAGAIN)) {
			rc = cz_crpc_start(w, m, &rpcs[done], bounce, mr,
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

/* Compresses and sends the whole chunks, CZ_BATCH logical bytes at a
 * time through one registered bounce buffer. */
static int cz_chunks_run(struct cz_write *w)
{
	struct cz_chunk *c = w->chunks.p;
	uint64_t C = cz_chunk_size(w->io.l);
	size_t per = CZ_BATCH / C ? CZ_BATCH / C : 1, i = 0;
	struct wire_obj_chunks *m = NULL;
	struct compress_ctx *cc = NULL;
	struct net_mr *mr = NULL;
	uint8_t *bounce = NULL;
	int rc = 0;

	if (per > w->chunks.n)
		per = w->chunks.n;
	bounce = malloc(per * C);
	m = malloc(sizeof(*m));
	cc = cz_cctx_get();
	if (!bounce || !m || !cc) {
		rc = -ENOMEM;
		goto out;
	}
	rc = net_mr_reg(w->io.f->fs->ep, bounce, per * C, NET_MR_REMOTE_READ, &mr);
	while (!rc && i < w->chunks.n) {
		size_t end = i + per < w->chunks.n ? i + per : w->chunks.n;
		uint64_t off = 0;

		for (size_t j = i; j < end; j++) {
			/* Must save at least one block, else stored raw. */
			int64_t k = compress_chunk(cc, w->io.l->compress, w->io.l->compress_level,
						   c[j].ptr, C, bounce + off, C - 4096);

			if (k < 0) {
				rc = (int)k;
				break;
			}
			c[j].boff = off;
			if (k > 0) {
				c[j].codec = w->io.l->compress;
				c[j].slen = (uint32_t)k;
			} else {
				memcpy(bounce + off, c[j].ptr, C);
				c[j].codec = PFS_COMPRESS_NONE;
				c[j].slen = (uint32_t)C;
			}
			off += c[j].slen;
		}
		if (!rc)
			rc = cz_chunks_send(w, i, end, bounce, mr, m);
		i = end;
	}
out:
	if (mr)
		net_mr_close(mr);
	if (cc)
		cz_cctx_put(cc);
	free(bounce);
	free(m);
	return rc;
}

static ssize_t cz_list_io(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
			  const struct pfs_extent *ext, size_t extcnt, uint64_t total)
{
	struct cz_write w = { 0 };
	int rc;

	if (!write || cz_ext_overlap(ext, extcnt))
		return raid0_list_io(f, write, mem, memcnt, ext, extcnt, total);
	rc = objio_init(&w.io, f, &f->attr.layout, 1, mem, memcnt);
	if (!rc)
		rc = objio_split(&w.io, ext, extcnt);
	if (!rc)
		rc = cz_chunks_extract(&w);
	if (!rc)
		rc = objio_run(&w.io);
	if (!rc && w.chunks.n)
		rc = cz_chunks_run(&w);
	objio_fini(&w.io);
	free(w.chunks.p);
	return rc ? rc : (ssize_t)total;
}

const struct engine_ops engine_compressed = {
	.name = "compressed",
	.list_io = cz_list_io,
	.truncate = raid0_truncate,
	.glimpse = raid0_glimpse,
	.unit = raid0_unit,
	.redundancy = raid0_redundancy,
};
