/* test_atrest.c - checksums at rest against a live cluster (1 MDS + 2 OSS):
 * bytes flipped in an object file on a target's disk give -EIO (never wrong
 * bytes) and a log line naming the target and object, scrub finds them (by
 * file and by target, library and `pfs scrub`), a rewrite heals them;
 * unaligned and partial-block writes and reads against a model, holes,
 * truncates inside a block, a clean restart and an unclean one (kill -9 and
 * a damaged sidecar) keep every checksum right. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cluster.h"
#include "pfs_test.h"
#include "pfs.h"

#define NOSS 2
#define BLK 4096

static struct cluster tc;
static pfs_fs_t *fs;

/* A one-stripe file on target 0 (so its object is easy to find). */
static pfs_file_t *create1(const char *path, int target)
{
	struct pfs_layout l = { .stripe_count = 1, .stripe_size = 1 << 20,
				.first_target = target };
	pfs_file_t *f = NULL;
	int rc = pfs_open(fs, path, O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f);

	T_CHECK(rc == 0, "create %s: %s", path, pfs_strerror(rc));
	return f;
}

/* DIR/oss<target>/objects/xx/<fid>.<stripe>[suffix] of an open file. */
static int object_path(pfs_file_t *f, uint32_t stripe, const char *suffix, char *out,
		       size_t len)
{
	struct pfs_layout l;
	char pat[600];
	glob_t g;
	int rc;

	if (pfs_get_layout(f, &l))
		return -1;
	snprintf(pat, sizeof(pat), "%s/oss%u/objects/*/%" PRIu64 ".%u%s", tc.dir,
		 l.targets[stripe], l.fid, stripe, suffix);
	rc = glob(pat, 0, NULL, &g);
	if (rc == 0 && g.gl_pathc == 1)
		snprintf(out, len, "%s", g.gl_pathv[0]);
	else
		rc = -1;
	globfree(&g);
	return rc;
}

static int flip_byte(const char *path, off_t off)
{
	unsigned char c;
	int fd = open(path, O_RDWR), rc = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &c, 1, off) == 1) {
		c ^= 0x5a;
		rc = pwrite(fd, &c, 1, off) == 1 ? 0 : -1;
	}
	close(fd);
	return rc;
}

static int file_contains(const char *path, const char *needle)
{
	char *buf;
	FILE *f = fopen(path, "r");
	size_t n;
	int found = 0;

	if (!f)
		return 0;
	buf = malloc(1 << 22);
	if (buf) {
		n = fread(buf, 1, (1 << 22) - 1, f);
		buf[n] = '\0';
		found = strstr(buf, needle) != NULL;
		free(buf);
	}
	fclose(f);
	return found;
}

struct tally {
	uint64_t objects, bad, first_bad;
	int err;
	uint64_t fid;           /* when set: only this fid counts */
};

static int tally_fn(const struct pfs_scrub_obj *o, void *arg)
{
	struct tally *t = arg;

	if (t->fid && o->fid != t->fid)
		return 0;
	t->objects++;
	if (o->bad && t->bad == 0)
		t->first_bad = o->first_bad;
	t->bad += o->bad;
	if (o->err)
		t->err = o->err;
	return 0;
}

static uint64_t fid_of(pfs_file_t *f)
{
	struct pfs_layout l;

	return pfs_get_layout(f, &l) ? 0 : l.fid;
}

/* Exit status of `pfs ARGS` (output to /dev/null). */
static int run_pfs(const char *args)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/tools/pfs %s >/dev/null 2>&1", getenv("PFS_BUILDDIR"),
		 args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_read(pfs_file_t *f, const unsigned char *model, uint64_t off, size_t len,
			const char *what)
{
	unsigned char *buf = malloc(len ? len : 1);
	ssize_t n = pfs_pread(f, buf, len, off);

	T_CHECK(n == (ssize_t)len, "%s: read %zu at %" PRIu64 ": %zd (%s)", what, len, off, n,
	      n < 0 ? pfs_strerror((int)n) : "short");
	if (n == (ssize_t)len)
		T_CHECK(memcmp(buf, model + off, len) == 0, "%s: wrong bytes at %" PRIu64, what, off);
	free(buf);
}

/* ---- cases ---- */

