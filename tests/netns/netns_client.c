/* netns_client.c - the client side of the network-namespace test
 * (test_netns.sh): writes versioned blocks into files striped over targets
 * in other namespaces while the script cuts and restores links, tags every
 * call with the phase the script announces, and checks the guarantees.
 *
 * What must hold (issue 6, across hosts): no acknowledged byte is lost (every
 * block reads back as its last acknowledged version, or as a later version
 * whose write failed with "outcome unknown"); a call whose path is cut fails
 * within the RPC budget (timeout_ms plus a slack for scheduling), never
 * hangs; stripes and files on targets that stay reachable keep working; and
 * once a link is back, calls succeed again on their own.
 *
 * Usage: netns_client PHASEFILE SECONDS
 * The config comes from $PFS_CONFIG (the script writes it with bind_host).
 * PHASEFILE holds the current phase name, written by the script:
 *   warm, oss1-cut, oss1-back, client-cut, client-back, lossy, final, stop.
 * The program stops at "stop" or after SECONDS, whichever comes first. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pfs.h"
#include "pfs_test.h"

#define NC_NFILES 3
#define NC_BLOCK 65536            /* > WIRE_INLINE_MAX: moves by RMA */
#define NC_NBLOCKS 24
#define NC_MAXV 64
#define NC_SLACK_MS 2500          /* scheduling slack over the RPC budget */
#define NC_NPHASES 8

static const char *nc_phases[NC_NPHASES] = {
	"warm", "oss1-cut", "oss1-back", "client-cut", "client-back", "lossy", "final", "stop"
};

struct nc_block {
	uint32_t ack;                 /* last acknowledged version (0: zeros) */
	uint32_t nmaybe;              /* failed writes since: may have landed */
	uint32_t maybe[NC_MAXV];
};

struct nc_file {
	const char *path;
	int first_target;
	uint32_t count;
	pfs_file_t *f;
	struct nc_block b[NC_NBLOCKS];
	/* per phase: calls that succeeded / failed, the slowest failure */
	unsigned ok[NC_NPHASES], err[NC_NPHASES];
};

static struct nc_file nc_files[NC_NFILES] = {
	{ .path = "/on-oss0", .first_target = 0, .count = 1 },
	{ .path = "/on-oss1", .first_target = 1, .count = 1 },
	{ .path = "/on-both", .first_target = 0, .count = 2 },
};
static int nc_timeout_ms = 2000;
static double nc_slowest_fail;
static double nc_start;             /* when the write loop began */
static unsigned nc_mds_ok[NC_NPHASES], nc_mds_err[NC_NPHASES];

