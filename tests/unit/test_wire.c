/* test_wire.c - the wire codec: every message survives encode -> decode ->
 * encode unchanged; every truncation, trailing byte and out-of-range field
 * is rejected; random bytes never crash a decoder. */
#include "pfs_test.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire.h"

#define BUF (WIRE_MSG_MAX)

/* One message type: a filled sample and its codec, through void pointers. */
struct codec {
	const char *name;
	size_t size;
	void (*fill)(void *m);
	int (*enc)(void *buf, size_t len, const void *m);
	int (*dec)(const void *buf, size_t len, void *m);
};

static void fill_layout(struct wire_layout *l, uint32_t n)
{
	l->pattern = PROTO_PATTERN_RAID0;
	l->stripe_count = n;
	l->stripe_size = 1 << 20;
	l->first_target = 2;
	l->fid = 0x1122334455667788ull;
	for (uint32_t i = 0; i < n; i++)
		l->targets[i] = i + 2;
	l->compress = PROTO_COMPRESS_ZSTD;
	l->compress_level = 7;
	l->chunk_size = 128 << 10;
}

static void fill_reg(void *p)
{
	struct wire_target_register *m = p;

	m->target_id = 3;
	m->addr_len = 16;
	memset(m->addr, 0xab, 16);
	m->total_bytes = 1000;
	m->free_bytes = 400;
	m->objects = 9;
}

static void fill_tlist(void *p)
{
	struct wire_target_list *m = p;

	m->count = 5;
	for (uint32_t i = 0; i < 5; i++) {
		m->t[i].id = i;
		m->t[i].up = i % 2;
		m->t[i].addr_len = (uint16_t)(8 + i);
		memset(m->t[i].addr, (int)i, m->t[i].addr_len);
		m->t[i].total_bytes = 100 * i;
		m->t[i].free_bytes = 10 * i;
		m->t[i].objects = i;
	}
}

static void fill_path(void *p) { strcpy(((struct wire_path *)p)->path, "/a/b/c"); }

static void fill_open(void *p)
{
	struct wire_open *m = p;

	strcpy(m->path, "/dir/file");
	m->flags = O_RDWR | O_CREAT | O_EXCL;
	m->mode = 0644;
	m->has_layout = 1;
	fill_layout(&m->layout, 4);
}

static void fill_mkdir(void *p)
{
	struct wire_mkdir *m = p;

	strcpy(m->path, "/newdir");
	m->mode = 0755;
}

static void fill_rename(void *p)
{
	struct wire_rename *m = p;

	strcpy(m->from, "/x");
	strcpy(m->to, "/y/z");
}

static void fill_readdir(void *p)
{
	struct wire_readdir *m = p;

	strcpy(m->path, "/d");
	strcpy(m->after, "file0042");
	m->max = 100;
}

static void fill_readdir_rep(void *p)
{
	struct wire_readdir_rep *m = p;

	m->count = 3;
	m->eof = 1;
	for (uint32_t i = 0; i < 3; i++) {
		m->ent[i].ino = 10 + i;
		m->ent[i].mode = 0100644;
		snprintf(m->ent[i].name, sizeof(m->ent[i].name), "entry-%u", i);
	}
}

static void fill_set_layout(void *p)
{
	struct wire_set_layout *m = p;

	strcpy(m->path, "/d");
	fill_layout(&m->layout, 2);
}

static void fill_set_size(void *p)
{
	struct wire_set_size *m = p;

	m->ino = 5;
	m->size = 1ull << 40;
	m->flags = WIRE_SIZE_GROW;
}

static void fill_replace(void *p)
{
	struct wire_replace_target *m = p;

	m->ino = 77;
	m->stripe = 5;
	m->old_target = 3;
	m->new_target = 11;
}

static void fill_lock(void *p)
{
	struct wire_obj_lock *m = p;

	m->fid = 77;
	m->row = 1000;
	m->nrows = 64;
	m->owner = 0x0123456789abcdefull;
	m->lease_ms = 30000;
}

