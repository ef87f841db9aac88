/* test_io.c - libpfs against a live cluster (1 MDS + 4 OSS on loopback):
 * random striped I/O checked byte for byte, list I/O, concurrent writers,
 * a 10,000-entry directory, every namespace error, and a full restart. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cluster.h"
#include "pfs_test.h"
#include "pfs.h"

#define NOSS 4
#define MiB (1024 * 1024)

/* The cluster the current test case runs against, started in the parent
 * process (cluster_up); cases run in forked children. */
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

static int cluster_up(void)
{
	if (cluster_start(&test_cluster, NOSS, getenv("PFS_TEST_PROVIDER")) ||
	    wait_targets_up(NOSS)) {
		printf("test_io: cluster did not come up (logs in %s)\n", test_cluster.dir);
		setenv("PFS_KEEP_TEST_DIR", "1", 1);
		cluster_destroy(&test_cluster);
		return -1;
	}
	return 0;
}

static void cluster_down(void)
{
	cluster_destroy(&test_cluster);
}

static pfs_fs_t *connect_or_fail(void)
{
	pfs_fs_t *fs = NULL;
	int rc = pfs_connect(NULL, &fs);

	T_CHECK(rc == 0, "pfs_connect: %s", pfs_strerror(rc));
	return fs;
}

