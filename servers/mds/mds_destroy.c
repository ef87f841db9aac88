/* mds_destroy.c - the MDS destroy thread: sends OBJ_DESTROY for queued files,
 * drops each queue entry once every stripe is gone, retries down targets. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "mds_destroy.h"

/* lock guards stop and kicked; the thread sleeps on cond between passes. */
struct mds_destroy {
	struct net_ep *ep;
	struct mds_store *store;
	struct mds_targets *targets;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;       /* CLOCK_MONOTONIC */
	int stop;
	int kicked;
};

static int destroy_stopping(struct mds_destroy *d)
{
	int stop;

	pthread_mutex_lock(&d->lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

/* One OBJ_DESTROY; 0 when the object is gone. */
static int destroy_object(struct mds_destroy *d, uint64_t fid, uint32_t stripe, uint32_t target)
{
	struct wire_obj m = { .fid = fid, .stripe = stripe };
	uint8_t buf[64];
	fi_addr_t fi;
	size_t rlen;
	int len, rc;

	rc = mds_targets_peer(d->targets, target, &fi);
	if (rc)
		return rc;
	len = wire_enc_obj(buf, sizeof(buf), &m);
	if (len < 0)
		return len;
	rc = net_rpc(d->ep, fi, WIRE_OP_OBJ_DESTROY, buf, (size_t)len, NULL, 0, &rlen);
	if (rc)
		log_msg(LOG_DEBUG, "destroy %llu.%u on target %u: %d",
			(unsigned long long)fid, stripe, target, rc);
	return rc;
}

/* Destroys what is left of one entry; returns 1 when it is fully done. */
static int destroy_entry(struct mds_destroy *d, struct mds_destroy_ent *e)
{
	uint64_t before = e->done;
	int left = 0, rc;

	for (uint32_t i = 0; i < e->count; i++) {
		if (e->done & (1ull << i))
			continue;
		if (destroy_stopping(d) ||
		    destroy_object(d, e->fid, i, e->targets[i]) != 0) {
			left++;
			continue;
		}
		e->done |= 1ull << i;
	}
	if (e->done != before || left == 0) {
		rc = mds_store_destroy_update(d->store, e);
		if (rc) {
			log_msg(LOG_ERR, "destroy queue update for %llu: %d",
				(unsigned long long)e->fid, rc);
			return 0;
		}
	}
	if (left == 0)
		log_msg(LOG_DEBUG, "destroyed objects of %llu", (unsigned long long)e->fid);
	return left == 0;
}

/* One pass over the queue; returns the number of entries still pending. */
static int destroy_pass(struct mds_destroy *d)
{
	struct mds_destroy_ent e;
	uint64_t after = 0;
	int pending = 0, rc;

	while (!destroy_stopping(d)) {
		rc = mds_store_destroy_next(d->store, after, &e);
		if (rc < 0) {
			log_msg(LOG_ERR, "destroy queue read: %d", rc);
			return pending + 1;
		}
		if (rc == 0)
			break;
		after = e.fid;
		if (!destroy_entry(d, &e))
			pending++;
	}
	return pending;
}

static void destroy_sleep(struct mds_destroy *d, int pending)
{
	struct timespec ts;

	pthread_mutex_lock(&d->lock);
	if (!d->stop && !d->kicked) {
		if (pending) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += MDS_DESTROY_RETRY_MS / 1000;
			ts.tv_nsec += (MDS_DESTROY_RETRY_MS % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&d->cond, &d->lock, &ts);
		} else {
			pthread_cond_wait(&d->cond, &d->lock);
		}
	}
	pthread_mutex_unlock(&d->lock);
}

static void *destroy_main(void *arg)
{
	struct mds_destroy *d = arg;
	int pending;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		if (d->stop) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		d->kicked = 0;
		pthread_mutex_unlock(&d->lock);
		pending = destroy_pass(d);
		destroy_sleep(d, pending);
	}
	return NULL;
}

static int destroy_sync_init(struct mds_destroy *d)
{
	pthread_condattr_t ca;
	int rc;

	rc = pthread_condattr_init(&ca);
	if (rc)
		return -rc;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!rc)
		rc = pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (rc)
		return -rc;
	rc = pthread_mutex_init(&d->lock, NULL);
	if (rc) {
		pthread_cond_destroy(&d->cond);
		return -rc;
	}
	return 0;
}

int mds_destroy_start(struct net_ep *ep, struct mds_store *store, struct mds_targets *targets,
		      struct mds_destroy **out)
{
	struct mds_destroy *d;
	int rc;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ep = ep;
	d->store = store;
	d->targets = targets;
	rc = destroy_sync_init(d);
	if (rc)
		goto out_free;
	rc = -pthread_create(&d->thread, NULL, destroy_main, d);
	if (rc)
		goto out_sync;
	*out = d;
	return 0;
out_sync:
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
out_free:
	free(d);
	return rc;
}

void mds_destroy_kick(struct mds_destroy *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->kicked = 1;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

void mds_destroy_stop(struct mds_destroy *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	if (d->stop) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	d->stop = 1;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
}

void mds_destroy_free(struct mds_destroy *d)
{
	if (!d)
		return;
	mds_destroy_stop(d);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