static void fill_attr(void *p)
{
	struct wire_attr *m = p;

	m->ino = 77;
	m->mode = 0100600;
	m->nlink = 1;
	m->size_hint = 12345;
	m->mtime_ns = 1700000000123456789ll;
	m->ctime_ns = -5;
	fill_layout(&m->layout, 8);
}

static uint8_t inline_bytes[100];

static void fill_obj_io(void *p)
{
	struct wire_obj_io *m = p;

	m->fid = 42;
	m->stripe = 3;
	m->crc = 0xdeadbeef;
	m->next = 2;
	m->ext[0] = (struct wire_extent){ 0, 60 };
	m->ext[1] = (struct wire_extent){ 4096, 40 };
	m->nseg = 0;
	m->inline_len = 100;
	m->inline_data = inline_bytes;
}

static void fill_obj_io_segs(void *p)
{
	struct wire_obj_io *m = p;

	fill_obj_io(p);
	m->inline_len = 0;
	m->inline_data = NULL;
	m->nseg = 2;
	m->seg[0] = (struct wire_seg){ 0x1000, 30, 7, 0xfeedf00d };
	m->seg[1] = (struct wire_seg){ 0x9000, 70, 8, 9 };
}

static void fill_obj_io_rep(void *p)
{
	struct wire_obj_io_rep *m = p;

	m->obj_size = 999;
	m->crc = 1;
	m->inline_len = 50;
	m->inline_data = inline_bytes;
}

static void fill_obj(void *p)
{
	struct wire_obj *m = p;

	m->fid = 1;
	m->stripe = 63;
}

static void fill_punch(void *p)
{
	struct wire_obj_punch *m = p;

	m->fid = 1;
	m->stripe = 2;
	m->size = 4096;
}

static void fill_osize(void *p) { ((struct wire_obj_size *)p)->size = 31337; }

static void fill_statfs(void *p)
{
	struct wire_statfs_rep *m = p;

	m->target_id = 1;
	m->total_bytes = 10;
	m->free_bytes = 5;
	m->objects = 2;
}

/* Adapters from the typed codec functions to the table's void pointers. */
#define CODEC(name) \
	static int enc_##name(void *b, size_t l, const void *m) { return wire_enc_##name(b, l, m); } \
	static int dec_##name(const void *b, size_t l, void *m) { return wire_dec_##name(b, l, m); }
CODEC(target_register)
CODEC(target_list)
CODEC(path)
CODEC(open)
CODEC(mkdir)
CODEC(rename)
CODEC(readdir)
CODEC(readdir_rep)
CODEC(set_layout)
CODEC(set_size)
CODEC(replace_target)
CODEC(obj_lock)
CODEC(attr)
CODEC(obj_io)
CODEC(obj_io_rep)
CODEC(obj)
CODEC(obj_punch)
CODEC(obj_size)
CODEC(statfs_rep)

