/* objstore.c - the OSS object store: stripe objects as files under
 * DIR/objects/<2 hex>/<fid>.<stripe>, the fd cache, target.id and statfs. */
#include <dirent.h>
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

#include "log.h"
#include "objstore.h"

#define OS_BUCKETS 1024        /* fd cache hash buckets (power of two) */
#define OS_NAME_MAX 48         /* "ff/18446744073709551615.4294967295" */
#define OS_ID_FILE "target.id"
#define OS_ID_TMP "target.id.tmp"
#define OS_OBJ_DIR "objects"

/* One open object file. While cached it is in a hash chain and the LRU list;
 * an evicted entry still referenced is closed by its last os_put. */
struct os_ent {
	uint64_t fid;
	uint32_t stripe;
	int fd;
	int refs;
	int cached;
	struct os_ent *hnext;
	struct os_ent *prev;   /* LRU neighbours: lru.next is the most recent */
	struct os_ent *next;
};

/*
 * Locking: lock guards the hash, the LRU list, refs/cached of every entry and
 * gen. gen counts destroys: an fd opened outside the lock is only cached if
 * no destroy happened since the opener sampled gen, so a destroyed file never
 * stays in the cache. objects is atomic (created with O_EXCL, removed by a
 * successful unlink, so it is exact).
 */
struct objstore {
	char *dir;
	int dir_fd;            /* DIR, flock'ed for the store's lifetime */
	int obj_fd;            /* DIR/objects */
	pthread_mutex_t lock;
	struct os_ent *bucket[OS_BUCKETS];
	struct os_ent lru;     /* sentinel */
	int ncached;
	uint64_t gen;
	atomic_uint_least64_t objects;
};

/* ---- names ---- */

/* The on-disk placement hash (a splitmix64 finaliser). It names directories
 * on disk: never change it. */
