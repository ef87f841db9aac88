/* net_progress.c - reaping the CQ and dispatching each completion to its
 * call, request, reply or RMA; the polling role, waiters and retry backoff.
 * How threads share the polling: see net_int.h. */
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <rdma/fi_domain.h>
#include "log.h"
#include "net_int.h"

#define NET_CQ_BATCH 16
/* Providers whose CQ has no kernel wait object (shm in libfabric 1.17 only
 * yields in a loop inside fi_cq_sread, most of a core per idle process):
 * poll with sched_yield for a while after the last completion, then sleep,
 * doubling from NET_NAP_MIN_NS up to the larger of NET_NAP_MAX_NS and
 * 1/NET_NAP_IDLE_SHARE of the time since the last completion, at most
 * NET_NAP_IDLE_MAX_NS. Wake-ups are most of an idle shm server's CPU (the
 * context switch), so naps grow with the silence; the price is that the
 * first request after T of silence may wait up to T/20 (100 ms at most).
 * How long to poll (net_nap_spins), counting a burst as the completions
 * that came less than NET_STREAM_SPIN_NS apart:
 * - a stream (NET_STREAM_CQES completions in the burst so far): for
 *   NET_STREAM_SPIN_NS. Over shm, moving data needs both sides polling;
 *   with the short spin both sides of a stream napped and waited for each
 *   other.
 * - otherwise NET_SPIN_NS, long enough to outlast a sched_yield on a small
 *   shared machine (a shorter spin made small reads at queue depth 1 wait
 *   for naps), but not at all after a burst that came out of NET_QUIET_NS
 *   of silence: an isolated exchange (a heartbeat every 2 s per OSS) would
 *   buy a spin on both sides for nothing.
 * The figures behind these choices: docs/PERFORMANCE.md. */
#define NET_SPIN_NS 1000000L
#define NET_NAP_MIN_NS 50000L
#define NET_NAP_MAX_NS 4000000L
#define NET_NAP_IDLE_SHARE 20
#define NET_NAP_IDLE_MAX_NS 100000000L
#define NET_QUIET_NS 100000000L
#define NET_STREAM_CQES 16
#define NET_STREAM_SPIN_NS 20000000L
/* A thread waiting for a reply or an RMA completion polls the CQ this long
 * before it sleeps in fi_cq_sread: about a small round trip on loopback,
 * of which the wake-up from the kernel wait (epoll, futex, scheduling) is a
 * large part. Only while an operation is outstanding, never when idle. */
#define NET_SPIN_WAIT_NS 50000L

/* ---- completion dispatch ---- */

/* With ep->lock held: wakes the thread waiting for an operation, if any. */
static void net_wake(struct net_waiter *w)
{
	if (w)
		pthread_cond_signal(&w->cond);
}

/* A reply frame: hand its payload to the waiting call (copied, since the
 * receive buffer is reposted at once). Late or unknown replies are dropped. */
static void net_on_reply(struct net_ep *ep, const struct wire_hdr *h, const uint8_t *frame)
{
	struct net_call *c;
	void *copy = NULL;

	if (h->payload_len) {
		copy = malloc(h->payload_len);
		if (copy)
			memcpy(copy, frame + WIRE_HDR_LEN + h->src_len, h->payload_len);
	}
	pthread_mutex_lock(&ep->lock);
	c = net_call_find(ep, h->reqid);
	if (!c || c->done) {
		pthread_mutex_unlock(&ep->lock);
		free(copy);
		return;
	}
	c->done = 1;
	if (h->payload_len && !copy) {
		c->result = -ENOMEM;
	} else {
		c->status = h->status;
		c->reply = copy;
		c->reply_len = h->payload_len;
	}
	net_wake(c->waiter);
	pthread_mutex_unlock(&ep->lock);
}

/* Queues a request. No wake-up here: the thread that polled takes the first
 * request itself and wakes idle workers for the rest (net_worker_main,
 * net_release_poller). */
static void net_enqueue(struct net_ep *ep, struct net_req *r)
{
	pthread_mutex_lock(&ep->lock);
	r->next = NULL;
	if (ep->queue_tail)
		ep->queue_tail->next = r;
	else
		ep->queue_head = r;
	ep->queue_tail = r;
	pthread_mutex_unlock(&ep->lock);
}

/* A frame arrived in r: a reply completes a call; a request goes to the
 * workers when serving. Anything malformed is counted and dropped. */
