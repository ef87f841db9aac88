/* net_rma.c - a server's RMA on behalf of a request: pulling a client's
 * buffer (fi_read) or pushing into it (fi_write), started and waited for. */
#include <rdma/fi_rma.h>
#include "net_int.h"

/* The deadline of a server's RMA: its own timeout, or the caller's if sooner. */
static void net_rma_deadline(const struct net_ep *ep, const struct timespec *until,
			     struct timespec *deadline)
{
	net_deadline(deadline, ep->timeout_ms);
	if (until && (until->tv_sec < deadline->tv_sec ||
		      (until->tv_sec == deadline->tv_sec && until->tv_nsec < deadline->tv_nsec)))
		*deadline = *until;
}

int net_rma_start(struct net_ep *ep, int write, fi_addr_t peer, void *local, size_t len,
		  struct net_mr *lmr, uint64_t raddr, uint64_t rkey, const struct timespec *until,
		  struct net_rma **out)
{
	struct net_rma *op = calloc(1, sizeof(*op));
	struct net_retry retry = { .wait_ms = 0 };
	struct net_lane *lane;
	ssize_t rc;

	*out = NULL;
	if (!op)
		return -ENOMEM;
	op->ctx.kind = NET_CTX_RMA;
	net_rma_deadline(ep, until, &op->deadline);
	/* A server's RMA goes to a client over the connection the request
	 * came in on, which is the listening lane's. */
	pthread_mutex_lock(&ep->lock);
	lane = op->ctx.lane = ep->serve;
	net_lane_get_locked(lane);
	pthread_mutex_unlock(&ep->lock);
	for (;;) {
		net_prov_lock(ep);
		if (write)
			rc = fi_write(lane->ep, local, len, net_mr_desc(lmr), peer, raddr, rkey, &op->ctx);
		else
			rc = fi_read(lane->ep, local, len, net_mr_desc(lmr), peer, raddr, rkey, &op->ctx);
		net_prov_unlock(ep);
		if (rc != -FI_EAGAIN)
			break;
		if (net_ms_until(&op->deadline) <= 0) {
			rc = -FI_ETIMEDOUT;
			break;
		}
		net_backoff(ep, &retry);
	}
	if (rc) {
		free(op);
		net_lane_put(ep, lane);
		return net_errno(rc);
	}
	*out = op;
	return 0;
}

int net_rma_wait(struct net_ep *ep, struct net_rma *op)
{
	struct net_waiter w;
	int result;

	net_waiter_init(ep, &w);
	pthread_mutex_lock(&ep->lock);
	op->waiter = &w;
	while (!op->done && net_ms_until(&op->deadline) > 0)
		net_wait_locked(ep, &w, &op->deadline);
	op->waiter = NULL;
	net_waiter_done(ep, &w);
	if (!op->done) {
		op->abandoned = 1;    /* the completion frees it */
		pthread_mutex_unlock(&ep->lock);
		return -ETIMEDOUT;
	}
	result = op->result;
	pthread_mutex_unlock(&ep->lock);
	free(op);
	return result;
}

static int net_rma(struct net_ep *ep, int write, fi_addr_t peer, void *local, size_t len,
		   struct net_mr *lmr, uint64_t raddr, uint64_t rkey, const struct timespec *until)
{
	struct net_rma *op;
	int rc = net_rma_start(ep, write, peer, local, len, lmr, raddr, rkey, until, &op);

	return rc ? rc : net_rma_wait(ep, op);
}

int net_rma_read(struct net_ep *ep, fi_addr_t peer, void *local, size_t len,
		 struct net_mr *lmr, uint64_t raddr, uint64_t rkey, const struct timespec *until)
{
	return net_rma(ep, 0, peer, local, len, lmr, raddr, rkey, until);
}

int net_rma_write(struct net_ep *ep, fi_addr_t peer, const void *local, size_t len,
		  struct net_mr *lmr, uint64_t raddr, uint64_t rkey, const struct timespec *until)
{
	return net_rma(ep, 1, peer, (void *)local, len, lmr, raddr, rkey, until);
}
