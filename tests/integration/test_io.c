/* test_io.c - libpfs against a live cluster (1 MDS + 4 OSS on loopback):
 * random striped I/O checked byte for byte, list I/O, concurrent writers,
 * a 10,000-entry directory, every namespace error, and a full restart. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cluster.h"
#include "pfs.h"

#define NOSS 4
#define MiB (1024 * 1024)

/* The cluster the current test case runs against, started by the case's
 * unchecked fixture in the parent process; tests run in forked children. */
static struct cluster test_cluster;

static int wait_targets_up(int n)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		/* libfabric is not fork-safe: probe from a child so the parent
		 * (which forks every test) never opens an endpoint. */
		for (int i = 0; i < 200; i++) {
			struct pfs_target_stat t[NOSS];
			pfs_fs_t *fs;
			int up = 0, rc;

			if (pfs_connect(NULL, &fs) == 0) {
				rc = pfs_statfs(fs, t, NOSS);
				for (int k = 0; k < rc && k < NOSS; k++)
					up += t[k].up;
				pfs_disconnect(fs);
				if (rc == n && up == n)
					_exit(0);
			}
			usleep(100 * 1000);
		}
		_exit(1);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ETIMEDOUT;
}

static void cluster_up(void)
{
	if (cluster_start(&test_cluster, NOSS, getenv("PFS_TEST_PROVIDER")) ||
	    wait_targets_up(NOSS)) {
		fprintf(stderr, "test_io: cluster did not come up (logs in %s)\n", test_cluster.dir);
		setenv("PFS_KEEP_TEST_DIR", "1", 1);
		cluster_destroy(&test_cluster);
		exit(1);
	}
}

static void cluster_down(void)
{
	cluster_destroy(&test_cluster);
}

static pfs_fs_t *connect_or_fail(void)
{
	pfs_fs_t *fs = NULL;
	int rc = pfs_connect(NULL, &fs);

	ck_assert_msg(rc == 0, "pfs_connect: %s", pfs_strerror(rc));
	return fs;
}

static pfs_file_t *create_striped(pfs_fs_t *fs, const char *path, uint32_t count, uint64_t size)
{
	struct pfs_layout l = { .stripe_count = count, .stripe_size = size, .first_target = -1 };
	pfs_file_t *f = NULL;
	int rc = pfs_open(fs, path, O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f);

	ck_assert_msg(rc == 0, "create %s: %s", path, pfs_strerror(rc));
	return f;
}

static void fill_random(unsigned char *p, size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rand_r(seed);
}

/* MiB of random writes: 256 unless $PFS_TEST_RANDOM_MB says otherwise (the
 * sanitizer pass uses less: ASan makes every byte compare several times
 * slower). */
static size_t random_io_total(void)
{
	const char *env = getenv("PFS_TEST_RANDOM_MB");
	long mb = env ? strtol(env, NULL, 10) : 256;

	return (size_t)(mb >= 16 && mb <= 4096 ? mb : 256) * MiB;
}

/* 256 MiB of writes at random offsets and sizes over a 64 MiB window with a
 * 4-stripe layout, mirrored in memory, then everything read back. */
