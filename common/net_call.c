/* net_call.c - framing and posting sends (client calls and, for
 * net_server.c, replies), and the client's calls: start, wait, result, free. */
#include <string.h>
#include <rdma/fi_endpoint.h>
#include "net_int.h"

/* ---- frames and sends ---- */

/* A frame; with_src: it names the lane it goes out on, for the reply. */
size_t net_frame(const struct net_lane *lane, uint8_t *buf, uint16_t opcode,
		 uint32_t flags, int32_t status, uint64_t reqid, const void *payload,
		 size_t plen, int with_src, int ttl_ms)
{
	struct wire_hdr h = {
		.magic = WIRE_MAGIC, .version = WIRE_VERSION, .opcode = opcode,
		.flags = flags, .status = status, .reqid = reqid,
		.payload_len = (uint32_t)plen,
		.src_len = with_src ? (uint16_t)lane->self_len : 0,
		.ttl_ms = ttl_ms <= 0 ? 0 : ttl_ms > (int)WIRE_TTL_MAX ? WIRE_TTL_MAX : (uint16_t)ttl_ms,
	};

	wire_hdr_encode(&h, buf, WIRE_HDR_LEN);
	if (with_src)
		memcpy(buf + WIRE_HDR_LEN, lane->self, lane->self_len);
	if (plen)
		memcpy(buf + WIRE_HDR_LEN + h.src_len, payload, plen);
	return WIRE_HDR_LEN + h.src_len + plen;
}

/* How long a send over rxm may keep meeting -FI_EAGAIN before the peer
 * counts as refusing connections. rxm answers a refused connect by freeing
 * the connection and trying again on the next post, so to us a dead server
 * looks like a connection forever being set up: without a bound a call to
 * it would wait out its whole attempt before an EC read could read around
 * the lost stripe or the caller could report it. On a LAN a connection is
 * up within a millisecond. The call fails unsent, so the
 * caller's retry cannot deliver it twice. (shm has no connections: there
 * -FI_EAGAIN only means a busy peer's queue is full.) */
#define NET_CONNECT_MAX_MS 250

/* Posts a send on ctx's lane, retrying while the queue is full or the
 * connection is being set up. */
int net_send(struct net_ep *ep, const void *buf, size_t len, void *desc,
	     fi_addr_t dest, struct net_ctx *ctx, const struct timespec *deadline)
{
	struct net_retry retry = { .wait_ms = 0 };
	ssize_t rc;

	for (;;) {
		net_prov_lock(ep);
		rc = fi_send(ctx->lane->ep, buf, len, desc, dest, ctx);
		net_prov_unlock(ep);
		if (rc != -FI_EAGAIN)
			return net_errno(rc);
		if (net_ms_until(deadline) <= 0)
			return -ETIMEDOUT;
		/* retry.start: when the first -FI_EAGAIN was met (net_backoff) */
		if (ep->rxm && retry.wait_ms && -net_ms_until(&retry.start) >= NET_CONNECT_MAX_MS)
			return -ECONNREFUSED;
		net_backoff(ep, &retry);
	}
}

/* ---- client calls ---- */

/* A call on the current call lane with a frame buffer of len bytes (plus
 * the lane's address when with_src), registered under a fresh reqid so
 * that its reply (if any) and its send completion find it. */
static int net_call_new(struct net_ep *ep, size_t len, int with_src, int timeout_ms,
			struct net_call **out)
{
	struct net_call *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->ctx.kind = NET_CTX_CALL_SEND;
	c->ep = ep;
	net_deadline(&c->deadline, timeout_ms > 0 ? timeout_ms : ep->timeout_ms);
	pthread_mutex_lock(&ep->lock);
	c->ctx.lane = ep->call;
	c->ctx.lane->calls++;
	c->reqid = ep->next_reqid++;
	c->next = ep->calls[c->reqid % NET_CALL_BUCKETS];
	ep->calls[c->reqid % NET_CALL_BUCKETS] = c;
	pthread_mutex_unlock(&ep->lock);
	c->len = len + (with_src ? c->ctx.lane->self_len : 0);
	rc = with_src && c->len > WIRE_MSG_MAX ? -EMSGSIZE : 0;
	if (!rc) {
		c->frame = malloc(c->len ? c->len : 1);
		rc = c->frame ? 0 : -ENOMEM;
	}
	if (rc) {
		pthread_mutex_lock(&ep->lock);
		net_call_unlink(ep, c);
		pthread_mutex_unlock(&ep->lock);
		free(c);
		return rc;
	}
	c->sending = 1;
	*out = c;
	return 0;
}

/* Sends the call's frame; a failure to post completes the call at once. */
static int net_call_send(struct net_ep *ep, struct net_call *c, fi_addr_t dest)
{
	struct net_lane *lane = c->ctx.lane;
	int rc;

	pthread_mutex_lock(&ep->lock);
	net_lane_get_locked(lane);
	pthread_mutex_unlock(&ep->lock);
	rc = net_send(ep, c->frame, c->len, NULL, dest, &c->ctx, &c->deadline);
	if (!rc)
		return 0;
	if (net_conn_broken(-rc))
		net_lane_reset(ep, lane, 0);
	pthread_mutex_lock(&ep->lock);
	c->sending = 0;
	c->done = 1;
	c->result = rc;
	c->unsent = rc;
	net_lane_put_locked(ep, lane);
	pthread_mutex_unlock(&ep->lock);
	return rc;
}