static const struct codec codecs[] = {
	{ "target_register", sizeof(struct wire_target_register), fill_reg, enc_target_register, dec_target_register },
	{ "target_list", sizeof(struct wire_target_list), fill_tlist, enc_target_list, dec_target_list },
	{ "path", sizeof(struct wire_path), fill_path, enc_path, dec_path },
	{ "open", sizeof(struct wire_open), fill_open, enc_open, dec_open },
	{ "mkdir", sizeof(struct wire_mkdir), fill_mkdir, enc_mkdir, dec_mkdir },
	{ "rename", sizeof(struct wire_rename), fill_rename, enc_rename, dec_rename },
	{ "readdir", sizeof(struct wire_readdir), fill_readdir, enc_readdir, dec_readdir },
	{ "readdir_rep", sizeof(struct wire_readdir_rep), fill_readdir_rep, enc_readdir_rep, dec_readdir_rep },
	{ "set_layout", sizeof(struct wire_set_layout), fill_set_layout, enc_set_layout, dec_set_layout },
	{ "set_size", sizeof(struct wire_set_size), fill_set_size, enc_set_size, dec_set_size },
	{ "replace_target", sizeof(struct wire_replace_target), fill_replace, enc_replace_target, dec_replace_target },
	{ "obj_lock", sizeof(struct wire_obj_lock), fill_lock, enc_obj_lock, dec_obj_lock },
	{ "attr", sizeof(struct wire_attr), fill_attr, enc_attr, dec_attr },
	{ "obj_io", sizeof(struct wire_obj_io), fill_obj_io, enc_obj_io, dec_obj_io },
	{ "obj_io_segs", sizeof(struct wire_obj_io), fill_obj_io_segs, enc_obj_io, dec_obj_io },
	{ "obj_io_rep", sizeof(struct wire_obj_io_rep), fill_obj_io_rep, enc_obj_io_rep, dec_obj_io_rep },
	{ "obj", sizeof(struct wire_obj), fill_obj, enc_obj, dec_obj },
	{ "obj_punch", sizeof(struct wire_obj_punch), fill_punch, enc_obj_punch, dec_obj_punch },
	{ "obj_size", sizeof(struct wire_obj_size), fill_osize, enc_obj_size, dec_obj_size },
	{ "statfs_rep", sizeof(struct wire_statfs_rep), fill_statfs, enc_statfs_rep, dec_statfs_rep },
};
#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

/* encode(decode(encode(x))) == encode(x); every shorter prefix and one
 * trailing byte are rejected. */
static void roundtrip_one(const struct codec *c)
{
	uint8_t *a = calloc(1, BUF + 1), *b = calloc(1, BUF);
	void *m = calloc(1, c->size), *back = calloc(1, c->size);
	int n, n2;

	c->fill(m);
	n = c->enc(a, BUF, m);
	T_CHECK(n > 0, "%s: encode failed %d", c->name, n);
	T_CHECK(c->dec(a, (size_t)n, back) == 0, "%s: decode failed", c->name);
	n2 = c->enc(b, BUF, back);
	T_EQ(n, n2);
	T_CHECK(memcmp(a, b, (size_t)n) == 0, "%s: round trip differs", c->name);
	for (int k = 0; k < n; k++)
		T_CHECK(c->dec(a, (size_t)k, back) < 0, "%s: accepted %d of %d bytes",
			      c->name, k, n);
	T_CHECK(c->dec(a, (size_t)n + 1, back) < 0, "%s: accepted a trailing byte", c->name);
	T_CHECK(c->enc(a, (size_t)n - 1, m) < 0, "%s: encoded into a short buffer", c->name);
	free(a);
	free(b);
	free(m);
	free(back);
}

static void roundtrip_and_truncation(void)
{
	for (size_t i = 0; i < NCODECS; i++)
		roundtrip_one(&codecs[i]);
}

/* Random bytes, and random corruptions of valid messages, never crash. */
static void random_garbage(void)
{
	uint8_t *buf = malloc(4096);
	void *m = malloc(sizeof(struct wire_target_list));

	for (int iter = 0; iter < 20000; iter++) {
		const struct codec *c = &codecs[(size_t)iter % NCODECS];
		size_t len = (size_t)(t_rand() % 4096);

		if (iter % 2) {
			void *s = calloc(1, c->size);
			int n;

			c->fill(s);
			n = c->enc(buf, 4096, s);
			free(s);
			len = (size_t)n;
			buf[t_rand() % len] ^= (uint8_t)(1 + t_rand() % 255);
		} else {
			t_fill(buf, len);
		}
		c->dec(buf, len, m);
	}
	free(buf);
	free(m);
}

static int enc_reg_with(struct wire_target_register *m, uint8_t *buf)
{
	return wire_enc_target_register(buf, BUF, m);
}