START_TEST(random_io_256m)
{
	const size_t window = 64 * MiB, total = random_io_total();
	unsigned char *shadow = calloc(1, window), *buf = malloc(4 * MiB), *rd = malloc(window + MiB);
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/random.dat", 4, 64 * 1024);
	unsigned seed = 2024;
	uint64_t written = 0, size = 0;
	struct pfs_stat st;
	ssize_t n;

	while (written < total) {
		size_t len = rand_r(&seed) % 2 ? 1 + rand_r(&seed) % (64 * 1024)
					       : 1 + rand_r(&seed) % (4 * MiB);
		uint64_t off = (uint64_t)rand_r(&seed) % (window - len);

		fill_random(buf, len, &seed);
		n = pfs_pwrite(f, buf, len, off);
		ck_assert_msg(n == (ssize_t)len, "pwrite %zu at %lu: %zd", len, (unsigned long)off, n);
		memcpy(shadow + off, buf, len);
		written += len;
		if (off + len > size)
			size = off + len;
	}
	ck_assert_int_eq(pfs_fstat(f, &st), 0);
	ck_assert_uint_eq(st.size, size);
	n = pfs_pread(f, rd, window + MiB, 0);        /* asks past EOF */
	ck_assert_int_eq(n, (ssize_t)size);
	ck_assert_msg(memcmp(rd, shadow, size) == 0, "read back differs");
	for (int i = 0; i < 200; i++) {               /* random reads, some past EOF */
		uint64_t off = (uint64_t)rand_r(&seed) % (size + MiB);
		size_t len = 1 + rand_r(&seed) % (2 * MiB);
		ssize_t expect = off >= size ? 0 : (ssize_t)(off + len > size ? size - off : len);

		n = pfs_pread(f, rd, len, off);
		ck_assert_int_eq(n, expect);
		ck_assert(n <= 0 || memcmp(rd, shadow + off, (size_t)n) == 0);
	}
	ck_assert_int_eq(pfs_close(f), 0);
	pfs_disconnect(fs);
	free(shadow);
	free(buf);
	free(rd);
}
END_TEST

/* Holes read as zeros; a write far out leaves a sparse file of that size. */
START_TEST(holes_and_eof)
{
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/holes.dat", 4, 4096);
	unsigned char buf[20000], rd[20000];
	struct pfs_stat st;

	memset(buf, 0x5a, sizeof(buf));
	ck_assert_int_eq(pfs_pread(f, rd, 100, 0), 0);              /* empty file */
	ck_assert_int_eq(pfs_pwrite(f, buf, 10, 1000000), 10);
	ck_assert_int_eq(pfs_fstat(f, &st), 0);
	ck_assert_uint_eq(st.size, 1000010);
	memset(rd, 1, sizeof(rd));
	ck_assert_int_eq(pfs_pread(f, rd, sizeof(rd), 990000), 10010);
	for (int i = 0; i < 10000; i++)
		ck_assert_int_eq(rd[i], 0);
	ck_assert_int_eq(rd[10000], 0x5a);
	ck_assert_int_eq(pfs_pread(f, rd, 10, 1000010), 0);        /* at EOF */
	ck_assert_int_eq(pfs_pread(f, rd, 10, 5000000), 0);        /* past EOF */
	ck_assert_int_eq(pfs_pwrite(f, buf, 0, 0), 0);
	pfs_close(f);
	pfs_disconnect(fs);
}
END_TEST

/* A strided pattern: many file extents from several memory segments. */
START_TEST(list_io)
{
	enum { NEXT = 300, NSEG = 7 };
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/list.dat", 4, 8192);
	struct pfs_extent ext[NEXT];
	struct iovec mem[NSEG], back[NSEG];
	unsigned char *src[NSEG], *dst[NSEG];
	uint64_t total = 0, mtotal = 0;
	unsigned seed = 5;

	for (int i = 0; i < NEXT; i++) {
		ext[i].off = (uint64_t)i * 10007 + 3;         /* unaligned, crossing stripes */
		ext[i].len = 1 + (uint64_t)(rand_r(&seed) % 9000);
		total += ext[i].len;
	}
	for (int s = 0; s < NSEG; s++) {
		size_t len = s < NSEG - 1 ? total / NSEG : total - mtotal;

		src[s] = malloc(len);
		dst[s] = calloc(1, len);
		fill_random(src[s], len, &seed);
		mem[s] = (struct iovec){ src[s], len };
		back[s] = (struct iovec){ dst[s], len };
		mtotal += len;
	}
	ck_assert_int_eq(pfs_writelist(f, mem, NSEG, ext, NEXT), (ssize_t)total);
	ck_assert_int_eq(pfs_readlist(f, back, NSEG, ext, NEXT), (ssize_t)total);
	for (int s = 0; s < NSEG; s++) {
		ck_assert(memcmp(src[s], dst[s], mem[s].iov_len) == 0);
		free(src[s]);
		free(dst[s]);
	}
	/* mismatched totals are refused */
	mem[0].iov_len--;
	ck_assert_int_eq(pfs_writelist(f, mem, NSEG, ext, NEXT), -EINVAL);
	pfs_close(f);
	pfs_disconnect(fs);
}
END_TEST