int net_call_start(struct net_ep *ep, fi_addr_t dest, uint16_t opcode,
		   const void *payload, size_t plen, int timeout_ms, struct net_call **out)
{
	struct net_call *c;
	int rc;

	net_progress_if_idle(ep);
	rc = net_call_new(ep, WIRE_HDR_LEN + plen, 1, timeout_ms, &c);
	if (rc)
		return rc;
	net_frame(c->ctx.lane, c->frame, opcode, 0, 0, c->reqid, payload, plen, 1,
		  timeout_ms > 0 ? timeout_ms : ep->timeout_ms);
	net_call_send(ep, c, dest);
	*out = c;
	return 0;
}

int net_send_raw(struct net_ep *ep, fi_addr_t dest, const void *frame, size_t len)
{
	struct net_waiter w;
	struct net_call *c;
	int rc;

	rc = net_call_new(ep, len, 0, 0, &c);
	if (rc)
		return rc;
	memcpy(c->frame, frame, len);
	rc = net_call_send(ep, c, dest);
	net_waiter_init(ep, &w);
	pthread_mutex_lock(&ep->lock);
	while (c->sending && net_ms_until(&c->deadline) > 0)
		net_wait_locked(ep, &w, &c->deadline);
	if (!rc && c->sending)
		rc = -ETIMEDOUT;
	net_waiter_done(ep, &w);
	pthread_mutex_unlock(&ep->lock);
	net_call_free(c);
	return rc;
}

/* With ep->lock held: the earliest deadline among unfinished calls, marking
 * calls already past theirs as timed out (*stalled: the lane of one that
 * went out and got no answer). Returns 0 when all are done. */
static int net_calls_pending(struct net_call **calls, size_t n, struct timespec *first,
			     struct net_lane **stalled)
{
	int pending = 0;

	for (size_t i = 0; i < n; i++) {
		struct net_call *c = calls[i];

		if (c->done)
			continue;
		if (net_ms_until(&c->deadline) <= 0) {
			c->done = 1;
			c->result = -ETIMEDOUT;
			if (!c->unsent)
				*stalled = c->ctx.lane;
			continue;
		}
		if (!pending || c->deadline.tv_sec < first->tv_sec ||
		    (c->deadline.tv_sec == first->tv_sec && c->deadline.tv_nsec < first->tv_nsec))
			*first = c->deadline;
		pending = 1;
	}
	return pending;
}

int net_call_wait(struct net_ep *ep, struct net_call **calls, size_t n)
{
	struct net_lane *stalled = NULL;
	struct net_waiter w;
	struct timespec first;

	net_waiter_init(ep, &w);
	pthread_mutex_lock(&ep->lock);
	for (size_t i = 0; i < n; i++)
		calls[i]->waiter = &w;
	/* Reap what has already arrived before judging deadlines: a caller
	 * that comes back late to a call (it waited for another one first)
	 * must not take a reply sitting in the CQ for a timeout. */
	if (!ep->poller) {
		ep->poller = 1;
		pthread_mutex_unlock(&ep->lock);
		net_progress(ep, 0, 0);
		pthread_mutex_lock(&ep->lock);
		ep->poller = 0;
	}
	while (net_calls_pending(calls, n, &first, &stalled))
		net_wait_locked(ep, &w, &first);
	for (size_t i = 0; i < n; i++)
		calls[i]->waiter = NULL;
	net_waiter_done(ep, &w);
	/* The reset itself waits for the polling role (net_progress): opening
	 * an endpoint on the CQ while another thread reads it is a pattern
	 * libfabric 1.17 crashed on once (a segfault inside fi_cq_read, seen
	 * under ASan in test_fault). */
	pthread_mutex_unlock(&ep->lock);
	if (stalled)
		__atomic_store_n(&ep->stalled, stalled, __ATOMIC_RELEASE);
	return 0;
}

int net_call_unsent(const struct net_call *c)
{
	return c->unsent;
}

int net_call_result(struct net_call *c, int *status, const void **payload, size_t *plen)
{
	if (c->result)
		return c->result;
	*status = c->status;
	*payload = c->reply;
	*plen = c->reply_len;
	return 0;
}

void net_call_free(struct net_call *c)
{
	struct net_ep *ep;

	if (!c)
		return;
	ep = c->ep;
	pthread_mutex_lock(&ep->lock);
	if (c->sending) {
		/* libfabric still owns the frame: free at its completion. */
		c->freed = 1;
		c->done = 1;
		pthread_mutex_unlock(&ep->lock);
		return;
	}
	net_call_unlink(ep, c);
	pthread_mutex_unlock(&ep->lock);
	net_call_destroy(c);
}

int net_rpc(struct net_ep *ep, fi_addr_t dest, uint16_t opcode,
	    const void *payload, size_t plen, void *reply, size_t rcap, size_t *rlen)
{
	struct net_call *c;
	const void *rp;
	size_t n = 0;
	int rc, status = 0;

	rc = net_call_start(ep, dest, opcode, payload, plen, 0, &c);
	if (rc)
		return rc;
	net_call_wait(ep, &c, 1);
	rc = net_call_result(c, &status, &rp, &n);
	if (rc)
		goto out;
	if (n > rcap) {
		rc = -EMSGSIZE;
		goto out;
	}
	if (n)
		memcpy(reply, rp, n);
	rc = status;
out:
	if (rlen)
		*rlen = rc ? 0 : n;
	net_call_free(c);
	return rc;
}
