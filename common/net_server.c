/* net_server.c - serving requests: the leader/follower worker pool (the
 * worker that reaps a request serves it), request info, and replies. */
#include <string.h>
#include "log.h"
#include "net_int.h"

struct net_worker_arg {
	struct net_ep *ep;
	int index;
};

void net_set_thread_init(struct net_ep *ep, net_thread_init_fn fn, void *arg)
{
	ep->thread_init = fn;
	ep->thread_init_arg = arg;
}

/* With ep->lock held: r waited in the queue past its caller's deadline (a
 * backlog after a stall, say). Serving it would tie a worker up in RMA to a
 * buffer the caller has let go, ahead of requests someone still waits for;
 * the caller already counts it as timed out, so it gets that answer. */
static void net_skip_expired_locked(struct net_ep *ep, struct net_req *r)
{
	pthread_mutex_unlock(&ep->lock);
	log_msg(LOG_DEBUG, "op %u reqid %llu: its caller gave up while it was queued",
		r->hdr.opcode, (unsigned long long)r->hdr.reqid);
	net_reply(r, -ETIMEDOUT, NULL, 0);
	pthread_mutex_lock(&ep->lock);
}

/* A worker of the leader/follower pool: serve a queued request if there is
 * one; else poll the CQ if nobody does; else sleep until either changes.
 * The poller that reaps a request serves it itself (no hand-off on the
 * request's path) and wakes one idle worker, which takes over polling or
 * the next queued request and in turn wakes the next one. */
static void *net_worker_main(void *p)
{
	struct net_worker_arg *wa = p;
	struct net_ep *ep = wa->ep;
	int index = wa->index;

	free(wa);
	if (ep->thread_init)
		ep->thread_init(index, ep->thread_init_arg);
	pthread_mutex_lock(&ep->lock);
	while (!ep->stopping) {
		struct net_req *r = ep->queue_head;

		if (r) {
			ep->queue_head = r->next;
			if (!ep->queue_head)
				ep->queue_tail = NULL;
			if (ep->idle && (!ep->poller || ep->queue_head))
				pthread_cond_signal(&ep->idle_cond);
			else if (!ep->poller && ep->waiters)
				pthread_cond_signal(&ep->waiters->cond);
			r->worker = index;
			if (net_ms_until(&r->deadline) <= 0) {
				net_skip_expired_locked(ep, r);
				continue;
			}
			pthread_mutex_unlock(&ep->lock);
			ep->handler(r, ep->handler_arg);
			pthread_mutex_lock(&ep->lock);
			continue;
		}
		if (!ep->poller) {
			ep->poller = 1;
			pthread_mutex_unlock(&ep->lock);
			net_progress(ep, NET_SREAD_MAX_MS, 0);
			pthread_mutex_lock(&ep->lock);
			/* Loop: serve what came in (passing the polling role on),
			 * or poll again. */
			ep->poller = 0;
			continue;
		}
		ep->idle++;
		pthread_cond_wait(&ep->idle_cond, &ep->lock);
		ep->idle--;
	}
	pthread_mutex_unlock(&ep->lock);
	return NULL;
}

int net_serve(struct net_ep *ep, int nworkers, net_handler_fn fn, void *arg)
{
	if (nworkers < 1 || nworkers > 256 || ep->serving)
		return -EINVAL;
	ep->workers = calloc((size_t)nworkers, sizeof(*ep->workers));
	if (!ep->workers)
		return -ENOMEM;
	ep->handler = fn;
	ep->handler_arg = arg;
	ep->serving = 1;
	for (int i = 0; i < nworkers; i++) {
		struct net_worker_arg *wa = malloc(sizeof(*wa));

		if (wa) {
			wa->ep = ep;
			wa->index = i;
		}
		if (!wa || pthread_create(&ep->workers[i], NULL, net_worker_main, wa)) {
			free(wa);
			ep->nworkers = i;
			net_stop_threads(ep);
			return -EAGAIN;
		}
		ep->nworkers = i + 1;
	}
	return 0;
}

void net_req_info(const struct net_req *r, struct net_req_info *info)
{
	info->opcode = r->hdr.opcode;
	info->reqid = r->hdr.reqid;
	info->src = r->src;
	info->payload = r->rx + WIRE_HDR_LEN + r->hdr.src_len;
	info->plen = r->hdr.payload_len;
	info->deadline = r->deadline;
}

int net_req_worker(const struct net_req *r)
{
	return r->worker;
}

int net_reply(struct net_req *r, int status, const void *payload, size_t plen)
{
	struct net_ep *ep = r->ep;
	struct timespec deadline;
	size_t len;
	int rc;

	if (status > 0 || status < -4095)
		status = -EIO;
	if (WIRE_HDR_LEN + plen > WIRE_MSG_MAX) {
		status = -EMSGSIZE;
		plen = 0;
	}
	len = net_frame(r->lane, r->tx, r->hdr.opcode, WIRE_FLAG_REPLY, status, r->hdr.reqid,
			payload, status ? 0 : plen, 0, 0);
	net_deadline(&deadline, ep->timeout_ms);
	/* On the lane the request came in on, over the client's connection.
	 * A failure resets nothing: the client replaces its own lane. */
	rc = net_send(ep, r->tx, len, net_lane_rx_desc(r->lane), r->src, &r->reply_ctx,
		      &deadline);
	if (rc)
		net_rx_repost(ep, r);   /* no completion will come: recycle now */
	return rc;
}