/* Nonblocking list I/O: several operations in flight at once, results
 * and errors delivered by pfs_aio_wait. */
START_TEST(aio_list_io)
{
	enum { NOPS = 6 };
	const size_t len = 3 * MiB + 17;
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/aio.dat", 4, 256 * 1024), *ro;
	unsigned char *src = malloc(NOPS * len), *dst = calloc(1, NOPS * len);
	struct iovec mem[NOPS], back[NOPS];
	struct pfs_extent ext[NOPS];
	pfs_aio_t *op[NOPS];
	unsigned seed = 8;
	ssize_t res;

	fill_random(src, NOPS * len, &seed);
	for (int i = 0; i < NOPS; i++) {
		mem[i] = (struct iovec){ src + i * len, len };
		back[i] = (struct iovec){ dst + i * len, len };
		ext[i] = (struct pfs_extent){ (uint64_t)(NOPS - 1 - i) * len, len };
		ck_assert_int_eq(pfs_aio_writelist(f, &mem[i], 1, &ext[i], 1, &op[i]), 0);
	}
	for (int i = 0; i < NOPS; i++)
		ck_assert_int_eq(pfs_aio_wait(op[i]), (ssize_t)len);
	ck_assert_int_eq(pfs_aio_readlist(f, back, NOPS, ext, NOPS, &op[0]), 0);
	while (pfs_aio_test(op[0], &res) == 0)
		;                              /* the caller is free meanwhile */
	ck_assert_int_eq(res, (ssize_t)(NOPS * len));
	ck_assert_int_eq(pfs_aio_wait(op[0]), (ssize_t)(NOPS * len));
	ck_assert(memcmp(src, dst, NOPS * len) == 0);
	/* errors come back through the wait */
	ck_assert_int_eq(pfs_open(fs, "/aio.dat", O_RDONLY, 0, NULL, &ro), 0);
	ck_assert_int_eq(pfs_aio_writelist(ro, mem, 1, ext, 1, &op[0]), 0);
	ck_assert_int_eq(pfs_aio_wait(op[0]), -EBADF);
	pfs_close(ro);
	pfs_close(f);
	pfs_disconnect(fs);
	free(src);
	free(dst);
}
END_TEST

/* One open exported and imported elsewhere reaches the same objects;
 * damaged handles are refused. */
