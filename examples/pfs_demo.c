/* pfs_demo.c - the quick-start job: writes a file striped over every target,
 * reads it back, verifies every byte, and prints bandwidth for the striped
 * file and for each stripe's target on its own. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pfs.h>

#define MiB (1024.0 * 1024.0)
#define CHUNK (16u << 20)          /* bytes per pfs_pwrite call */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void pattern(unsigned char *p, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = (off + i) * 0x9e3779b97f4a7c15ull;

		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Writes then reads back size bytes of path with layout l; returns 0 when
 * every byte matched, with the two bandwidths in MiB/s. */
static int run(pfs_fs_t *fs, const char *path, const struct pfs_layout *l, uint64_t size,
	       unsigned char *buf, unsigned char *check, double *wbw, double *rbw)
{
	pfs_file_t *f;
	double t;
	int rc = pfs_open(fs, path, O_RDWR | O_CREAT | O_TRUNC, 0644, l, &f);

	if (rc) {
		fprintf(stderr, "pfs-demo: create %s: %s\n", path, pfs_strerror(rc));
		return rc;
	}
	t = now();
	for (uint64_t off = 0; off < size && !rc; off += CHUNK) {
		pattern(buf, CHUNK, off);
		if (pfs_pwrite(f, buf, CHUNK, off) != CHUNK)
			rc = -1;
	}
	if (!rc)
		rc = pfs_fsync(f);
	*wbw = (double)size / MiB / (now() - t);
	t = now();
	for (uint64_t off = 0; off < size && !rc; off += CHUNK) {
		if (pfs_pread(f, buf, CHUNK, off) != CHUNK)
			rc = -1;
		pattern(check, CHUNK, off);
		if (!rc && memcmp(buf, check, CHUNK)) {
			fprintf(stderr, "pfs-demo: %s differs near offset %llu\n", path,
				(unsigned long long)off);
			rc = -1;
		}
	}
	*rbw = (double)size / MiB / (now() - t);
	pfs_close(f);
	pfs_unlink(fs, path);
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t size = (argc > 1 ? strtoull(argv[1], NULL, 10) : 512) << 20;
	struct pfs_target_stat t[PFS_MAX_STRIPES];
	struct pfs_layout l = { .stripe_size = 1 << 20, .first_target = -1 };
	unsigned char *buf = malloc(CHUNK), *check = malloc(CHUNK);
	double wbw, rbw;
	uint64_t per;
	pfs_fs_t *fs;
	int n, rc;

	if (size == 0 || size % CHUNK || !buf || !check) {
		fprintf(stderr, "usage: pfs-demo [MiB, a multiple of 16; default 512]\n");
		return 2;
	}
	rc = pfs_connect(NULL, &fs);
	if (rc) {
		fprintf(stderr, "pfs-demo: connect: %s (is the cluster started?)\n", pfs_strerror(rc));
		return 1;
	}
	n = pfs_statfs(fs, t, PFS_MAX_STRIPES);
	if (n <= 0) {
		fprintf(stderr, "pfs-demo: no targets\n");
		return 1;
	}
	l.stripe_count = (uint32_t)n;
	rc = run(fs, "/pfs-demo.dat", &l, size, buf, check, &wbw, &rbw);
	if (rc)
		return 1;
	printf("striped file: %d stripes x 1 MiB, %llu MiB written, read back and verified\n",
	       n, (unsigned long long)(size >> 20));
	printf("  aggregate    write %8.1f MiB/s   read %8.1f MiB/s\n", wbw, rbw);
	per = size / (uint64_t)n / CHUNK * CHUNK;
	if (per == 0)
		per = CHUNK;
	l.stripe_count = 1;
	for (int i = 0; i < n && !rc; i++) {
		char path[64];

		l.first_target = (int32_t)t[i].id;
		snprintf(path, sizeof(path), "/pfs-demo.stripe%d", i);
		rc = run(fs, path, &l, per, buf, check, &wbw, &rbw);
		printf("  stripe %d -> target %u  write %8.1f MiB/s   read %8.1f MiB/s\n", i,
		       t[i].id, wbw, rbw);
	}
	pfs_disconnect(fs);
	free(buf);
	free(check);
	return rc ? 1 : 0;
}
