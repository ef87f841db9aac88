/* test_manyopen.c - a client keeping many files open (20,000 by default,
 * PFS_LIMITS_OPENS): libpfs opens take no descriptors, client memory grows
 * by a bounded amount per open file and comes back at close, and the
 * servers' descriptors stay bounded while every file gets written (the OSS
 * fd cache) and read back. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pfs.h"
#include "cluster.h"
#include "limits_util.h"

#define MO_NOSS 2
#define MO_PER_FILE_KB 4          /* client memory allowed per open file */
#define MO_SLACK_KB (32 * 1024)
#define MO_SERVER_FDS 1024        /* OSS: fd cache (512) + transport + slack */

#if defined(__SANITIZE_ADDRESS__)
#define MO_MEM_FACTOR 4           /* ASan's redzones and quarantine */
#else
#define MO_MEM_FACTOR 1
#endif

static void manyopen(void)
{
	long n = limits_env("PFS_LIMITS_OPENS", 20000);
	struct cluster c;
	pfs_file_t **files;
	pfs_fs_t *fs;
	long rss0, rss1, rss2;
	int fd0, fd1, fd2, rc;
	double t0;

	files = calloc((size_t)n, sizeof(*files));
	T_ASSERT(files != NULL);
	rc = cluster_start(&c, MO_NOSS, "tcp");
	T_CHECK(rc == 0, "cluster: %s", strerror(-rc));
	rc = pfs_connect(NULL, &fs);
	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
	rc = pfs_mkdir(fs, "/many", 0755);
	if (rc)
		T_FAIL("mkdir /many: %s", pfs_strerror(rc));
	fd0 = limits_fd_count(0);
	T_CHECK(fd0 >= 0, "cannot count the client's descriptors");
	rss0 = limits_rss_kb_or_fail(0, "the client");
	t0 = limits_now();
	for (long i = 0; i < n; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/many/f%06ld", i);
		rc = pfs_open(fs, path, O_RDWR | O_CREAT, 0644, NULL, &files[i]);
		if (rc)
			T_FAIL("open %s (#%ld): %s", path, i, pfs_strerror(rc));
	}
	fd1 = limits_fd_count(0);
	rss1 = limits_rss_kb_or_fail(0, "the client");
	printf("manyopen: %ld files open in %.1f s; client fds %d -> %d, RSS %ld -> %ld KiB "
	       "(%.0f bytes per open file)\n", n, limits_now() - t0, fd0, fd1, rss0, rss1,
	       (double)(rss1 - rss0) * 1024.0 / (double)n);
	if (fd1 > fd0 + 4)
		T_FAIL("opens took descriptors: %d -> %d", fd0, fd1);
	if (rss1 - rss0 > (n * MO_PER_FILE_KB + MO_SLACK_KB) * MO_MEM_FACTOR)
		T_FAIL("client memory grew by %ld KiB for %ld open files", rss1 - rss0, n);

	/* Every file written (one object each on the OSSes) and read back. */
	t0 = limits_now();
	for (long i = 0; i < n; i++) {
		uint64_t v = (uint64_t)i * 2654435761u, got = 0;
		ssize_t w = pfs_pwrite(files[i], &v, sizeof(v), (uint64_t)i % 4096);

		if (w != sizeof(v))
			T_FAIL("write #%ld: %zd", i, w);
		w = pfs_pread(files[i], &got, sizeof(got), (uint64_t)i % 4096);
		if (w != sizeof(got) || got != v)
			T_FAIL("read back #%ld: %zd, %llx != %llx", i, w,
			       (unsigned long long)got, (unsigned long long)v);
	}
	printf("manyopen: %ld files written and read back in %.1f s\n", n, limits_now() - t0);
	for (int i = 0; i < MO_NOSS; i++) {
		int sfd = limits_fd_count(c.oss[i]);

		printf("manyopen: oss%d has %d descriptors open, RSS %ld KiB\n", i, sfd,
		       limits_rss_kb(c.oss[i]));
		if (sfd > MO_SERVER_FDS)
			T_FAIL("oss%d holds %d descriptors", i, sfd);
	}
	printf("manyopen: mds has %d descriptors open, RSS %ld KiB\n", limits_fd_count(c.mds),
	       limits_rss_kb(c.mds));
	if (limits_fd_count(c.mds) > 256)
		T_FAIL("the MDS holds %d descriptors", limits_fd_count(c.mds));

	for (long i = 0; i < n; i++) {
		if (!files[i])
			continue;
		rc = pfs_close(files[i]);
		if (rc)
			T_FAIL("close #%ld: %s", i, pfs_strerror(rc));
	}
	fd2 = limits_fd_count(0);
	rss2 = limits_rss_kb(0);
	printf("manyopen: all closed; client fds %d, RSS %ld KiB\n", fd2, rss2);
	if (fd2 > fd0 + 4)
		T_FAIL("descriptors leaked: %d -> %d", fd0, fd2);
	/* A still-working connection: the last file is there, with its size. */
	{
		struct pfs_stat st;
		char path[64];

		snprintf(path, sizeof(path), "/many/f%06ld", n - 1);
		rc = pfs_stat(fs, path, &st);
		if (rc || st.size != (uint64_t)((n - 1) % 4096) + 8)
			T_FAIL("stat %s: %s, size %llu", path, pfs_strerror(rc),
			       (unsigned long long)st.size);
	}
	T_OK(pfs_disconnect(fs));
	cluster_destroy(&c);
	free(files);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	limits_tmpdir();
	t_run("manyopen", manyopen, 900);
	return t_done();
}
