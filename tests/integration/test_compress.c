/* test_compress.c - compression at rest against a live cluster (1 MDS + 3
 * OSS): lz4 and zstd files of random data, zeros and text, written aligned
 * and unaligned, compressed chunks overwritten in part and whole, truncated
 * inside a chunk, read back byte for byte against a model; stored sizes
 * shrink for compressible data only; checksums still catch a flipped byte
 * in a compressed chunk; scrub is clean; compression with EC is refused. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cluster.h"
#include "pfs_test.h"
#include "pfs.h"

#define NOSS 3
#define SZ (3 * 1024 * 1024 + 12345)

static struct cluster tc;
static pfs_fs_t *fs;

enum kind { RANDOM, ZEROS, TEXT };
static const char *kind_name[] = { "random", "zeros", "text" };

static void fill(unsigned char *p, size_t n, enum kind k)
{
	static const char *words[] = { "stripe ", "object ", "target ", "chunk ", "layout ",
				       "checksum ", "the ", "of ", "parallel ", "file\n" };
	size_t i = 0;

	switch (k) {
	case RANDOM:
		t_fill(p, n);
		break;
	case ZEROS:
		memset(p, 0, n);
		break;
	case TEXT:
		while (i < n) {
			const char *w = words[t_rand() % 10];
			size_t l = strlen(w);

			memcpy(p + i, w, l < n - i ? l : n - i);
			i += l;
		}
		break;
	}
}

static pfs_file_t *create(const char *path, uint32_t codec, int level, uint32_t chunk)
{
	struct pfs_layout l = { .stripe_count = 2, .stripe_size = 1 << 20, .first_target = -1,
				.compress = codec, .compress_level = level, .chunk_size = chunk };
	pfs_file_t *f = NULL;
	int rc = pfs_open(fs, path, O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f);

	if (rc) {
		T_FAIL("create %s: %s", path, pfs_strerror(rc));
		return NULL;
	}
	return f;
}

static void expect(pfs_file_t *f, const unsigned char *model, uint64_t off, size_t len,
		   const char *what)
{
	unsigned char *buf = malloc(len ? len : 1);
	ssize_t n = pfs_pread(f, buf, len, off);

	T_CHECK(n == (ssize_t)len, "%s: read %zu at %" PRIu64 ": %zd (%s)", what, len, off, n,
	      n < 0 ? pfs_strerror((int)n) : "short");
	if (n == (ssize_t)len)
		for (size_t i = 0; i < len; i++)
			if (buf[i] != model[off + i])
				T_FAIL("%s: first wrong byte at %" PRIu64, what, off + i);
	free(buf);
}

struct tally {
	uint64_t bad, objects;
	int err;
};

static int tally_fn(const struct pfs_scrub_obj *o, void *arg)
{
	struct tally *t = arg;

	t->objects++;
	t->bad += o->bad;
	if (o->err)
		t->err = o->err;
	return 0;
}

static void one(uint32_t codec, int level, uint32_t chunk, enum kind k)
{
	unsigned char *model = calloc(1, SZ), *tmp = malloc(SZ);
	char path[128], what[160];
	uint64_t size, stored, cut;
	struct tally t = { 0 };
	pfs_file_t *f;

	snprintf(path, sizeof(path), "/c-%u-%d-%u-%s", codec, level, chunk, kind_name[k]);
	f = create(path, codec, level, chunk);
	if (!f)
		goto out;
	/* Aligned: the whole file in one write (whole chunks compressed). */
	fill(model, SZ, k);
	snprintf(what, sizeof(what), "%s aligned", path);
	{ ssize_t w = pfs_pwrite(f, model, SZ, 0); T_CHECK(w == SZ, "%s: write: %zd", what, w); }
	expect(f, model, 0, SZ, what);
	T_CHECK(pfs_stored_size(fs, path, &size, &stored) == 0 && size == SZ, "%s: size", what);
	if (k == RANDOM || chunk == 4096)
		T_CHECK(stored >= SZ - 8192, "%s: random data stored in %" PRIu64, what, stored);
	else
		T_CHECK(stored < SZ / 2, "%s: compressible data stored in %" PRIu64, what, stored);
	/* Unaligned writes and partial overwrites of compressed chunks. */
	for (int i = 0; i < 40; i++) {
		uint64_t off = t_rand() % (SZ - 1);
		size_t len = 1 + t_rand() % (i % 4 ? 5000 : 200000);

		if (off + len > SZ)
			len = SZ - off;
		fill(tmp, len, i % 2 ? k : RANDOM);
		T_CHECK(pfs_pwrite(f, tmp, len, off) == (ssize_t)len, "%s: write %d", path, i);
		memcpy(model + off, tmp, len);
		if (i % 10 == 0)
			expect(f, model, off > 3000 ? off - 3000 : 0, len + 3000 < SZ - off ?
			       len + 3000 : SZ - off, "partial overwrite");
	}
	expect(f, model, 0, SZ, "after partial overwrites");
	/* Whole chunks again over the unpacked ones. */
	fill(tmp, chunk, k);
	T_CHECK(pfs_pwrite(f, tmp, chunk, chunk) == (ssize_t)chunk, "rewrite");
	memcpy(model + chunk, tmp, chunk);
	expect(f, model, 0, SZ, "after rewriting whole chunks");
	/* Truncate inside a (compressed) chunk, then grow. */
	cut = (uint64_t)(SZ / chunk / 2) * chunk + 777;
	T_CHECK(pfs_ftruncate(f, cut) == 0, "truncate");
	memset(model + cut, 0, SZ - cut);
	T_CHECK(pfs_ftruncate(f, SZ) == 0, "grow");
	expect(f, model, 0, SZ, "after truncate inside a chunk");
	T_CHECK(pfs_scrub_file(fs, path, tally_fn, &t) == 0 && t.bad == 0 && t.err == 0,
	      "%s: scrub: %" PRIu64 " bad", path, t.bad);
	pfs_close(f);
