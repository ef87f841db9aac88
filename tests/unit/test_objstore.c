/* test_objstore.c - the OSS object store in-process on a temporary directory:
 * write/read against a model, punch, CRC mismatch detection, recovery after an
 * unclean stop, and the format record (written, upgraded, unknown refused). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksum.h"
#include "objstore.h"
#include "objstore_int.h"
#include "pfs_test.h"

#define OBJ_MAX (256u << 10)   /* model object size */

static char dir[256];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "%s/pfs-test-objstore.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	T_ASSERT(mkdtemp(dir) != NULL);
}

static void rm_tmp(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_OK(system(cmd));
}

static struct objstore *store_open(uint32_t target)
{
	struct objstore *os = NULL;
	char err[512];

	T_OK(objstore_open(dir, target, &os, err, sizeof(err)));
	return os;
}

/* DIR/objects/<name of fid.stripe, kind> */
static void obj_path(uint64_t fid, uint32_t stripe, int kind, char *path, size_t n)
{
	char name[OS_NAME_MAX], sub[3];

	os_name(fid, stripe, kind, name, sub);
	snprintf(path, n, "%s/objects/%s", dir, name);
}

static int do_write(struct objstore *os, uint64_t fid, uint64_t off, const uint8_t *p,
		    uint64_t len)
{
	struct wire_extent ext = { .off = off, .len = len };
	uint64_t size;

	return objstore_write(os, fid, 0, &ext, 1, p, checksum_crc32c(0, p, len), &size);
}

static int do_read(struct objstore *os, uint64_t fid, uint64_t off, uint8_t *p, uint64_t len)
{
	struct wire_extent ext = { .off = off, .len = len };
	uint64_t size;
	uint32_t crc;
	int rc;

	rc = objstore_read(os, fid, 0, &ext, 1, p, &size, &crc);
	if (rc == 0 && crc != checksum_crc32c(0, p, len))
		return -EBADMSG;
	return rc;
}

/* Random extents against a model buffer, partial blocks included; every read
 * checks the bytes and the CRC it answers with. */
static void t_write_read(void)
{
	uint8_t *model = calloc(1, OBJ_MAX), *buf = malloc(OBJ_MAX);
	uint64_t hi = 0, size;
	struct objstore *os;

	mkdir_tmp();
	os = store_open(3);
	for (int i = 0; i < 200; i++) {
		uint64_t off = t_rand() % (OBJ_MAX - 1), len = 1 + t_rand() % 20000;

		if (off + len > OBJ_MAX)
			len = OBJ_MAX - off;
		t_fill(buf, len);
		T_OK(do_write(os, 7, off, buf, len));
		memcpy(model + off, buf, len);
		if (off + len > hi)
			hi = off + len;
		off = t_rand() % OBJ_MAX;
		len = 1 + t_rand() % (OBJ_MAX - off);
		T_OK(do_read(os, 7, off, buf, len));
		T_MEMEQ(buf, model + off, len);
	}
	T_OK(objstore_size(os, 7, 0, &size));
	T_UEQ(size, hi);
	/* reopened (clean stop): the same bytes */
	objstore_close(os);
	os = store_open(3);
	T_OK(do_read(os, 7, 0, buf, OBJ_MAX));
	T_MEMEQ(buf, model, OBJ_MAX);
	objstore_close(os);
	rm_tmp();
	free(model);
	free(buf);
}

static void t_bad_crc(void)
{
	struct wire_extent ext = { .off = 0, .len = 8192 };
	uint8_t buf[8192];
	uint64_t size = 1;
	struct objstore *os;

	mkdir_tmp();
	os = store_open(0);
	t_fill(buf, sizeof(buf));
	T_ERR(objstore_write(os, 1, 0, &ext, 1, buf, checksum_crc32c(0, buf, 8192) ^ 1, &size),
	      -EBADMSG);
	T_OK(objstore_size(os, 1, 0, &size));
	T_UEQ(size, 0);
	objstore_close(os);
	rm_tmp();
}