static void net_on_recv(struct net_ep *ep, struct net_req *r, size_t len)
{
	int rc = wire_hdr_decode(&r->hdr, r->rx, len);

	if (rc)
		goto drop;
	if (r->hdr.flags & WIRE_FLAG_REPLY) {
		net_on_reply(ep, &r->hdr, r->rx);
		goto repost;
	}
	if (!ep->serving || r->hdr.src_len == 0)
		goto drop;
	if (net_insert(ep, r->rx + WIRE_HDR_LEN, r->hdr.src_len, &r->src))
		goto drop;
	/* Counted from arrival, so no clock is shared with the caller; time in
	 * transit only makes the server wait a little longer than it. A ttl
	 * not said, or saturated below our own timeout, means our timeout. */
	net_deadline(&r->deadline, r->hdr.ttl_ms == 0 || (r->hdr.ttl_ms == WIRE_TTL_MAX &&
							 ep->timeout_ms > (int)WIRE_TTL_MAX) ?
				   ep->timeout_ms : r->hdr.ttl_ms);
	net_enqueue(ep, r);
	return;
drop:
	pthread_mutex_lock(&ep->lock);
	ep->dropped++;
	pthread_mutex_unlock(&ep->lock);
	log_msg(LOG_DEBUG, "dropped a malformed frame of %zu bytes (%d)", len, rc);
repost:
	net_rx_repost(ep, r);
}

static void net_on_call_sent(struct net_ep *ep, struct net_call *c, int err)
{
	pthread_mutex_lock(&ep->lock);
	c->sending = 0;
	if (err && !c->done) {
		c->done = 1;
		c->result = err;
		net_wake(c->waiter);
	}
	if (c->freed) {
		net_call_unlink(ep, c);
		pthread_mutex_unlock(&ep->lock);
		net_call_destroy(c);
		return;
	}
	pthread_mutex_unlock(&ep->lock);
}

static void net_on_rma(struct net_ep *ep, struct net_rma *op, int err)
{
	pthread_mutex_lock(&ep->lock);
	if (op->abandoned) {
		pthread_mutex_unlock(&ep->lock);
		free(op);
		return;
	}
	op->done = 1;
	op->result = err;
	net_wake(op->waiter);
	pthread_mutex_unlock(&ep->lock);
}

/* One completion (err: 0 or the caller-visible error; broken: the
 * connection it went over is dead). */
static void net_dispatch(struct net_ep *ep, struct net_ctx *ctx, size_t len, int err,
			 int broken)
{
	struct net_lane *lane = ctx->lane;

	switch (ctx->kind) {
	case NET_CTX_RX: {
		struct net_req *r = (struct net_req *)ctx;

		if (err == -ECANCELED)
			net_lane_put(ep, lane);   /* cancelled: not reposted */
		else if (err)
			net_rx_repost(ep, r);
		else
			net_on_recv(ep, r, len);
		return;
	}
	case NET_CTX_CALL_SEND:
		net_on_call_sent(ep, (struct net_call *)ctx, err);
		if (err && broken)
			net_lane_reset(ep, lane, 0);
		net_lane_put(ep, lane);
		return;
	case NET_CTX_REPLY_SEND: {
		/* The reply left (or failed): the buffer can take a new request. */
		struct net_req *r = (struct net_req *)((char *)ctx - offsetof(struct net_req, reply_ctx));

		net_rx_repost(ep, r);
		return;
	}
	case NET_CTX_RMA:
		net_on_rma(ep, (struct net_rma *)ctx, err);
		net_lane_put(ep, lane);
		return;
	}
}

static void net_read_error(struct net_ep *ep)
{
	struct fi_cq_err_entry e = { 0 };
	ssize_t n;

	net_prov_lock(ep);
	n = fi_cq_readerr(ep->cq, &e, 0);
	net_prov_unlock(ep);
	if (n != 1 || !e.op_context)
		return;
	log_msg(LOG_DEBUG, "completion error: %s", fi_strerror(e.err));
	net_dispatch(ep, e.op_context, 0, e.err == FI_ECANCELED ? -ECANCELED :
		     e.err == FI_ETIMEDOUT ? -ETIMEDOUT : -ECONNRESET, net_conn_broken(e.err));
}

/* ---- reading the CQ ---- */

static ssize_t net_cq_read(struct net_ep *ep, struct fi_cq_msg_entry *ent)
{
	ssize_t n;

	net_prov_lock(ep);
	n = fi_cq_read(ep->cq, ent, NET_CQ_BATCH);
	net_prov_unlock(ep);
	return n;
}

/* The longest nap after idle_ns without a completion (see NET_NAP_*). */
static long net_nap_cap(int64_t idle_ns)
{
	int64_t cap = idle_ns / NET_NAP_IDLE_SHARE;

	if (cap < NET_NAP_MAX_NS)
		return NET_NAP_MAX_NS;
	return cap < NET_NAP_IDLE_MAX_NS ? (long)cap : NET_NAP_IDLE_MAX_NS;
}