static void out_of_range_fields(void)
{
	uint8_t *buf = malloc(BUF);
	struct wire_target_register reg;
	struct wire_obj_io io, iob;
	struct wire_open op, opb;
	struct wire_layout *l = &op.layout;
	int n;

	memset(&reg, 0, sizeof(reg));
	fill_reg(&reg);
	reg.free_bytes = reg.total_bytes + 1;
	n = enc_reg_with(&reg, buf);
	T_EQ(wire_dec_target_register(buf, (size_t)n, &reg), -EINVAL);
	fill_reg(&reg);
	reg.target_id = WIRE_MAX_TARGETS;
	n = enc_reg_with(&reg, buf);
	T_LT(wire_dec_target_register(buf, (size_t)n, &reg), 0);

	/* extents longer than the data, too many bytes, offsets off the end */
	memset(&io, 0, sizeof(io));
	fill_obj_io(&io);
	io.ext[1].len = 41;
	n = wire_enc_obj_io(buf, BUF, &io);
	T_EQ(wire_dec_obj_io(buf, (size_t)n, &iob), -EINVAL);
	fill_obj_io_segs(&io);
	io.seg[1].len = 71;
	n = wire_enc_obj_io(buf, BUF, &io);
	T_EQ(wire_dec_obj_io(buf, (size_t)n, &iob), -EINVAL);
	fill_obj_io_segs(&io);
	io.ext[0].off = 1ull << 62;
	n = wire_enc_obj_io(buf, BUF, &io);
	T_EQ(wire_dec_obj_io(buf, (size_t)n, &iob), -EINVAL);
	fill_obj_io_segs(&io);
	io.ext[0].len = WIRE_BULK_MAX;
	io.seg[0].len = WIRE_BULK_MAX - 10;
	n = wire_enc_obj_io(buf, BUF, &io);
	T_EQ(wire_dec_obj_io(buf, (size_t)n, &iob), -EINVAL);
	fill_obj_io_segs(&io);
	io.stripe = PROTO_MAX_STRIPES;
	n = wire_enc_obj_io(buf, BUF, &io);
	T_EQ(wire_dec_obj_io(buf, (size_t)n, &iob), -EINVAL);
	fill_obj_io(&io);
	io.next = WIRE_MAX_EXTENTS + 1;
	T_LT(wire_enc_obj_io(buf, BUF, &io), 0);

	/* lock ranges that wrap or are empty, leases out of range; a target
	 * replaced by itself */
	{
		struct wire_obj_lock lk, lkb;
		struct wire_replace_target rt, rtb;

		fill_lock(&lk);
		lk.nrows = 0;
		n = wire_enc_obj_lock(buf, BUF, &lk);
		T_EQ(wire_dec_obj_lock(buf, (size_t)n, &lkb), -EINVAL);
		fill_lock(&lk);
		lk.row = UINT64_MAX;
		n = wire_enc_obj_lock(buf, BUF, &lk);
		T_EQ(wire_dec_obj_lock(buf, (size_t)n, &lkb), -EINVAL);
		fill_lock(&lk);
		lk.lease_ms = WIRE_LOCK_LEASE_MAX_MS + 1;
		n = wire_enc_obj_lock(buf, BUF, &lk);
		T_EQ(wire_dec_obj_lock(buf, (size_t)n, &lkb), -EINVAL);
		fill_replace(&rt);
		rt.new_target = rt.old_target;
		n = wire_enc_replace_target(buf, BUF, &rt);
		T_EQ(wire_dec_replace_target(buf, (size_t)n, &rtb), -EINVAL);
		fill_replace(&rt);
		rt.stripe = PROTO_MAX_STRIPES;
		n = wire_enc_replace_target(buf, BUF, &rt);
		T_EQ(wire_dec_replace_target(buf, (size_t)n, &rtb), -EINVAL);
	}

	/* bad open flags, mode, layouts, relative paths */
	memset(&op, 0, sizeof(op));
	fill_open(&op);
	op.flags |= O_APPEND;
	n = wire_enc_open(buf, BUF, &op);
	T_EQ(wire_dec_open(buf, (size_t)n, &opb), -EINVAL);
	fill_open(&op);
	op.mode = 010000;
	n = wire_enc_open(buf, BUF, &op);
	T_EQ(wire_dec_open(buf, (size_t)n, &opb), -EINVAL);
	fill_open(&op);
	l->stripe_size = 12345;
	n = wire_enc_open(buf, BUF, &op);
	T_EQ(wire_dec_open(buf, (size_t)n, &opb), -EINVAL);
	fill_open(&op);
	l->pattern = 9;
	n = wire_enc_open(buf, BUF, &op);
	T_EQ(wire_dec_open(buf, (size_t)n, &opb), -EINVAL);
	fill_open(&op);
	strcpy(op.path, "relative");
	n = wire_enc_open(buf, BUF, &op);
	T_EQ(wire_dec_open(buf, (size_t)n, &opb), -EINVAL);
	free(buf);
}