static void t_punch(void)
{
	uint8_t *buf = malloc(65536), *out = malloc(65536), zero[4096] = { 0 };
	struct objstore *os;
	uint64_t size;

	mkdir_tmp();
	os = store_open(0);
	t_fill(buf, 65536);
	T_OK(do_write(os, 2, 0, buf, 65536));
	T_OK(objstore_punch(os, 2, 0, 10000));     /* inside a block */
	T_OK(objstore_size(os, 2, 0, &size));
	T_UEQ(size, 10000);
	T_OK(do_read(os, 2, 0, out, 65536));
	T_MEMEQ(out, buf, 10000);
	for (uint64_t o = 10000; o < 65536; o += 4096)
		T_MEMEQ(out + o, zero, o + 4096 > 65536 ? 65536 - o : 4096);
	/* growing punch reads zeros, a missing object punched to 0 stays missing */
	T_OK(objstore_punch(os, 2, 0, 30000));
	T_OK(do_read(os, 2, 0, out, 30000));
	T_MEMEQ(out, buf, 10000);
	T_MEMEQ(out + 10000, zero, 4096);
	T_OK(objstore_punch(os, 99, 0, 0));
	T_OK(objstore_size(os, 99, 0, &size));
	T_UEQ(size, 0);
	objstore_close(os);
	rm_tmp();
	free(buf);
	free(out);
}

/* One byte changed on disk behind the store's back: reads of its block are
 * -EIO, other blocks still read, scrub counts exactly that block. */
static void t_crc_mismatch(void)
{
	uint8_t *buf = malloc(65536), *out = malloc(65536), *scr = malloc(65536), b;
	struct objstore_scrub res;
	struct objstore *os;
	char path[512];
	int fd;

	mkdir_tmp();
	os = store_open(0);
	t_fill(buf, 65536);
	T_OK(do_write(os, 4, 0, buf, 65536));
	objstore_close(os);
	obj_path(4, 0, OS_KIND_DATA, path, sizeof(path));
	fd = open(path, O_RDWR);
	T_ASSERT(fd >= 0);
	b = buf[5 * 4096 + 17] ^ 0x40;
	T_EQ(pwrite(fd, &b, 1, 5 * 4096 + 17), 1);
	close(fd);
	os = store_open(0);
	T_ERR(do_read(os, 4, 5 * 4096, out, 100), -EIO);
	T_ERR(do_read(os, 4, 0, out, 65536), -EIO);
	T_OK(do_read(os, 4, 0, out, 5 * 4096));
	T_MEMEQ(out, buf, 5 * 4096);
	T_OK(do_read(os, 4, 6 * 4096, out, 65536 - 6 * 4096));
	T_OK(objstore_scrub(os, 4, 0, 0, 1ull << 30, scr, 65536, &res));
	T_UEQ(res.blocks, 16);
	T_UEQ(res.bad, 1);
	T_UEQ(res.first_bad, 5 * 4096);
	objstore_close(os);
	rm_tmp();
	free(buf);
	free(out);
	free(scr);
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return UINT64_MAX;
	return (uint64_t)st.st_size;
}

/* An unclean stop (no DIR/clean) with the damage a crash can leave: a
 * sidecar longer than its object, a sidecar without an object, an object
 * without a sidecar. Opening repairs all three, and the data verifies. */
