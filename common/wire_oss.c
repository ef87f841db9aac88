/* wire_oss.c - encoders and defensive decoders of the OSS's messages:
 * object I/O, punch, glimpse, locks, statfs, scrub, listing and chunks. */
#include <errno.h>
#include <string.h>
#include "layout.h"
#include "wire.h"
#include "wire_int.h"

/* Object offsets stay below 2^62 so that off + len never overflows. */
#define WIRE_OBJ_OFF_MAX (1ull << 62)

uint64_t wire_obj_io_bytes(const struct wire_obj_io *m)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < m->next && i < WIRE_MAX_EXTENTS; i++)
		total += m->ext[i].len;
	return total;
}

int wire_enc_obj_io(void *buf, size_t len, const struct wire_obj_io *m)
{
	struct wire_buf b;

	if (m->next > WIRE_MAX_EXTENTS || m->nseg > WIRE_MAX_SEGS ||
	    m->inline_len > WIRE_INLINE_MAX)
		return -EINVAL;
	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->fid);
	wire_put_u32(&b, m->stripe);
	wire_put_u32(&b, m->crc);
	wire_put_u32(&b, m->next);
	for (uint32_t i = 0; i < m->next; i++) {
		wire_put_u64(&b, m->ext[i].off);
		wire_put_u64(&b, m->ext[i].len);
	}
	wire_put_u32(&b, m->nseg);
	for (uint32_t i = 0; i < m->nseg; i++) {
		wire_put_u64(&b, m->seg[i].addr);
		wire_put_u64(&b, m->seg[i].len);
		wire_put_u64(&b, m->seg[i].key);
		wire_put_u32(&b, m->seg[i].crc);
	}
	wire_put_u32(&b, m->inline_len);
	wire_put_bytes(&b, m->inline_data, m->inline_len);
	return wire_enc_end(&b);
}

/* Extents inside the object space, the total within WIRE_BULK_MAX, and the
 * data source (inline or segments) exactly as long as the extents. */
static int wire_check_obj_io(const struct wire_obj_io *m)
{
	uint64_t total = 0, segs = 0;

	if (m->stripe >= PROTO_MAX_STRIPES)
		return -EINVAL;
	for (uint32_t i = 0; i < m->next; i++) {
		if (m->ext[i].len == 0 || m->ext[i].off >= WIRE_OBJ_OFF_MAX ||
		    m->ext[i].len > WIRE_BULK_MAX ||
		    m->ext[i].off + m->ext[i].len > WIRE_OBJ_OFF_MAX)
			return -EINVAL;
		total += m->ext[i].len;
		if (total > WIRE_BULK_MAX)
			return -EINVAL;
	}
	for (uint32_t i = 0; i < m->nseg; i++) {
		if (m->seg[i].len == 0 || m->seg[i].len > WIRE_BULK_MAX)
			return -EINVAL;
		segs += m->seg[i].len;
	}
	if (m->nseg && segs != total)
		return -EINVAL;
	if (m->inline_len && (m->nseg || m->inline_len != total))
		return -EINVAL;
	return 0;
}

int wire_dec_obj_io(const void *buf, size_t len, struct wire_obj_io *m)
{
	struct wire_buf b;
	int rc;

	wire_buf_init(&b, (void *)buf, len);
	m->fid = wire_get_u64(&b);
	m->stripe = wire_get_u32(&b);
	m->crc = wire_get_u32(&b);
	m->next = wire_get_u32(&b);
	if (b.err || m->next > WIRE_MAX_EXTENTS)
		return -EPROTO;
	for (uint32_t i = 0; i < m->next; i++) {
		m->ext[i].off = wire_get_u64(&b);
		m->ext[i].len = wire_get_u64(&b);
	}
	m->nseg = wire_get_u32(&b);
	if (b.err || m->nseg > WIRE_MAX_SEGS)
		return -EPROTO;
	for (uint32_t i = 0; i < m->nseg; i++) {
		m->seg[i].addr = wire_get_u64(&b);
		m->seg[i].len = wire_get_u64(&b);
		m->seg[i].key = wire_get_u64(&b);
		m->seg[i].crc = wire_get_u32(&b);
	}
	m->inline_len = wire_get_u32(&b);
	if (b.err || m->inline_len > WIRE_INLINE_MAX)
		return -EPROTO;
	m->inline_data = wire_get_bytes(&b, m->inline_len);
	rc = wire_dec_end(&b);
	if (rc)
		return rc;
	return wire_check_obj_io(m);
}

int wire_enc_obj_io_rep(void *buf, size_t len, const struct wire_obj_io_rep *m)
{
	struct wire_buf b;

	if (m->inline_len > WIRE_INLINE_MAX)
		return -EINVAL;
	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->obj_size);
	wire_put_u32(&b, m->crc);
	wire_put_u32(&b, m->inline_len);
	wire_put_bytes(&b, m->inline_data, m->inline_len);
	return wire_enc_end(&b);
}