/* A 1 MiB read is one RPC of two segments, the second loaded while the
 * first is pushed: a bad block in the second fails the whole read with
 * -EIO (never the first half's bytes alone), and reads around it work. */
static void test_corruption_second_segment(void)
{
	enum { SZ = 1 << 20, BAD = 700000 };
	unsigned char *data = malloc(SZ), *got = malloc(SZ);
	char obj[700];
	pfs_file_t *f = create1("/corrupt2", 0);
	ssize_t n;

	t_fill(data, SZ);
	T_CHECK(pfs_pwrite(f, data, SZ, 0) == SZ, "write 1 MiB");
	expect_read(f, data, 0, SZ, "clean 1 MiB read");
	T_CHECK(object_path(f, 0, "", obj, sizeof(obj)) == 0, "object file not found");
	T_CHECK(flip_byte(obj, BAD) == 0, "flip");
	n = pfs_pread(f, got, SZ, 0);
	T_CHECK(n == -EIO, "1 MiB read over a bad block in its second segment: %zd", n);
	expect_read(f, data, 0, SZ / 2, "the first segment alone");
	expect_read(f, data, BAD / BLK * BLK + BLK, SZ - (BAD / BLK * BLK + BLK),
		    "after the bad block");
	/* Rewritten whole, it heals (later cases scrub target 0 clean). */
	T_CHECK(pfs_pwrite(f, data, SZ, 0) == SZ, "rewrite 1 MiB");
	expect_read(f, data, 0, SZ, "healed 1 MiB read");
	pfs_close(f);
	free(data);
	free(got);
}

static void test_corruption(void)
{
	enum { SZ = 256 * 1024 };
	unsigned char *data = malloc(SZ), buf[BLK];
	char obj[700], needle[200], log[400], args[300];
	struct tally t = { 0 };
	pfs_file_t *f = create1("/corrupt", 0);
	uint64_t fid = fid_of(f), size, stored;
	ssize_t n;

	t_fill(data, SZ);
	T_CHECK(pfs_pwrite(f, data, SZ, 0) == SZ, "write");
	expect_read(f, data, 0, SZ, "clean read");
	T_CHECK(pfs_stored_size(fs, "/corrupt", &size, &stored) == 0 && size == SZ &&
	      stored >= SZ, "stored size %" PRIu64 "/%" PRIu64, size, stored);
	T_CHECK(object_path(f, 0, "", obj, sizeof(obj)) == 0, "object file not found");
	T_CHECK(flip_byte(obj, 5000) == 0, "flip");

	n = pfs_pread(f, data, SZ, 0);
	T_CHECK(n == -EIO, "read over a flipped byte: %zd, want -EIO", n);
	n = pfs_pread(f, buf, BLK, 0);
	T_CHECK(n == BLK && !memcmp(buf, data, BLK), "block 0 still reads: %zd", n);
	n = pfs_pread(f, buf, 200, 4000);
	T_CHECK(n == -EIO, "unaligned read touching the bad block: %zd", n);
	n = pfs_pread(f, buf, 100, 8192);
	T_CHECK(n == 100, "block 2 still reads: %zd", n);
	snprintf(log, sizeof(log), "%s/oss0.log", tc.dir);
	snprintf(needle, sizeof(needle), "target 0: checksum mismatch in fid %" PRIu64
		 " stripe 0 at object offset 4096", fid);
	T_CHECK(file_contains(log, needle), "log lacks \"%s\"", needle);

	T_CHECK(pfs_scrub_file(fs, "/corrupt", tally_fn, &t) == 0, "scrub file");
	T_CHECK(t.objects == 1 && t.bad == 1 && t.first_bad == 4096,
	      "scrub file: %" PRIu64 " objects, %" PRIu64 " bad, first %" PRIu64, t.objects,
	      t.bad, t.first_bad);
	memset(&t, 0, sizeof(t));
	t.fid = fid;
	T_CHECK(pfs_scrub_target(fs, 0, tally_fn, &t) == 0, "scrub target");
	T_CHECK(t.objects == 1 && t.bad == 1 && t.first_bad == 4096, "scrub target: %" PRIu64
	      " bad", t.bad);
	T_CHECK(run_pfs("scrub pfs:/corrupt") == 1, "pfs scrub FILE exit status");
	T_CHECK(run_pfs("scrub --target 0") == 1, "pfs scrub --target exit status");
	T_CHECK(run_pfs("scrub --target 1") == 0, "pfs scrub of a clean target");

	/* A partial write must not bless the bad block; a whole one heals it. */
	n = pfs_pwrite(f, "x", 1, 4096 + 10);
	T_CHECK(n == -EIO, "partial write into a bad block: %zd, want -EIO", n);
	n = pfs_pwrite(f, data + 4096, BLK, 4096);
	T_CHECK(n == BLK, "rewrite of the bad block: %zd", n);
	expect_read(f, data, 0, SZ, "healed read");
	snprintf(args, sizeof(args), "scrub pfs:/corrupt");
	T_CHECK(run_pfs(args) == 0, "pfs scrub after the rewrite");

	/* The last, partial block: flip a byte there too. */
	T_CHECK(pfs_ftruncate(f, SZ - 100) == 0, "truncate");
	T_CHECK(flip_byte(obj, SZ - 200) == 0, "flip 2");
	n = pfs_pread(f, buf, 50, SZ - 300);
	T_CHECK(n == -EIO, "read of a bad last block: %zd", n);
	memset(&t, 0, sizeof(t));
	T_CHECK(pfs_scrub_file(fs, "/corrupt", tally_fn, &t) == 0 && t.bad == 1 &&
	      t.first_bad == SZ - BLK, "scrub of a bad last block: %" PRIu64, t.bad);
	/* A truncate below the bad block drops it. */
	T_CHECK(pfs_ftruncate(f, SZ - 2 * BLK + 10) == 0, "truncate below");
	memset(&t, 0, sizeof(t));
	T_CHECK(pfs_scrub_file(fs, "/corrupt", tally_fn, &t) == 0 && t.bad == 0, "scrub after cut");
	expect_read(f, data, 0, SZ - 2 * BLK + 10, "read after cut");
	pfs_close(f);
	free(data);
}