/* Whether to keep polling (yielding) instead of napping: see NET_SPIN_NS. */
static int net_nap_spins(const struct net_ep *ep, int64_t now)
{
	int streaming = ep->burst_cqes >= NET_STREAM_CQES;

	if (now - ep->last_cqe_ns >= (streaming ? NET_STREAM_SPIN_NS : NET_SPIN_NS))
		return 0;
	return streaming || ep->quiet_ns < NET_QUIET_NS;
}

/* fi_cq_sread for a CQ without a wait object: busy (yielding) only while
 * traffic is recent, else naps of growing length; returns within ms. */
static ssize_t net_cq_nap_read(struct net_ep *ep, struct fi_cq_msg_entry *ent, int ms)
{
	int64_t now = net_now_ns(), end = now + (int64_t)ms * 1000000LL;
	long nap = NET_NAP_MIN_NS;
	ssize_t n;

	for (;;) {
		n = net_cq_read(ep, ent);
		if (n != -FI_EAGAIN) {
			now = net_now_ns();
			if (now - ep->last_cqe_ns >= NET_STREAM_SPIN_NS) {
				ep->quiet_ns = now - ep->last_cqe_ns;
				ep->burst_cqes = 0;
			}
			if (n > 0 && ep->burst_cqes < NET_STREAM_CQES)
				ep->burst_cqes += (int)n;   /* capped: no overflow */
			ep->last_cqe_ns = now;
			return n;
		}
		now = net_now_ns();
		if (now >= end || ep->stopping)
			return n;
		if (net_nap_spins(ep, now)) {
			sched_yield();
			continue;
		}
		struct timespec ts = { 0, nap < end - now ? nap : (long)(end - now) };

		nanosleep(&ts, NULL);
		if (nap < net_nap_cap(now - ep->last_cqe_ns))
			nap *= 2;
	}
}

/* fi_cq_read in a loop for up to NET_SPIN_WAIT_NS (an operation is
 * outstanding, its completion is likely near). */
static ssize_t net_cq_spin_read(struct net_ep *ep, struct fi_cq_msg_entry *ent)
{
	int64_t end = net_now_ns() + NET_SPIN_WAIT_NS;
	ssize_t n;

	do {
		n = net_cq_read(ep, ent);
		if (n != -FI_EAGAIN)
			return n;
	} while (!ep->stopping && net_now_ns() < end);
	return n;
}

/* Reaps completions, sleeping up to ms in the kernel (0: do not sleep;
 * spin: poll briefly first), and dispatches them; each completion wakes
 * only the thread waiting for it. */
void net_progress(struct net_ep *ep, int ms, int spin)
{
	struct fi_cq_msg_entry ent[NET_CQ_BATCH];
	struct net_lane *stalled;
	ssize_t n = -FI_EAGAIN;

	stalled = __atomic_load_n(&ep->stalled, __ATOMIC_ACQUIRE) ?
		  __atomic_exchange_n(&ep->stalled, NULL, __ATOMIC_ACQ_REL) : NULL;
	if (stalled)
		net_lane_reset(ep, stalled, 1);

	if (ms > 0 && ep->nap_wait)
		n = net_cq_nap_read(ep, ent, ms);
	else if (ms > 0 && spin)
		n = net_cq_spin_read(ep, ent);
	if (ms > 0 && !ep->nap_wait && n == -FI_EAGAIN)
		n = fi_cq_sread(ep->cq, ent, NET_CQ_BATCH, NULL, ms);
	else if (ms <= 0)
		n = net_cq_read(ep, ent);
	__atomic_store_n(&ep->last_poll_ns, net_now_ns(), __ATOMIC_RELAXED);
	if (n == -FI_EAVAIL)
		net_read_error(ep);
	for (ssize_t i = 0; i < n; i++)
		net_dispatch(ep, ent[i].op_context, ent[i].len, 0, 0);
}

/* ---- the polling role and waiters ---- */

/* With ep->lock held, when nobody polls: passes the polling role on to one
 * thread that needs it (an idle worker of a serving endpoint, which also
 * serves whatever was queued, else one waiter), so completions never sit in
 * the CQ while threads wait for them. Wakes one thread, not all. */
static void net_pass_poller(struct net_ep *ep)
{
	if (ep->poller)
		return;
	if (ep->serving && ep->idle)
		pthread_cond_signal(&ep->idle_cond);
	else if (ep->waiters)
		pthread_cond_signal(&ep->waiters->cond);
	if (ep->backoff)
		pthread_cond_broadcast(&ep->cond);
}

/* With ep->lock held, after a thread that will not poll again at once gave
 * up the polling role. */
static void net_release_poller(struct net_ep *ep)
{
	ep->poller = 0;
	net_pass_poller(ep);
}