static pfs_file_t *create_striped(pfs_fs_t *fs, const char *path, uint32_t count, uint64_t size)
{
	struct pfs_layout l = { .stripe_count = count, .stripe_size = size, .first_target = -1 };
	pfs_file_t *f = NULL;
	int rc = pfs_open(fs, path, O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f);

	T_CHECK(rc == 0, "create %s: %s", path, pfs_strerror(rc));
	return f;
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
static void random_io_256m(void)
{
	const size_t window = 64 * MiB, total = random_io_total();
	unsigned char *shadow = calloc(1, window), *buf = malloc(4 * MiB), *rd = malloc(window + MiB);
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/random.dat", 4, 64 * 1024);
	uint64_t written = 0, size = 0;
	struct pfs_stat st;
	ssize_t n;

	while (written < total) {
		size_t len = t_rand() % 2 ? 1 + t_rand() % (64 * 1024)
					       : 1 + t_rand() % (4 * MiB);
		uint64_t off = t_rand() % (window - len);

		t_fill(buf, len);
		n = pfs_pwrite(f, buf, len, off);
		T_CHECK(n == (ssize_t)len, "pwrite %zu at %lu: %zd", len, (unsigned long)off, n);
		memcpy(shadow + off, buf, len);
		written += len;
		if (off + len > size)
			size = off + len;
	}
	T_EQ(pfs_fstat(f, &st), 0);
	T_UEQ(st.size, size);
	n = pfs_pread(f, rd, window + MiB, 0);        /* asks past EOF */
	T_EQ(n, (ssize_t)size);
	T_CHECK(memcmp(rd, shadow, size) == 0, "read back differs");
	for (int i = 0; i < 200; i++) {               /* random reads, some past EOF */
		uint64_t off = t_rand() % (size + MiB);
		size_t len = 1 + t_rand() % (2 * MiB);
		ssize_t expect = off >= size ? 0 : (ssize_t)(off + len > size ? size - off : len);

		n = pfs_pread(f, rd, len, off);
		T_EQ(n, expect);
		T_ASSERT(n <= 0 || memcmp(rd, shadow + off, (size_t)n) == 0);
	}
	T_EQ(pfs_close(f), 0);
	pfs_disconnect(fs);
	free(shadow);
	free(buf);
	free(rd);
}

/* Holes read as zeros; a write far out leaves a sparse file of that size. */
static void holes_and_eof(void)
{
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/holes.dat", 4, 4096);
	unsigned char buf[20000], rd[20000];
	struct pfs_stat st;

	memset(buf, 0x5a, sizeof(buf));
	T_EQ(pfs_pread(f, rd, 100, 0), 0);              /* empty file */
	T_EQ(pfs_pwrite(f, buf, 10, 1000000), 10);
	T_EQ(pfs_fstat(f, &st), 0);
	T_UEQ(st.size, 1000010);
	memset(rd, 1, sizeof(rd));
	T_EQ(pfs_pread(f, rd, sizeof(rd), 990000), 10010);
	for (int i = 0; i < 10000; i++)
		T_EQ(rd[i], 0);
	T_EQ(rd[10000], 0x5a);
	T_EQ(pfs_pread(f, rd, 10, 1000010), 0);        /* at EOF */
	T_EQ(pfs_pread(f, rd, 10, 5000000), 0);        /* past EOF */
	T_EQ(pfs_pwrite(f, buf, 0, 0), 0);
	pfs_close(f);
	pfs_disconnect(fs);
}

/* A strided pattern: many file extents from several memory segments. */
static void list_io(void)
{
	enum { NEXT = 300, NSEG = 7 };
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/list.dat", 4, 8192);
	struct pfs_extent ext[NEXT];
	struct iovec mem[NSEG], back[NSEG];
	unsigned char *src[NSEG], *dst[NSEG];
	uint64_t total = 0, mtotal = 0;

	for (int i = 0; i < NEXT; i++) {
		ext[i].off = (uint64_t)i * 10007 + 3;         /* unaligned, crossing stripes */
		ext[i].len = 1 + (uint64_t)(t_rand() % 9000);
		total += ext[i].len;
	}
	for (int s = 0; s < NSEG; s++) {
		size_t len = s < NSEG - 1 ? total / NSEG : total - mtotal;

		src[s] = malloc(len);
		dst[s] = calloc(1, len);
		t_fill(src[s], len);
		mem[s] = (struct iovec){ src[s], len };
		back[s] = (struct iovec){ dst[s], len };
		mtotal += len;
	}
	T_EQ(pfs_writelist(f, mem, NSEG, ext, NEXT), (ssize_t)total);
	T_EQ(pfs_readlist(f, back, NSEG, ext, NEXT), (ssize_t)total);
	for (int s = 0; s < NSEG; s++) {
		T_ASSERT(memcmp(src[s], dst[s], mem[s].iov_len) == 0);
		free(src[s]);
		free(dst[s]);
	}
	/* mismatched totals are refused */
	mem[0].iov_len--;
	T_EQ(pfs_writelist(f, mem, NSEG, ext, NEXT), -EINVAL);
	pfs_close(f);
	pfs_disconnect(fs);
}

/* Nonblocking list I/O: several operations in flight at once, results
 * and errors delivered by pfs_aio_wait. */
static void aio_list_io(void)
{
	enum { NOPS = 6 };
	const size_t len = 3 * MiB + 17;
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/aio.dat", 4, 256 * 1024), *ro;
	unsigned char *src = malloc(NOPS * len), *dst = calloc(1, NOPS * len);
	struct iovec mem[NOPS], back[NOPS];
	struct pfs_extent ext[NOPS];
	pfs_aio_t *op[NOPS];
	ssize_t res;

	t_fill(src, NOPS * len);
	for (int i = 0; i < NOPS; i++) {
		mem[i] = (struct iovec){ src + i * len, len };
		back[i] = (struct iovec){ dst + i * len, len };
		ext[i] = (struct pfs_extent){ (uint64_t)(NOPS - 1 - i) * len, len };
		T_EQ(pfs_aio_writelist(f, &mem[i], 1, &ext[i], 1, &op[i]), 0);
	}
	for (int i = 0; i < NOPS; i++)
		T_EQ(pfs_aio_wait(op[i]), (ssize_t)len);
	T_EQ(pfs_aio_readlist(f, back, NOPS, ext, NOPS, &op[0]), 0);
	while (pfs_aio_test(op[0], &res) == 0)
		;                              /* the caller is free meanwhile */
	T_EQ(res, (ssize_t)(NOPS * len));
	T_EQ(pfs_aio_wait(op[0]), (ssize_t)(NOPS * len));
	T_ASSERT(memcmp(src, dst, NOPS * len) == 0);
	/* errors come back through the wait */
	T_EQ(pfs_open(fs, "/aio.dat", O_RDONLY, 0, NULL, &ro), 0);
	T_EQ(pfs_aio_writelist(ro, mem, 1, ext, 1, &op[0]), 0);
	T_EQ(pfs_aio_wait(op[0]), -EBADF);
	pfs_close(ro);
	pfs_close(f);
	pfs_disconnect(fs);
	free(src);
	free(dst);
}

/* One open exported and imported elsewhere reaches the same objects;
 * damaged handles are refused. */
static void handle_export_import(void)
{
	pfs_fs_t *fs = connect_or_fail(), *fs2 = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/handle.dat", 3, 65536), *g;
	unsigned char h[PFS_HANDLE_MAX], buf[100000], rd[100000];
	int n;

	t_fill(buf, sizeof(buf));
	n = pfs_file_export(f, h, sizeof(h));
	T_GT(n, 0);
	T_EQ(pfs_file_import(fs2, h, (size_t)n, O_RDWR, &g), 0);
	T_EQ(pfs_pwrite(g, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	T_EQ(pfs_pread(f, rd, sizeof(rd), 0), (ssize_t)sizeof(rd));
	T_ASSERT(memcmp(buf, rd, sizeof(buf)) == 0);
	pfs_close(g);
	T_EQ(pfs_file_import(fs2, h, (size_t)n, O_RDONLY, &g), 0);
	T_EQ(pfs_pwrite(g, buf, 10, 0), -EBADF);
	pfs_close(g);
	T_EQ(pfs_file_import(fs2, h, (size_t)n - 1, O_RDWR, &g), -EINVAL);
	T_EQ(pfs_file_import(fs2, h, (size_t)n, O_RDWR | O_CREAT, &g), -EINVAL);
	h[0] ^= 0xff;
	T_EQ(pfs_file_import(fs2, h, (size_t)n, O_RDWR, &g), -EINVAL);
	T_EQ(pfs_file_export(f, h, 10), -ENOSPC);
	pfs_close(f);
	pfs_disconnect(fs2);
	pfs_disconnect(fs);
}

/* Four processes write disjoint interleaved ranges of one file at once. */
static void concurrent_writers(void)
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
		T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", p);
	}
	fs = connect_or_fail();
	T_EQ(pfs_open(fs, "/shared.dat", O_RDONLY, 0, NULL, &f), 0);
	for (int b = 0; b < BLOCKS; b++) {
		T_EQ(pfs_pread(f, buf, block, (uint64_t)b * block), (ssize_t)block);
		for (size_t i = 0; i < block; i++)
			T_EQ(buf[i], 'A' + b);
	}
	pfs_close(f);
	pfs_disconnect(fs);
	free(buf);
}

static void readdir_10000(void)
{
	enum { N = 10000 };
	pfs_fs_t *fs = connect_or_fail();
	unsigned char *seen = calloc(N, 1);
	struct pfs_dirent ent;
	pfs_dir_t *d;
	char path[64];
	int count = 0, rc;

	T_EQ(pfs_mkdir(fs, "/big", 0755), 0);
	for (int i = 0; i < N; i++) {
		pfs_file_t *f;

		snprintf(path, sizeof(path), "/big/f%05d", i);
		rc = pfs_open(fs, path, O_WRONLY | O_CREAT | O_EXCL, 0644, NULL, &f);
		T_CHECK(rc == 0, "create %s: %s", path, pfs_strerror(rc));
		pfs_close(f);
	}
	T_EQ(pfs_opendir(fs, "/big", &d), 0);
	while ((rc = pfs_readdir(d, &ent)) == 1) {
		int i;

		T_EQ(sscanf(ent.name, "f%05d", &i), 1);
		T_ASSERT(i >= 0 && i < N && !seen[i]);
		T_ASSERT(S_ISREG(ent.mode));
		seen[i] = 1;
		count++;
	}
	T_EQ(rc, 0);
	T_EQ(count, N);
	pfs_closedir(d);
	pfs_disconnect(fs);
	free(seen);
}

static void namespace_errors(void)
{
	pfs_fs_t *fs = connect_or_fail();
	struct pfs_layout bad = { .stripe_count = 2, .stripe_size = 1000, .first_target = -1 };
	struct pfs_stat st;
	pfs_file_t *f;
	pfs_dir_t *d;

	T_EQ(pfs_stat(fs, "/nope", &st), -ENOENT);
	T_EQ(pfs_open(fs, "/nope", O_RDONLY, 0, NULL, &f), -ENOENT);
	T_EQ(pfs_opendir(fs, "/nope", &d), -ENOENT);
	T_EQ(pfs_mkdir(fs, "/e", 0755), 0);
	T_EQ(pfs_mkdir(fs, "/e", 0755), -EEXIST);
	T_EQ(pfs_mkdir(fs, "/missing/sub", 0755), -ENOENT);
	f = create_striped(fs, "/e/file", 2, 65536);
	pfs_close(f);
	T_EQ(pfs_open(fs, "/e/file", O_RDWR | O_CREAT | O_EXCL, 0644, NULL, &f), -EEXIST);
	T_EQ(pfs_mkdir(fs, "/e/file/x", 0755), -ENOTDIR);
	T_EQ(pfs_stat(fs, "/e/file/x", &st), -ENOTDIR);
	T_EQ(pfs_open(fs, "/e", O_RDONLY, 0, NULL, &f), -EISDIR);
	T_EQ(pfs_unlink(fs, "/e"), -EISDIR);
	T_EQ(pfs_rmdir(fs, "/e"), -ENOTEMPTY);
	T_EQ(pfs_rmdir(fs, "/e/file"), -ENOTDIR);
	T_EQ(pfs_open(fs, "/e/bad", O_RDWR | O_CREAT, 0644, &bad, &f), -EINVAL);
	bad.stripe_size = 65536;
	bad.stripe_count = PFS_MAX_STRIPES + 1;
	T_EQ(pfs_open(fs, "/e/bad", O_RDWR | O_CREAT, 0644, &bad, &f), -EINVAL);
	bad.stripe_count = NOSS + 1;     /* more stripes than targets */
	T_EQ(pfs_open(fs, "/e/bad", O_RDWR | O_CREAT, 0644, &bad, &f), -EINVAL);
	T_EQ(pfs_stat(fs, "/e/bad", &st), -ENOENT);   /* nothing half-made */
	T_EQ(pfs_stat(fs, "relative", &st), -EINVAL);
	T_EQ(pfs_rename(fs, "/e/file", "/e/moved"), 0);
	T_EQ(pfs_stat(fs, "/e/file", &st), -ENOENT);
	T_EQ(pfs_stat(fs, "/e/moved", &st), 0);
	T_EQ(pfs_unlink(fs, "/e/moved"), 0);
	T_EQ(pfs_unlink(fs, "/e/moved"), -ENOENT);
	T_EQ(pfs_rmdir(fs, "/e"), 0);
	pfs_disconnect(fs);
}

static void truncate_and_layouts(void)
{
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/trunc.dat", 3, 4096);
	struct pfs_layout got, dirdef = { .stripe_count = 2, .stripe_size = 8192, .first_target = -1 };
	unsigned char buf[50000], rd[50000];
	struct pfs_stat st;

	t_fill(buf, sizeof(buf));
	T_EQ(pfs_pwrite(f, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	T_EQ(pfs_ftruncate(f, 10001), 0);
	T_EQ(pfs_fstat(f, &st), 0);
	T_UEQ(st.size, 10001);
	T_EQ(pfs_pread(f, rd, sizeof(rd), 0), 10001);
	T_ASSERT(memcmp(rd, buf, 10001) == 0);
	T_EQ(pfs_ftruncate(f, 30000), 0);     /* grows with zeros */
	T_EQ(pfs_pread(f, rd, sizeof(rd), 0), 30000);
	for (int i = 10001; i < 30000; i++)
		T_EQ(rd[i], 0);
	T_EQ(pfs_fsync(f), 0);
	T_EQ(pfs_get_layout(f, &got), 0);
	T_UEQ(got.stripe_count, 3);
	T_UEQ(got.stripe_size, 4096);
	T_ASSERT(got.targets[0] != got.targets[1] && got.targets[1] != got.targets[2]);
	pfs_close(f);
	/* a directory default is inherited by new files */
	T_EQ(pfs_mkdir(fs, "/striped", 0755), 0);
	T_EQ(pfs_setstripe(fs, "/striped", &dirdef), 0);
	T_EQ(pfs_open(fs, "/striped/child", O_RDWR | O_CREAT, 0644, NULL, &f), 0);
	T_EQ(pfs_get_layout(f, &got), 0);
	T_UEQ(got.stripe_count, 2);
	T_UEQ(got.stripe_size, 8192);
	pfs_close(f);
	/* O_TRUNC empties an existing file */
	T_EQ(pfs_open(fs, "/trunc.dat", O_RDWR | O_TRUNC, 0, NULL, &f), 0);
	T_EQ(pfs_fstat(f, &st), 0);
	T_UEQ(st.size, 0);
	pfs_close(f);
	pfs_disconnect(fs);
}

/* Data, names and layouts written before a restart of every server are all
 * there after it. */
static void restart_persists(void)
{
	const size_t len = 9 * MiB + 123;
	unsigned char *buf = malloc(len), *rd = malloc(len);
	pfs_fs_t *fs = connect_or_fail();
	pfs_file_t *f = create_striped(fs, "/persist.dat", 4, 1 * MiB);
	struct pfs_layout before, after;
	struct pfs_stat st;

	t_fill(buf, len);
	T_EQ(pfs_pwrite(f, buf, len, 0), (ssize_t)len);
	T_EQ(pfs_fsync(f), 0);
	T_EQ(pfs_get_layout(f, &before), 0);
	pfs_close(f);
	T_EQ(pfs_mkdir(fs, "/kept", 0700), 0);
	pfs_disconnect(fs);

	cluster_stop_servers(&test_cluster);
	T_EQ(cluster_start_servers(&test_cluster), 0);
	T_EQ(wait_targets_up(NOSS), 0);

	fs = connect_or_fail();
	T_EQ(pfs_stat(fs, "/kept", &st), 0);
	T_ASSERT(S_ISDIR(st.mode));
	T_EQ(pfs_open(fs, "/persist.dat", O_RDONLY, 0, NULL, &f), 0);
	T_EQ(pfs_get_layout(f, &after), 0);
	T_MEMEQ(&before, &after, sizeof(before));
	T_EQ(pfs_pread(f, rd, len, 0), (ssize_t)len);
	T_ASSERT(memcmp(buf, rd, len) == 0);
	pfs_close(f);
	pfs_disconnect(fs);
	free(buf);
	free(rd);
}

/* The restart case stops and starts servers, which only their parent can
 * reap: the case owns a cluster of its own, started in its forked child
 * (the servers die with that child: PR_SET_PDEATHSIG). */
static void restart_own_cluster(void)
{
	T_CHECK(cluster_up() == 0, "cluster did not come up");
	restart_persists();
	cluster_down();
}

/* Cases that share one cluster, started here in the parent. */
static void run_with_cluster(const struct t_case *cases, unsigned n)
{
	if (cluster_up() != 0) {
		t_fail_cases(cases, n, "the cluster did not come up");
		return;
	}
	t_run_cases(cases, n, 300);
	cluster_down();
}

int main(void)
{
	static const struct t_case io[] = {
		T_CASE(random_io_256m), T_CASE(holes_and_eof), T_CASE(list_io),
		T_CASE(concurrent_writers), T_CASE(aio_list_io),
		T_CASE(handle_export_import), T_CASE(truncate_and_layouts),
	};
	static const struct t_case ns[] = { T_CASE(namespace_errors), T_CASE(readdir_10000) };

	t_seed();
	run_with_cluster(io, T_NCASES(io));
	run_with_cluster(ns, T_NCASES(ns));
	t_run("restart_persists", restart_own_cluster, 300);
	return t_done();
}