/* Random unaligned writes (single and list I/O) against a model. */
static void test_unaligned(void)
{
	enum { SZ = 3 * 1024 * 1024 + 777 };
	unsigned char *model = calloc(1, SZ), *tmp = malloc(SZ);
	uint64_t end = 0;
	struct tally t = { 0 };
	pfs_file_t *f;
	struct pfs_layout l = { .stripe_count = 2, .stripe_size = 64 * 1024, .first_target = -1 };

	if (pfs_open(fs, "/unaligned", O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f))
		T_FAIL("create /unaligned");
	for (int i = 0; i < 300; i++) {
		uint64_t off = t_rand() % (SZ - 1);
		size_t len = 1 + t_rand() % (i % 10 == 0 ? 300000 : 9000);

		if (off + len > SZ)
			len = SZ - off;
		t_fill(tmp, len);
		if (i % 3 == 0) {
			/* Three extents, two inside one block: one RPC merges them. */
			uint64_t b = off & ~(uint64_t)(BLK - 1);
			struct pfs_extent ext[3] = { { b + 10, 100 }, { b + 300, 50 }, { off, len } };
			struct iovec iov = { tmp, 150 + len };
			size_t need = 150 + len;

			if (b + BLK > SZ || need > SZ)
				continue;
			t_fill(tmp, need);
			T_CHECK(pfs_writelist(f, &iov, 1, ext, 3) == (ssize_t)need, "writelist %d", i);
			memcpy(model + b + 10, tmp, 100);
			memcpy(model + b + 300, tmp + 100, 50);
			memcpy(model + off, tmp + 150, len);
			if (b + 350 > end)
				end = b + 350;
		} else {
			T_CHECK(pfs_pwrite(f, tmp, len, off) == (ssize_t)len, "write %d", i);
			memcpy(model + off, tmp, len);
		}
		if (off + len > end)
			end = off + len;
		if (i % 25 == 0) {
			uint64_t ro = t_rand() % end;
			size_t rl = 1 + t_rand() % 20000;

			if (ro + rl > end)
				rl = end - ro;
			expect_read(f, model, ro, rl, "unaligned read");
		}
	}
	expect_read(f, model, 0, end, "full read");
	T_CHECK(pfs_scrub_file(fs, "/unaligned", tally_fn, &t) == 0 && t.bad == 0 && t.objects == 2,
	      "scrub: %" PRIu64 " bad of %" PRIu64 " objects", t.bad, t.objects);
	pfs_close(f);
	free(model);
	free(tmp);
}