static void header(void)
{
	uint8_t buf[WIRE_HDR_LEN + 8];
	struct wire_hdr h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .opcode = WIRE_OP_PING,
			      .reqid = 99, .payload_len = 4, .src_len = 4, .ttl_ms = 1500 }, d;

	T_EQ(wire_hdr_encode(&h, buf, sizeof(buf)), WIRE_HDR_LEN);
	T_EQ(wire_hdr_decode(&d, buf, sizeof(buf)), 0);
	T_UEQ(d.reqid, 99);
	T_UEQ(d.ttl_ms, 1500);
	T_LT(wire_hdr_decode(&d, buf, sizeof(buf) - 1), 0);   /* length mismatch */
	T_LT(wire_hdr_decode(&d, buf, WIRE_HDR_LEN - 1), 0);
	h.version = WIRE_VERSION + 1;
	wire_hdr_encode(&h, buf, sizeof(buf));
	T_EQ(wire_hdr_decode(&d, buf, sizeof(buf)), -EPROTONOSUPPORT);
	h.version = WIRE_VERSION;
	h.magic = 0;
	wire_hdr_encode(&h, buf, sizeof(buf));
	T_LT(wire_hdr_decode(&d, buf, sizeof(buf)), 0);
	h.magic = WIRE_MAGIC;
	h.flags = 0x80;
	wire_hdr_encode(&h, buf, sizeof(buf));
	T_LT(wire_hdr_decode(&d, buf, sizeof(buf)), 0);
	h.flags = 0;
	h.status = 5;
	wire_hdr_encode(&h, buf, sizeof(buf));
	T_LT(wire_hdr_decode(&d, buf, sizeof(buf)), 0);
	h.status = 0;
	h.src_len = WIRE_ADDR_MAX + 1;
	h.payload_len = 0;
	wire_hdr_encode(&h, buf, sizeof(buf));
	T_LT(wire_hdr_decode(&d, buf, sizeof(buf)), 0);
}

static void strings(void)
{
	uint8_t buf[64];
	struct wire_buf b;
	char out[8];

	wire_buf_init(&b, buf, sizeof(buf));
	wire_put_u16(&b, 3);
	wire_put_bytes(&b, "a\0b", 3);
	wire_buf_init(&b, buf, sizeof(buf));
	wire_get_str(&b, out, sizeof(out));
	T_NE(b.err, 0);            /* embedded NUL */
	wire_buf_init(&b, buf, sizeof(buf));
	wire_put_str(&b, "12345678");
	wire_buf_init(&b, buf, sizeof(buf));
	wire_get_str(&b, out, sizeof(out));
	T_NE(b.err, 0);            /* does not fit */
}

int main(void)
{
	for (size_t i = 0; i < sizeof(inline_bytes); i++)
		inline_bytes[i] = (uint8_t)i;
	t_seed();
	t_run("roundtrip_and_truncation", roundtrip_and_truncation, 60);
	t_run("random_garbage", random_garbage, 60);
	t_run("out_of_range_fields", out_of_range_fields, 60);
	t_run("header", header, 60);
	t_run("strings", strings, 60);
	return t_done();
}