out:
	free(model);
	free(tmp);
}

/* A flipped byte inside a compressed chunk's stored bytes: -EIO. */
static void flipped(void)
{
	enum { N = 1 << 20 };
	struct pfs_layout l = { .stripe_count = 1, .stripe_size = 1 << 20, .first_target = 0,
				.compress = PFS_COMPRESS_LZ4, .chunk_size = 65536 };
	unsigned char *data = malloc(N);
	char pat[600];
	pfs_file_t *f = NULL;
	glob_t g;
	ssize_t n;

	fill(data, N, TEXT);
	if (pfs_open(fs, "/flip", O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f)) {
		T_FAIL("create /flip");
		free(data);
		return;
	}
	T_CHECK(pfs_pwrite(f, data, N, 0) == N, "write /flip");
	pfs_get_layout(f, &l);
	snprintf(pat, sizeof(pat), "%s/oss0/objects/*/%" PRIu64 ".0", tc.dir, l.fid);
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 1) {
		int fd = open(g.gl_pathv[0], O_RDWR);
		unsigned char c;

		/* Chunk 2's stored bytes start at its slot. */
		if (fd >= 0 && pread(fd, &c, 1, 2 * 65536 + 100) == 1) {
			c ^= 0xff;
			T_CHECK(pwrite(fd, &c, 1, 2 * 65536 + 100) == 1, "flip");
		}
		if (fd >= 0)
			close(fd);
	} else {
		T_FAIL("object of /flip not found");
	}
	globfree(&g);
	n = pfs_pread(f, data, 100, 2 * 65536 + 5000);
	T_CHECK(n == -EIO, "read of a corrupt compressed chunk: %zd", n);
	n = pfs_pread(f, data, 100, 3 * 65536);
	T_CHECK(n == 100, "read of the next chunk: %zd", n);
	pfs_close(f);
	free(data);
}

