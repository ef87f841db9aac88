/* objstore_open.c - opening and closing the OSS object store: the directory lock,
 * the format record, target.id, the clean flag and the recovery pass after a crash. */
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
#include <time.h>
#include <unistd.h>

#include "checksum.h"
#include "compress.h"
#include "log.h"
#include "objstore.h"
#include "objstore_int.h"


/* ---- recovery ---- */


/* After an unclean stop: sidecars longer than their object are cut (a
 * crash inside a truncate), sidecars without an object go (a crash inside
 * a destroy or create), missing sidecars are rebuilt (os_get does it). */
static void os_recover_bucket(struct objstore *os, unsigned b, uint64_t *fixed)
{
	struct dirent *d;
	char sub[3], name[OS_NAME_MAX];
	DIR *dir;
	int fd, crc;

	snprintf(sub, sizeof(sub), "%02x", b & 0xffu);
	fd = openat(os->obj_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		uint64_t fid, size = 0, clen = 0;
		uint32_t stripe;
		struct os_ent *e;
		struct stat st;

		if (!os_parse(d->d_name, &fid, &stripe, &crc))
			continue;
		if (crc) {
			/* Look beside it (a stray file may sit in another bucket). */
			snprintf(name, sizeof(name), "%" PRIu64 ".%" PRIu32, fid, stripe);
			if (fstatat(dirfd(dir), name, &st, 0) < 0 && errno == ENOENT &&
			    unlinkat(dirfd(dir), d->d_name, 0) == 0)
				(*fixed)++;
			continue;
		}
		if (os_get(os, fid, stripe, 0, &e) < 0)
			continue;
		if (os_fsize(e->fd, &size) == 0 && os_fsize(e->cfd, &clen) == 0 &&
		    clen > os_nblocks(size) * OS_REC) {
			if (ftruncate(e->cfd, (off_t)(os_nblocks(size) * OS_REC)) == 0)
				(*fixed)++;
		}
		if (atomic_load(&e->mfd) >= 0 && os_fsize(atomic_load(&e->mfd), &clen) == 0) {
			uint64_t want = OS_MAP_HDR + (size + e->csize - 1) / e->csize * OS_REC;

			if (clen > want && ftruncate(atomic_load(&e->mfd), (off_t)want) == 0)
				(*fixed)++;
		}
		os_put(os, e);
	}
	closedir(dir);
}

static void os_recover(struct objstore *os)
{
	uint64_t fixed = 0;

	for (unsigned b = 0; b < 256; b++)
		os_recover_bucket(os, b, &fixed);
	log_msg(LOG_WARN, "objstore: target %" PRIu32 ": unclean stop; checked every "
		"object's checksum file, %" PRIu64 " fixed", os->target, fixed);
}

/* ---- open / close ---- */

/* Replaces DIR/name with len bytes durably: written to tmp, synced,
 * renamed over name, DIR synced. A crash leaves the old file or the new. */
static int os_file_replace(struct objstore *os, const char *name, const char *tmp,
			   const void *data, uint64_t len)
{
	int fd, rc;

	fd = openat(os->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = os_pwrite_all(fd, data, len, 0);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && renameat(os->dir_fd, tmp, os->dir_fd, name) < 0)
		rc = -errno;
	if (rc == 0 && fsync(os->dir_fd) < 0)
		rc = -errno;
	return rc;
}

/* Writes DIR/target.id durably. */
static int os_id_write(struct objstore *os, uint32_t id)
{
	char text[16];
	int n;

	n = snprintf(text, sizeof(text), "%" PRIu32 "\n", id);
	return os_file_replace(os, OS_ID_FILE, OS_ID_TMP, text, (uint64_t)n);
}

/* ---- the format record ---- */

static int os_format_write(struct objstore *os, uint32_t id, int legacy)
{
	struct os_format_rec r;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&r, 0, sizeof(r));
	r.magic = htole32(OS_FORMAT_MAGIC);
	r.version = htole32(OS_FORMAT_CUR);
	r.target = htole32(id);
	r.legacy = htole32(legacy ? 1 : 0);
	r.created_ns = (int64_t)htole64((uint64_t)ts.tv_sec * 1000000000ull +
					(uint64_t)ts.tv_nsec);
	return os_file_replace(os, OS_FORMAT_FILE, OS_FORMAT_TMP, &r, sizeof(r));
}

