/* test_thaw.c - a hung server (SIGSTOP) costs its clients an error within the
 * RPC budget, never a hang, and serves them again once it is resumed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cluster.h"
#include "pfs.h"

#define TIMEOUT_MS 1500
#define LEN (4u << 20)
#define ROUNDS 4
/* A call gets a few attempts within its timeout, then fails: a read of one
 * frozen stripe must end well within this. */
#define FROZEN_BUDGET_S (2.0 * TIMEOUT_MS / 1000)
/* After the resume: a client reconnects and is served within this. */
#define THAW_BUDGET_S 12.0

static int failures;

static void check(int ok, int round, const char *fmt, ...)
{
	va_list ap;

	printf("%s - round %d: ", ok ? "ok" : "not ok", round);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures += !ok;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_conf(const struct cluster *c)
{
	FILE *cf = fopen(c->conf, "w");

	if (!cf)
		return -errno;
	fprintf(cf, "provider = tcp\nmds_host = 127.0.0.1\nmds_port = %d\ntimeout_ms = %d\n",
		c->base_port, TIMEOUT_MS);
	return fclose(cf) ? -errno : 0;
}

/* Reads until the file comes back whole, for at most THAW_BUDGET_S; returns
 * the time it took, or -1. */
static double read_until_whole(pfs_file_t *f, uint8_t *got, const uint8_t *want)
{
	double t0 = now_s();

	while (now_s() - t0 < THAW_BUDGET_S) {
		memset(got, 0, LEN);
		if (pfs_pread(f, got, LEN, 0) == (ssize_t)LEN && !memcmp(got, want, LEN))
			return now_s() - t0;
	}
	return -1;
}

/* One round: freeze the OSS, read (an error, in bounded time), resume,
 * read again (the bytes, in bounded time). Odd rounds first connect anew
 * while the server is frozen, so the connection to it is set up against a
 * hung peer. */
static int round_trip(struct cluster *c, int r, pfs_fs_t **fs, pfs_file_t **f,
		      uint8_t *got, const uint8_t *want)
{
	double t0, took;
	ssize_t n;
	int rc;

	cluster_kill_oss(c, 0, SIGSTOP);
	if (r % 2) {
		pfs_close(*f);
		*f = NULL;
		pfs_disconnect(*fs);
		*fs = NULL;
		rc = pfs_connect(c->conf, fs);
		if (!rc)
			rc = pfs_open(*fs, "/f", O_RDWR, 0, NULL, f);
		if (rc) {
			fprintf(stderr, "test_thaw: reconnect: %s\n", pfs_strerror(rc));
			cluster_kill_oss(c, 0, SIGCONT);
			return rc;
		}
	}
	t0 = now_s();
	n = pfs_pread(*f, got, LEN, 0);
	took = now_s() - t0;
	check(n < 0 && took < FROZEN_BUDGET_S, r, "frozen: the read fails (%zd) in %.2f s", n, took);
	cluster_kill_oss(c, 0, SIGCONT);
	took = read_until_whole(*f, got, want);
	check(took >= 0, r, "thawed: the bytes are back %.2f s after the resume", took);
	return 0;
}

int main(void)
{
	struct pfs_layout l = { .stripe_count = 1, .stripe_size = 1 << 20, .first_target = 0 };
	uint8_t *want = malloc(LEN), *got = malloc(LEN);
	pfs_fs_t *fs = NULL;
	pfs_file_t *f = NULL;
	struct cluster c;
	int rc;

	if (!want || !got)
		return 1;
	for (size_t i = 0; i < LEN; i++)
		want[i] = (uint8_t)(i * 7 + i / 4096);
	rc = cluster_start(&c, 1, "tcp");
	if (rc) {
		fprintf(stderr, "test_thaw: cluster: %s\n", pfs_strerror(rc));
		return 1;
	}
	rc = write_conf(&c);
	if (!rc)
		rc = pfs_connect(c.conf, &fs);
	if (!rc)
		rc = pfs_open(fs, "/f", O_RDWR | O_CREAT, 0644, &l, &f);
	if (!rc && pfs_pwrite(f, want, LEN, 0) != (ssize_t)LEN)
		rc = -EIO;
	if (rc)
		fprintf(stderr, "test_thaw: setup: %s\n", pfs_strerror(rc));
	for (int r = 0; !rc && r < ROUNDS; r++)
		rc = round_trip(&c, r, &fs, &f, got, want);
	if (f)
		pfs_close(f);
	if (fs)
		pfs_disconnect(fs);
	if (failures || rc)
		setenv("PFS_KEEP_TEST_DIR", "1", 1);
	cluster_destroy(&c);
	free(want);
	free(got);
	printf("# test_thaw: %d rounds, %d failed\n", ROUNDS, failures);
	return failures || rc ? 1 : 0;
}
