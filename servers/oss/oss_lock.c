/* oss_lock.c - EC row locks: a hash of held row ranges per file, each with
 * an owner and a lease; expired locks are dropped when next looked at. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "oss_lock.h"

#define OSS_LOCK_BUCKETS 256

struct oss_lock {
	uint64_t fid;
	uint64_t row, end;      /* rows [row, end) */
	uint64_t owner;
	uint64_t expires_ns;    /* CLOCK_MONOTONIC */
	struct oss_lock *next;
};

/* lock guards everything below it. */
struct oss_locks {
	pthread_mutex_t lock;
	struct oss_lock *bucket[OSS_LOCK_BUCKETS];
	uint64_t grace_end_ns;
	unsigned held;
	int marked;             /* the marker file exists */
	char *marker;
};

static uint64_t lock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct oss_lock **lock_bucket(struct oss_locks *l, uint64_t fid)
{
	return &l->bucket[(fid * 0x9e3779b97f4a7c15ull) >> 56];
}

static uint64_t lock_latest_expiry(const struct oss_locks *l)
{
	uint64_t latest = 0;

	for (int b = 0; b < OSS_LOCK_BUCKETS; b++)
		for (const struct oss_lock *x = l->bucket[b]; x; x = x->next)
			if (x->expires_ns > latest)
				latest = x->expires_ns;
	return latest;
}

int oss_locks_create(const char *marker, uint32_t grace_ms, struct oss_locks **out)
{
	struct oss_locks *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->marker = strdup(marker);
	if (!l->marker) {
		free(l);
		return -ENOMEM;
	}
	pthread_mutex_init(&l->lock, NULL);
	if (access(marker, F_OK) == 0) {
		l->marked = 1;
		l->grace_end_ns = lock_now_ns() + (uint64_t)grace_ms * 1000000ull;
	}
	*out = l;
	return 0;
}

/* With l->lock held: notes on disk that locks may be out. */
static int lock_mark(struct oss_locks *l)
{
	int fd;

	if (l->marked)
		return 0;
	fd = open(l->marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	l->marked = 1;
	return 0;
}

void oss_locks_destroy(struct oss_locks *l)
{
	if (!l)
		return;
	if (l->marked && (l->held == 0 || lock_now_ns() >= lock_latest_expiry(l)))
		unlink(l->marker);
	free(l->marker);
	for (int b = 0; b < OSS_LOCK_BUCKETS; b++) {
		while (l->bucket[b]) {
			struct oss_lock *x = l->bucket[b];

			l->bucket[b] = x->next;
			free(x);
		}
	}
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* Walks fid's chain dropping expired locks; returns the first live lock of
 * another owner overlapping [row, end), and in *mine the owner's lock on
 * exactly that range, if any. */
static struct oss_lock *lock_scan(struct oss_locks *l, const struct wire_obj_lock *m,
				  uint64_t now, struct oss_lock **mine)
{
	struct oss_lock **pp = lock_bucket(l, m->fid), *conflict = NULL;
	uint64_t end = m->row + m->nrows;

	*mine = NULL;
	while (*pp) {
		struct oss_lock *x = *pp;

		if (x->expires_ns <= now) {
			*pp = x->next;
			free(x);
			l->held--;
			continue;
		}
		if (x->fid == m->fid && x->row < end && m->row < x->end) {
			if (x->owner != m->owner)
				conflict = conflict ? conflict : x;
			else if (x->row == m->row && x->end == end)
				*mine = x;
		}
		pp = &x->next;
	}
	return conflict;
}

int oss_locks_acquire(struct oss_locks *l, const struct wire_obj_lock *m)
{
	uint64_t now = lock_now_ns();
	struct oss_lock *mine, *x;
	int rc = 0;

	pthread_mutex_lock(&l->lock);
	if (now < l->grace_end_ns) {
		rc = -EAGAIN;
		goto out;
	}
	if (lock_scan(l, m, now, &mine)) {
		rc = -EAGAIN;
		goto out;
	}
	if (mine) {
		mine->expires_ns = now + (uint64_t)m->lease_ms * 1000000ull;
		goto out;
	}
	if (l->held >= OSS_LOCKS_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	rc = lock_mark(l);
	if (rc)
		goto out;
	x = malloc(sizeof(*x));
	if (!x) {
		rc = -ENOMEM;
		goto out;
	}
	x->fid = m->fid;
	x->row = m->row;
	x->end = m->row + m->nrows;
	x->owner = m->owner;
	x->expires_ns = now + (uint64_t)m->lease_ms * 1000000ull;
	x->next = *lock_bucket(l, m->fid);
	*lock_bucket(l, m->fid) = x;
	l->held++;
out:
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int oss_locks_release(struct oss_locks *l, const struct wire_obj_lock *m)
{
	struct oss_lock **pp;
	uint64_t end = m->row + m->nrows;

	pthread_mutex_lock(&l->lock);
	for (pp = lock_bucket(l, m->fid); *pp; pp = &(*pp)->next) {
		struct oss_lock *x = *pp;

		if (x->fid == m->fid && x->owner == m->owner && x->row == m->row && x->end == end) {
			*pp = x->next;
			free(x);
			l->held--;
			break;
		}
	}
	pthread_mutex_unlock(&l->lock);
	return 0;
}
