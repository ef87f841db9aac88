/* gen_corpus.c - writes the seed corpora of the wire and layout fuzzers:
 * valid encoded messages of every kind (byte 0 = the fuzz_wire decoder
 * index, see fuzz_common.h) and valid layouts with offsets.
 * Usage: gen_corpus DIR  (creates DIR/wire and DIR/layout). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "wire.h"
#include "fuzz_common.h"

static const char *gen_dir;

static void gen_write(const char *sub, const char *name, int k, int idx, const void *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s-%d", gen_dir, sub, name, k);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	if (idx >= 0)
		fputc(idx, f);
	if (n && fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static int gen_index(const char *name)
{
	for (int i = 0; i < FUZZ_NCODECS; i++)
		if (!strcmp(fuzz_codecs[i].name, name))
			return i;
	fprintf(stderr, "gen_corpus: no codec %s\n", name);
	exit(1);
}

/* Encodes m with codec name and writes it as seed k. */
static void gen_msg(const char *name, int k, const void *m)
{
	static uint8_t buf[4 * WIRE_MSG_MAX];
	int idx = gen_index(name);
	int n = fuzz_codecs[idx].enc(buf, sizeof(buf), m);
	void *back = calloc(1, fuzz_codecs[idx].size);

	/* A seed is only useful when it is valid: it must decode again. */
	if (n < 0 || !back || fuzz_codecs[idx].dec(buf, (size_t)n, back)) {
		fprintf(stderr, "gen_corpus: %s-%d does not round trip (%d)\n", name, k, n);
		exit(1);
	}
	free(back);
	gen_write("wire", name, k, idx, buf, (size_t)n);
}

static void gen_layout(struct wire_layout *l, uint32_t count, uint64_t ss, int first)
{
	memset(l, 0, sizeof(*l));
	l->pattern = PROTO_PATTERN_RAID0;
	l->stripe_count = count;
	l->stripe_size = ss;
	l->first_target = first;
	l->fid = 4242;
	for (uint32_t i = 0; i < count && i < PROTO_MAX_STRIPES; i++)
		l->targets[i] = (i * 7 + 3) % WIRE_MAX_TARGETS;
}

static void gen_headers(void)
{
	uint8_t frame[WIRE_HDR_LEN + 64];
	struct wire_hdr h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION };

	h.opcode = WIRE_OP_LOOKUP, h.reqid = 7, h.src_len = 16, h.payload_len = 8;
	memset(frame, 0x5a, sizeof(frame));
	wire_hdr_encode(&h, frame, WIRE_HDR_LEN);
	gen_write("wire", "hdr", 0, 0, frame, WIRE_HDR_LEN + 24);
	h.opcode = WIRE_OP_OBJ_READ, h.flags = WIRE_FLAG_REPLY, h.status = -2;
	h.src_len = 0, h.payload_len = 0;
	wire_hdr_encode(&h, frame, WIRE_HDR_LEN);
	gen_write("wire", "hdr", 1, 0, frame, WIRE_HDR_LEN);
}

static void gen_mds(void)
{
	static struct wire_target_register tr;
	static struct wire_target_list tl;
	static struct wire_path p;
	static struct wire_open o;
	static struct wire_mkdir md;
	static struct wire_rename rn;
	static struct wire_readdir rd;
	static struct wire_readdir_rep rr;
	static struct wire_set_layout sl;
	struct wire_set_size ss = { .ino = 17, .size = 1 << 20 };
	struct wire_replace_target rt = { .ino = 17, .stripe = 3, .old_target = 2, .new_target = 9 };
	struct wire_obj_lock lk = { .fid = 17, .row = 4, .nrows = 16, .owner = 0xfeed,
				    .lease_ms = 30000 };
	static struct wire_attr a;

	tr.target_id = 3, tr.addr_len = 16, tr.total_bytes = 1 << 30, tr.free_bytes = 1 << 29;
	memset(tr.addr, 0x11, tr.addr_len);
	gen_msg("target_register", 0, &tr);
	tl.count = 3;
	for (uint32_t i = 0; i < tl.count; i++) {
		tl.t[i].id = i, tl.t[i].up = i & 1, tl.t[i].addr_len = 16;
		memset(tl.t[i].addr, (int)i, 16);
		tl.t[i].total_bytes = 100, tl.t[i].free_bytes = 50, tl.t[i].objects = i;
	}
	gen_msg("target_list", 0, &tl);
	tl.count = 0;
	gen_msg("target_list", 1, &tl);
	strcpy(p.path, "/");
	gen_msg("path", 0, &p);
	strcpy(p.path, "/dir/sub/file.dat");
	gen_msg("path", 1, &p);
	strcpy(o.path, "/a/new");
	o.flags = O_RDWR | O_CREAT | O_EXCL, o.mode = 0644;
	gen_msg("open", 0, &o);
	o.has_layout = 1;
	gen_layout(&o.layout, 4, 1 << 20, -1);
	gen_msg("open", 1, &o);
	o.layout.stripe_count = PROTO_STRIPE_ALL, o.layout.stripe_size = 0;
	gen_msg("open", 2, &o);
	strcpy(md.path, "/d"), md.mode = 0755;
	gen_msg("mkdir", 0, &md);
	strcpy(rn.from, "/a"), strcpy(rn.to, "/b/c");
	gen_msg("rename", 0, &rn);
	strcpy(rd.path, "/"), rd.max = 128;
	gen_msg("readdir", 0, &rd);
	strcpy(rd.after, "name-0042");
	gen_msg("readdir", 1, &rd);
	rr.count = 3, rr.eof = 1;
	for (uint32_t i = 0; i < rr.count; i++) {
		rr.ent[i].ino = 10 + i, rr.ent[i].mode = 0100644;
		snprintf(rr.ent[i].name, sizeof(rr.ent[i].name), "entry-%u", i);
	}
	gen_msg("readdir_rep", 0, &rr);
	strcpy(sl.path, "/striped");
	gen_layout(&sl.layout, 8, 65536, 2);
	gen_msg("set_layout", 0, &sl);
	memset(&sl.layout, 0, sizeof(sl.layout));
	sl.layout.first_target = -1;
	gen_msg("set_layout", 1, &sl);
	gen_msg("set_size", 0, &ss);
	gen_msg("replace_target", 0, &rt);
	gen_msg("obj_lock", 0, &lk);
	a.ino = 5, a.mode = 0100644, a.nlink = 1, a.size_hint = 12345, a.mtime_ns = 1, a.ctime_ns = 2;
	gen_layout(&a.layout, 2, 1 << 20, 0);
	gen_msg("attr", 0, &a);
	memset(&a.layout, 0, sizeof(a.layout));
	a.mode = 040755;
	gen_msg("attr", 1, &a);
}