static double nc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int nc_phase(const char *file)
{
	char buf[64] = "";
	FILE *f = fopen(file, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	for (int i = 0; i < NC_NPHASES; i++)
		if (strcmp(buf, nc_phases[i]) == 0)
			return i;
	return 0;
}

/* The phase a call starting now belongs to (each call reads it: the script
 * announces a phase just before it changes the links); logs changes. */
static int nc_phase_now(const char *file, int prev)
{
	int ph = nc_phase(file);

	if (ph < prev)
		ph = prev;          /* a torn read: phases only move on */
	if (ph != prev)
		fprintf(stderr, "phase %s seen at %.2f s\n", nc_phases[ph], nc_now() - nc_start);
	return ph;
}

/* Block contents: a header naming (file, block, version), then bytes that
 * depend on all three, so any block identifies the write that produced it. */
static void nc_fill(uint8_t *p, int file, int block, uint32_t v)
{
	uint64_t x = ((uint64_t)file << 48) ^ ((uint64_t)block << 32) ^ v ^ 0x9e3779b97f4a7c15ull;

	memcpy(p, "PFSN", 4);
	memcpy(p + 4, &file, 4);
	memcpy(p + 8, &block, 4);
	memcpy(p + 12, &v, 4);
	for (size_t i = 16; i < NC_BLOCK; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
}

/* The version a block holds: 0 for zeros, -1 when it matches nothing. */
static int64_t nc_identify(const uint8_t *p, int file, int block)
{
	static uint8_t want[NC_BLOCK];
	uint32_t v;
	int f, b;

	for (size_t i = 0; i < NC_BLOCK; i++)
		if (p[i])
			goto nonzero;
	return 0;
nonzero:
	if (memcmp(p, "PFSN", 4))
		return -1;
	memcpy(&f, p + 4, 4);
	memcpy(&b, p + 8, 4);
	memcpy(&v, p + 12, 4);
	if (f != file || b != block || v == 0)
		return -1;
	nc_fill(want, file, block, v);
	return memcmp(want, p, NC_BLOCK) == 0 ? (int64_t)v : -1;
}

static int nc_transport(int rc)
{
	switch (-rc) {
	case ETIMEDOUT: case ECONNRESET: case ECONNREFUSED: case ECONNABORTED:
	case ENOTCONN: case EHOSTUNREACH: case ENETUNREACH: case EPIPE: case EAGAIN:
	case EIO: case ECOMM:
		return 1;
	}
	return 0;
}

/* Accounts one call: its result and how long it took. */
static void nc_account(unsigned *ok, unsigned *err, int phase, int rc, double t,
		       const char *what)
{
	if (t > 0.5)
		fprintf(stderr, "slow: %s in phase %s took %.2f s (ended at %.2f s), rc %d\n", what,
			nc_phases[phase], t, nc_now() - nc_start, rc);
	if (rc >= 0) {
		ok[phase]++;
		return;
	}
	err[phase]++;
	/* Nothing is cut yet in the first phase: no error is acceptable. */
	if (phase == 0)
		T_FAIL("%s in phase %s (no fault yet): error %d (%s)", what, nc_phases[phase], rc,
		       pfs_strerror(rc));
	if (t > nc_slowest_fail)
		nc_slowest_fail = t;
	if (!nc_transport(rc))
		T_FAIL("%s in phase %s: unexpected error %d (%s)", what, nc_phases[phase], rc,
		       pfs_strerror(rc));
	if (t * 1000.0 > nc_timeout_ms + NC_SLACK_MS)
		T_FAIL("%s in phase %s failed after %.2f s (budget %d ms)", what,
		       nc_phases[phase], t, nc_timeout_ms);
}

static void nc_verify(pfs_fs_t *fs, const char *who)
{
	static uint8_t buf[NC_BLOCK];

	for (int fi = 0; fi < NC_NFILES; fi++) {
		struct nc_file *nf = &nc_files[fi];
		pfs_file_t *f;
		int rc = pfs_open(fs, nf->path, O_RDONLY, 0, NULL, &f);

		if (rc)
			T_FAIL("%s: reopen %s: %s", who, nf->path, pfs_strerror(rc));
		for (int b = 0; b < NC_NBLOCKS; b++) {
			struct nc_block *blk = &nf->b[b];
			ssize_t n = pfs_pread(f, buf, NC_BLOCK, (uint64_t)b * NC_BLOCK);
			int64_t v;
			int okv;

			if (n < 0)
				T_FAIL("%s: read %s block %d: %s", who, nf->path, b,
				       pfs_strerror((int)n));
			if (n < NC_BLOCK)
				memset(buf + n, 0, NC_BLOCK - (size_t)n);
			v = nc_identify(buf, fi, b);
			okv = v == blk->ack;
			for (uint32_t m = 0; !okv && m < blk->nmaybe; m++)
				okv = v == blk->maybe[m];
			if (!okv)
				T_FAIL("%s: %s block %d holds version %lld, acknowledged %u (+%u unsure)",
				       who, nf->path, b, (long long)v, blk->ack, blk->nmaybe);
		}
		pfs_close(f);
	}
}

static const char *nc_phasefile;
static double nc_limit;

/* The whole run through the phases the script announces: one case. */
static void nc_run(void)
{
	static uint8_t buf[NC_BLOCK];
	const char *phasefile = nc_phasefile;
	/* rand_r over the run's seed, folded (PFS_TEST_SEED replays it) */
	unsigned seed = (unsigned)(t_seed() ^ (t_seed() >> 32));
	uint32_t version = 0;
	double start, limit;
	pfs_fs_t *fs;
	int rc, phase = 0;
	unsigned iter = 0;
	char *env;

	limit = nc_limit;
	env = getenv("NETNS_TIMEOUT_MS");
	if (env)
		nc_timeout_ms = atoi(env);
	rc = pfs_connect(NULL, &fs);
	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
	for (int fi = 0; fi < NC_NFILES; fi++) {
		struct nc_file *nf = &nc_files[fi];
		struct pfs_layout l = { .stripe_count = nf->count, .stripe_size = NC_BLOCK,
					.first_target = nf->first_target };

		rc = pfs_open(fs, nf->path, O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &nf->f);
		T_CHECK(rc == 0, "create %s: %s", nf->path, pfs_strerror(rc));
	}
	printf("client: connected, 3 files created\n");
	fflush(stdout);
	start = nc_start = nc_now();
	while (nc_now() - start < limit) {
		int fi = (int)(iter % NC_NFILES), b = rand_r(&seed) % NC_NBLOCKS;
		struct nc_file *nf = &nc_files[fi];
		struct nc_block *blk = &nf->b[b];
		double t0;
		ssize_t n;

		phase = nc_phase_now(phasefile, phase);
		if (phase == NC_NPHASES - 1)
			break;
		iter++;
		nc_fill(buf, fi, b, ++version);
		t0 = nc_now();
		n = pfs_pwrite(nf->f, buf, NC_BLOCK, (uint64_t)b * NC_BLOCK);
		if (n == NC_BLOCK) {
			blk->ack = version;
			blk->nmaybe = 0;
		} else if (n < 0 && blk->nmaybe < NC_MAXV) {
			blk->maybe[blk->nmaybe++] = version;
		} else if (n >= 0) {
			T_FAIL("short write %zd", n);
		} else {
			T_FAIL("more than %d unsure writes on one block", NC_MAXV);
		}
		nc_account(nf->ok, nf->err, phase, n < 0 ? (int)n : 0, nc_now() - t0, "pwrite");
		if (iter % 8 == 0) {
			phase = nc_phase_now(phasefile, phase);
			t0 = nc_now();
			rc = pfs_fsync(nf->f);
			nc_account(nf->ok, nf->err, phase, rc, nc_now() - t0, "fsync");
		}
		/* the MDS too: often, and on every iteration while a link is cut */
		if (iter % 16 == 0 || phase == 1 || phase == 3) {
			struct pfs_stat st;

			phase = nc_phase_now(phasefile, phase);
			t0 = nc_now();
			rc = pfs_stat(fs, "/", &st);
			nc_account(nc_mds_ok, nc_mds_err, phase, rc, nc_now() - t0, "stat /");
		}
	}
	printf("client: %u iterations in %.1f s, slowest failure %.2f s\n", iter,
	       nc_now() - start, nc_slowest_fail);
	for (int p = 0; p < NC_NPHASES - 1; p++) {
		printf("  %-12s", nc_phases[p]);
		for (int fi = 0; fi < NC_NFILES; fi++)
			printf(" %s ok %u err %u,", nc_files[fi].path, nc_files[fi].ok[p],
			       nc_files[fi].err[p]);
		printf(" mds ok %u err %u\n", nc_mds_ok[p], nc_mds_err[p]);
	}
	/* The guarantees per phase. */
	if (nc_files[0].ok[1] == 0)
		T_FAIL("nothing on oss0 succeeded while oss1 was cut");
	/* The files with a stripe on oss1 (/on-oss1, /on-both) take turns with
	 * /on-oss0, and a few failures of 2 s fill the 5 s cut: any one of
	 * them failing in the cut (or right after, as below) shows it. */
	if (nc_files[1].err[1] + nc_files[2].err[1] + nc_files[1].err[2] + nc_files[2].err[2] == 0)
		T_FAIL("the oss1 cut was never seen (no call on a file with a stripe on oss1 failed)");
	if (nc_mds_err[6])
		T_FAIL("the MDS: %u failures after the last restore", nc_mds_err[6]);
	for (int fi = 0; fi < NC_NFILES; fi++) {
		if (nc_files[fi].ok[6] == 0)
			T_FAIL("%s: nothing succeeded after the last restore", nc_files[fi].path);
		if (nc_files[fi].err[6])
			T_FAIL("%s: %u failures after the last restore", nc_files[fi].path,
			       nc_files[fi].err[6]);
	}
	/* A call that hung in the cut fails up to one timeout later, possibly
	 * after the phase has moved on (and a loaded machine reads the phase
	 * late): the cut counts as seen if anything failed during it or in the
	 * phase right after. */
	if (nc_files[0].err[3] + nc_files[0].err[4] + nc_files[1].err[3] + nc_files[1].err[4] +
	    nc_files[2].err[3] + nc_files[2].err[4] + nc_mds_err[3] + nc_mds_err[4] == 0)
		T_FAIL("the client cut was never seen");
	/* Let anything still in the pipes settle, then check every block, through
	 * this connection and through a fresh one. */
	for (int fi = 0; fi < NC_NFILES; fi++) {
		rc = pfs_fsync(nc_files[fi].f);
		if (rc)
			T_FAIL("final fsync %s: %s", nc_files[fi].path, pfs_strerror(rc));
		pfs_close(nc_files[fi].f);
	}
	nc_verify(fs, "same connection");
	pfs_disconnect(fs);
	rc = pfs_connect(NULL, &fs);
	T_CHECK(rc == 0, "reconnect: %s", pfs_strerror(rc));
	nc_verify(fs, "new connection");
	T_OK(pfs_disconnect(fs));
	printf("client: all acknowledged blocks intact\n");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: netns_client PHASEFILE SECONDS\n");
		return 2;
	}
	nc_phasefile = argv[1];
	nc_limit = atof(argv[2]);
	t_seed();
	/* the phases, then the final checks (a reconnect, every block) */
	t_run("writes_through_cuts", nc_run, (unsigned)nc_limit + 300);
	return t_done();
}