/* Reads/writes 8 bytes (two u32) at off of a file. */
static int rec_io(const char *path, off_t off, uint32_t *v, int write)
{
	int fd = open(path, O_RDWR), rc;

	if (fd < 0)
		return -1;
	rc = write ? (pwrite(fd, v, 8, off) == 8 ? 0 : -1) : (pread(fd, v, 8, off) == 8 ? 0 : -1);
	close(fd);
	return rc;
}

/* What a crash leaves inside a chunk store, made by hand with the OSS
 * killed: the chunk's format and block records torn between an old and a
 * new version. Reads resolve to the version the blocks hold; blocks that
 * hold neither give -EIO. */
static void torn(void)
{
	enum { N = 256 * 1024, C = 65536 };
	struct pfs_layout l = { .stripe_count = 1, .stripe_size = 1 << 20, .first_target = 0,
				.compress = PFS_COMPRESS_LZ4, .chunk_size = C };
	unsigned char *data = malloc(N), buf[100];
	char pat[600], obj[600], crc[620], map[620];
	pfs_file_t *f = NULL;
	glob_t g;
	ssize_t n;

	fill(data, N, TEXT);
	if (pfs_open(fs, "/torn", O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f)) {
		T_FAIL("create /torn");
		free(data);
		return;
	}
	T_CHECK(pfs_pwrite(f, data, N, 0) == N, "write /torn");
	T_CHECK(pfs_fsync(f) == 0, "fsync /torn");
	pfs_get_layout(f, &l);
	snprintf(pat, sizeof(pat), "%s/oss0/objects/*/%" PRIu64 ".0", tc.dir, l.fid);
	if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc != 1) {
		T_FAIL("object of /torn not found");
		pfs_close(f);
		free(data);
		return;
	}
	snprintf(obj, sizeof(obj), "%s", g.gl_pathv[0]);
	globfree(&g);
	snprintf(crc, sizeof(crc), "%s.crc", obj);
	snprintf(map, sizeof(map), "%s.cmp", obj);
	T_CHECK(cluster_kill_oss(&tc, 0, SIGKILL) == 0, "kill oss0");
	for (int k = 1; k <= 3; k++) {
		uint32_t m[2], r[2], fmt;
		unsigned blocks;

		if (rec_io(map, 16 + 8 * k, m, 0))
			T_FAIL("map of chunk %d", k);
		fmt = m[0];
		T_CHECK(fmt != 0 && m[0] == m[1], "chunk %d: settled compressed (%08x/%08x)", k,
		      m[0], m[1]);
		blocks = ((fmt & 0xffffffu) + 4095) / 4096;
		/* 1: new format recorded, data still old (blocks hold prev).
		 * 2: data new, records not settled yet (blocks hold cur).
		 * 3: blocks hold neither (a torn pwritev). */
		m[0] = k == 2 ? fmt : fmt + 1;
		m[1] = k == 2 ? fmt + 1 : fmt;
		rec_io(map, 16 + 8 * k, m, 1);
		for (unsigned b = 0; b < blocks; b++) {
			off_t off = 8 * ((off_t)k * (C / 4096) + b);

			rec_io(crc, off, r, 0);
			if (k == 1)
				r[0] ^= 0xdeadbeef;
			else if (k == 2)
				r[1] ^= 0xdeadbeef;
			else if (b == 0)
				r[0] ^= 0x1, r[1] ^= 0x2;
			rec_io(crc, off, r, 1);
		}
	}
	T_CHECK(cluster_start_oss(&tc, 0) == 0, "restart oss0");
	n = pfs_pread(f, buf, sizeof(buf), C + 10);
	T_CHECK(n == sizeof(buf) && !memcmp(buf, data + C + 10, sizeof(buf)),
	      "torn chunk holding the old version: %zd", n);
	n = pfs_pread(f, buf, sizeof(buf), 2 * C + 10);
	T_CHECK(n == sizeof(buf) && !memcmp(buf, data + 2 * C + 10, sizeof(buf)),
	      "torn chunk holding the new version: %zd", n);
	n = pfs_pread(f, buf, sizeof(buf), 3 * C + 10);
	T_CHECK(n == -EIO, "torn chunk holding neither: %zd, want -EIO", n);
	/* Partial writes resolve (and unpack) the torn chunks; the bad one is
	 * refused, a whole-chunk write replaces it. */
	T_CHECK(pfs_pwrite(f, "xy", 2, C + 5) == 2, "partial write into torn chunk 1");
	memcpy(data + C + 5, "xy", 2);
	T_CHECK(pfs_pwrite(f, "zw", 2, 2 * C + 5) == 2, "partial write into torn chunk 2");
	memcpy(data + 2 * C + 5, "zw", 2);
	T_CHECK(pfs_pwrite(f, "q", 1, 3 * C + 5) == -EIO, "partial write into a bad chunk");
	T_CHECK(pfs_pwrite(f, data + 3 * C, C, 3 * C) == C, "whole rewrite of the bad chunk");
	expect(f, data, 0, N, "after resolving torn chunks");
	pfs_close(f);
	free(data);
}

