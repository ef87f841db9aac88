/* test_wire_atrest.c - the wire codecs of checksums and compression at rest
 * (OBJ_SCRUB, OSS_LIST, OBJ_STAT, OBJ_WRITE_CHUNKS): round trips, every
 * truncation and trailing byte refused, out-of-range fields refused,
 * random bytes never crash a decoder. */
#include "pfs_test.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wire.h"

#define BUF WIRE_MSG_MAX

static uint8_t buf[BUF], buf2[BUF];

/* Decoding every proper prefix and the message plus one byte fails. */
#define CHECK_CUTS(dec, len, type) do {                                      \
		type *tmp_ = malloc(sizeof(type));                           \
		for (int n_ = 0; n_ < (len); n_++)                           \
			T_NE(dec(buf, (size_t)n_, tmp_), 0);     \
		T_NE(dec(buf, (size_t)(len) + 1, tmp_), 0);      \
		free(tmp_);                                                  \
	} while (0)

static void scrub(void)
{
	struct wire_obj_scrub m = { 7, 3, 8192, 1 << 20 }, d;
	struct wire_obj_scrub_rep r = { 100000, 8192, 2, 1, 4096 }, rd;
	int len;

	len = wire_enc_obj_scrub(buf, BUF, &m);
	T_GT(len, 0);
	T_EQ(wire_dec_obj_scrub(buf, (size_t)len, &d), 0);
	T_ASSERT(d.fid == 7 && d.stripe == 3 && d.off == 8192 && d.budget == 1 << 20);
	CHECK_CUTS(wire_dec_obj_scrub, len, struct wire_obj_scrub);
	m.stripe = PROTO_MAX_STRIPES;
	len = wire_enc_obj_scrub(buf, BUF, &m);
	T_EQ(wire_dec_obj_scrub(buf, (size_t)len, &d), -EINVAL);

	len = wire_enc_obj_scrub_rep(buf, BUF, &r);
	T_EQ(wire_dec_obj_scrub_rep(buf, (size_t)len, &rd), 0);
	T_ASSERT(rd.size == r.size && rd.next == r.next && rd.blocks == r.blocks &&
		  rd.bad == r.bad && rd.first_bad == r.first_bad);
	CHECK_CUTS(wire_dec_obj_scrub_rep, len, struct wire_obj_scrub_rep);
	r.bad = 3;              /* more bad than verified */
	len = wire_enc_obj_scrub_rep(buf, BUF, &r);
	T_EQ(wire_dec_obj_scrub_rep(buf, (size_t)len, &rd), -EPROTO);
	r.bad = 0;              /* no bad block but a first one */
	len = wire_enc_obj_scrub_rep(buf, BUF, &r);
	T_EQ(wire_dec_obj_scrub_rep(buf, (size_t)len, &rd), -EPROTO);
	r.first_bad = UINT64_MAX;
	r.next = r.size + 1;    /* past the end */
	len = wire_enc_obj_scrub_rep(buf, BUF, &r);
	T_EQ(wire_dec_obj_scrub_rep(buf, (size_t)len, &rd), -EPROTO);
}

static void list(void)
{
	struct wire_oss_list m = { 17, 99, 2, 0, 100 }, d;
	struct wire_oss_list_rep *r = calloc(1, sizeof(*r)), *rd = calloc(1, sizeof(*rd));
	int len;

	len = wire_enc_oss_list(buf, BUF, &m);
	T_EQ(wire_dec_oss_list(buf, (size_t)len, &d), 0);
	T_ASSERT(d.bucket == 17 && d.fid == 99 && d.stripe == 2 && d.first == 0 && d.max == 100);
	CHECK_CUTS(wire_dec_oss_list, len, struct wire_oss_list);
	m.max = 0;
	len = wire_enc_oss_list(buf, BUF, &m);
	T_EQ(wire_dec_oss_list(buf, (size_t)len, &d), -EINVAL);
	m.max = WIRE_OSS_LIST_MAX + 1;
	len = wire_enc_oss_list(buf, BUF, &m);
	T_EQ(wire_dec_oss_list(buf, (size_t)len, &d), -EINVAL);
	m.max = 1;
	m.bucket = 256;
	len = wire_enc_oss_list(buf, BUF, &m);
	T_EQ(wire_dec_oss_list(buf, (size_t)len, &d), -EINVAL);

	r->bucket = 255;
	r->fid = 5;
	r->stripe = 1;
	r->eof = 1;
	r->count = WIRE_OSS_LIST_MAX;
	for (uint32_t i = 0; i < r->count; i++)
		r->obj[i] = (struct wire_obj){ 1000 + i, i % PROTO_MAX_STRIPES };
	len = wire_enc_oss_list_rep(buf, BUF, r);
	T_GT(len, 0);
	T_EQ(wire_dec_oss_list_rep(buf, (size_t)len, rd), 0);
	T_EQ(rd->count, r->count);
	for (uint32_t i = 0; i < r->count; i++)
		T_ASSERT(rd->obj[i].fid == r->obj[i].fid && rd->obj[i].stripe == r->obj[i].stripe);
	T_NE(wire_dec_oss_list_rep(buf, (size_t)len - 1, rd), 0);
	T_NE(wire_dec_oss_list_rep(buf, (size_t)len + 1, rd), 0);
	r->count = WIRE_OSS_LIST_MAX + 1;
	T_EQ(wire_enc_oss_list_rep(buf, BUF, r), -EINVAL);
	free(r);
	free(rd);
}

