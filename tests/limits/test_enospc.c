/* test_enospc.c - a target whose backing file system fills up: one OSS of
 * two stores its objects on a 32 MiB tmpfs. Writing past that must give the
 * caller -ENOSPC (from pwrite or fsync, quickly, never a hang or -EIO);
 * everything acknowledged before reads back intact; overwriting space that
 * is already allocated still works; the other target keeps serving; the MDS
 * stops placing new files on the full target; and after the file is removed
 * the target takes writes again.
 *
 * The tmpfs lives in a private mount namespace (unshare), so it vanishes
 * with the test whatever happens. Skips (77) where mounting is not allowed. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pfs.h"
#include "cluster.h"
#include "limits_util.h"

#define EN_CHUNK (1u << 20)
#define EN_MAX_CHUNKS 64          /* 64 MiB: twice the tmpfs */
#define EN_TMPFS "size=32m"
#define EN_TIMEOUT_S 10.0         /* the client's RPC budget (cluster.c) */

static uint8_t en_buf[EN_CHUNK], en_got[EN_CHUNK];

static void en_fill(uint8_t *p, uint32_t chunk, uint32_t gen)
{
	uint64_t x = 0x9e3779b97f4a7c15ull * (chunk + 1) ^ gen;

	for (size_t i = 0; i < EN_CHUNK; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
}

/* Copies a small file (target.id) from one directory to another. */
static int en_copy(const char *from, const char *to)
{
	char buf[4096];
	ssize_t n;
	int in = open(from, O_RDONLY), out, rc = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -EIO;
	close(in);
	close(out);
	return rc;
}

/* Target id's figures from pfs_statfs; -1 when not listed. */
static int en_target(pfs_fs_t *fs, uint32_t id, struct pfs_target_stat *out)
{
	struct pfs_target_stat t[8];
	int n = pfs_statfs(fs, t, 8);

	for (int i = 0; i < n && i < 8; i++)
		if (t[i].id == id) {
			*out = t[i];
			return 0;
		}
	return -1;
}

static int en_open(pfs_fs_t *fs, const char *path, int first, uint32_t count, pfs_file_t **f)
{
	struct pfs_layout l = { .stripe_count = count, .stripe_size = EN_CHUNK,
				.first_target = first };

	return pfs_open(fs, path, O_RDWR | O_CREAT, 0644, &l, f);
}

static void full_target(void)
{
	char dir[600], orig[600], from[700], to[700];
	struct pfs_target_stat ts;
	struct cluster c;
	pfs_file_t *a = NULL, *b = NULL, *g = NULL;
	pfs_fs_t *fs = NULL;
	uint32_t acked = 0, k;
	int rc, err = 0;
	double t0;

	/* The mount namespace is this case's: the tmpfs goes with it. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		t_skip("no private mount namespace (%s); needs root (CAP_SYS_ADMIN) to "
		       "mount a small tmpfs", strerror(errno));
	rc = cluster_start(&c, 2, "tcp");
	T_CHECK(rc == 0, "cluster: %s", strerror(-rc));
	/* oss1 moves onto a 32 MiB tmpfs, keeping its identity. */
	cluster_kill_oss(&c, 1, SIGTERM);
	snprintf(dir, sizeof(dir), "%s/oss1", c.dir);
	snprintf(orig, sizeof(orig), "%s/oss1.orig", c.dir);
	if (rename(dir, orig) < 0 || mkdir(dir, 0755) < 0)
		T_FAIL("moving %s: %s", dir, strerror(errno));
	if (mount("tmpfs", dir, "tmpfs", 0, EN_TMPFS) < 0) {
		const char *why = strerror(errno);

		cluster_destroy(&c);
		t_skip("cannot mount tmpfs (%s)", why);
	}
	snprintf(from, sizeof(from), "%s/target.id", orig);
	snprintf(to, sizeof(to), "%s/target.id", dir);
	rc = en_copy(from, to);
	if (!rc)
		rc = cluster_start_oss(&c, 1);
	if (rc)
		T_FAIL("restarting oss1 on tmpfs: %s", strerror(-rc));
	rc = pfs_connect(NULL, &fs);
	if (rc)
		T_FAIL("connect: %s", pfs_strerror(rc));
	/* Wait for oss1's heartbeat to report the small disk. */
	for (int i = 0; i < 100; i++) {
		if (en_target(fs, 1, &ts) == 0 && ts.up && ts.total_bytes <= (64u << 20))
			break;
		usleep(100000);
	}
	printf("enospc: target 1 up=%d, %llu of %llu bytes free\n", ts.up,
	       (unsigned long long)ts.free_bytes, (unsigned long long)ts.total_bytes);

	/* Fill target 1: 1 MiB chunks, each fsynced, until it refuses. */
	rc = en_open(fs, "/full", 1, 1, &a);
	if (!rc)
		rc = en_open(fs, "/other", 0, 1, &b);
	if (rc)
		T_FAIL("create: %s", pfs_strerror(rc));
	for (k = 0; k < EN_MAX_CHUNKS; k++) {
		ssize_t n;

		en_fill(en_buf, k, 1);
		t0 = limits_now();
		n = pfs_pwrite(a, en_buf, EN_CHUNK, (uint64_t)k * EN_CHUNK);
		err = n < 0 ? (int)n : n == EN_CHUNK ? 0 : -EIO;
		if (!err)
			err = pfs_fsync(a);
		if (limits_now() - t0 > EN_TIMEOUT_S)
			T_FAIL("chunk %u took %.1f s", k, limits_now() - t0);
		if (err)
			break;
		acked = k + 1;
	}
	printf("enospc: %u MiB acknowledged, then: %s\n", acked, err ? pfs_strerror(err) : "no error");
	if (err != -ENOSPC)
		T_FAIL("expected -ENOSPC when target 1 filled, got %d (%s)", err,
		       pfs_strerror(err));
	if (acked < 16)
		T_FAIL("only %u MiB fitted on a 32 MiB target", acked);
	/* Again: still a clear -ENOSPC. */
	en_fill(en_buf, k, 2);
	rc = (int)pfs_pwrite(a, en_buf, EN_CHUNK, (uint64_t)(k + 1) * EN_CHUNK);
	if (rc != -ENOSPC)
		T_FAIL("a second write past the end: %d (%s), expected -ENOSPC", rc,
		       pfs_strerror(rc));
	/* Nothing acknowledged is damaged. */
	for (uint32_t i = 0; i < acked; i++) {
		ssize_t n = pfs_pread(a, en_got, EN_CHUNK, (uint64_t)i * EN_CHUNK);

		en_fill(en_buf, i, 1);
		if (n != EN_CHUNK || memcmp(en_buf, en_got, EN_CHUNK))
			T_FAIL("chunk %u read back wrong after ENOSPC (%zd)", i, n);
	}
	/* Space already allocated can be overwritten. */
	en_fill(en_buf, 0, 3);
	if (pfs_pwrite(a, en_buf, EN_CHUNK, 0) != EN_CHUNK || pfs_fsync(a) ||
	    pfs_pread(a, en_got, EN_CHUNK, 0) != EN_CHUNK || memcmp(en_buf, en_got, EN_CHUNK))
		T_FAIL("overwriting chunk 0 on the full target failed");
	/* The other target works. */
	for (uint32_t i = 0; i < 4; i++) {
		en_fill(en_buf, i, 4);
		if (pfs_pwrite(b, en_buf, EN_CHUNK, (uint64_t)i * EN_CHUNK) != EN_CHUNK ||
		    pfs_pread(b, en_got, EN_CHUNK, (uint64_t)i * EN_CHUNK) != EN_CHUNK ||
		    memcmp(en_buf, en_got, EN_CHUNK))
			T_FAIL("target 0 write/read %u failed while target 1 is full", i);
	}
	if (pfs_fsync(b))
		T_FAIL("fsync on target 0 failed while target 1 is full");
	/* Once the MDS hears target 1 is full (next heartbeat), new files go to
	 * target 0 only, and two stripes cannot be placed. */
	for (int i = 0; i < 60; i++) {
		if (en_target(fs, 1, &ts) == 0 && ts.free_bytes < ts.total_bytes / 100)
			break;
		usleep(100000);
	}
	sleep(3);   /* the MDS's figure comes with the heartbeat (every 2 s) */
	for (int i = 0; i < 4; i++) {
		struct pfs_layout l;
		char path[32];

		snprintf(path, sizeof(path), "/new%d", i);
		rc = en_open(fs, path, -1, 1, &g);
		if (rc)
			T_FAIL("create %s with target 1 full: %s", path, pfs_strerror(rc));
		pfs_get_layout(g, &l);
		if (l.targets[0] != 0)
			T_FAIL("%s placed on the full target %u", path, l.targets[0]);
		pfs_close(g);
	}
	rc = en_open(fs, "/two", -1, 2, &g);
	if (rc != -ENOSPC)
		T_FAIL("2-stripe create with one target full: %d (%s), expected -ENOSPC",
		       rc, pfs_strerror(rc));
	if (!rc)
		pfs_close(g);
	/* Remove the big file: its objects are destroyed and target 1 is usable. */
	pfs_close(a);
	a = NULL;
	rc = pfs_unlink(fs, "/full");
	if (rc)
		T_FAIL("unlink /full: %s", pfs_strerror(rc));
	for (int i = 0; i < 100; i++) {
		if (en_target(fs, 1, &ts) == 0 && ts.free_bytes > ts.total_bytes / 2)
			break;
		usleep(100000);
	}
	printf("enospc: after unlink target 1 has %llu of %llu bytes free\n",
	       (unsigned long long)ts.free_bytes, (unsigned long long)ts.total_bytes);
	rc = en_open(fs, "/again", 1, 1, &g);
	if (rc) {
		T_FAIL("create on target 1 after freeing it: %s", pfs_strerror(rc));
	} else {
		en_fill(en_buf, 7, 5);
		if (pfs_pwrite(g, en_buf, EN_CHUNK, 0) != EN_CHUNK || pfs_fsync(g) ||
		    pfs_pread(g, en_got, EN_CHUNK, 0) != EN_CHUNK || memcmp(en_buf, en_got, EN_CHUNK))
			T_FAIL("target 1 does not take writes after space was freed");
		pfs_close(g);
	}
	T_OK(pfs_close(b));
	T_OK(pfs_disconnect(fs));
	cluster_stop_servers(&c);
	umount2(dir, MNT_DETACH);
	cluster_destroy(&c);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	limits_tmpdir();
	t_run("full_target", full_target, 600);
	return t_done();
}