static void ec_refused(void)
{
	struct pfs_layout l = { .pattern = PFS_PATTERN_EC, .ec_k = 2, .ec_m = 1,
				.stripe_count = 3, .stripe_size = 1 << 20, .first_target = -1,
				.compress = PFS_COMPRESS_LZ4 };
	pfs_file_t *f = NULL;
	int rc = pfs_open(fs, "/ec-compress", O_RDWR | O_CREAT, 0644, &l, &f);

	T_CHECK(rc == -EINVAL, "compression with EC: %d, want -EINVAL", rc);
	if (!rc)
		pfs_close(f);
}

/* Each case connects in its own forked child (libfabric is not fork-safe). */
static void connect_fs(void)
{
	int rc = pfs_connect(NULL, &fs);

	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
}

static void codecs_64k(void)
{
	connect_fs();
	for (int k = RANDOM; k <= TEXT; k++) {
		one(PFS_COMPRESS_LZ4, 0, 65536, k);
		one(PFS_COMPRESS_ZSTD, 3, 65536, k);
	}
	T_OK(pfs_disconnect(fs));
}

static void chunk_sizes(void)
{
	connect_fs();
	one(PFS_COMPRESS_ZSTD, 1, 4096, TEXT);
	one(PFS_COMPRESS_LZ4, 0, 1 << 20, TEXT);
	T_OK(pfs_disconnect(fs));
}

static void flipped_case(void)
{
	connect_fs();
	flipped();
	T_OK(pfs_disconnect(fs));
}

static void ec_refused_case(void)
{
	connect_fs();
	ec_refused();
	T_OK(pfs_disconnect(fs));
}

/* torn kills and restarts a server, which only the server's parent can
 * reap: it runs on a cluster of its own, started in its forked child. */
static void torn_case(void)
{
	T_CHECK(cluster_start(&tc, NOSS, getenv("PFS_TEST_PROVIDER")) == 0,
		"cluster did not come up");
	connect_fs();
	torn();
	T_OK(pfs_disconnect(fs));
	cluster_destroy(&tc);
}

int main(void)
{
	static const struct t_case cases[] = {
		T_CASE(codecs_64k), T_CASE(chunk_sizes), { "flipped", flipped_case },
		{ "ec_refused", ec_refused_case },
	};

	t_seed();
	if (cluster_start(&tc, NOSS, getenv("PFS_TEST_PROVIDER"))) {
		t_fail_cases(cases, T_NCASES(cases), "the cluster did not come up");
	} else {
		t_run_cases(cases, T_NCASES(cases), 600);
		cluster_destroy(&tc);
	}
	t_run("torn", torn_case, 600);
	return t_done();
}