static uint64_t os_hash(uint64_t fid, uint32_t stripe)
{
	uint64_t x = fid * 0x9e3779b97f4a7c15ull + stripe;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* "xx/<fid>.<stripe>" relative to DIR/objects; sub gets "xx". */
static void os_name(uint64_t fid, uint32_t stripe, char *name, char *sub)
{
	unsigned h = (unsigned)(os_hash(fid, stripe) >> 56);

	snprintf(sub, 3, "%02x", h);
	snprintf(name, OS_NAME_MAX, "%02x/%" PRIu64 ".%" PRIu32, h, fid, stripe);
}

/* ---- small I/O helpers ---- */

static int os_pwrite_all(int fd, const uint8_t *p, uint64_t len, uint64_t off)
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
static int64_t os_pread_all(int fd, uint8_t *p, uint64_t len, uint64_t off)
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

static int os_fsize(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int os_fsync_dirat(int dfd, const char *sub)
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

/* ---- object files ---- */

/* Creates DIR/objects/<sub> if missing (and makes its name durable). */
static int os_mksub(struct objstore *os, const char *sub)
{
	if (mkdirat(os->obj_fd, sub, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	if (fsync(os->obj_fd) < 0)
		return -errno;
	return 0;
}

/* Creates the object file (racing creators are fine: the loser opens). */
static int os_create(struct objstore *os, const char *name, const char *sub, int *fdp)
{
	int fd, rc;

	rc = os_mksub(os, sub);
	if (rc < 0)
		return rc;
	fd = openat(os->obj_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		fd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
	else if (fd >= 0) {
		atomic_fetch_add(&os->objects, 1);
		rc = os_fsync_dirat(os->obj_fd, sub);
		if (rc < 0) {
			log_msg(LOG_ERR, "objstore: fsync of %s/%s/%s: %s", os->dir,
				OS_OBJ_DIR, sub, strerror(-rc));
			close(fd);
			return rc;
		}
	}
	if (fd < 0)
		return -errno;
	*fdp = fd;
	return 0;
}

static int os_open_file(struct objstore *os, uint64_t fid, uint32_t stripe,
			int create, int *fdp)
{
	char name[OS_NAME_MAX], sub[3];
	int fd;

	os_name(fid, stripe, name, sub);
	fd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		*fdp = fd;
		return 0;
	}
	if (errno != ENOENT || !create)
		return -errno;
	return os_create(os, name, sub, fdp);
}

/* ---- fd cache (all os_lru_* / os_hash_* called with lock held) ---- */

static struct os_ent **os_slot(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	return &os->bucket[os_hash(fid, stripe) & (OS_BUCKETS - 1)];
}

static struct os_ent *os_lookup(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	struct os_ent *e;

	for (e = *os_slot(os, fid, stripe); e; e = e->hnext)
		if (e->fid == fid && e->stripe == stripe)
			return e;
	return NULL;
}

static void os_lru_unlink(struct os_ent *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static void os_lru_front(struct objstore *os, struct os_ent *e)
{
	e->next = os->lru.next;
	e->prev = &os->lru;
	os->lru.next->prev = e;
	os->lru.next = e;
}

/* Removes e from the cache; returns 1 when nobody holds it (caller frees). */
static int os_uncache(struct objstore *os, struct os_ent *e)
{
	struct os_ent **pp = os_slot(os, e->fid, e->stripe);

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	os_lru_unlink(e);
	e->cached = 0;
	os->ncached--;
	return e->refs == 0;
}

static void os_ent_free(struct os_ent *e)
{
	close(e->fd);
	free(e);
}

/* Inserts e and evicts idle least-recently-used entries beyond the bound;
 * the evicted ones are chained on *dead for closing outside the lock. */
static void os_insert(struct objstore *os, struct os_ent *e, struct os_ent **dead)
{
	struct os_ent **slot = os_slot(os, e->fid, e->stripe);
	struct os_ent *v, *prev;

	e->hnext = *slot;
	*slot = e;
	e->cached = 1;
	os_lru_front(os, e);
	os->ncached++;
	for (v = os->lru.prev; os->ncached > OBJSTORE_FD_CACHE && v != &os->lru; v = prev) {
		prev = v->prev;
		if (v->refs == 0 && os_uncache(os, v)) {
			v->hnext = *dead;
			*dead = v;
		}
	}
}

static void os_free_chain(struct os_ent *e)
{
	struct os_ent *n;

	for (; e; e = n) {
		n = e->hnext;
		os_ent_free(e);
	}
}

/* A referenced entry for the object; -ENOENT when missing and !create. */
static int os_get(struct objstore *os, uint64_t fid, uint32_t stripe, int create,
		  struct os_ent **out)
{
	struct os_ent *e, *other, *dead = NULL;
	uint64_t gen;
	int fd = -1, rc;

	pthread_mutex_lock(&os->lock);
	e = os_lookup(os, fid, stripe);
	if (e) {
		e->refs++;
		os_lru_unlink(e);
		os_lru_front(os, e);
	}
	gen = os->gen;
	pthread_mutex_unlock(&os->lock);
	if (e) {
		*out = e;
		return 0;
	}
	rc = os_open_file(os, fid, stripe, create, &fd);
	if (rc < 0)
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	e->fid = fid;
	e->stripe = stripe;
	e->fd = fd;
	e->refs = 1;
	pthread_mutex_lock(&os->lock);
	other = os_lookup(os, fid, stripe);
	if (other) {
		other->refs++;
		dead = e;
		e = other;
	} else if (gen == os->gen) {
		os_insert(os, e, &dead);
	}
	pthread_mutex_unlock(&os->lock);
	os_free_chain(dead);
	*out = e;
	return 0;
}

static void os_put(struct objstore *os, struct os_ent *e)
{
	int last;

	pthread_mutex_lock(&os->lock);
	last = --e->refs == 0 && !e->cached;
	pthread_mutex_unlock(&os->lock);
	if (last)
		os_ent_free(e);
}

/* ---- operations ---- */

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

/* Writes the extents, merging neighbours that are adjacent in the object
 * (they are adjacent in data too) into one pwrite. */
static int os_write_extents(int fd, const struct wire_extent *ext, uint32_t next,
			    const uint8_t *data)
{
	uint32_t i = 0;
	int rc;

	while (i < next) {
		uint64_t off = ext[i].off, len = ext[i].len;

		for (i++; i < next && ext[i].off == off + len; i++)
			len += ext[i].len;
		rc = os_pwrite_all(fd, data, len, off);
		if (rc < 0)
			return rc;
		data += len;
	}
	return 0;
}

int objstore_write(struct objstore *os, uint64_t fid, uint32_t stripe,
		   const struct wire_extent *ext, uint32_t next,
		   const uint8_t *data, uint64_t *obj_size)
{
	struct os_ent *e;
	uint64_t total;
	int rc;

	rc = objstore_extents_check(ext, next, &total);
	if (rc < 0)
		return rc;
	rc = os_get(os, fid, stripe, 1, &e);
	if (rc < 0)
		return rc;
	rc = os_write_extents(e->fd, ext, next, data);
	if (rc == 0)
		rc = os_fsize(e->fd, obj_size);
	os_put(os, e);
	return rc;
}

/* Reads one extent: the part below size from the file, zeros for the rest. */
static int os_read_extent(int fd, uint64_t size, uint64_t off, uint64_t len, uint8_t *p)
{
	uint64_t in = off < size ? size - off : 0;
	int64_t n = 0;

	if (in > len)
		in = len;
	if (in > 0) {
		n = os_pread_all(fd, p, in, off);
		if (n < 0)
			return (int)n;
	}
	memset(p + n, 0, len - (uint64_t)n);
	return 0;
}

int objstore_read(struct objstore *os, uint64_t fid, uint32_t stripe,
		  const struct wire_extent *ext, uint32_t next,
		  uint8_t *data, uint64_t *obj_size)
{
	struct os_ent *e;
	uint64_t total, size;
	uint32_t i;
	int rc;

	rc = objstore_extents_check(ext, next, &total);
	if (rc < 0)
		return rc;
	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT) {
		memset(data, 0, total);
		*obj_size = 0;
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = os_fsize(e->fd, &size);
	for (i = 0; rc == 0 && i < next; i++) {
		rc = os_read_extent(e->fd, size, ext[i].off, ext[i].len, data);
		data += ext[i].len;
	}
	os_put(os, e);
	if (rc == 0)
		*obj_size = size;
	return rc;
}

int objstore_punch(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t size)
{
	struct os_ent *e;
	int rc;

	if (size > OBJSTORE_OFF_MAX)
		return -EINVAL;
	rc = os_get(os, fid, stripe, size > 0, &e);
	if (rc == -ENOENT && size == 0)
		return 0;
	if (rc < 0)
		return rc;
	if (ftruncate(e->fd, (off_t)size) < 0)
		rc = -errno;
	os_put(os, e);
	return rc;
}

int objstore_size(struct objstore *os, uint64_t fid, uint32_t stripe, uint64_t *size)
{
	struct os_ent *e;
	int rc;

	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT) {
		*size = 0;
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = os_fsize(e->fd, size);
	os_put(os, e);
	return rc;
}

int objstore_sync(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	struct os_ent *e;
	int rc;

	rc = os_get(os, fid, stripe, 0, &e);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (fdatasync(e->fd) < 0)
		rc = -errno;
	os_put(os, e);
	return rc;
}

/* Unlink first, then evict and bump gen: an fd opened before the unlink is
 * either in the cache now (evicted here) or will see gen changed. */
int objstore_destroy(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	char name[OS_NAME_MAX], sub[3];
	struct os_ent *e, *dead = NULL;
	int rc = 0;

	os_name(fid, stripe, name, sub);
	if (unlinkat(os->obj_fd, name, 0) == 0)
		atomic_fetch_sub(&os->objects, 1);
	else if (errno != ENOENT)
		rc = -errno;
	pthread_mutex_lock(&os->lock);
	e = os_lookup(os, fid, stripe);
	if (e && os_uncache(os, e))
		dead = e;
	os->gen++;
	pthread_mutex_unlock(&os->lock);
	if (dead)
		os_ent_free(dead);
	return rc;
}

int objstore_statfs(struct objstore *os, uint64_t *total, uint64_t *avail, uint64_t *objects)
{
	struct statvfs sv;

	if (fstatvfs(os->obj_fd, &sv) < 0)
		return -errno;
	*total = (uint64_t)sv.f_blocks * sv.f_frsize;
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	*objects = atomic_load(&os->objects);
	return 0;
}

/* ---- open / close ---- */

/* Writes DIR/target.id durably (temp file, fsync, rename, fsync DIR). */
static int os_id_write(struct objstore *os, uint32_t id)
{
	char text[16];
	int fd, n, rc = 0;

	n = snprintf(text, sizeof(text), "%" PRIu32 "\n", id);
	fd = openat(os->dir_fd, OS_ID_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = os_pwrite_all(fd, (const uint8_t *)text, (uint64_t)n, 0);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && renameat(os->dir_fd, OS_ID_TMP, os->dir_fd, OS_ID_FILE) < 0)
		rc = -errno;
	if (rc == 0 && fsync(os->dir_fd) < 0)
		rc = -errno;
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

static int os_open_objdir(struct objstore *os, char *err, size_t errlen)
{
	if (mkdirat(os->dir_fd, OS_OBJ_DIR, 0755) == 0) {
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

int objstore_open(const char *dir, uint32_t target_id, struct objstore **out,
		  char *err, size_t errlen)
{
	struct objstore *os;
	int rc;

	*out = NULL;
	snprintf(err, errlen, "out of memory");
	os = calloc(1, sizeof(*os));
	if (!os)
		return -ENOMEM;
	os->dir_fd = -1;
	os->obj_fd = -1;
	os->lru.next = os->lru.prev = &os->lru;
	atomic_init(&os->objects, 0);
	rc = pthread_mutex_init(&os->lock, NULL);
	if (rc) {
		free(os);
		return -rc;
	}
	os->dir = strdup(dir);
	if (!os->dir) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = os_open_dir(os, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_id_check(os, target_id, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_open_objdir(os, err, errlen);
	if (rc < 0)
		goto fail;
	rc = os_recount(os);
	if (rc < 0) {
		snprintf(err, errlen, "cannot list %s/%s: %s", dir, OS_OBJ_DIR, strerror(-rc));
		goto fail;
	}
	*out = os;
	return 0;
fail:
	objstore_close(os);
	return rc;
}

void objstore_close(struct objstore *os)
{
	struct os_ent *e, *n;

	if (!os)
		return;
	for (e = os->lru.next; e != &os->lru; e = n) {
		n = e->next;
		os_ent_free(e);
	}
	if (os->obj_fd >= 0)
		close(os->obj_fd);
	if (os->dir_fd >= 0)
		close(os->dir_fd);
	pthread_mutex_destroy(&os->lock);
	free(os->dir);
	free(os);
}
