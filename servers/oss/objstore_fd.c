/* objstore_fd.c - objects as open files in the OSS object store: creating and
 * opening an object with its sidecar and chunk map, the fd cache, range locks, eviction. */
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

/* Opens the sidecar of an existing object, creating it when missing; a
 * non-empty object that lost its sidecar gets one rebuilt from its data. */
static int os_open_sidecar(struct objstore *os, uint64_t fid, uint32_t stripe, int fd,
			   int *cfdp)
{
	char name[OS_NAME_MAX], sub[3];
	uint64_t size = 0;
	int cfd, rc;

	os_name(fid, stripe, OS_KIND_CRC, name, sub);
	cfd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
	if (cfd >= 0) {
		*cfdp = cfd;
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
	cfd = openat(os->obj_fd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (cfd < 0)
		return -errno;
	rc = os_fsize(fd, &size);
	if (rc == 0 && size > 0) {
		log_msg(LOG_WARN, "objstore: target %" PRIu32 ": object %" PRIu64 ".%" PRIu32
			" had no checksum file; rebuilt from its data", os->target, fid, stripe);
		rc = os_rebuild(fd, cfd);
	}
	if (rc == 0)
		rc = os_fsync_dirat(os->obj_fd, sub);
	if (rc < 0) {
		close(cfd);
		return rc;
	}
	*cfdp = cfd;
	return 0;
}

/* Creates the object file and its empty sidecar (racing creators are
 * fine: the loser opens). */
static int os_create(struct objstore *os, uint64_t fid, uint32_t stripe, int *fdp,
		     int *cfdp)
{
	char name[OS_NAME_MAX], cname[OS_NAME_MAX], sub[3];
	int fd, cfd, rc;

	os_name(fid, stripe, OS_KIND_DATA, name, sub);
	os_name(fid, stripe, OS_KIND_CRC, cname, sub);
	rc = os_mksub(os, sub);
	if (rc < 0)
		return rc;
	fd = openat(os->obj_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		fd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		rc = os_open_sidecar(os, fid, stripe, fd, cfdp);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		*fdp = fd;
		return 0;
	}
	if (fd < 0)
		return -errno;
	atomic_fetch_add(&os->objects, 1);
	/* A sidecar left by a crash between an unlink and the next start
	 * belongs to a dead object: start empty. */
	cfd = openat(os->obj_fd, cname, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (cfd < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	os_name(fid, stripe, OS_KIND_MAP, cname, sub);
	(void)unlinkat(os->obj_fd, cname, 0);
	rc = os_fsync_dirat(os->obj_fd, sub);
	if (rc < 0) {
		log_msg(LOG_ERR, "objstore: fsync of %s/%s/%s: %s", os->dir,
			OS_OBJ_DIR, sub, strerror(-rc));
		close(cfd);
		close(fd);
		return rc;
	}
	*fdp = fd;
	*cfdp = cfd;
	return 0;
}

static int os_open_file(struct objstore *os, uint64_t fid, uint32_t stripe,
			int create, int *fdp, int *cfdp)
{
	char name[OS_NAME_MAX], sub[3];
	int fd, rc;

	os_name(fid, stripe, OS_KIND_DATA, name, sub);
	fd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		rc = os_open_sidecar(os, fid, stripe, fd, cfdp);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		*fdp = fd;
		return 0;
	}
	if (errno != ENOENT || !create)
		return -errno;
	return os_create(os, fid, stripe, fdp, cfdp);
}

/* ---- chunk maps (their header; entries are objstore_chunks.c's) ---- */

/* Opens the object's chunk map if it has one (before the entry is shared). */
int os_map_open(struct objstore *os, struct os_ent *e)
{
	char name[OS_NAME_MAX], sub[3];
	struct os_map_hdr hdr;
	uint32_t cs;
	int fd;

	os_name(e->fid, e->stripe, OS_KIND_MAP, name, sub);
	fd = openat(os->obj_fd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (os_pread_all(fd, (uint8_t *)&hdr, sizeof(hdr), 0) != (int64_t)sizeof(hdr))
		memset(&hdr, 0, sizeof(hdr));
	cs = le32toh(hdr.csize);
	if (le32toh(hdr.magic) != OS_MAP_MAGIC || le32toh(hdr.version) != OS_MAP_VERSION ||
	    cs < OS_BLK || cs > (4u << 20) || (cs & (cs - 1))) {
		log_msg(LOG_ERR, "objstore: target %" PRIu32 ": chunk map of %" PRIu64 ".%" PRIu32
			" is corrupt", os->target, e->fid, e->stripe);
		close(fd);
		return -EIO;
	}
	e->csize = cs;
	atomic_store(&e->mfd, fd);
	return 0;
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
	close(e->cfd);
	if (atomic_load(&e->mfd) >= 0)
		close(atomic_load(&e->mfd));
	pthread_mutex_destroy(&e->rl_lock);
	pthread_cond_destroy(&e->rl_cond);
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
int os_get(struct objstore *os, uint64_t fid, uint32_t stripe, int create,
	   struct os_ent **out)
{
	struct os_ent *e, *other, *dead = NULL;
	uint64_t gen;
	int fd = -1, cfd = -1, rc;

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
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fid = fid;
	e->stripe = stripe;
	atomic_init(&e->mfd, -1);
	/* Creation (object, sidecar, stale map) and map creation happen under
	 * create_lock: an opener never sees them half done. */
	pthread_mutex_lock(&os->create_lock);
	rc = os_open_file(os, fid, stripe, create, &fd, &cfd);
	if (rc == 0) {
		e->fd = fd;
		e->cfd = cfd;
		rc = os_map_open(os, e);
		if (rc < 0) {
			close(fd);
			close(cfd);
		}
	}
	pthread_mutex_unlock(&os->create_lock);
	if (rc < 0) {
		free(e);
		return rc;
	}
	pthread_mutex_init(&e->rl_lock, NULL);
	pthread_cond_init(&e->rl_cond, NULL);
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

void os_put(struct objstore *os, struct os_ent *e)
{
	int last;

	pthread_mutex_lock(&os->lock);
	last = --e->refs == 0 && !e->cached;
	pthread_mutex_unlock(&os->lock);
	if (last)
		os_ent_free(e);
}

/* ---- range locks (blocks [lo, hi) of one object) ---- */

static int os_rl_busy(const struct os_ent *e, uint64_t lo, uint64_t hi, int *slot)
{
	*slot = -1;
	for (int i = 0; i < OS_RL_MAX; i++) {
		if (e->rl[i].hi == 0) {
			if (*slot < 0)
				*slot = i;
			continue;
		}
		if (e->rl[i].lo < hi && lo < e->rl[i].hi)
			return 1;
	}
	return *slot < 0;
}

/* Waits until no other holder overlaps [lo, hi); returns the slot to drop. */
int os_rl_take(struct os_ent *e, uint64_t lo, uint64_t hi)
{
	int slot;

	if (hi <= lo)
		hi = lo + 1;
	pthread_mutex_lock(&e->rl_lock);
	while (os_rl_busy(e, lo, hi, &slot))
		pthread_cond_wait(&e->rl_cond, &e->rl_lock);
	e->rl[slot].lo = lo;
	e->rl[slot].hi = hi;
	pthread_mutex_unlock(&e->rl_lock);
	return slot;
}

void os_rl_drop(struct os_ent *e, int slot)
{
	pthread_mutex_lock(&e->rl_lock);
	e->rl[slot].lo = e->rl[slot].hi = 0;
	pthread_cond_broadcast(&e->rl_cond);
	pthread_mutex_unlock(&e->rl_lock);
}

/* ---- eviction ---- */

void os_evict(struct objstore *os, uint64_t fid, uint32_t stripe)
{
	struct os_ent *e, *dead = NULL;

	pthread_mutex_lock(&os->lock);
	e = os_lookup(os, fid, stripe);
	if (e && os_uncache(os, e))
		dead = e;
	os->gen++;
	pthread_mutex_unlock(&os->lock);
	if (dead)
		os_ent_free(dead);
}

void os_cache_free(struct objstore *os)
{
	struct os_ent *e, *n;

	for (e = os->lru.next; e != &os->lru; e = n) {
		n = e->next;
		os_ent_free(e);
	}
	os->lru.next = os->lru.prev = &os->lru;
}