int wire_dec_obj_io_rep(const void *buf, size_t len, struct wire_obj_io_rep *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->obj_size = wire_get_u64(&b);
	m->crc = wire_get_u32(&b);
	m->inline_len = wire_get_u32(&b);
	if (b.err || m->inline_len > WIRE_INLINE_MAX)
		return -EPROTO;
	m->inline_data = wire_get_bytes(&b, m->inline_len);
	return wire_dec_end(&b);
}

int wire_enc_obj(void *buf, size_t len, const struct wire_obj *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->fid);
	wire_put_u32(&b, m->stripe);
	return wire_enc_end(&b);
}

int wire_dec_obj(const void *buf, size_t len, struct wire_obj *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->fid = wire_get_u64(&b);
	m->stripe = wire_get_u32(&b);
	if (!b.err && m->stripe >= PROTO_MAX_STRIPES)
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_obj_lock(void *buf, size_t len, const struct wire_obj_lock *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->fid);
	wire_put_u64(&b, m->row);
	wire_put_u64(&b, m->nrows);
	wire_put_u64(&b, m->owner);
	wire_put_u32(&b, m->lease_ms);
	return wire_enc_end(&b);
}

int wire_dec_obj_lock(const void *buf, size_t len, struct wire_obj_lock *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->fid = wire_get_u64(&b);
	m->row = wire_get_u64(&b);
	m->nrows = wire_get_u64(&b);
	m->owner = wire_get_u64(&b);
	m->lease_ms = wire_get_u32(&b);
	if (!b.err && (m->nrows == 0 || m->row > UINT64_MAX - m->nrows || m->lease_ms == 0 ||
		       m->lease_ms > WIRE_LOCK_LEASE_MAX_MS))
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_obj_punch(void *buf, size_t len, const struct wire_obj_punch *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->fid);
	wire_put_u32(&b, m->stripe);
	wire_put_u64(&b, m->size);
	return wire_enc_end(&b);
}

int wire_dec_obj_punch(const void *buf, size_t len, struct wire_obj_punch *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->fid = wire_get_u64(&b);
	m->stripe = wire_get_u32(&b);
	m->size = wire_get_u64(&b);
	if (!b.err && (m->stripe >= PROTO_MAX_STRIPES || m->size > WIRE_OBJ_OFF_MAX))
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_obj_size(void *buf, size_t len, const struct wire_obj_size *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->size);
	return wire_enc_end(&b);
}

int wire_dec_obj_size(const void *buf, size_t len, struct wire_obj_size *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->size = wire_get_u64(&b);
	if (!b.err && m->size > WIRE_OBJ_OFF_MAX)
		return -EPROTO;
	return wire_dec_end(&b);
}

int wire_enc_statfs_rep(void *buf, size_t len, const struct wire_statfs_rep *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, m->target_id);
	wire_put_u64(&b, m->total_bytes);
	wire_put_u64(&b, m->free_bytes);
	wire_put_u64(&b, m->objects);
	return wire_enc_end(&b);
}

int wire_dec_statfs_rep(const void *buf, size_t len, struct wire_statfs_rep *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->target_id = wire_get_u32(&b);
	m->total_bytes = wire_get_u64(&b);
	m->free_bytes = wire_get_u64(&b);
	m->objects = wire_get_u64(&b);
	if (!b.err && m->free_bytes > m->total_bytes)
		return -EPROTO;
	return wire_dec_end(&b);
}

/* ---- checksums and compression at rest ---- */

int wire_enc_obj_scrub(void *buf, size_t len, const struct wire_obj_scrub *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->fid);
	wire_put_u32(&b, m->stripe);
	wire_put_u64(&b, m->off);
	wire_put_u64(&b, m->budget);
	return wire_enc_end(&b);
}

int wire_dec_obj_scrub(const void *buf, size_t len, struct wire_obj_scrub *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->fid = wire_get_u64(&b);
	m->stripe = wire_get_u32(&b);
	m->off = wire_get_u64(&b);
	m->budget = wire_get_u64(&b);
	if (!b.err && (m->stripe >= PROTO_MAX_STRIPES || m->off > WIRE_OBJ_OFF_MAX))
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_obj_scrub_rep(void *buf, size_t len, const struct wire_obj_scrub_rep *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->size);
	wire_put_u64(&b, m->next);
	wire_put_u64(&b, m->blocks);
	wire_put_u64(&b, m->bad);
	wire_put_u64(&b, m->first_bad);
	return wire_enc_end(&b);
}

int wire_dec_obj_scrub_rep(const void *buf, size_t len, struct wire_obj_scrub_rep *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->size = wire_get_u64(&b);
	m->next = wire_get_u64(&b);
	m->blocks = wire_get_u64(&b);
	m->bad = wire_get_u64(&b);
	m->first_bad = wire_get_u64(&b);
	if (!b.err && (m->size > WIRE_OBJ_OFF_MAX || m->next > m->size || m->bad > m->blocks ||
		       (m->bad && m->first_bad >= m->size) || (!m->bad && m->first_bad != UINT64_MAX)))
		return -EPROTO;
	return wire_dec_end(&b);
}

