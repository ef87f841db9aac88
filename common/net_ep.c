/* net_ep.c - the endpoint: fabric, domain, CQ and AV setup, the lanes that
 * carry calls (opened, retired, replaced), the call table, and closing.
 *
 * Lanes. libfabric 1.17's tcp provider, when a peer dies just after a
 * connection to it was set up, can keep that connection "connected" on a
 * dead socket: every send fails (EPIPE) but the msg endpoint is never shut
 * down, so ofi_rxm never sees a shutdown event and keeps using the dead
 * connection for that peer forever, through any number of restarts of the
 * peer. Neither fi_av_remove + fi_av_insert of the address (rxm keeps the
 * connection keyed by the address) nor an equivalent address with other
 * padding (the AV rejects a sockaddr_in with non-zero sin_zero) gets a new
 * connection. A new rxm endpoint does: connections belong to the endpoint.
 * So a net_ep runs on one or more lanes (rxm endpoints sharing the domain,
 * AV and CQ, so fi_addr_t handles and the completion path stay the same):
 * calls go out on the call lane, and a call failing with a broken
 * connection retires that lane and opens a new one, once per lane however
 * many calls fail at once. Every call carries its lane's address, so its
 * reply comes back on the connection it went out on. A server's listening
 * lane never retires (its address is what clients know); a server's own
 * calls (OSS -> MDS registration, MDS -> OSS destroys) move to a private
 * lane instead. Replies and RMA, which a server sends over a connection the
 * client made, never reset anything: the client replaces its own lane and
 * rxm on the server drops the old connection when the client's new one
 * comes in. A retired lane keeps receiving until the calls sent on it are
 * freed, then cancels its receives and, when nothing is posted on it any
 * more, frees its buffers; its endpoint stays open until net_close (closing
 * it would crash libfabric 1.17, see net_lane_spend_locked), which costs one
 * idle rxm endpoint per reset; resets happen only when a connection breaks
 * (or a call times out, see net_lane_reset). */
#include <netinet/in.h>
#include <string.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include "log.h"
#include "net_int.h"

#define NET_TIMEOUT_RESETS 8      /* lanes replaced after timeouts, at most */
#define NET_TIMEOUT_RESET_GAP_NS 5000000000LL /* and not more often */

/* ---- provider ---- */

static const char *net_prov_name(const char *provider)
{
	if (!provider || !strcmp(provider, "tcp"))
		return "tcp;ofi_rxm";
	if (!strcmp(provider, "verbs"))
		return "verbs;ofi_rxm";
	return provider;
}

static struct fi_info *net_hints(const char *provider)
{
	struct fi_info *hints = fi_allocinfo();

	if (!hints)
		return NULL;
	hints->caps = FI_MSG | FI_RMA | FI_READ | FI_WRITE | FI_REMOTE_READ | FI_REMOTE_WRITE;
	hints->mode = FI_CONTEXT | FI_CONTEXT2;
	hints->ep_attr->type = FI_EP_RDM;
	hints->domain_attr->threading = FI_THREAD_SAFE;
	hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED |
				      FI_MR_PROV_KEY | FI_MR_ENDPOINT;
	hints->fabric_attr->prov_name = strdup(net_prov_name(provider));
	return hints;
}

/* ---- lanes ---- */

void *net_lane_rx_desc(struct net_lane *lane)
{
	return lane->rx_mr ? fi_mr_desc(lane->rx_mr) : NULL;
}

/* With ep->lock held: posts r's receive buffer. */
static int net_rx_post_locked(struct net_ep *ep, struct net_req *r)
{
	ssize_t rc;

	do {
		net_prov_lock(ep);
		rc = fi_recv(r->lane->ep, r->rx, WIRE_MSG_MAX, net_lane_rx_desc(r->lane),
			     FI_ADDR_UNSPEC, &r->ctx);
		net_prov_unlock(ep);
	} while (rc == -FI_EAGAIN && !ep->stopping);
	return net_errno(rc);
}

static void net_lane_close(struct net_lane *lane)
{
	if (!lane)
		return;
	if (lane->ep)
		fi_close(&lane->ep->fid);
	if (lane->rx_mr)
		fi_close(&lane->rx_mr->fid);
	free(lane->reqs);
	free(lane->mem);
	free(lane);
}