static void test_holes_truncate(void)
{
	enum { SZ = 2 * 1024 * 1024 };
	unsigned char *model = calloc(1, SZ), data[10000];
	struct tally t = { 0 };
	pfs_file_t *f = create1("/holes", 1);
	uint64_t off = 1024 * 1024 + 100;
	ssize_t n;

	t_fill(data, sizeof(data));
	T_CHECK(pfs_pwrite(f, data, 300, off) == 300, "write past a hole");
	memcpy(model + off, data, 300);
	expect_read(f, model, 0, off + 300, "hole then data");
	expect_read(f, model, 4096 * 7 + 5, 3, "inside the hole");
	/* A partial write inside a never-written block. */
	T_CHECK(pfs_pwrite(f, data, 10, 20000) == 10, "write into a hole block");
	memcpy(model + 20000, data, 10);
	expect_read(f, model, 16384, 8192, "partial hole block");

	/* Truncate inside a block, then grow again: the tail reads as zeros. */
	T_CHECK(pfs_pwrite(f, data, sizeof(data), 0) == sizeof(data), "write head");
	memcpy(model, data, sizeof(data));
	T_CHECK(pfs_ftruncate(f, 5000) == 0, "truncate to 5000");
	memset(model + 5000, 0, SZ - 5000);
	n = pfs_pread(f, data, sizeof(data), 0);
	T_CHECK(n == 5000 && !memcmp(data, model, 5000), "read after truncate: %zd", n);
	T_CHECK(pfs_ftruncate(f, 3 * BLK + 5) == 0, "extend to 3 blocks");
	expect_read(f, model, 0, 3 * BLK + 5, "after extend");
	T_CHECK(pfs_pwrite(f, "abc", 3, 6 * BLK) == 3, "write past the end");
	memcpy(model + 6 * BLK, "abc", 3);
	expect_read(f, model, 0, 6 * BLK + 3, "after write past the end");
	T_CHECK(pfs_ftruncate(f, 0) == 0, "truncate to 0");
	T_CHECK(pfs_pwrite(f, "z", 1, 100) == 1, "write after truncate to 0");
	memset(model, 0, SZ);
	model[100] = 'z';
	expect_read(f, model, 0, 101, "after truncate to 0");
	T_CHECK(pfs_scrub_file(fs, "/holes", tally_fn, &t) == 0 && t.bad == 0, "scrub holes");
	pfs_close(f);
	free(model);
}

/* Checksums survive a clean restart; an unclean one (kill -9) runs the
 * recovery pass, which trims stale records, drops orphan sidecars and
 * rebuilds lost ones. */