/* Checks a format record read from DIR/format (n bytes of it). */
static int os_format_verify(struct objstore *os, const struct os_format_rec *r, int64_t n,
			    char *err, size_t errlen)
{
	uint32_t version = le32toh(r->version);

	if (n < 8 || le32toh(r->magic) != OS_FORMAT_MAGIC) {
		snprintf(err, errlen, "%s/%s is not a pfs-oss format record (%" PRId64
			 " bytes, magic %08x); refusing to start", os->dir, OS_FORMAT_FILE,
			 n, n >= 4 ? le32toh(r->magic) : 0);
		return -EIO;
	}
	if (version < OS_FORMAT_MIN || version > OS_FORMAT_CUR) {
		snprintf(err, errlen, "store format %" PRIu32 " in %s, this pfs-oss reads "
			 "%u..%u; refusing to start", version, os->dir, OS_FORMAT_MIN,
			 OS_FORMAT_CUR);
		return -EPROTONOSUPPORT;
	}
	if (n != (int64_t)sizeof(*r)) {
		snprintf(err, errlen, "%s/%s: format %" PRIu32 " record of %" PRId64
			 " bytes, not %zu; refusing to start", os->dir, OS_FORMAT_FILE,
			 version, n, sizeof(*r));
		return -EIO;
	}
	return 0;
}

/* Checks DIR/format before anything else in DIR is read or written, so a
 * directory of an unknown format is left as it was found. Missing: a new
 * directory (no target.id either) or one written before format records
 * (target.id present: its files are format 1, read as they are); either
 * way the record is written. */
static int os_format_check(struct objstore *os, uint32_t id, char *err, size_t errlen)
{
	uint8_t buf[sizeof(struct os_format_rec) + 1];   /* + 1: a longer file shows */
	struct os_format_rec r;
	int64_t n;
	int fd, rc, legacy;

	fd = openat(os->dir_fd, OS_FORMAT_FILE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = os_pread_all(fd, buf, sizeof(buf), 0);
		close(fd);
		memset(&r, 0, sizeof(r));
		if (n > 0)
			memcpy(&r, buf, (size_t)n < sizeof(r) ? (size_t)n : sizeof(r));
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s/%s: %s", os->dir, OS_FORMAT_FILE,
				 strerror((int)-n));
			return (int)n;
		}
		return os_format_verify(os, &r, n, err, errlen);
	}
	if (errno != ENOENT) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s/%s: %s", os->dir, OS_FORMAT_FILE,
			 strerror(-rc));
		return rc;
	}
	legacy = faccessat(os->dir_fd, OS_ID_FILE, F_OK, 0) == 0;
	if (legacy)
		log_msg(LOG_INFO, "objstore: %s has no format record (written before format "
			"records); its files are format %u: adding the record", os->dir,
			OS_FORMAT_CUR);
	rc = os_format_write(os, id, legacy);
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s/%s: %s", os->dir, OS_FORMAT_FILE,
			 strerror(-rc));
	return rc;
}

/* Checks DIR/target.id against id, writing it on first start. */
static int os_id_check(struct objstore *os, uint32_t id, char *err, size_t errlen)
{
	char text[32], *end;
	unsigned long have;
	int64_t n;
	int fd, rc;

	fd = openat(os->dir_fd, OS_ID_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		rc = os_id_write(os, id);
		if (rc < 0)
			snprintf(err, errlen, "cannot write %s/%s: %s", os->dir, OS_ID_FILE,
				 strerror(-rc));
		return rc;
	}
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s/%s: %s", os->dir, OS_ID_FILE, strerror(-rc));
		return rc;
	}
	n = os_pread_all(fd, (uint8_t *)text, sizeof(text) - 1, 0);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s/%s: %s", os->dir, OS_ID_FILE,
			 strerror((int)-n));
		return (int)n;
	}
	text[n] = '\0';
	errno = 0;
	have = strtoul(text, &end, 10);
	if (errno || end == text || (*end != '\n' && *end != '\0') || have > UINT32_MAX) {
		snprintf(err, errlen, "%s/%s is corrupt; refusing to start", os->dir, OS_ID_FILE);
		return -EINVAL;
	}
	if (have != id) {
		snprintf(err, errlen, "%s belongs to target %lu, not %" PRIu32
			 " (per %s); refusing to start", os->dir, have, id, OS_ID_FILE);
		return -EEXIST;
	}
	return 0;
}