int wire_enc_oss_list(void *buf, size_t len, const struct wire_oss_list *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, m->bucket);
	wire_put_u64(&b, m->fid);
	wire_put_u32(&b, m->stripe);
	wire_put_u32(&b, m->first);
	wire_put_u32(&b, m->max);
	return wire_enc_end(&b);
}

int wire_dec_oss_list(const void *buf, size_t len, struct wire_oss_list *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->bucket = wire_get_u32(&b);
	m->fid = wire_get_u64(&b);
	m->stripe = wire_get_u32(&b);
	m->first = wire_get_u32(&b);
	m->max = wire_get_u32(&b);
	if (!b.err && (m->bucket > 255 || m->first > 1 || m->max == 0 ||
		       m->max > WIRE_OSS_LIST_MAX))
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_oss_list_rep(void *buf, size_t len, const struct wire_oss_list_rep *m)
{
	struct wire_buf b;

	if (m->count > WIRE_OSS_LIST_MAX)
		return -EINVAL;
	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, m->bucket);
	wire_put_u64(&b, m->fid);
	wire_put_u32(&b, m->stripe);
	wire_put_u32(&b, m->eof);
	wire_put_u32(&b, m->count);
	for (uint32_t i = 0; i < m->count; i++) {
		wire_put_u64(&b, m->obj[i].fid);
		wire_put_u32(&b, m->obj[i].stripe);
	}
	return wire_enc_end(&b);
}

int wire_dec_oss_list_rep(const void *buf, size_t len, struct wire_oss_list_rep *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->bucket = wire_get_u32(&b);
	m->fid = wire_get_u64(&b);
	m->stripe = wire_get_u32(&b);
	m->eof = wire_get_u32(&b);
	m->count = wire_get_u32(&b);
	if (b.err || m->bucket > 255 || m->eof > 1 || m->count > WIRE_OSS_LIST_MAX)
		return -EPROTO;
	for (uint32_t i = 0; i < m->count && !b.err; i++) {
		m->obj[i].fid = wire_get_u64(&b);
		m->obj[i].stripe = wire_get_u32(&b);
	}
	return wire_dec_end(&b);
}

int wire_enc_obj_stat(void *buf, size_t len, const struct wire_obj_stat *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->size);
	wire_put_u64(&b, m->stored);
	return wire_enc_end(&b);
}

int wire_dec_obj_stat(const void *buf, size_t len, struct wire_obj_stat *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->size = wire_get_u64(&b);
	m->stored = wire_get_u64(&b);
	if (!b.err && m->size > WIRE_OBJ_OFF_MAX)
		return -EPROTO;
	return wire_dec_end(&b);
}

/* The chunk table goes first, then an ordinary obj_io. */
int wire_enc_obj_chunks(void *buf, size_t len, const struct wire_obj_chunks *m)
{
	struct wire_buf b;
	int rc;

	if (m->io.next > WIRE_MAX_EXTENTS)
		return -EINVAL;
	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, m->chunk_size);
	wire_put_u32(&b, m->io.next);
	for (uint32_t i = 0; i < m->io.next; i++)
		wire_put_u32(&b, m->codec[i]);
	if (b.err)
		return -EMSGSIZE;
	rc = wire_enc_obj_io((uint8_t *)buf + b.pos, len - b.pos, &m->io);
	return rc < 0 ? rc : rc + (int)b.pos;
}

int wire_dec_obj_chunks(const void *buf, size_t len, struct wire_obj_chunks *m)
{
	struct wire_buf b;
	uint32_t n, c;
	int rc;

	wire_buf_init(&b, (void *)buf, len);
	m->chunk_size = wire_get_u32(&b);
	n = wire_get_u32(&b);
	if (b.err || n == 0 || n > WIRE_MAX_EXTENTS)
		return -EPROTO;
	for (uint32_t i = 0; i < n; i++)
		m->codec[i] = wire_get_u32(&b);
	if (b.err)
		return -EPROTO;
	rc = wire_dec_obj_io((const uint8_t *)buf + b.pos, len - b.pos, &m->io);
	if (rc)
		return rc;
	c = m->chunk_size;
	if (m->io.next != n || c < 4096 || c > (4u << 20) || (c & (c - 1)))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		const struct wire_extent *e = &m->io.ext[i];

		if (e->off % c || e->len > c)
			return -EINVAL;
		if (m->codec[i] == PROTO_COMPRESS_NONE ? e->len != c :
		    m->codec[i] != PROTO_COMPRESS_LZ4 && m->codec[i] != PROTO_COMPRESS_ZSTD)
			return -EINVAL;
	}
	return 0;
}