static void stat(void)
{
	struct wire_obj_stat m = { 12345, 8192 }, d;
	int len = wire_enc_obj_stat(buf, BUF, &m);

	T_EQ(wire_dec_obj_stat(buf, (size_t)len, &d), 0);
	T_ASSERT(d.size == m.size && d.stored == m.stored);
	CHECK_CUTS(wire_dec_obj_stat, len, struct wire_obj_stat);
}

static int chunks_msg(struct wire_obj_chunks *m, uint32_t n)
{
	static uint8_t data[4 * 65536];

	memset(m, 0, sizeof(*m));
	m->chunk_size = 65536;
	m->io.fid = 9;
	m->io.stripe = 1;
	m->io.next = n;
	for (uint32_t i = 0; i < n; i++) {
		m->io.ext[i] = (struct wire_extent){ (uint64_t)i * 65536, i ? 1000 : 65536 };
		m->codec[i] = i ? PROTO_COMPRESS_ZSTD : PROTO_COMPRESS_NONE;
	}
	m->io.inline_len = 65536 + (n - 1) * 1000;
	m->io.inline_data = data;
	return wire_enc_obj_chunks(buf, BUF, m);
}

static void chunks(void)
{
	struct wire_obj_chunks *m = malloc(sizeof(*m)), *d = malloc(sizeof(*d));
	int len;

	/* Too big inline for a real request, but the codec does not care. */
	len = chunks_msg(m, 1);
	T_EQ(len, -EINVAL);        /* inline over WIRE_INLINE_MAX */
	m->io.inline_len = 0;
	m->io.inline_data = NULL;
	m->io.nseg = 1;
	m->io.seg[0] = (struct wire_seg){ 0x1000, 65536 + 2000, 77, 0 };
	m->io.next = 3;
	for (uint32_t i = 0; i < 3; i++) {
		m->io.ext[i] = (struct wire_extent){ (uint64_t)i * 65536, i ? 1000 : 65536 };
		m->codec[i] = i ? PROTO_COMPRESS_LZ4 : PROTO_COMPRESS_NONE;
	}
	len = wire_enc_obj_chunks(buf, BUF, m);
	T_GT(len, 0);
	T_EQ(wire_dec_obj_chunks(buf, (size_t)len, d), 0);
	T_EQ(d->chunk_size, 65536);
	T_EQ(d->io.next, 3);
	T_EQ(d->codec[1], PROTO_COMPRESS_LZ4);
	T_EQ(wire_enc_obj_chunks(buf2, BUF, d), len);
	T_ASSERT(!memcmp(buf, buf2, (size_t)len));
	for (int n = 0; n < len; n++)
		T_NE(wire_dec_obj_chunks(buf, (size_t)n, d), 0);
	/* Refused: raw chunk not whole, unaligned slot, bad codec, bad size. */
	m->io.ext[0].len = 4096;
	m->io.seg[0].len = 4096 + 2000;
	len = wire_enc_obj_chunks(buf, BUF, m);
	T_EQ(wire_dec_obj_chunks(buf, (size_t)len, d), -EINVAL);
	m->io.ext[0].len = 65536;
	m->io.seg[0].len = 65536 + 2000;
	m->io.ext[1].off = 65536 + 4096;
	len = wire_enc_obj_chunks(buf, BUF, m);
	T_EQ(wire_dec_obj_chunks(buf, (size_t)len, d), -EINVAL);
	m->io.ext[1].off = 65536;
	m->codec[2] = 99;
	len = wire_enc_obj_chunks(buf, BUF, m);
	T_EQ(wire_dec_obj_chunks(buf, (size_t)len, d), -EINVAL);
	m->codec[2] = PROTO_COMPRESS_ZSTD;
	m->chunk_size = 65536 + 4096;
	len = wire_enc_obj_chunks(buf, BUF, m);
	T_EQ(wire_dec_obj_chunks(buf, (size_t)len, d), -EINVAL);
	free(m);
	free(d);
}

static void garbage(void)
{
	union {
		struct wire_obj_scrub a;
		struct wire_obj_scrub_rep b;
		struct wire_oss_list c;
		struct wire_oss_list_rep d;
		struct wire_obj_stat e;
		struct wire_obj_chunks f;
	} *u = malloc(sizeof(*u));

	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(t_rand() % 2048);

		t_fill(buf, n);
		(void)wire_dec_obj_scrub(buf, n, &u->a);
		(void)wire_dec_obj_scrub_rep(buf, n, &u->b);
		(void)wire_dec_oss_list(buf, n, &u->c);
		(void)wire_dec_oss_list_rep(buf, n, &u->d);
		(void)wire_dec_obj_stat(buf, n, &u->e);
		(void)wire_dec_obj_chunks(buf, n, &u->f);
	}
	free(u);
}

int main(void)
{
	t_seed();
	t_run("scrub", scrub, 60);
	t_run("list", list, 60);
	t_run("stat", stat, 60);
	t_run("chunks", chunks, 60);
	t_run("garbage", garbage, 60);
	return t_done();
}
