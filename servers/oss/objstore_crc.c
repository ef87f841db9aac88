/* objstore_crc.c - CRC32C at rest in the OSS object store: combining CRCs,
 * sidecar records (struct os_rec), rebuilding a lost sidecar, logging a mismatch. */
/* The checksum format and its rules are described at the top of objstore.c. */

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "checksum.h"
#include "compress.h"
#include "log.h"
#include "objstore.h"
#include "objstore_int.h"


/* ---- CRC helpers ---- */

static uint32_t os_gf2_times(const uint32_t *mat, uint32_t vec)
{
	uint32_t sum = 0;

	for (; vec; vec >>= 1, mat++)
		if (vec & 1)
			sum ^= *mat;
	return sum;
}

static void os_gf2_square(uint32_t *sq, const uint32_t *mat)
{
	for (int n = 0; n < 32; n++)
		sq[n] = os_gf2_times(mat, mat[n]);
}

/* The operators for appending 2^i zero bytes to a (reflected) CRC32C. */
void os_crc_init(struct objstore *os)
{
	static const uint8_t zero[OS_BLK];
	uint32_t bit[32], two[32], four[32];

	bit[0] = 0x82f63b78u;  /* one zero bit: CRC32C's reflected polynomial */
	for (int n = 1; n < 32; n++)
		bit[n] = 1u << (n - 1);
	os_gf2_square(two, bit);
	os_gf2_square(four, two);
	os_gf2_square(os->shift[0], four);
	for (int i = 1; i < 32; i++)
		os_gf2_square(os->shift[i], os->shift[i - 1]);
	os->zcrc = checksum_crc32c(0, zero, OS_BLK);
}

/* CRC32C of A followed by B from crc(A), crc(B) and len(B). */
uint32_t objstore_crc_cat(const struct objstore *os, uint32_t a, uint32_t b, uint64_t blen)
{
	for (int i = 0; blen; i++, blen >>= 1)
		if (blen & 1)
			a = os_gf2_times(os->shift[i], a);
	return a ^ b;
}

int os_crc_ok1(const struct objstore *os, uint32_t stored, uint32_t c)
{
	return c == stored || (stored == 0 && c == os->zcrc);
}

int os_rec_ok(const struct objstore *os, const struct os_rec *r, uint32_t c)
{
	return os_crc_ok1(os, le32toh(r->cur), c) || os_crc_ok1(os, le32toh(r->prev), c);
}

void os_rec_set(struct os_rec *r, uint32_t cur, uint32_t prev)
{
	r->cur = htole32(cur);
	r->prev = htole32(prev);
}

/* ---- sidecar records ---- */

/* Records [b, b + n) into r; records past the sidecar's end read as 0. */
int os_rec_read(int cfd, uint64_t b, uint64_t n, struct os_rec *r)
{
	return os_pread_zero(cfd, (uint8_t *)r, n * OS_REC, b * OS_REC);
}

int os_rec_write(int cfd, uint64_t b, uint64_t n, const struct os_rec *r)
{
	return os_pwrite_all(cfd, (const uint8_t *)r, n * OS_REC, b * OS_REC);
}

int os_rec_runs(int cfd, const uint64_t *blk, size_t n, struct os_rec *r, int write)
{
	size_t i = 0, j;
	int rc;

	while (i < n) {
		for (j = i + 1; j < n && blk[j] == blk[j - 1] + 1; j++)
			;
		rc = write ? os_rec_write(cfd, blk[i], j - i, r + i)
			   : os_rec_read(cfd, blk[i], j - i, r + i);
		if (rc < 0)
			return rc;
		i = j;
	}
	return 0;
}

/* Recomputes every record of the object from its data (as (c, c)) and
 * cuts the sidecar to the object's blocks. For a sidecar that was lost. */
int os_rebuild(int fd, int cfd)
{
	enum { N = 64 };
	uint8_t *buf;
	struct os_rec r[N];
	uint64_t size = 0, nb, b;
	int rc;

	rc = os_fsize(fd, &size);
	if (rc < 0)
		return rc;
	buf = malloc((size_t)N * OS_BLK);
	if (!buf)
		return -ENOMEM;
	nb = os_nblocks(size);
	for (b = 0; b < nb && rc == 0; b += N) {
		uint64_t n = nb - b < N ? nb - b : N;

		rc = os_pread_zero(fd, buf, n * OS_BLK, b * OS_BLK);
		for (uint64_t i = 0; rc == 0 && i < n; i++) {
			uint32_t c = checksum_crc32c(0, buf + i * OS_BLK, OS_BLK);

			os_rec_set(&r[i], c, c);
		}
		if (rc == 0)
			rc = os_rec_write(cfd, b, n, r);
	}
	free(buf);
	if (rc == 0 && ftruncate(cfd, (off_t)(nb * OS_REC)) < 0)
		rc = -errno;
	return rc;
}

void os_log_bad(const struct objstore *os, const struct os_ent *e, uint64_t blk,
		const struct os_rec *r, uint32_t c, const char *what)
{
	log_msg(LOG_ERR, "objstore: target %" PRIu32 ": checksum mismatch in fid %" PRIu64
		" stripe %" PRIu32 " at object offset %" PRIu64 " (block %" PRIu64
		"): stored %08x/%08x, data %08x (%s)", os->target, e->fid, e->stripe,
		blk << OS_BLK_SHIFT, blk, le32toh(r->cur), le32toh(r->prev), c, what);
}