/* While nothing reads the CQ (an idle client), nothing reads the sockets
 * either: when a server dies meanwhile, tcp has not seen the close, rxm
 * still counts the connection as up, and a call sent now goes into the
 * dead socket, succeeds locally and waits out its whole timeout. So when
 * the CQ has not been read for NET_IDLE_PROGRESS_NS, a call first drives
 * progress once without waiting: tcp reads the close and rxm drops the
 * connection (rxm looks at connection events at most every 10 ms, its
 * FI_OFI_RXM_CM_PROGRESS_INTERVAL, hence the threshold), and the call
 * connects afresh. One fi_cq_read, only after idling. */
#define NET_IDLE_PROGRESS_NS (20 * 1000000LL)

void net_progress_if_idle(struct net_ep *ep)
{
	if (net_now_ns() - __atomic_load_n(&ep->last_poll_ns, __ATOMIC_RELAXED) <
	    NET_IDLE_PROGRESS_NS)
		return;
	pthread_mutex_lock(&ep->lock);
	if (ep->poller) {
		pthread_mutex_unlock(&ep->lock);
		return;
	}
	ep->poller = 1;
	pthread_mutex_unlock(&ep->lock);
	net_progress(ep, 0, 0);
	pthread_mutex_lock(&ep->lock);
	net_release_poller(ep);
	pthread_mutex_unlock(&ep->lock);
}

void net_waiter_init(struct net_ep *ep, struct net_waiter *w)
{
	pthread_cond_init(&w->cond, &ep->cattr);
	w->next = NULL;
}

/* With ep->lock held: the waiter's operations are done (or timed out); if
 * it was signalled to take the polling role it did not take, pass it on. */
void net_waiter_done(struct net_ep *ep, struct net_waiter *w)
{
	net_pass_poller(ep);
	pthread_cond_destroy(&w->cond);
}

/* With ep->lock held: wait for progress until ts. One thread at a time
 * polls the CQ (spinning briefly, then sleeping in the kernel); the others
 * sleep on their own condition variable until their operation completes or
 * the polling role passes to them. */
void net_wait_locked(struct net_ep *ep, struct net_waiter *w, const struct timespec *ts)
{
	long ms = net_ms_until(ts);
	int spin;

	if (ms <= 0)
		return;
	if (ep->poller) {
		struct net_waiter **pp;

		w->next = ep->waiters;
		ep->waiters = w;
		pthread_cond_timedwait(&w->cond, &ep->lock, ts);
		for (pp = &ep->waiters; *pp && *pp != w; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = w->next;
		return;
	}
	/* Spin only when no other thread waits: with many operations in
	 * flight completions come often anyway, and on a small machine the
	 * spinning would take the CPU the servers need. */
	spin = ep->waiters == NULL;
	ep->poller = 1;
	pthread_mutex_unlock(&ep->lock);
	net_progress(ep, ms > NET_SREAD_MAX_MS ? NET_SREAD_MAX_MS : (int)ms, spin);
	pthread_mutex_lock(&ep->lock);
	ep->poller = 0;
	/* Requests reaped meanwhile go to an idle worker; the caller rechecks
	 * its own operations and polls again, or hands off in net_waiter_done. */
	if (ep->serving && ep->idle && ep->queue_head)
		pthread_cond_signal(&ep->idle_cond);
}

/* ---- retry backoff ---- */

#define NET_RETRY_SPIN_MS 10    /* a connection on a LAN is up within this */
#define NET_RETRY_MAX_MS 64

/* Drives progress and waits before the next try: for the first
 * NET_RETRY_SPIN_MS only yields, since a new connection is usually up within
 * a millisecond and sleeping would add to every first call to a server;
 * after that doubles a sleep up to NET_RETRY_MAX_MS, so that a dead peer
 * costs a few retries a second, not a storm. */
void net_backoff(struct net_ep *ep, struct net_retry *r)
{
	struct timespec ts, now;
	long elapsed_ms;

	if (r->wait_ms == 0) {
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		r->wait_ms = 1;
	}
	pthread_mutex_lock(&ep->lock);
	if (!ep->poller) {
		ep->poller = 1;
		pthread_mutex_unlock(&ep->lock);
		net_progress(ep, 0, 0);
		pthread_mutex_lock(&ep->lock);
		net_release_poller(ep);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed_ms = (now.tv_sec - r->start.tv_sec) * 1000 +
		     (now.tv_nsec - r->start.tv_nsec) / 1000000;
	if (elapsed_ms < NET_RETRY_SPIN_MS) {
		pthread_mutex_unlock(&ep->lock);
		sched_yield();
		return;
	}
	net_deadline(&ts, r->wait_ms);
	ep->backoff++;
	pthread_cond_timedwait(&ep->cond, &ep->lock, &ts);
	ep->backoff--;
	pthread_mutex_unlock(&ep->lock);
	if (r->wait_ms < NET_RETRY_MAX_MS)
		r->wait_ms *= 2;
}