/* Counts "<fid>.<stripe>" files in one DIR/objects/<sub>. */
static uint64_t os_count_sub(struct objstore *os, const char *sub)
{
	struct dirent *d;
	uint64_t count = 0, fid;
	uint32_t stripe;
	char tail;
	DIR *dir;
	int fd;

	fd = openat(os->obj_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while ((d = readdir(dir)) != NULL)
		if (sscanf(d->d_name, "%" SCNu64 ".%" SCNu32 "%c", &fid, &stripe, &tail) == 2)
			count++;
	closedir(dir);
	return count;
}

static int os_recount(struct objstore *os)
{
	struct dirent *d;
	uint64_t count = 0;
	DIR *dir;
	int fd;

	fd = dup(os->obj_fd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((d = readdir(dir)) != NULL)
		if (strlen(d->d_name) == 2 && d->d_name[0] != '.')
			count += os_count_sub(os, d->d_name);
	closedir(dir);
	atomic_store(&os->objects, count);
	return 0;
}

/* Opens DIR (created if missing) and takes its lock. */
static int os_open_dir(struct objstore *os, char *err, size_t errlen)
{
	if (mkdir(os->dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", os->dir, strerror(errno));
		return -errno;
	}
	os->dir_fd = open(os->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (os->dir_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", os->dir, strerror(errno));
		return -errno;
	}
	if (flock(os->dir_fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = errno == EWOULDBLOCK ? -EBUSY : -errno;

		snprintf(err, errlen, "%s is in use by another server (%s)", os->dir,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

static int os_open_objdir(struct objstore *os, char *err, size_t errlen, int *fresh)
{
	if (mkdirat(os->dir_fd, OS_OBJ_DIR, 0755) == 0) {
		*fresh = 1;
		if (fsync(os->dir_fd) < 0) {
			snprintf(err, errlen, "cannot fsync %s: %s", os->dir, strerror(errno));
			return -errno;
		}
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s/%s: %s", os->dir, OS_OBJ_DIR,
			 strerror(errno));
		return -errno;
	}
	os->obj_fd = openat(os->dir_fd, OS_OBJ_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (os->obj_fd < 0) {
		snprintf(err, errlen, "cannot open %s/%s: %s", os->dir, OS_OBJ_DIR,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* Removes DIR/clean (durably: a crash from now on must be seen as unclean);
 * *clean tells whether it was there. */
static int os_clean_take(struct objstore *os, char *err, size_t errlen, int *clean)
{
	if (unlinkat(os->dir_fd, OS_CLEAN, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot remove %s/%s: %s", os->dir, OS_CLEAN,
			 strerror(errno));
		return -errno;
	}
	*clean = 1;
	if (fsync(os->dir_fd) < 0) {
		snprintf(err, errlen, "cannot fsync %s: %s", os->dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Marks a clean stop: every operation has finished (the OSS quiesced). */
static void os_clean_put(struct objstore *os)
{
	int fd;

	fd = openat(os->dir_fd, OS_CLEAN, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_msg(LOG_WARN, "objstore: cannot create %s/%s: %s", os->dir, OS_CLEAN,
			strerror(errno));
		return;
	}
	close(fd);
	(void)fsync(os->dir_fd);
}

int objstore_open(const char *dir, uint32_t target_id, struct objstore **out,
		  char *err, size_t errlen)
{
	struct objstore *os;
	int rc, fresh = 0, clean = 0;

	*out = NULL;
	snprintf(err, errlen, "out of memory");
	os = calloc(1, sizeof(*os));
	if (!os)
		return -ENOMEM;
	os->dir_fd = -1;
	os->obj_fd = -1;
	os->target = target_id;
	os_crc_init(os);
	os->lru.next = os->lru.prev = &os->lru;
	atomic_init(&os->objects, 0);
	rc = pthread_mutex_init(&os->lock, NULL);
	if (rc) {
		free(os);
		return -rc;
	}
	pthread_mutex_init(&os->cpool_lock, NULL);
	pthread_mutex_init(&os->create_lock, NULL);
	os->dir = strdup(dir);
	if (!os->dir) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = os_open_dir(os, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_format_check(os, target_id, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_id_check(os, target_id, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_open_objdir(os, err, errlen, &fresh);
	if (rc < 0)
		goto fail;
	rc = os_clean_take(os, err, errlen, &clean);
	if (rc < 0)
		goto fail;
	if (!clean && !fresh)
		os_recover(os);
	rc = os_recount(os);
	if (rc < 0) {
		snprintf(err, errlen, "cannot list %s/%s: %s", dir, OS_OBJ_DIR, strerror(-rc));
		goto fail;
	}
	os->ready = 1;
	*out = os;
	return 0;
fail:
	objstore_close(os);
	return rc;
}

void objstore_close(struct objstore *os)
{
	if (!os)
		return;
	os_cache_free(os);
	if (os->obj_fd >= 0 && os->dir_fd >= 0 && os->ready)
		os_clean_put(os);
	if (os->obj_fd >= 0)
		close(os->obj_fd);
	if (os->dir_fd >= 0)
		close(os->dir_fd);
	pthread_mutex_destroy(&os->lock);
	for (int i = 0; i < os->ncpool; i++)
		compress_ctx_free(os->cpool[i]);
	pthread_mutex_destroy(&os->cpool_lock);
	pthread_mutex_destroy(&os->create_lock);
	free(os->dir);
	free(os);
}