START_TEST(handle_export_import)
{
	pfs_fs_t *fs = connect_or_fail(), *fs2 = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/handle.dat", 3, 65536), *g;
	unsigned char h[PFS_HANDLE_MAX], buf[100000], rd[100000];
	unsigned seed = 4;
	int n;

	fill_random(buf, sizeof(buf), &seed);
	n = pfs_file_export(f, h, sizeof(h));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(pfs_file_import(fs2, h, (size_t)n, O_RDWR, &g), 0);
	ck_assert_int_eq(pfs_pwrite(g, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ck_assert_int_eq(pfs_pread(f, rd, sizeof(rd), 0), (ssize_t)sizeof(rd));
	ck_assert(memcmp(buf, rd, sizeof(buf)) == 0);
	pfs_close(g);
	ck_assert_int_eq(pfs_file_import(fs2, h, (size_t)n, O_RDONLY, &g), 0);
	ck_assert_int_eq(pfs_pwrite(g, buf, 10, 0), -EBADF);
	pfs_close(g);
	ck_assert_int_eq(pfs_file_import(fs2, h, (size_t)n - 1, O_RDWR, &g), -EINVAL);
	ck_assert_int_eq(pfs_file_import(fs2, h, (size_t)n, O_RDWR | O_CREAT, &g), -EINVAL);
	h[0] ^= 0xff;
	ck_assert_int_eq(pfs_file_import(fs2, h, (size_t)n, O_RDWR, &g), -EINVAL);
	ck_assert_int_eq(pfs_file_export(f, h, 10), -ENOSPC);
	pfs_close(f);
	pfs_disconnect(fs2);
	pfs_disconnect(fs);
}
END_TEST

/* Four processes write disjoint interleaved ranges of one file at once. */
START_TEST(concurrent_writers)
{
	enum { NPROC = 4, BLOCKS = 16 };
	const size_t block = 1 * MiB + 333;   /* unaligned: ranges share stripes */
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/shared.dat", 4, 1 * MiB);
	unsigned char *buf = malloc(block);
	pid_t pids[NPROC];

	pfs_close(f);
	pfs_disconnect(fs);
	for (int p = 0; p < NPROC; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			pfs_fs_t *cfs;
			pfs_file_t *cf;

			if (pfs_connect(NULL, &cfs) || pfs_open(cfs, "/shared.dat", O_WRONLY, 0, NULL, &cf))
				_exit(2);
			for (int b = p; b < BLOCKS; b += NPROC) {
				memset(buf, 'A' + b, block);
				if (pfs_pwrite(cf, buf, block, (uint64_t)b * block) != (ssize_t)block)
					_exit(3);
			}
			_exit(pfs_close(cf) || pfs_disconnect(cfs) ? 4 : 0);
		}
	}
	for (int p = 0; p < NPROC; p++) {
		int status;

		waitpid(pids[p], &status, 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", p);
	}
	fs = connect_or_fail();
	ck_assert_int_eq(pfs_open(fs, "/shared.dat", O_RDONLY, 0, NULL, &f), 0);
	for (int b = 0; b < BLOCKS; b++) {
		ck_assert_int_eq(pfs_pread(f, buf, block, (uint64_t)b * block), (ssize_t)block);
		for (size_t i = 0; i < block; i++)
			ck_assert_int_eq(buf[i], 'A' + b);
	}
	pfs_close(f);
	pfs_disconnect(fs);
	free(buf);
}
END_TEST

START_TEST(readdir_10000)
{
	enum { N = 10000 };
	pfs_fs_t *fs = connect_or_fail();
	unsigned char *seen = calloc(N, 1);
	struct pfs_dirent ent;
	pfs_dir_t *d;
	char path[64];
	int count = 0, rc;

	ck_assert_int_eq(pfs_mkdir(fs, "/big", 0755), 0);
	for (int i = 0; i < N; i++) {
		pfs_file_t *f;

		snprintf(path, sizeof(path), "/big/f%05d", i);
		rc = pfs_open(fs, path, O_WRONLY | O_CREAT | O_EXCL, 0644, NULL, &f);
		ck_assert_msg(rc == 0, "create %s: %s", path, pfs_strerror(rc));
		pfs_close(f);
	}
	ck_assert_int_eq(pfs_opendir(fs, "/big", &d), 0);
	while ((rc = pfs_readdir(d, &ent)) == 1) {
		int i;

		ck_assert_int_eq(sscanf(ent.name, "f%05d", &i), 1);
		ck_assert(i >= 0 && i < N && !seen[i]);
		ck_assert(S_ISREG(ent.mode));
		seen[i] = 1;
		count++;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(count, N);
	pfs_closedir(d);
	pfs_disconnect(fs);
	free(seen);
}
END_TEST

START_TEST(namespace_errors)
{
	pfs_fs_t *fs = connect_or_fail();
	struct pfs_layout bad = { .stripe_count = 2, .stripe_size = 1000, .first_target = -1 };
	struct pfs_stat st;
	pfs_file_t *f;
	pfs_dir_t *d;

	ck_assert_int_eq(pfs_stat(fs, "/nope", &st), -ENOENT);
	ck_assert_int_eq(pfs_open(fs, "/nope", O_RDONLY, 0, NULL, &f), -ENOENT);
	ck_assert_int_eq(pfs_opendir(fs, "/nope", &d), -ENOENT);
	ck_assert_int_eq(pfs_mkdir(fs, "/e", 0755), 0);
	ck_assert_int_eq(pfs_mkdir(fs, "/e", 0755), -EEXIST);
	ck_assert_int_eq(pfs_mkdir(fs, "/missing/sub", 0755), -ENOENT);
	f = create_striped(fs, "/e/file", 2, 65536);
	pfs_close(f);
	ck_assert_int_eq(pfs_open(fs, "/e/file", O_RDWR | O_CREAT | O_EXCL, 0644, NULL, &f), -EEXIST);
	ck_assert_int_eq(pfs_mkdir(fs, "/e/file/x", 0755), -ENOTDIR);
	ck_assert_int_eq(pfs_stat(fs, "/e/file/x", &st), -ENOTDIR);
	ck_assert_int_eq(pfs_open(fs, "/e", O_RDONLY, 0, NULL, &f), -EISDIR);
	ck_assert_int_eq(pfs_unlink(fs, "/e"), -EISDIR);
	ck_assert_int_eq(pfs_rmdir(fs, "/e"), -ENOTEMPTY);
	ck_assert_int_eq(pfs_rmdir(fs, "/e/file"), -ENOTDIR);
	ck_assert_int_eq(pfs_open(fs, "/e/bad", O_RDWR | O_CREAT, 0644, &bad, &f), -EINVAL);
	bad.stripe_size = 65536;
	bad.stripe_count = PFS_MAX_STRIPES + 1;
	ck_assert_int_eq(pfs_open(fs, "/e/bad", O_RDWR | O_CREAT, 0644, &bad, &f), -EINVAL);
	bad.stripe_count = NOSS + 1;     /* more stripes than targets */
	ck_assert_int_eq(pfs_open(fs, "/e/bad", O_RDWR | O_CREAT, 0644, &bad, &f), -EINVAL);
	ck_assert_int_eq(pfs_stat(fs, "/e/bad", &st), -ENOENT);   /* nothing half-made */
	ck_assert_int_eq(pfs_stat(fs, "relative", &st), -EINVAL);
	ck_assert_int_eq(pfs_rename(fs, "/e/file", "/e/moved"), 0);
	ck_assert_int_eq(pfs_stat(fs, "/e/file", &st), -ENOENT);
	ck_assert_int_eq(pfs_stat(fs, "/e/moved", &st), 0);
	ck_assert_int_eq(pfs_unlink(fs, "/e/moved"), 0);
	ck_assert_int_eq(pfs_unlink(fs, "/e/moved"), -ENOENT);
	ck_assert_int_eq(pfs_rmdir(fs, "/e"), 0);
	pfs_disconnect(fs);
}
END_TEST

START_TEST(truncate_and_layouts)
{
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/trunc.dat", 3, 4096);
	struct pfs_layout got, dirdef = { .stripe_count = 2, .stripe_size = 8192, .first_target = -1 };
	unsigned char buf[50000], rd[50000];
	struct pfs_stat st;
	unsigned seed = 3;

	fill_random(buf, sizeof(buf), &seed);
	ck_assert_int_eq(pfs_pwrite(f, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ck_assert_int_eq(pfs_ftruncate(f, 10001), 0);
	ck_assert_int_eq(pfs_fstat(f, &st), 0);
	ck_assert_uint_eq(st.size, 10001);
	ck_assert_int_eq(pfs_pread(f, rd, sizeof(rd), 0), 10001);
	ck_assert(memcmp(rd, buf, 10001) == 0);
	ck_assert_int_eq(pfs_ftruncate(f, 30000), 0);     /* grows with zeros */
	ck_assert_int_eq(pfs_pread(f, rd, sizeof(rd), 0), 30000);
	for (int i = 10001; i < 30000; i++)
		ck_assert_int_eq(rd[i], 0);
	ck_assert_int_eq(pfs_fsync(f), 0);
	ck_assert_int_eq(pfs_get_layout(f, &got), 0);
	ck_assert_uint_eq(got.stripe_count, 3);
	ck_assert_uint_eq(got.stripe_size, 4096);
	ck_assert(got.targets[0] != got.targets[1] && got.targets[1] != got.targets[2]);
	pfs_close(f);
	/* a directory default is inherited by new files */
	ck_assert_int_eq(pfs_mkdir(fs, "/striped", 0755), 0);
	ck_assert_int_eq(pfs_setstripe(fs, "/striped", &dirdef), 0);
	ck_assert_int_eq(pfs_open(fs, "/striped/child", O_RDWR | O_CREAT, 0644, NULL, &f), 0);
	ck_assert_int_eq(pfs_get_layout(f, &got), 0);
	ck_assert_uint_eq(got.stripe_count, 2);
	ck_assert_uint_eq(got.stripe_size, 8192);
	pfs_close(f);
	/* O_TRUNC empties an existing file */
	ck_assert_int_eq(pfs_open(fs, "/trunc.dat", O_RDWR | O_TRUNC, 0, NULL, &f), 0);
	ck_assert_int_eq(pfs_fstat(f, &st), 0);
	ck_assert_uint_eq(st.size, 0);
	pfs_close(f);
	pfs_disconnect(fs);
}
END_TEST

/* Data, names and layouts written before a restart of every server are all
 * there after it. */
START_TEST(restart_persists)
{
	const size_t len = 9 * MiB + 123;
	unsigned char *buf = malloc(len), *rd = malloc(len);
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/persist.dat", 4, 1 * MiB);
	struct pfs_layout before, after;
	struct pfs_stat st;
	unsigned seed = 77;

	fill_random(buf, len, &seed);
	ck_assert_int_eq(pfs_pwrite(f, buf, len, 0), (ssize_t)len);
	ck_assert_int_eq(pfs_fsync(f), 0);
	ck_assert_int_eq(pfs_get_layout(f, &before), 0);
	pfs_close(f);
	ck_assert_int_eq(pfs_mkdir(fs, "/kept", 0700), 0);
	pfs_disconnect(fs);

	cluster_stop_servers(&test_cluster);
	ck_assert_int_eq(cluster_start_servers(&test_cluster), 0);
	ck_assert_int_eq(wait_targets_up(NOSS), 0);

	fs = connect_or_fail();
	ck_assert_int_eq(pfs_stat(fs, "/kept", &st), 0);
	ck_assert(S_ISDIR(st.mode));
	ck_assert_int_eq(pfs_open(fs, "/persist.dat", O_RDONLY, 0, NULL, &f), 0);
	ck_assert_int_eq(pfs_get_layout(f, &after), 0);
	ck_assert_mem_eq(&before, &after, sizeof(before));
	ck_assert_int_eq(pfs_pread(f, rd, len, 0), (ssize_t)len);
	ck_assert(memcmp(buf, rd, len) == 0);
	pfs_close(f);
	pfs_disconnect(fs);
	free(buf);
	free(rd);
}
END_TEST

/* The restart case stops and starts servers, which only their parent can
 * reap: it runs without fork, in the process that owns the cluster. */
static int run_restart_suite(void)
{
	Suite *s = suite_create("integration-restart");
	TCase *rs = tcase_create("restart");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(rs, cluster_up, cluster_down);
	tcase_add_test(rs, restart_persists);
	suite_add_tcase(s, rs);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

int main(void)
{
	Suite *s = suite_create("integration");
	TCase *io = tcase_create("io"), *ns = tcase_create("namespace");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(io, cluster_up, cluster_down);
	tcase_set_timeout(io, 300);
	tcase_add_test(io, random_io_256m);
	tcase_add_test(io, holes_and_eof);
	tcase_add_test(io, list_io);
	tcase_add_test(io, concurrent_writers);
	tcase_add_test(io, aio_list_io);
	tcase_add_test(io, handle_export_import);
	tcase_add_test(io, truncate_and_layouts);
	suite_add_tcase(s, io);
	tcase_add_unchecked_fixture(ns, cluster_up, cluster_down);
	tcase_set_timeout(ns, 300);
	tcase_add_test(ns, namespace_errors);
	tcase_add_test(ns, readdir_10000);
	suite_add_tcase(s, ns);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	failed += run_restart_suite();
	return failed ? 1 : 0;
}