static void t_recovery(void)
{
	uint8_t *buf = malloc(32768), *out = malloc(32768), junk[64] = { 1 };
	struct objstore *os;
	char path[512], stray[512], lost[512];
	int fd;

	mkdir_tmp();
	os = store_open(1);
	t_fill(buf, 32768);
	T_OK(do_write(os, 10, 0, buf, 32768));
	T_OK(do_write(os, 11, 0, buf, 20000));
	objstore_close(os);
	/* 10: sidecar grown past its object (a crash inside a truncate) */
	obj_path(10, 0, OS_KIND_CRC, path, sizeof(path));
	fd = open(path, O_WRONLY);
	T_ASSERT(fd >= 0);
	T_EQ(pwrite(fd, junk, sizeof(junk), 8 * 8), (long)sizeof(junk));
	close(fd);
	/* 12: a sidecar whose object is gone (a crash inside a destroy) */
	obj_path(12, 0, OS_KIND_CRC, stray, sizeof(stray));
	snprintf(path, sizeof(path), "%s", stray);
	*strrchr(path, '/') = '\0';
	mkdir(path, 0755);
	fd = open(stray, O_WRONLY | O_CREAT, 0644);
	T_ASSERT(fd >= 0);
	close(fd);
	/* 11: its sidecar lost */
	obj_path(11, 0, OS_KIND_CRC, lost, sizeof(lost));
	T_OK(unlink(lost));
	snprintf(path, sizeof(path), "%s/clean", dir);
	T_OK(unlink(path));

	os = store_open(1);
	obj_path(10, 0, OS_KIND_CRC, path, sizeof(path));
	T_UEQ(file_size(path), 8 * 8);
	T_UEQ(file_size(stray), UINT64_MAX);
	T_UEQ(file_size(lost), 5 * 8);
	T_OK(do_read(os, 10, 0, out, 32768));
	T_MEMEQ(out, buf, 32768);
	T_OK(do_read(os, 11, 0, out, 20000));
	T_MEMEQ(out, buf, 20000);
	objstore_close(os);
	rm_tmp();
	free(buf);
	free(out);
}

static void put_file(const char *name, const void *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	T_ASSERT(fd >= 0);
	T_EQ(write(fd, p, n), (long)n);
	close(fd);
}

static void read_format(struct os_format_rec *r)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, OS_FORMAT_FILE);
	fd = open(path, O_RDONLY);
	T_ASSERT(fd >= 0);
	T_EQ(read(fd, r, sizeof(*r)), (long)sizeof(*r));
	close(fd);
}

static void t_format(void)
{
	struct objstore *os = NULL;
	struct os_format_rec r;
	char err[512], want[512];

	/* new: written with this build's version */
	mkdir_tmp();
	objstore_close(store_open(2));
	read_format(&r);
	T_UEQ(r.magic, OS_FORMAT_MAGIC);
	T_UEQ(r.version, OS_FORMAT_CUR);
	T_UEQ(r.target, 2);
	T_UEQ(r.legacy, 0);
	/* another target's directory */
	T_ERR(objstore_open(dir, 3, &os, err, sizeof(err)), -EEXIST);
	/* unknown version: refused, both versions named, nothing changed */
	r.version = OS_FORMAT_CUR + 6;
	put_file(OS_FORMAT_FILE, &r, sizeof(r));
	T_ERR(objstore_open(dir, 2, &os, err, sizeof(err)), -EPROTONOSUPPORT);
	snprintf(want, sizeof(want), "store format %u in %s, this pfs-oss reads %u..%u",
		 OS_FORMAT_CUR + 6, dir, OS_FORMAT_MIN, OS_FORMAT_CUR);
	if (!strstr(err, want))
		t_fail(__FILE__, __LINE__, "message '%s' lacks '%s'", err, want);
	/* not a format record at all */
	put_file(OS_FORMAT_FILE, "hello\n", 6);
	T_ERR(objstore_open(dir, 2, &os, err, sizeof(err)), -EIO);
	rm_tmp();

	/* a directory from before format records: target.id only */
	mkdir_tmp();
	put_file("target.id", "5\n", 2);
	objstore_close(store_open(5));
	read_format(&r);
	T_UEQ(r.version, OS_FORMAT_CUR);
	T_UEQ(r.legacy, 1);
	T_UEQ(r.target, 5);
	rm_tmp();
}

int main(void)
{
	t_seed();
	t_run("write_read", t_write_read, 120);
	t_run("bad_crc", t_bad_crc, 60);
	t_run("punch", t_punch, 60);
	t_run("crc_mismatch", t_crc_mismatch, 60);
	t_run("recovery", t_recovery, 60);
	t_run("format", t_format, 60);
	return t_done();
}