static void test_restart(void)
{
	enum { SZ = 64 * 1024 };
	unsigned char data[SZ], model[SZ * 2];
	char obj[700], side[700], side2[700], log[400];
	pfs_file_t *f = create1("/restart", 0), *g = create1("/restart2", 0);
	ssize_t n;
	FILE *fp;

	t_fill(data, SZ);
	T_CHECK(pfs_pwrite(f, data, SZ, 0) == SZ, "write");
	T_CHECK(pfs_pwrite(g, data, SZ, 0) == SZ, "write 2");
	T_CHECK(pfs_fsync(f) == 0, "fsync");
	cluster_stop_servers(&tc);
	T_CHECK(cluster_start_servers(&tc) == 0, "restart");
	expect_read(f, data, 0, SZ, "after a clean restart");
	T_CHECK(object_path(f, 0, "", obj, sizeof(obj)) == 0, "object");
	T_CHECK(flip_byte(obj, 3 * BLK + 1) == 0, "flip");
	n = pfs_pread(f, data, SZ, 0);
	T_CHECK(n == -EIO, "checksums kept across a restart: %zd", n);
	T_CHECK(flip_byte(obj, 3 * BLK + 1) == 0, "flip back");
	expect_read(f, data, 0, SZ, "flipped back");

	/* Kill -9, then damage what a crash could leave: records past the end
	 * (a crash inside a truncate), a lost sidecar, an orphan sidecar. */
	T_CHECK(cluster_kill_oss(&tc, 0, SIGKILL) == 0, "kill");
	T_CHECK(object_path(f, 0, ".crc", side, sizeof(side)) == 0, "sidecar");
	fp = fopen(side, "r+");
	if (fp) {
		static const unsigned char junk[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

		fseek(fp, 0, SEEK_END);
		fwrite(junk, 1, sizeof(junk), fp);     /* records for blocks 16..23 */
		fclose(fp);
	}
	T_CHECK(object_path(g, 0, ".crc", side2, sizeof(side2)) == 0 && unlink(side2) == 0,
	      "remove sidecar 2");
	*strrchr(obj, '/') = '\0';
	snprintf(obj + strlen(obj), sizeof(obj) - strlen(obj), "/123456789.0.crc");
	fp = fopen(obj, "w");
	if (fp)
		fclose(fp);
	T_CHECK(cluster_start_oss(&tc, 0) == 0, "restart oss 0");
	snprintf(log, sizeof(log), "%s/oss0.log", tc.dir);
	T_CHECK(file_contains(log, "unclean stop"), "no recovery pass logged");
	T_CHECK(file_contains(log, "had no checksum file; rebuilt"), "no rebuild logged");
	T_CHECK(access(obj, F_OK) != 0, "orphan sidecar kept");
	/* Blocks 16..23 are holes now: they must read as zeros. */
	memcpy(model, data, SZ);
	memset(model + SZ, 0, SZ);
	T_CHECK(pfs_pwrite(f, "q", 1, 2 * SZ - 1) == 1, "extend");
	model[2 * SZ - 1] = 'q';
	expect_read(f, model, 0, 2 * SZ, "holes over trimmed records");
	expect_read(g, data, 0, SZ, "rebuilt sidecar");
	T_CHECK(run_pfs("scrub --target 0") == 0, "scrub after recovery");
	pfs_close(f);
	pfs_close(g);
}

static void test_tools(void)
{
	char cmd[600];
	int st;

	snprintf(cmd, sizeof(cmd), "%s/tools/pfs stat pfs:/unaligned | grep -q '^Stored: '",
		 getenv("PFS_BUILDDIR"));
	st = system(cmd);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pfs stat shows Stored");
	snprintf(cmd, sizeof(cmd), "%s/tools/pfs getstripe pfs:/unaligned | grep -q 'stored:'",
		 getenv("PFS_BUILDDIR"));
	st = system(cmd);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pfs getstripe shows stored");
	T_CHECK(run_pfs("scrub") == 2, "pfs scrub without operands is a usage error");
	T_CHECK(run_pfs("scrub pfs:/nonexistent") == 1, "pfs scrub of a missing file");
}

/* Each case connects in its own forked child (libfabric is not fork-safe). */
static void connect_fs(void)
{
	int rc = pfs_connect(NULL, &fs);

	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
}

#define CONNECTED(fn)                                                               \
	static void fn##_case(void)                                                 \
	{                                                                           \
		connect_fs();                                                       \
		fn();                                                               \
		T_OK(pfs_disconnect(fs));                                           \
	}
CONNECTED(test_corruption)
CONNECTED(test_corruption_second_segment)
CONNECTED(test_unaligned)
CONNECTED(test_tools)
CONNECTED(test_holes_truncate)

/* test_restart stops, kills and starts servers, which only their parent
 * can reap: it runs on a cluster of its own, started in its forked child. */
static void test_restart_case(void)
{
	T_CHECK(cluster_start(&tc, NOSS, getenv("PFS_TEST_PROVIDER")) == 0,
		"cluster did not come up");
	connect_fs();
	test_restart();
	T_OK(pfs_disconnect(fs));
	cluster_destroy(&tc);
}

int main(void)
{
	/* test_tools looks at /unaligned: it runs after test_unaligned. */
	static const struct t_case cases[] = {
		{ "corruption", test_corruption_case },
		{ "corruption_second_segment", test_corruption_second_segment_case },
		{ "unaligned", test_unaligned_case },
		{ "tools", test_tools_case },
		{ "holes_truncate", test_holes_truncate_case },
	};

	t_seed();
	if (cluster_start(&tc, NOSS, getenv("PFS_TEST_PROVIDER"))) {
		t_fail_cases(cases, T_NCASES(cases), "the cluster did not come up");
	} else {
		t_run_cases(cases, T_NCASES(cases), 300);
		cluster_destroy(&tc);
	}
	t_run("restart", test_restart_case, 300);
	return t_done();
}
