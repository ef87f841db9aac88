/* wire.c - the codec's cursor, the frame header, layouts and attributes, and
 * the MDS's messages (the OSS's are in wire_oss.c). A decoder never reads
 * outside its buffer and range-checks every count, enum and string; any
 * violation is -EPROTO (or -EINVAL for bad values). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include "layout.h"
#include "wire.h"
#include "wire_int.h"

/* ---- cursor primitives ---- */

void wire_buf_init(struct wire_buf *b, void *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->pos = 0;
	b->err = 0;
}

static uint8_t *wire_take(struct wire_buf *b, size_t n)
{
	uint8_t *at;

	if (b->err)
		return NULL;
	if (n > b->cap - b->pos) {
		b->err = -EPROTO;
		return NULL;
	}
	at = b->p + b->pos;
	b->pos += n;
	return at;
}

static void wire_put_le(struct wire_buf *b, uint64_t v, size_t n)
{
	uint8_t *at = wire_take(b, n);

	for (size_t i = 0; at && i < n; i++)
		at[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t wire_get_le(struct wire_buf *b, size_t n)
{
	const uint8_t *at = wire_take(b, n);
	uint64_t v = 0;

	for (size_t i = 0; at && i < n; i++)
		v |= (uint64_t)at[i] << (8 * i);
	return v;
}

void wire_put_u8(struct wire_buf *b, uint8_t v) { wire_put_le(b, v, 1); }
void wire_put_u16(struct wire_buf *b, uint16_t v) { wire_put_le(b, v, 2); }
void wire_put_u32(struct wire_buf *b, uint32_t v) { wire_put_le(b, v, 4); }
void wire_put_u64(struct wire_buf *b, uint64_t v) { wire_put_le(b, v, 8); }
uint8_t wire_get_u8(struct wire_buf *b) { return (uint8_t)wire_get_le(b, 1); }
uint16_t wire_get_u16(struct wire_buf *b) { return (uint16_t)wire_get_le(b, 2); }
uint32_t wire_get_u32(struct wire_buf *b) { return (uint32_t)wire_get_le(b, 4); }
uint64_t wire_get_u64(struct wire_buf *b) { return wire_get_le(b, 8); }

void wire_put_bytes(struct wire_buf *b, const void *p, size_t n)
{
	uint8_t *at = wire_take(b, n);

	if (at && n)
		memcpy(at, p, n);
}

const void *wire_get_bytes(struct wire_buf *b, size_t n)
{
	return wire_take(b, n);
}

void wire_put_str(struct wire_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > UINT16_MAX) {
		b->err = -EINVAL;
		return;
	}
	wire_put_u16(b, (uint16_t)n);
	wire_put_bytes(b, s, n);
}

void wire_get_str(struct wire_buf *b, char *out, size_t outlen)
{
	uint16_t n = wire_get_u16(b);
	const char *s = wire_get_bytes(b, n);

	out[0] = '\0';
	if (!s)
		return;
	if (n >= outlen || memchr(s, '\0', n)) {
		b->err = -EPROTO;
		return;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/* A path on the wire: absolute, shorter than PROTO_PATH_MAX. */
static void wire_get_path(struct wire_buf *b, char *out)
{
	wire_get_str(b, out, PROTO_PATH_MAX);
	if (!b->err && out[0] != '/')
		b->err = -EINVAL;
}

int wire_dec_end(const struct wire_buf *b)
{
	if (b->err)
		return b->err;
	return b->pos == b->cap ? 0 : -EPROTO;
}

int wire_enc_end(const struct wire_buf *b)
{
	return b->err ? (b->err == -EPROTO ? -EMSGSIZE : b->err) : (int)b->pos;
}

/* ---- frame header ---- */

int wire_hdr_encode(const struct wire_hdr *h, void *buf, size_t len)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, h->magic);
	wire_put_u16(&b, h->version);
	wire_put_u16(&b, h->opcode);
	wire_put_u32(&b, h->flags);
	wire_put_u32(&b, (uint32_t)h->status);
	wire_put_u64(&b, h->reqid);
	wire_put_u32(&b, h->payload_len);
	wire_put_u16(&b, h->src_len);
	wire_put_u16(&b, h->ttl_ms);
	return wire_enc_end(&b);
}

int wire_hdr_decode(struct wire_hdr *h, const void *buf, size_t len)
{
	struct wire_buf b;

	if (len < WIRE_HDR_LEN || len > WIRE_MSG_MAX)
		return -EPROTO;
	wire_buf_init(&b, (void *)buf, WIRE_HDR_LEN);
	h->magic = wire_get_u32(&b);
	h->version = wire_get_u16(&b);
	h->opcode = wire_get_u16(&b);
	h->flags = wire_get_u32(&b);
	h->status = (int32_t)wire_get_u32(&b);
	h->reqid = wire_get_u64(&b);
	h->payload_len = wire_get_u32(&b);
	h->src_len = wire_get_u16(&b);
	h->ttl_ms = wire_get_u16(&b);
	if (b.err || h->magic != WIRE_MAGIC)
		return -EPROTO;
	if (h->version != WIRE_VERSION)
		return -EPROTONOSUPPORT;
	if (h->flags & ~WIRE_FLAG_REPLY)
		return -EPROTO;
	if (h->src_len > WIRE_ADDR_MAX)
		return -EPROTO;
	if ((size_t)WIRE_HDR_LEN + h->src_len + h->payload_len != len)
		return -EPROTO;
	if (h->status > 0 || h->status < -4095)
		return -EPROTO;
	return 0;
}

/* ---- layouts and attributes ---- */

void wire_put_layout(struct wire_buf *b, const struct wire_layout *l)
{
	uint32_t n = l->stripe_count;

	if (n > PROTO_MAX_STRIPES)        /* requests may say PROTO_STRIPE_ALL */
		n = 0;
	wire_put_u32(b, l->pattern);
	wire_put_u32(b, l->stripe_count);
	wire_put_u64(b, l->stripe_size);
	wire_put_u32(b, (uint32_t)l->first_target);
	wire_put_u64(b, l->fid);
	wire_put_u32(b, n);
	for (uint32_t i = 0; i < n; i++)
		wire_put_u32(b, l->targets[i]);
	wire_put_u32(b, l->ec_k);
	wire_put_u32(b, l->ec_m);
	wire_put_u32(b, l->compress);
	wire_put_u32(b, (uint32_t)l->compress_level);
	wire_put_u32(b, l->chunk_size);
}

void wire_get_layout(struct wire_buf *b, struct wire_layout *l)
{
	uint32_t n;

	memset(l, 0, sizeof(*l));
	l->pattern = wire_get_u32(b);
	l->stripe_count = wire_get_u32(b);
	l->stripe_size = wire_get_u64(b);
	l->first_target = (int32_t)wire_get_u32(b);
	l->fid = wire_get_u64(b);
	n = wire_get_u32(b);
	if (b->err)
		return;
	if (n > PROTO_MAX_STRIPES || (n && n != l->stripe_count)) {
		b->err = -EPROTO;
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		l->targets[i] = wire_get_u32(b);
	l->ec_k = wire_get_u32(b);
	l->ec_m = wire_get_u32(b);
	l->compress = wire_get_u32(b);
	l->compress_level = (int32_t)wire_get_u32(b);
	l->chunk_size = wire_get_u32(b);
	if (!b->err && layout_check_request(l))
		b->err = -EINVAL;
}

void wire_put_attr(struct wire_buf *b, const struct wire_attr *a)
{
	wire_put_u64(b, a->ino);
	wire_put_u32(b, a->mode);
	wire_put_u32(b, a->nlink);
	wire_put_u64(b, a->size_hint);
	wire_put_u64(b, (uint64_t)a->mtime_ns);
	wire_put_u64(b, (uint64_t)a->ctime_ns);
	wire_put_layout(b, &a->layout);
}

void wire_get_attr(struct wire_buf *b, struct wire_attr *a)
{
	a->ino = wire_get_u64(b);
	a->mode = wire_get_u32(b);
	a->nlink = wire_get_u32(b);
	a->size_hint = wire_get_u64(b);
	a->mtime_ns = (int64_t)wire_get_u64(b);
	a->ctime_ns = (int64_t)wire_get_u64(b);
	wire_get_layout(b, &a->layout);
}

/* ---- MDS messages ---- */

int wire_enc_target_register(void *buf, size_t len, const struct wire_target_register *m)
{
	struct wire_buf b;

	if (m->addr_len > WIRE_ADDR_MAX)
		return -EINVAL;
	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, m->target_id);
	wire_put_u16(&b, m->addr_len);
	wire_put_bytes(&b, m->addr, m->addr_len);
	wire_put_u64(&b, m->total_bytes);
	wire_put_u64(&b, m->free_bytes);
	wire_put_u64(&b, m->objects);
	return wire_enc_end(&b);
}

int wire_dec_target_register(const void *buf, size_t len, struct wire_target_register *m)
{
	struct wire_buf b;
	const void *addr;

	wire_buf_init(&b, (void *)buf, len);
	m->target_id = wire_get_u32(&b);
	m->addr_len = wire_get_u16(&b);
	if (b.err || m->addr_len == 0 || m->addr_len > WIRE_ADDR_MAX)
		return -EPROTO;
	addr = wire_get_bytes(&b, m->addr_len);
	if (addr)
		memcpy(m->addr, addr, m->addr_len);
	m->total_bytes = wire_get_u64(&b);
	m->free_bytes = wire_get_u64(&b);
	m->objects = wire_get_u64(&b);
	if (!b.err && (m->target_id >= WIRE_MAX_TARGETS || m->free_bytes > m->total_bytes))
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_target_list(void *buf, size_t len, const struct wire_target_list *m)
{
	struct wire_buf b;

	if (m->count > WIRE_MAX_TARGETS)
		return -EINVAL;
	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, m->count);
	for (uint32_t i = 0; i < m->count; i++) {
		const struct wire_target_info *t = &m->t[i];

		if (t->addr_len > WIRE_ADDR_MAX)
			return -EINVAL;
		wire_put_u32(&b, t->id);
		wire_put_u32(&b, t->up);
		wire_put_u16(&b, t->addr_len);
		wire_put_bytes(&b, t->addr, t->addr_len);
		wire_put_u64(&b, t->total_bytes);
		wire_put_u64(&b, t->free_bytes);
		wire_put_u64(&b, t->objects);
	}
	return wire_enc_end(&b);
}

int wire_dec_target_list(const void *buf, size_t len, struct wire_target_list *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->count = wire_get_u32(&b);
	if (b.err || m->count > WIRE_MAX_TARGETS)
		return -EPROTO;
	for (uint32_t i = 0; i < m->count && !b.err; i++) {
		struct wire_target_info *t = &m->t[i];
		const void *addr;

		t->id = wire_get_u32(&b);
		t->up = wire_get_u32(&b);
		t->addr_len = wire_get_u16(&b);
		if (b.err || t->addr_len > WIRE_ADDR_MAX || t->id >= WIRE_MAX_TARGETS || t->up > 1)
			return -EPROTO;
		addr = wire_get_bytes(&b, t->addr_len);
		if (addr && t->addr_len)
			memcpy(t->addr, addr, t->addr_len);
		t->total_bytes = wire_get_u64(&b);
		t->free_bytes = wire_get_u64(&b);
		t->objects = wire_get_u64(&b);
	}
	return wire_dec_end(&b);
}

int wire_enc_path(void *buf, size_t len, const struct wire_path *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_str(&b, m->path);
	return wire_enc_end(&b);
}

int wire_dec_path(const void *buf, size_t len, struct wire_path *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	wire_get_path(&b, m->path);
	return wire_dec_end(&b);
}

#define WIRE_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC)

int wire_enc_open(void *buf, size_t len, const struct wire_open *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_str(&b, m->path);
	wire_put_u32(&b, m->flags);
	wire_put_u32(&b, m->mode);
	wire_put_u32(&b, m->has_layout ? 1 : 0);
	if (m->has_layout)
		wire_put_layout(&b, &m->layout);
	return wire_enc_end(&b);
}

int wire_dec_open(const void *buf, size_t len, struct wire_open *m)
{
	struct wire_buf b;

	memset(&m->layout, 0, sizeof(m->layout));
	wire_buf_init(&b, (void *)buf, len);
	wire_get_path(&b, m->path);
	m->flags = wire_get_u32(&b);
	m->mode = wire_get_u32(&b);
	m->has_layout = wire_get_u32(&b);
	if (b.err)
		return b.err;
	if ((m->flags & ~(uint32_t)WIRE_OPEN_FLAGS) || (m->flags & O_ACCMODE) == O_ACCMODE ||
	    m->mode > 07777 || m->has_layout > 1)
		return -EINVAL;
	if (m->has_layout)
		wire_get_layout(&b, &m->layout);
	else
		m->layout.first_target = -1;
	return wire_dec_end(&b);
}

int wire_enc_mkdir(void *buf, size_t len, const struct wire_mkdir *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_str(&b, m->path);
	wire_put_u32(&b, m->mode);
	return wire_enc_end(&b);
}

int wire_dec_mkdir(const void *buf, size_t len, struct wire_mkdir *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	wire_get_path(&b, m->path);
	m->mode = wire_get_u32(&b);
	if (!b.err && m->mode > 07777)
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_rename(void *buf, size_t len, const struct wire_rename *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_str(&b, m->from);
	wire_put_str(&b, m->to);
	return wire_enc_end(&b);
}

int wire_dec_rename(const void *buf, size_t len, struct wire_rename *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	wire_get_path(&b, m->from);
	wire_get_path(&b, m->to);
	return wire_dec_end(&b);
}

int wire_enc_readdir(void *buf, size_t len, const struct wire_readdir *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_str(&b, m->path);
	wire_put_str(&b, m->after);
	wire_put_u32(&b, m->max);
	return wire_enc_end(&b);
}

int wire_dec_readdir(const void *buf, size_t len, struct wire_readdir *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	wire_get_path(&b, m->path);
	wire_get_str(&b, m->after, sizeof(m->after));
	m->max = wire_get_u32(&b);
	if (!b.err && m->max == 0)
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_readdir_rep(void *buf, size_t len, const struct wire_readdir_rep *m)
{
	struct wire_buf b;

	if (m->count > WIRE_READDIR_MAX)
		return -EINVAL;
	wire_buf_init(&b, buf, len);
	wire_put_u32(&b, m->count);
	wire_put_u32(&b, m->eof ? 1 : 0);
	for (uint32_t i = 0; i < m->count; i++) {
		wire_put_u64(&b, m->ent[i].ino);
		wire_put_u32(&b, m->ent[i].mode);
		wire_put_str(&b, m->ent[i].name);
	}
	return wire_enc_end(&b);
}

int wire_dec_readdir_rep(const void *buf, size_t len, struct wire_readdir_rep *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->count = wire_get_u32(&b);
	m->eof = wire_get_u32(&b);
	if (b.err || m->count > WIRE_READDIR_MAX || m->eof > 1)
		return -EPROTO;
	for (uint32_t i = 0; i < m->count && !b.err; i++) {
		m->ent[i].ino = wire_get_u64(&b);
		m->ent[i].mode = wire_get_u32(&b);
		wire_get_str(&b, m->ent[i].name, sizeof(m->ent[i].name));
		if (!b.err && (m->ent[i].name[0] == '\0' || strchr(m->ent[i].name, '/')))
			return -EPROTO;
	}
	return wire_dec_end(&b);
}

int wire_enc_set_layout(void *buf, size_t len, const struct wire_set_layout *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_str(&b, m->path);
	wire_put_layout(&b, &m->layout);
	return wire_enc_end(&b);
}

int wire_dec_set_layout(const void *buf, size_t len, struct wire_set_layout *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	wire_get_path(&b, m->path);
	wire_get_layout(&b, &m->layout);
	return wire_dec_end(&b);
}

int wire_enc_set_size(void *buf, size_t len, const struct wire_set_size *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->ino);
	wire_put_u64(&b, m->size);
	wire_put_u32(&b, m->flags);
	return wire_enc_end(&b);
}

int wire_dec_set_size(const void *buf, size_t len, struct wire_set_size *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->ino = wire_get_u64(&b);
	m->size = wire_get_u64(&b);
	m->flags = wire_get_u32(&b);
	if (!b.err && (m->flags & ~WIRE_SIZE_GROW))
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_replace_target(void *buf, size_t len, const struct wire_replace_target *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_u64(&b, m->ino);
	wire_put_u32(&b, m->stripe);
	wire_put_u32(&b, m->old_target);
	wire_put_u32(&b, m->new_target);
	return wire_enc_end(&b);
}

int wire_dec_replace_target(const void *buf, size_t len, struct wire_replace_target *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	m->ino = wire_get_u64(&b);
	m->stripe = wire_get_u32(&b);
	m->old_target = wire_get_u32(&b);
	m->new_target = wire_get_u32(&b);
	if (!b.err && (m->stripe >= PROTO_MAX_STRIPES || m->old_target >= WIRE_MAX_TARGETS ||
		       m->new_target >= WIRE_MAX_TARGETS || m->old_target == m->new_target))
		return -EINVAL;
	return wire_dec_end(&b);
}

int wire_enc_attr(void *buf, size_t len, const struct wire_attr *m)
{
	struct wire_buf b;

	wire_buf_init(&b, buf, len);
	wire_put_attr(&b, m);
	return wire_enc_end(&b);
}

int wire_dec_attr(const void *buf, size_t len, struct wire_attr *m)
{
	struct wire_buf b;

	wire_buf_init(&b, (void *)buf, len);
	wire_get_attr(&b, m);
	return wire_dec_end(&b);
}