/* With ep->lock held: a drained retired lane gives back its buffers but
 * keeps its endpoint open until net_close: in libfabric 1.17, closing one
 * rxm endpoint of a CQ that stays open makes the next fi_cq_sread on it
 * crash (the wait set keeps the closed endpoint). What is left per reset
 * is one idle rxm endpoint (a listening socket and its dead connections). */
static void net_lane_spend_locked(struct net_ep *ep, struct net_lane *lane)
{
	if (lane->rx_mr)
		fi_close(&lane->rx_mr->fid);
	lane->rx_mr = NULL;
	free(lane->reqs);
	lane->reqs = NULL;
	lane->nreqs = 0;
	free(lane->mem);
	lane->mem = NULL;
	lane->next = ep->spent;
	ep->spent = lane;
}

/* With ep->lock held: one operation on the lane is over; the last one of a
 * retired lane that stopped receiving spends it. */
void net_lane_put_locked(struct net_ep *ep, struct net_lane *lane)
{
	struct net_lane **pp;

	lane->ops--;
	if (!lane->retired || !lane->cancelled || lane->ops || ep->stopping)
		return;
	for (pp = &ep->retired; *pp && *pp != lane; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = lane->next;
	net_lane_spend_locked(ep, lane);
}

void net_lane_put(struct net_ep *ep, struct net_lane *lane)
{
	pthread_mutex_lock(&ep->lock);
	net_lane_put_locked(ep, lane);
	pthread_mutex_unlock(&ep->lock);
}

void net_lane_get_locked(struct net_lane *lane)
{
	lane->ops++;
}

/* With ep->lock held: a retired lane none of whose calls is left stops
 * receiving; the cancelled receives complete with FI_ECANCELED and the
 * last one closes the lane (net_rx_repost). */
static void net_lane_cancel_locked(struct net_ep *ep, struct net_lane *lane)
{
	if (lane->cancelled)
		return;
	lane->cancelled = 1;
	net_prov_lock(ep);
	for (int i = 0; i < lane->nreqs; i++)
		fi_cancel(&lane->ep->fid, &lane->reqs[i].ctx);
	net_prov_unlock(ep);
}

void net_rx_repost(struct net_ep *ep, struct net_req *r)
{
	struct net_lane *lane = r->lane;

	pthread_mutex_lock(&ep->lock);
	if (ep->stopping || lane->cancelled || net_rx_post_locked(ep, r))
		net_lane_put_locked(ep, lane);
	pthread_mutex_unlock(&ep->lock);
}

/* The info a new lane is opened with: a server's own address with port 0,
 * since the listening lane holds the port. */
static int net_lane_info(struct net_ep *ep, struct fi_info **out)
{
	struct fi_info *info;

	if (!ep->fixed) {
		*out = ep->info;
		return 0;
	}
	info = fi_dupinfo(ep->info);
	if (!info)
		return -ENOMEM;
	if (info->src_addr && info->addr_format == FI_SOCKADDR_IN &&
	    info->src_addrlen >= sizeof(struct sockaddr_in)) {
		((struct sockaddr_in *)info->src_addr)->sin_port = 0;
	} else if (info->src_addr && info->addr_format == FI_SOCKADDR_IN6 &&
		   info->src_addrlen >= sizeof(struct sockaddr_in6)) {
		((struct sockaddr_in6 *)info->src_addr)->sin6_port = 0;
	} else {
		free(info->src_addr);
		info->src_addr = NULL;
		info->src_addrlen = 0;
	}
	*out = info;
	return 0;
}

/* Opens a lane: an endpoint on the shared CQ and AV with its receive
 * buffers posted. */
static int net_lane_open(struct net_ep *ep, struct fi_info *info, struct net_lane **out)
{
	size_t per = 2 * (size_t)WIRE_MSG_MAX;
	struct net_lane *lane = calloc(1, sizeof(*lane));
	int rc;

	if (!lane)
		return -ENOMEM;
	net_prov_lock(ep);
	rc = fi_endpoint(ep->domain, info, &lane->ep, NULL);
	if (!rc)
		rc = fi_ep_bind(lane->ep, &ep->cq->fid, FI_TRANSMIT | FI_RECV);
	if (!rc)
		rc = fi_ep_bind(lane->ep, &ep->av->fid, 0);
	if (!rc)
		rc = fi_enable(lane->ep);
	if (!rc) {
		lane->self_len = sizeof(lane->self);
		rc = fi_getname(&lane->ep->fid, lane->self, &lane->self_len);
	}
	net_prov_unlock(ep);
	if (rc) {
		log_msg(LOG_ERR, "libfabric endpoint: %s", fi_strerror(-rc));
		rc = net_errno(rc);
		goto fail;
	}
	lane->nreqs = ep->rx_depth;
	lane->reqs = calloc((size_t)lane->nreqs, sizeof(*lane->reqs));
	lane->mem = aligned_alloc(4096, per * (size_t)lane->nreqs);
	if (!lane->reqs || !lane->mem) {
		rc = -ENOMEM;
		goto fail;
	}
	if (ep->mr_mode & FI_MR_LOCAL) {
		pthread_mutex_lock(&ep->lock);
		uint64_t key = ep->next_key++;
		pthread_mutex_unlock(&ep->lock);
		rc = fi_mr_reg(ep->domain, lane->mem, per * (size_t)lane->nreqs,
			       FI_SEND | FI_RECV, 0, key, 0, &lane->rx_mr, NULL);
		if (!rc && (ep->mr_mode & FI_MR_ENDPOINT)) {
			rc = fi_mr_bind(lane->rx_mr, &lane->ep->fid, 0);
			if (!rc)
				rc = fi_mr_enable(lane->rx_mr);
		}
		if (rc) {
			rc = net_errno(rc);
			goto fail;
		}
	}
	pthread_mutex_lock(&ep->lock);
	for (int i = 0; i < lane->nreqs && !rc; i++) {
		struct net_req *r = &lane->reqs[i];

		r->ctx.kind = NET_CTX_RX;
		r->ctx.lane = lane;
		r->reply_ctx.kind = NET_CTX_REPLY_SEND;
		r->reply_ctx.lane = lane;
		r->ep = ep;
		r->lane = lane;
		r->rx = lane->mem + per * (size_t)i;
		r->tx = r->rx + WIRE_MSG_MAX;
		/* A receive buffer is one operation from here until it is
		 * not reposted (net_rx_repost). */
		net_lane_get_locked(lane);
		rc = net_rx_post_locked(ep, r);
		if (rc)
			lane->ops--;
	}
	pthread_mutex_unlock(&ep->lock);
fail:
	/* On failure too: the caller closes what was opened. */
	*out = lane;
	return rc;
}

int net_conn_broken(int fi_err)
{
	switch (fi_err) {
	case EPIPE: case FI_ENOTCONN: case FI_ECONNRESET: case FI_ECONNABORTED:
		return 1;
	}
	return 0;
}

/* A call sent on lane failed with a broken connection, or got no answer
 * in time (timeout): unless that was handled already (the lane is no longer
 * the call lane), new calls go out on a fresh lane and the old one retires
 * (a server's listening lane stays). Refused or unreachable peers do not
 * come here: rxm frees a connection that failed to set up, so there is
 * nothing stale to drop.
 * Why a timeout too: after a link was cut for a few seconds, or under heavy
 * loss, a TCP connection can sit in retransmission back-off (the timer
 * doubles up to tens of seconds) long after the path is clean again; calls
 * on it keep timing out while a new connection works at once. Each reset
 * keeps one idle endpoint until net_close (see net_lane_spend_locked), tens
 * of MB with libfabric 1.17's defaults (mostly rxm's shared receive pool;
 * docs/PERFORMANCE.md), so timeouts reset at most NET_TIMEOUT_RESETS
 * times per endpoint and once per NET_TIMEOUT_RESET_GAP_NS (resets during
 * an outage do not help; one soon after it does), then calls wait for TCP
 * to retransmit. */
void net_lane_reset(struct net_ep *ep, struct net_lane *failed, int timeout)
{
	struct fi_info *info = NULL;
	struct net_lane *fresh = NULL, *old;
	int rc;

	pthread_mutex_lock(&ep->lock);
	if (!ep->can_reset || failed != ep->call || ep->resetting || ep->stopping ||
	    (timeout && (ep->timeout_resets >= NET_TIMEOUT_RESETS ||
			 (ep->timeout_resets &&
			  net_now_ns() - ep->last_timeout_reset_ns < NET_TIMEOUT_RESET_GAP_NS)))) {
		pthread_mutex_unlock(&ep->lock);
		return;
	}
	ep->resetting = 1;
	pthread_mutex_unlock(&ep->lock);
	rc = net_lane_info(ep, &info);
	if (!rc)
		rc = net_lane_open(ep, info, &fresh);
	if (info && info != ep->info)
		fi_freeinfo(info);
	pthread_mutex_lock(&ep->lock);
	ep->resetting = 0;
	if (rc || ep->stopping) {
		/* Calls stay on the old lane; the next failure tries again. */
		if (fresh) {
			/* Not closed (see net_lane_spend_locked); its
			 * receives stay posted until net_close. */
			fresh->next = ep->spent;
			ep->spent = fresh;
		}
		pthread_mutex_unlock(&ep->lock);
		log_msg(LOG_WARN, "could not open a new endpoint: %d", rc);
		return;
	}
	old = ep->call;
	ep->call = fresh;
	ep->resets++;
	if (timeout) {
		ep->timeout_resets++;
		ep->last_timeout_reset_ns = net_now_ns();
	}
	if (old == ep->serve && !ep->fixed && !ep->serving)
		ep->serve = fresh;
	if (old != ep->serve) {
		old->retired = 1;
		old->next = ep->retired;
		ep->retired = old;
		if (!old->calls)
			net_lane_cancel_locked(ep, old);
	}
	pthread_mutex_unlock(&ep->lock);
	log_msg(LOG_DEBUG, "%s: calls go out on a new endpoint",
		timeout ? "a call got no answer in time" : "a connection broke");
}

/* ---- opening and closing ---- */

static int net_open_fabric(struct net_ep *ep, const struct net_opts *opts)
{
	struct fi_cq_attr cq_attr = { .format = FI_CQ_FORMAT_MSG, .wait_obj = FI_WAIT_UNSPEC,
				      .size = 4096 };
	struct fi_av_attr av_attr = { .type = FI_AV_UNSPEC };
	struct fi_info *hints = net_hints(opts->provider);
	uint64_t flags = opts->node || opts->service ? FI_SOURCE : 0;
	int rc;

	if (!hints)
		return -ENOMEM;
	ep->fixed = flags != 0;
	rc = fi_getinfo(NET_FI_VERSION, opts->node, opts->service, flags, hints, &ep->info);
	fi_freeinfo(hints);
	if (rc) {
		log_msg(LOG_ERR, "fi_getinfo(%s, %s:%s): %s", net_prov_name(opts->provider),
			opts->node ? opts->node : "-", opts->service ? opts->service : "-",
			fi_strerror(-rc));
		return rc == -FI_ENODATA ? -ENODEV : net_errno(rc);
	}
	ep->mr_mode = ep->info->domain_attr->mr_mode;
	ep->rxm = strstr(ep->info->fabric_attr->prov_name, "ofi_rxm") != NULL;
	/* Memory regions bound to one endpoint would not serve another. */
	ep->can_reset = !(ep->mr_mode & FI_MR_ENDPOINT);
	rc = fi_fabric(ep->info->fabric_attr, &ep->fabric, NULL);
	if (!rc)
		rc = fi_domain(ep->fabric, ep->info, &ep->domain, NULL);
	if (!rc)
		rc = fi_cq_open(ep->domain, &cq_attr, &ep->cq, NULL);
	if (!rc)
		rc = fi_av_open(ep->domain, &av_attr, &ep->av, NULL);
	if (rc) {
		log_msg(LOG_ERR, "libfabric setup: %s", fi_strerror(-rc));
		return net_errno(rc);
	}
	rc = net_lane_open(ep, ep->info, &ep->serve);
	if (rc) {
		net_lane_close(ep->serve);
		ep->serve = NULL;
		return rc;
	}
	ep->call = ep->serve;
	{
		/* A CQ that can hand out a wait fd sleeps in the kernel. */
		int fd = -1;

		ep->nap_wait = fi_control(&ep->cq->fid, FI_GETWAIT, &fd) != 0 || fd < 0;
		if (ep->nap_wait)
			log_msg(LOG_DEBUG, "%s: no CQ wait object, polling with naps",
				ep->info->fabric_attr->prov_name);
	}
	return 0;
}

int net_open(const struct net_opts *opts, struct net_ep **out)
{
	struct net_ep *ep = calloc(1, sizeof(*ep));
	pthread_condattr_t ca;
	int rc;

	if (!ep)
		return -ENOMEM;
	ep->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
	ep->rx_depth = opts->rx_depth > 0 ? opts->rx_depth : 64;
	ep->next_key = 1;
	ep->next_reqid = ((uint64_t)time(NULL) << 20) ^ ((uint64_t)(uintptr_t)ep >> 4);
	pthread_mutex_init(&ep->lock, NULL);
	pthread_mutex_init(&ep->prov_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ep->cond, &ca);
	pthread_cond_init(&ep->idle_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_condattr_init(&ep->cattr);
	pthread_condattr_setclock(&ep->cattr, CLOCK_MONOTONIC);
	rc = net_open_fabric(ep, opts);
	if (rc) {
		net_close(ep);
		return rc;
	}
	*out = ep;
	return 0;
}

static void net_free_tables(struct net_ep *ep)
{
	for (int b = 0; b < NET_CALL_BUCKETS; b++) {
		while (ep->calls[b]) {
			struct net_call *c = ep->calls[b];

			ep->calls[b] = c->next;
			net_call_destroy(c);
		}
	}
	net_peers_free(ep);
}

void net_stop_threads(struct net_ep *ep)
{
	if (!ep->serving)
		return;
	pthread_mutex_lock(&ep->lock);
	ep->stopping = 1;
	pthread_cond_broadcast(&ep->idle_cond);
	pthread_cond_broadcast(&ep->cond);
	for (struct net_waiter *w = ep->waiters; w; w = w->next)
		pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&ep->lock);
	/* Wake the worker inside fi_cq_sread now rather than at the end of its
	 * NET_SREAD_MAX_MS sleep (a napping one sees stopping by itself). */
	if (!ep->nap_wait)
		fi_cq_signal(ep->cq);
	for (int i = 0; i < ep->nworkers; i++)
		pthread_join(ep->workers[i], NULL);
	free(ep->workers);
	ep->serving = 0;
}

void net_close(struct net_ep *ep)
{
	if (!ep)
		return;
	net_stop_threads(ep);
	ep->stopping = 1;
	while (ep->spent) {
		struct net_lane *l = ep->spent;

		ep->spent = l->next;
		net_lane_close(l);
	}
	while (ep->retired) {
		struct net_lane *l = ep->retired;

		ep->retired = l->next;
		net_lane_close(l);
	}
	if (ep->call != ep->serve)
		net_lane_close(ep->call);
	net_lane_close(ep->serve);
	if (ep->av)
		fi_close(&ep->av->fid);
	if (ep->cq)
		fi_close(&ep->cq->fid);
	if (ep->domain)
		fi_close(&ep->domain->fid);
	if (ep->fabric)
		fi_close(&ep->fabric->fid);
	if (ep->info)
		fi_freeinfo(ep->info);
	net_free_tables(ep);
	pthread_cond_destroy(&ep->cond);
	pthread_cond_destroy(&ep->idle_cond);
	pthread_condattr_destroy(&ep->cattr);
	pthread_mutex_destroy(&ep->lock);
	pthread_mutex_destroy(&ep->prov_lock);
	free(ep);
}

int net_getname(struct net_ep *ep, void *addr, size_t *len)
{
	int rc = 0;

	pthread_mutex_lock(&ep->lock);
	if (*len < ep->serve->self_len) {
		rc = -ENOSPC;
	} else {
		memcpy(addr, ep->serve->self, ep->serve->self_len);
		*len = ep->serve->self_len;
	}
	pthread_mutex_unlock(&ep->lock);
	return rc;
}

int net_timeout_ms(const struct net_ep *ep)
{
	return ep->timeout_ms;
}

int net_rma_overlaps(const struct net_ep *ep)
{
	return ep->rxm;
}

uint64_t net_dropped(const struct net_ep *ep)
{
	return ep->dropped;
}

uint64_t net_resets(const struct net_ep *ep)
{
	return ep->resets;
}

/* ---- the call table ---- */

struct net_call *net_call_find(struct net_ep *ep, uint64_t reqid)
{
	struct net_call *c;

	for (c = ep->calls[reqid % NET_CALL_BUCKETS]; c; c = c->next)
		if (c->reqid == reqid)
			return c;
	return NULL;
}

/* With ep->lock held: the call is being freed. The last call of a
 * retired lane lets it stop receiving. */
void net_call_unlink(struct net_ep *ep, struct net_call *call)
{
	struct net_call **pp = &ep->calls[call->reqid % NET_CALL_BUCKETS];
	struct net_lane *lane = call->ctx.lane;

	while (*pp && *pp != call)
		pp = &(*pp)->next;
	if (*pp)
		*pp = call->next;
	if (--lane->calls == 0 && lane->retired && !ep->stopping)
		net_lane_cancel_locked(ep, lane);
}
