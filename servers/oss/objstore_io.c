/* objstore_io.c - the leaves of the OSS object store: object file names (the on-disk
 * placement hash), parsing them, and whole-buffer pread/pwrite, size and sync helpers. */
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



/* ---- names ---- */

/* The on-disk placement hash (a splitmix64 finaliser). It names directories
 * on disk: never change it. */
uint64_t os_hash(uint64_t fid, uint32_t stripe)
{
	uint64_t x = fid * 0x9e3779b97f4a7c15ull + stripe;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* "xx/<fid>.<stripe>" relative to DIR/objects, with kind OS_KIND_CRC ".crc"
 * (the checksum sidecar) or OS_KIND_MAP ".cmp" (the chunk map); sub gets "xx". */
void os_name(uint64_t fid, uint32_t stripe, int kind, char *name, char *sub)
{
	unsigned h = (unsigned)(os_hash(fid, stripe) >> 56);

	snprintf(sub, 3, "%02x", h);
	snprintf(name, OS_NAME_MAX, "%02x/%" PRIu64 ".%" PRIu32 "%s", h, fid, stripe,
		 kind == OS_KIND_CRC ? OS_CRC_SUFFIX : kind == OS_KIND_MAP ? OS_MAP_SUFFIX : "");
}


/* Parses "<fid>.<stripe>" (crc == 0) or "<fid>.<stripe>.crc" (crc == 1). */
int os_parse(const char *name, uint64_t *fid, uint32_t *stripe, int *crc)
{
	char tail[8];
	int n;

	n = sscanf(name, "%" SCNu64 ".%" SCNu32 "%7s", fid, stripe, tail);
	if (n == 2 && name[0] >= '0' && name[0] <= '9') {
		*crc = 0;
		return 1;
	}
	if (n == 3 && !strcmp(tail, OS_CRC_SUFFIX) && name[0] >= '0' && name[0] <= '9') {
		*crc = OS_KIND_CRC;
		return 1;
	}
	if (n == 3 && !strcmp(tail, OS_MAP_SUFFIX) && name[0] >= '0' && name[0] <= '9') {
		*crc = OS_KIND_MAP;
		return 1;
	}
	return 0;
}

/* ---- small I/O helpers ---- */

int os_pwrite_all(int fd, const uint8_t *p, uint64_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (uint64_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Reads up to len bytes; returns the count read (short only at end of file). */
int64_t os_pread_all(int fd, uint8_t *p, uint64_t len, uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	return (int64_t)done;
}

/* Reads exactly len bytes, zeros past the end of file. */
int os_pread_zero(int fd, uint8_t *p, uint64_t len, uint64_t off)
{
	int64_t n = os_pread_all(fd, p, len, off);

	if (n < 0)
		return (int)n;
	memset(p + n, 0, len - (uint64_t)n);
	return 0;
}

int os_fsize(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

int os_fsync_dirat(int dfd, const char *sub)
{
	int fd, rc = 0;

	fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int objstore_extents_check(const struct wire_extent *ext, uint32_t next, uint64_t *total)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < next; i++) {
		if (ext[i].off >= OBJSTORE_OFF_MAX || ext[i].len > OBJSTORE_OFF_MAX - ext[i].off)
			return -EINVAL;
		sum += ext[i].len;
		if (sum > OBJSTORE_OFF_MAX)
			return -EINVAL;
	}
	*total = sum;
	return 0;
}