static void gen_oss(void)
{
	static struct wire_obj_io io;
	static uint8_t data[100];
	struct wire_obj_io_rep rep = { .obj_size = 4096, .crc = 0x1234 };
	struct wire_obj ob = { .fid = 9, .stripe = 1 };
	struct wire_obj_punch pu = { .fid = 9, .stripe = 2, .size = 8192 };
	struct wire_obj_size os = { .size = 65536 };
	struct wire_statfs_rep st = { .target_id = 1, .total_bytes = 1000, .free_bytes = 10,
				      .objects = 3 };

	memset(data, 0xa5, sizeof(data));
	io.fid = 9, io.stripe = 0, io.crc = 0xdeadbeef, io.next = 2;
	io.ext[0] = (struct wire_extent){ 0, 60 };
	io.ext[1] = (struct wire_extent){ 4096, 40 };
	io.inline_len = 100, io.inline_data = data;
	gen_msg("obj_io", 0, &io);
	io.inline_len = 0, io.inline_data = NULL, io.nseg = 2;
	io.ext[1].len = 1 << 20;
	io.seg[0] = (struct wire_seg){ 0x10000, 60, 77, 0 };
	io.seg[1] = (struct wire_seg){ 0x90000, 1 << 20, 78, 0 };
	gen_msg("obj_io", 1, &io);
	io.nseg = 0;
	gen_msg("obj_io", 2, &io);
	rep.inline_len = 100, rep.inline_data = data;
	gen_msg("obj_io_rep", 0, &rep);
	rep.inline_len = 0, rep.inline_data = NULL;
	gen_msg("obj_io_rep", 1, &rep);
	gen_msg("obj", 0, &ob);
	gen_msg("obj_punch", 0, &pu);
	gen_msg("obj_size", 0, &os);
	gen_msg("statfs_rep", 0, &st);
}

/* Layout seeds: the layout as fuzz_layout reads it, then off, len, size. */
static void gen_layouts(void)
{
	static const struct { uint32_t count; uint64_t ss; uint64_t off, len, size; } s[] = {
		{ 1, 1 << 20, 0, 4096, 1 << 20 },
		{ 4, 1 << 20, 3 << 20, 5 << 20, 10000000 },
		{ 64, 4096, 123456, 999999, 77777777 },
		{ 3, 1ull << 32, 1ull << 40, 1ull << 33, (1ull << 34) + 5 },
	};

	for (int k = 0; k < (int)(sizeof(s) / sizeof(s[0])); k++) {
		uint8_t buf[2048];
		struct wire_buf b;
		struct wire_layout l;

		gen_layout(&l, s[k].count, s[k].ss, -1);
		wire_buf_init(&b, buf, sizeof(buf));
		wire_put_u32(&b, l.pattern);
		wire_put_u32(&b, l.stripe_count);
		wire_put_u64(&b, l.stripe_size);
		wire_put_u32(&b, (uint32_t)l.first_target);
		wire_put_u64(&b, l.fid);
		for (uint32_t i = 0; i < l.stripe_count; i++)
			wire_put_u32(&b, l.targets[i]);
		wire_put_u64(&b, s[k].off);
		wire_put_u64(&b, s[k].len);
		wire_put_u64(&b, s[k].size);
		gen_write("layout", "layout", k, -1, buf, b.pos);
	}
}

int main(int argc, char **argv)
{
	char path[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	gen_dir = argv[1];
	mkdir(gen_dir, 0755);
	snprintf(path, sizeof(path), "%s/wire", gen_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/layout", gen_dir);
	mkdir(path, 0755);
	gen_headers();
	gen_mds();
	gen_oss();
	gen_layouts();
	return 0;
}
