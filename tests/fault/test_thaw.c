/* test_thaw.c - a hung server (SIGSTOP) costs its clients an error within the
 * RPC budget, never a hang, and serves them again once it is resumed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cluster.h"
#include "pfs.h"
#include "pfs_test.h"

#define TIMEOUT_MS 1500
#define LEN (4u << 20)
#define ROUNDS 4
/* A call gets a few attempts within its timeout, then fails: a read of one
 * frozen stripe must end well within this. */
#define FROZEN_BUDGET_S (2.0 * TIMEOUT_MS / 1000)
/* After the resume: a client reconnects and is served within this. */
#define THAW_BUDGET_S 12.0

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
static void round_trip(struct cluster *c, int r, pfs_fs_t **fs, pfs_file_t **f,
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
		T_CHECK(rc == 0, "round %d: reconnect: %s", r, pfs_strerror(rc));
		rc = pfs_open(*fs, "/f", O_RDWR, 0, NULL, f);
		T_CHECK(rc == 0, "round %d: reopen: %s", r, pfs_strerror(rc));
	}
	t0 = now_s();
	n = pfs_pread(*f, got, LEN, 0);
	took = now_s() - t0;
	T_CHECK(n < 0 && took < FROZEN_BUDGET_S,
		"round %d: frozen: the read gave %zd in %.2f s (want an error within %.1f s)", r, n,
		took, FROZEN_BUDGET_S);
	t_log("round %d: frozen: the read fails (%zd) in %.2f s", r, n, took);
	T_OK(cluster_kill_oss(c, 0, SIGCONT));
	took = read_until_whole(*f, got, want);
	T_CHECK(took >= 0, "round %d: thawed: the bytes are not back %.0f s after the resume", r,
		THAW_BUDGET_S);
	t_log("round %d: thawed: the bytes are back %.2f s after the resume", r, took);
}

/* The servers are this case's children (SIGSTOP and SIGCONT need no
 * parent, but the cluster's teardown does). */
static void freeze_thaw(void)
{
	struct pfs_layout l = { .stripe_count = 1, .stripe_size = 1 << 20, .first_target = 0 };
	uint8_t *want = malloc(LEN), *got = malloc(LEN);
	pfs_fs_t *fs = NULL;
	pfs_file_t *f = NULL;
	struct cluster c;
	int rc;

	T_ASSERT(want != NULL && got != NULL);
	for (size_t i = 0; i < LEN; i++)
		want[i] = (uint8_t)(i * 7 + i / 4096);
	rc = cluster_start(&c, 1, "tcp");
	T_CHECK(rc == 0, "cluster: %s", pfs_strerror(rc));
	T_OK(write_conf(&c));
	rc = pfs_connect(c.conf, &fs);
	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
	T_OK(pfs_open(fs, "/f", O_RDWR | O_CREAT, 0644, &l, &f));
	T_EQ(pfs_pwrite(f, want, LEN, 0), LEN);
	for (int r = 0; r < ROUNDS; r++)
		round_trip(&c, r, &fs, &f, got, want);
	T_OK(pfs_close(f));
	T_OK(pfs_disconnect(fs));
	cluster_destroy(&c);
	free(want);
	free(got);
}

int main(void)
{
	t_run("freeze_thaw", freeze_thaw, 600);
	return t_done();
}
