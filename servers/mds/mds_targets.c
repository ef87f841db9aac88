/* mds_targets.c - the MDS's in-memory target table (up/last seen/capacity,
 * raw and fabric addresses) and round-robin layout allocation over it. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "mds_targets.h"

struct mds_target {
	int known;                   /* registered at some time (persisted) */
	int have_fi;                 /* address inserted into the endpoint */
	fi_addr_t fi;
	uint16_t addr_len;
	uint8_t addr[WIRE_ADDR_MAX];
	uint64_t last_seen_ns;       /* CLOCK_MONOTONIC; 0 = not since start */
	int registered;              /* registered since start (not just loaded) */
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t objects;
};

/* Indexed by target id (< WIRE_MAX_TARGETS). lock guards everything below. */
struct mds_targets {
	pthread_mutex_t lock;
	struct net_ep *ep;
	struct mds_store *store;
	uint32_t cursor;             /* round robin: next allocation starts at this id */
	uint64_t loaded_ns;          /* last_seen of targets loaded at start (grace) */
	struct mds_target t[WIRE_MAX_TARGETS];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A target loaded from LMDB at start counts as up for this long (about one
 * heartbeat interval, 2 s, plus a margin) without having registered since:
 * after an MDS restart the OSSes are normally still serving, and refusing
 * creates with ENOSPC until their next heartbeat would fail clients for
 * nothing. A target that is really gone is then down after the grace, as
 * if it had been seen at start and missed its heartbeats. */
#define MDS_TARGET_GRACE_NS (3ull * 1000000000ull)

static int target_up(const struct mds_target *x, uint64_t now)
{
	return x->known && x->last_seen_ns && now - x->last_seen_ns < MDS_TARGET_UP_NS;
}

/* Not full: at least 1% of its space free (a target reporting no size counts
 * as not full). */
static int target_usable(const struct mds_target *x, uint64_t now)
{
	if (!target_up(x, now))
		return 0;
	return x->free_bytes >= x->total_bytes / 100;
}

static int load_one(void *arg, const struct mds_target_rec *r)
{
	struct mds_targets *t = arg;
	struct mds_target *x;
	int rc;

	if (r->id >= WIRE_MAX_TARGETS || r->addr_len == 0 || r->addr_len > WIRE_ADDR_MAX) {
		log_msg(LOG_WARN, "ignoring bad persisted target %u", r->id);
		return 0;
	}
	x = &t->t[r->id];
	x->known = 1;
	x->last_seen_ns = t->loaded_ns;
	x->addr_len = r->addr_len;
	memcpy(x->addr, r->addr, r->addr_len);
	rc = net_insert(t->ep, x->addr, x->addr_len, &x->fi);
	x->have_fi = rc == 0;
	if (rc)
		log_msg(LOG_WARN, "target %u: persisted address not usable (%d)", r->id, rc);
	return 0;
}

int mds_targets_create(struct net_ep *ep, struct mds_store *store, struct mds_targets **out)
{
	struct mds_targets *t;
	int rc;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = pthread_mutex_init(&t->lock, NULL);
	if (rc) {
		free(t);
		return -rc;
	}
	t->ep = ep;
	t->store = store;
	/* Seen "just before" start, so that they stay up for the grace only. */
	t->loaded_ns = mono_ns();
	if (t->loaded_ns > MDS_TARGET_UP_NS - MDS_TARGET_GRACE_NS)
		t->loaded_ns -= MDS_TARGET_UP_NS - MDS_TARGET_GRACE_NS;
	else
		t->loaded_ns = 1;
	rc = mds_store_load_targets(store, load_one, t);
	if (rc) {
		mds_targets_destroy(t);
		return rc;
	}
	*out = t;
	return 0;
}

void mds_targets_destroy(struct mds_targets *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Persists and inserts a new or changed address (outside the lock). */
static int register_addr(struct mds_targets *t, const struct wire_target_register *m,
			 fi_addr_t *fi)
{
	struct mds_target_rec r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.id = m->target_id;
	r.addr_len = m->addr_len;
	memcpy(r.addr, m->addr, m->addr_len);
	rc = mds_store_put_target(t->store, &r);
	if (rc)
		return rc;
	rc = net_insert(t->ep, m->addr, m->addr_len, fi);
	if (rc)
		log_msg(LOG_WARN, "target %u: cannot insert address (%d)", m->target_id, rc);
	return rc;
}

int mds_targets_register(struct mds_targets *t, const struct wire_target_register *m,
			 int *came_up)
{
	struct mds_target *x;
	fi_addr_t fi = FI_ADDR_UNSPEC;
	int changed, rc;
	uint64_t now;

	*came_up = 0;
	if (m->target_id >= WIRE_MAX_TARGETS || m->addr_len == 0 || m->addr_len > WIRE_ADDR_MAX)
		return -EINVAL;
	x = &t->t[m->target_id];
	pthread_mutex_lock(&t->lock);
	changed = !x->known || !x->have_fi || x->addr_len != m->addr_len ||
		  memcmp(x->addr, m->addr, m->addr_len) != 0;
	pthread_mutex_unlock(&t->lock);
	if (changed) {
		rc = register_addr(t, m, &fi);
		if (rc)
			return rc;
	}
	now = mono_ns();
	pthread_mutex_lock(&t->lock);
	if (changed) {
		x->known = 1;
		x->have_fi = 1;
		x->fi = fi;
		x->addr_len = m->addr_len;
		memcpy(x->addr, m->addr, m->addr_len);
	}
	/* Up only by the start grace counts as coming up (the destroy queue
	 * and the log learn of it). */
	*came_up = !target_up(x, now) || !x->registered;
	x->registered = 1;
	x->last_seen_ns = now;
	x->total_bytes = m->total_bytes;
	x->free_bytes = m->free_bytes;
	x->objects = m->objects;
	pthread_mutex_unlock(&t->lock);
	if (*came_up)
		log_msg(LOG_INFO, "target %u up", m->target_id);
	return 0;
}

void mds_targets_list(struct mds_targets *t, struct wire_target_list *out)
{
	uint64_t now = mono_ns();

	out->count = 0;
	pthread_mutex_lock(&t->lock);
	for (uint32_t id = 0; id < WIRE_MAX_TARGETS; id++) {
		const struct mds_target *x = &t->t[id];
		struct wire_target_info *o;

		if (!x->known)
			continue;
		o = &out->t[out->count++];
		memset(o, 0, sizeof(*o));
		o->id = id;
		o->up = target_up(x, now) ? 1 : 0;
		o->addr_len = x->addr_len;
		memcpy(o->addr, x->addr, x->addr_len);
		o->total_bytes = x->total_bytes;
		o->free_bytes = x->free_bytes;
		o->objects = x->objects;
	}
	pthread_mutex_unlock(&t->lock);
}

static int stripe_size_ok(uint64_t size)
{
	return size >= 4096 && size % 4096 == 0 && size <= (1ull << 32);
}

static uint32_t nknown_locked(const struct mds_targets *t)
{
	uint32_t n = 0;

	for (uint32_t id = 0; id < WIRE_MAX_TARGETS; id++)
		n += t->t[id].known ? 1 : 0;
	return n;
}

/* The checks that do not depend on which targets are up; zero/-1 fields are
 * accepted (unset). */
static int check_locked(const struct mds_targets *t, const struct wire_layout *l)
{
	if (l->pattern != 0 && l->pattern != PROTO_PATTERN_RAID0 && l->pattern != PROTO_PATTERN_EC)
		return -EINVAL;
	if (l->pattern == PROTO_PATTERN_EC && l->ec_k + l->ec_m > nknown_locked(t))
		return -EINVAL;
	if (l->stripe_size != 0 && !stripe_size_ok(l->stripe_size))
		return -EINVAL;
	if (l->stripe_count != PROTO_STRIPE_ALL &&
	    (l->stripe_count > PROTO_MAX_STRIPES || l->stripe_count > nknown_locked(t)))
		return -EINVAL;
	if (l->first_target < -1 || l->first_target >= WIRE_MAX_TARGETS)
		return -EINVAL;
	if (l->first_target >= 0 && !t->t[l->first_target].known)
		return -EINVAL;
	return 0;
}

int mds_targets_check(void *arg, const struct wire_layout *l)
{
	struct mds_targets *t = arg;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = check_locked(t, l);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Picks want distinct usable targets in id order, wrapping, from start. */
static int pick_locked(struct mds_targets *t, uint32_t start, uint32_t want,
		       struct wire_layout *l)
{
	uint64_t now = mono_ns();
	uint32_t n = 0;

	for (uint32_t i = 0; i < WIRE_MAX_TARGETS && n < want; i++) {
		uint32_t id = (start + i) % WIRE_MAX_TARGETS;

		if (target_usable(&t->t[id], now))
			l->targets[n++] = id;
	}
	if (n < want)
		return -ENOSPC;
	t->cursor = (l->targets[n - 1] + 1) % WIRE_MAX_TARGETS;
	return 0;
}

static uint32_t nusable_locked(const struct mds_targets *t)
{
	uint64_t now = mono_ns();
	uint32_t n = 0;

	for (uint32_t id = 0; id < WIRE_MAX_TARGETS; id++)
		n += target_usable(&t->t[id], now) ? 1 : 0;
	return n;
}

int mds_targets_alloc(void *arg, struct wire_layout *l)
{
	struct mds_targets *t = arg;
	uint32_t want, start;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = check_locked(t, l);
	if (rc)
		goto out;
	rc = -EINVAL;
	if (l->pattern == 0 || l->stripe_count == 0 || l->stripe_size == 0)
		goto out;
	want = l->stripe_count;
	if (want == PROTO_STRIPE_ALL) {
		want = nusable_locked(t);
		if (want > PROTO_MAX_STRIPES)
			want = PROTO_MAX_STRIPES;
	}
	rc = -ENOSPC;
	if (want == 0)
		goto out;
	memset(l->targets, 0, sizeof(l->targets));
	start = l->first_target >= 0 ? (uint32_t)l->first_target : t->cursor;
	rc = pick_locked(t, start, want, l);
	if (rc)
		goto out;
	l->stripe_count = want;
	l->first_target = (int32_t)l->targets[0];
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int mds_targets_known(struct mds_targets *t, uint32_t id)
{
	int known;

	if (id >= WIRE_MAX_TARGETS)
		return 0;
	pthread_mutex_lock(&t->lock);
	known = t->t[id].known;
	pthread_mutex_unlock(&t->lock);
	return known;
}

int mds_targets_peer(struct mds_targets *t, uint32_t id, fi_addr_t *fi)
{
	int rc = 0;

	if (id >= WIRE_MAX_TARGETS)
		return -ENOENT;
	pthread_mutex_lock(&t->lock);
	if (!t->t[id].known)
		rc = -ENOENT;
	else if (!target_up(&t->t[id], mono_ns()) || !t->t[id].have_fi)
		rc = -EAGAIN;
	else
		*fi = t->t[id].fi;
	pthread_mutex_unlock(&t->lock);
	return rc;
}
