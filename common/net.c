/* net.c - one libfabric RDM endpoint carrying pfs RPCs and RMA bulk data.
 * Completions are reaped with blocking fi_cq_sread by one thread at a time
 * (whichever thread needs progress first: a client waiting for a reply, a
 * server worker waiting for RMA, or an idle server worker), so an idle
 * process sleeps in the kernel instead of polling. A server serves with a
 * leader/follower pool: the worker that reaps a request handles it itself
 * and passes the polling role to an idle worker, so no request waits for a
 * thread hand-off (futex wake-up and context switch) before it is served.
 * A thread waiting for its own call or RMA sleeps on its own condition
 * variable (struct net_waiter), signalled only when that operation completes
 * or when the polling role passes to it, so a completion wakes one thread,
 * not every waiter; and while an operation is outstanding the poller spins
 * on the CQ for up to NET_SPIN_WAIT_NS before sleeping in the kernel, so a
 * reply that comes back quickly costs no wake-up at all.
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
 * idle rxm endpoint per reset: resets happen only when a connection breaks,
 * a handful in a run of 60 server kills. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>
#include "log.h"
#include "net.h"

#define NET_FI_VERSION FI_VERSION(1, 11)
#define NET_CALL_BUCKETS 256
#define NET_PEER_BUCKETS 256
#define NET_CQ_BATCH 16
#define NET_TIMEOUT_RESETS 8      /* lanes replaced after timeouts, at most */
#define NET_TIMEOUT_RESET_GAP_NS 5000000000LL /* and not more often */
#define NET_SREAD_MAX_MS 1000   /* longest single sleep in fi_cq_sread */
/* Providers whose CQ has no kernel wait object (shm in libfabric 1.17 only
 * yields in a loop inside fi_cq_sread, ~90% of a core per idle process):
 * poll with sched_yield for a while after the last completion, then sleep,
 * doubling from NET_NAP_MIN_NS up to the larger of NET_NAP_MAX_NS and
 * 1/NET_NAP_IDLE_SHARE of the time since the last completion, at most
 * NET_NAP_IDLE_MAX_NS. Wake-ups are most of an idle shm server's CPU (the
 * context switch), and a fixed 4 ms nap kept an idle 5-server cluster at
 * 2.7% of a core; the price of longer naps is that the first request after
 * T of silence may wait up to T/20 (100 ms at most).
 * How long to poll (net_nap_spins), counting a burst as the completions
 * that came less than NET_STREAM_SPIN_NS apart:
 * - a stream (NET_STREAM_CQES completions in the burst so far): for
 *   NET_STREAM_SPIN_NS. Over shm, moving data needs both sides polling, and
 *   after 1 ms both sides of a 1 MiB stream napped and waited for each
 *   other: 0.14/0.21 GiB/s stream write/read, now 0.95/0.87 (3 runs).
 * - otherwise NET_SPIN_NS (1 ms; at 250 us, a sched_yield on the 2 shared
 *   cores often outlasted it, and 4 KiB reads at queue depth 1 went from
 *   35 us to over 1 ms), but not at all after a burst that came out of
 *   NET_QUIET_NS of silence: an isolated exchange (a heartbeat every 2 s
 *   per OSS) bought 1 ms of spinning on both sides.
 * Idle cluster, 10 s: 1.16-1.21% of a core before these two rules,
 * 0.82-1.01% after; 4 KiB reads at queue depth 1 stay at 25-27 us. */
#define NET_SPIN_NS 1000000L
#define NET_NAP_MIN_NS 50000L
#define NET_NAP_MAX_NS 4000000L
#define NET_NAP_IDLE_SHARE 20
#define NET_NAP_IDLE_MAX_NS 100000000L
#define NET_QUIET_NS 100000000L
#define NET_STREAM_CQES 16
#define NET_STREAM_SPIN_NS 20000000L
/* A thread waiting for a reply or an RMA completion polls the CQ this long
 * before it sleeps in fi_cq_sread: a 4 KiB round trip on loopback is
 * 30-70 us, and the wake-up from the kernel wait (epoll, futex, scheduling)
 * is a large part of it. Only while an operation is outstanding, never when
 * idle. */
#define NET_SPIN_WAIT_NS 50000L

enum net_ctx_kind { NET_CTX_RX, NET_CTX_CALL_SEND, NET_CTX_REPLY_SEND, NET_CTX_RMA };

struct net_lane;

/* Every operation posted to libfabric carries one of these as its context;
 * fi_context2 first so providers that want FI_CONTEXT space have it. */
struct net_ctx {
	struct fi_context2 fictx;
	enum net_ctx_kind kind;
	struct net_lane *lane;       /* the endpoint it was posted on */
};

/* A posted receive buffer; while it holds a request being served it is the
 * net_req, and its tx buffer carries the reply. */
struct net_req {
	struct net_ctx ctx;
	struct net_ep *ep;
	struct net_lane *lane;
	uint8_t *rx;                 /* WIRE_MSG_MAX bytes */
	uint8_t *tx;                 /* WIRE_MSG_MAX bytes, for the reply */
	struct wire_hdr hdr;
	fi_addr_t src;
	struct timespec deadline;    /* after it the caller no longer waits */
	int worker;
	struct net_ctx reply_ctx;    /* NET_CTX_REPLY_SEND */
	struct net_req *next;        /* work queue */
};

/* A thread asleep until an operation it waits for completes or the polling
 * role passes to it; lives on the waiting thread's stack. */
struct net_waiter {
	pthread_cond_t cond;
	struct net_waiter *next;     /* ep->waiters, while asleep */
};

struct net_call {
	struct net_ctx ctx;          /* NET_CTX_CALL_SEND; ctx.lane: sent on */
	struct net_ep *ep;
	struct net_waiter *waiter;   /* the thread waiting for it, if any */
	uint64_t reqid;
	uint8_t *frame;
	size_t len;                  /* of frame */
	struct timespec deadline;
	int sending;                 /* send completion not yet seen */
	int unsent;                  /* the post failed: written and read only
	                              * by the thread that started the call */
	int done;                    /* reply, error or timeout recorded */
	int freed;                   /* owner let go; free at send completion */
	int result;                  /* transport result */
	int status;                  /* server's status */
	void *reply;
	size_t reply_len;
	struct net_call *next;       /* reqid bucket */
};

struct net_rma {
	struct net_ctx ctx;
	struct net_waiter *waiter;
	int done;
	int result;
	int abandoned;               /* waiter timed out: free at completion */
	struct timespec deadline;    /* the waiter gives up then */
};

struct net_peer {
	uint8_t addr[WIRE_ADDR_MAX];
	size_t len;
	fi_addr_t fi;
	struct net_peer *next;
};

struct net_mr {
	struct fid_mr *mr;
	struct net_ep *ep;
	uintptr_t base;
};

/* One rxm endpoint of a net_ep (see "Lanes" at the top). */
struct net_lane {
	struct fid_ep *ep;
	uint8_t self[WIRE_ADDR_MAX]; /* its address, named in the calls it sends */
	size_t self_len;
	struct net_req *reqs;        /* receive contexts */
	int nreqs;
	uint8_t *mem;
	struct fid_mr *rx_mr;        /* when FI_MR_LOCAL: all rx/tx buffers */
	/* under ep->lock: */
	unsigned ops;                /* posted, completion not yet reaped */
	unsigned calls;              /* calls sent on it, not yet freed */
	int retired;                 /* no new calls; closes when drained */
	int cancelled;               /* receives cancelled, none reposted */
	struct net_lane *next;       /* ep->retired */
};

struct net_ep {
	struct fi_info *info;
	struct fid_fabric *fabric;
	struct fid_domain *domain;
	struct fid_cq *cq;
	struct fid_av *av;
	int fixed;                   /* bound to a given address: a server */
	int can_reset;               /* lanes may be replaced (no FI_MR_ENDPOINT) */
	int timeout_ms;
	int nap_wait;                /* no kernel wait object: poll, then nap */
	int rxm;                     /* connections made by ofi_rxm (tcp, verbs) */
	int64_t last_cqe_ns;         /* nap_wait: when a completion last came */
	int burst_cqes;              /* nap_wait: completions that came less
	                              * than NET_STREAM_SPIN_NS apart, so far */
	int64_t quiet_ns;            /* nap_wait: the silence before them;
	                              * these three: the poller only */
	int64_t last_poll_ns;        /* when the CQ was last read (atomic) */
	pthread_mutex_t prov_lock;   /* nap_wait: around the libfabric calls
	                              * made while other threads run (see
	                              * net_prov_lock); innermost lock */
	uint64_t mr_mode;
	uint64_t next_key;
	int rx_depth;

	pthread_mutex_t lock;        /* everything below */
	pthread_cond_t cond;         /* net_backoff sleeps on it */
	int backoff;                 /* threads asleep in net_backoff */
	struct net_waiter *waiters;  /* threads asleep waiting for an operation */
	pthread_condattr_t cattr;    /* CLOCK_MONOTONIC, for waiters */
	int poller;                  /* a thread is inside fi_cq_sread */
	int idle;                    /* serving: workers asleep on idle_cond */
	uint64_t next_reqid;
	struct net_call *calls[NET_CALL_BUCKETS];
	struct net_peer *peers[NET_PEER_BUCKETS];
	uint64_t dropped;
	uint64_t resets;             /* call lanes replaced */
	uint64_t timeout_resets;     /* of which after a timeout */
	int64_t last_timeout_reset_ns;
	struct net_lane *serve;      /* our address (net_getname); RMA goes here */
	struct net_lane *call;       /* new calls go out here */
	struct net_lane *retired;    /* retired lanes still draining */
	struct net_lane *spent;      /* drained lanes, endpoint still open */
	int resetting;               /* a thread is opening a new call lane */
	struct net_lane *stalled;    /* a call on it timed out: the next poller
	                              * replaces it (net_lane_reset); atomic */

	/* serving */
	int serving;
	int stopping;
	net_handler_fn handler;
	void *handler_arg;
	net_thread_init_fn thread_init;
	void *thread_init_arg;
	pthread_t *workers;
	int nworkers;
	struct net_req *queue_head, *queue_tail;
	pthread_cond_t idle_cond;    /* a request is queued or nobody polls */
};

struct net_worker_arg {
	struct net_ep *ep;
	int index;
};

/* ---- time ---- */

static void net_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int64_t net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Milliseconds from now until ts (negative when past). */
static long net_ms_until(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (ts->tv_sec - now.tv_sec) * 1000 + (ts->tv_nsec - now.tv_nsec) / 1000000;
}

static int net_errno(ssize_t fi_rc)
{
	if (fi_rc >= 0)
		return 0;
	if (fi_rc == -FI_ETIMEDOUT)
		return -ETIMEDOUT;
	if (-fi_rc < 4096)
		return (int)fi_rc;
	return -EIO;
}

/* On an endpoint without a CQ wait object (libfabric 1.17's shm), one thread
 * at a time is inside libfabric. That provider guards its queues with spin
 * locks, in shared memory, and on a small machine a thread spinning on
 * one holds the core that the lock's owner needs: with 16 client threads
 * each with a 4 KiB read in flight, a fifth of the machine's time went to
 * pthread_spin_lock and reads at queue depth 16 ran at 14.7k IOPS, under the
 * 35k of depth 1. A mutex sleeps instead of spinning: 39.0k IOPS (writes
 * 9.7k -> 19.4k, cached streams 1.12/1.11 -> 1.51/1.33 GiB/s; medians of 3,
 * same machine). tcp has its own wait object and locks and is left alone.
 * Innermost: nothing takes another lock while holding it, and it is never
 * held across a wait. */
static void net_prov_lock(struct net_ep *ep)
{
	if (ep->nap_wait)
		pthread_mutex_lock(&ep->prov_lock);
}

static void net_prov_unlock(struct net_ep *ep)
{
	if (ep->nap_wait)
		pthread_mutex_unlock(&ep->prov_lock);
}

/* ---- setup ---- */

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

static void *net_lane_rx_desc(struct net_lane *lane)
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
static void net_lane_put_locked(struct net_ep *ep, struct net_lane *lane)
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

static void net_lane_put(struct net_ep *ep, struct net_lane *lane)
{
	pthread_mutex_lock(&ep->lock);
	net_lane_put_locked(ep, lane);
	pthread_mutex_unlock(&ep->lock);
}

/* With ep->lock held: takes an operation on the lane (put when it
 * completes, or at once when posting fails). */
static void net_lane_get_locked(struct net_lane *lane)
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

/* r's buffer is free again: post it, unless its lane is going away. */
static void net_rx_repost(struct net_ep *ep, struct net_req *r)
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

static int net_conn_broken(int fi_err)
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
 * on it keep timing out (a test saw 6 s of them on a clean link) while a
 * new connection works at once. Each reset keeps one idle endpoint until
 * net_close (see net_lane_spend_locked), 70-90 MB with libfabric 1.17's
 * defaults (mostly rxm's shared receive pool), so timeouts reset at most
 * NET_TIMEOUT_RESETS times per endpoint and once per
 * NET_TIMEOUT_RESET_GAP_NS (resets during an outage do not help; one
 * soon after it does), then calls wait for TCP to retransmit. */
static void net_lane_reset(struct net_ep *ep, struct net_lane *failed, int timeout)
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

/* ---- setup ---- */

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
			free(c->frame);
			free(c->reply);
			free(c);
		}
	}
	for (int b = 0; b < NET_PEER_BUCKETS; b++) {
		while (ep->peers[b]) {
			struct net_peer *p = ep->peers[b];

			ep->peers[b] = p->next;
			free(p);
		}
	}
}

static void net_stop_threads(struct net_ep *ep)
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

/* ---- addresses ---- */

static unsigned net_hash(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h % NET_PEER_BUCKETS;
}

int net_insert(struct net_ep *ep, const void *addr, size_t len, fi_addr_t *out)
{
	unsigned b = net_hash(addr, len);
	struct net_peer *p;
	int rc = 0;

	if (len == 0 || len > WIRE_ADDR_MAX)
		return -EINVAL;
	pthread_mutex_lock(&ep->lock);
	for (p = ep->peers[b]; p; p = p->next)
		if (p->len == len && !memcmp(p->addr, addr, len))
			goto found;
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	net_prov_lock(ep);
	rc = fi_av_insert(ep->av, addr, 1, &p->fi, 0, NULL) == 1 ? 0 : -EINVAL;
	net_prov_unlock(ep);
	if (rc) {
		free(p);
		goto out;
	}
	memcpy(p->addr, addr, len);
	p->len = len;
	p->next = ep->peers[b];
	ep->peers[b] = p;
found:
	*out = p->fi;
out:
	pthread_mutex_unlock(&ep->lock);
	return rc;
}

int net_resolve(struct net_ep *ep, const char *host, const char *port, fi_addr_t *out)
{
	struct fi_info *hints = fi_dupinfo(ep->info), *info = NULL;
	int rc;

	if (!hints)
		return -ENOMEM;
	free(hints->src_addr);
	hints->src_addr = NULL;
	hints->src_addrlen = 0;
	free(hints->dest_addr);
	hints->dest_addr = NULL;
	hints->dest_addrlen = 0;
	rc = fi_getinfo(NET_FI_VERSION, host, port, 0, hints, &info);
	fi_freeinfo(hints);
	if (rc)
		return rc == -FI_ENODATA ? -EHOSTUNREACH : net_errno(rc);
	if (!info->dest_addr)
		rc = -EHOSTUNREACH;
	else
		rc = net_insert(ep, info->dest_addr, info->dest_addrlen, out);
	fi_freeinfo(info);
	return rc;
}

void net_addr_str(struct net_ep *ep, const void *addr, size_t len, char *buf, size_t buflen)
{
	size_t n = buflen;

	if (!buflen)
		return;
	buf[0] = '\0';
	fi_av_straddr(ep->av, addr, buf, &n);
	buf[buflen - 1] = '\0';
	(void)len;
}

/* ---- memory registration ---- */

int net_mr_reg(struct net_ep *ep, void *buf, size_t len, int access, struct net_mr **out)
{
	struct net_mr *m = calloc(1, sizeof(*m));
	uint64_t acc = 0, key;
	int rc;

	if (!m)
		return -ENOMEM;
	if (access & NET_MR_REMOTE_READ)
		acc |= FI_REMOTE_READ | FI_SEND;
	if (access & NET_MR_REMOTE_WRITE)
		acc |= FI_REMOTE_WRITE | FI_RECV;
	if (access & NET_MR_LOCAL)
		acc |= FI_READ | FI_WRITE | FI_SEND | FI_RECV;
	pthread_mutex_lock(&ep->lock);
	key = ep->next_key++;
	pthread_mutex_unlock(&ep->lock);
	net_prov_lock(ep);
	rc = fi_mr_reg(ep->domain, buf, len, acc, 0, key, 0, &m->mr, NULL);
	if (!rc && (ep->mr_mode & FI_MR_ENDPOINT)) {
		rc = fi_mr_bind(m->mr, &ep->serve->ep->fid, 0);
		if (!rc)
			rc = fi_mr_enable(m->mr);
	}
	if (rc && m->mr)
		fi_close(&m->mr->fid);
	net_prov_unlock(ep);
	if (rc) {
		free(m);
		return net_errno(rc);
	}
	m->ep = ep;
	m->base = (uintptr_t)buf;
	*out = m;
	return 0;
}

void net_mr_close(struct net_mr *m)
{
	if (!m)
		return;
	net_prov_lock(m->ep);
	fi_close(&m->mr->fid);
	net_prov_unlock(m->ep);
	free(m);
}

uint64_t net_mr_key(const struct net_mr *m)
{
	return fi_mr_key(m->mr);
}

uint64_t net_mr_raddr(const struct net_mr *m, const void *ptr)
{
	if (m->ep->mr_mode & FI_MR_VIRT_ADDR)
		return (uint64_t)(uintptr_t)ptr;
	return (uint64_t)((uintptr_t)ptr - m->base);
}

static void *net_mr_desc(struct net_mr *m)
{
	return m ? fi_mr_desc(m->mr) : NULL;
}

/* ---- completion dispatch ---- */

static struct net_call *net_call_find(struct net_ep *ep, uint64_t reqid)
{
	struct net_call *c;

	for (c = ep->calls[reqid % NET_CALL_BUCKETS]; c; c = c->next)
		if (c->reqid == reqid)
			return c;
	return NULL;
}

/* With ep->lock held: the call is being freed. The last call of a
 * retired lane lets it stop receiving. */
static void net_call_unlink(struct net_ep *ep, struct net_call *call)
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

static void net_call_destroy(struct net_call *call)
{
	free(call->frame);
	free(call->reply);
	free(call);
}

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

static ssize_t net_cq_read(struct net_ep *ep, struct fi_cq_msg_entry *ent)
{
	ssize_t n;

	net_prov_lock(ep);
	n = fi_cq_read(ep->cq, ent, NET_CQ_BATCH);
	net_prov_unlock(ep);
	return n;
}

/* fi_cq_sread for a CQ without a wait object: busy (yielding) only while
 * traffic is recent, else naps of growing length; returns within ms. */
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
static void net_progress(struct net_ep *ep, int ms, int spin)
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

static void net_progress_if_idle(struct net_ep *ep)
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

static void net_waiter_init(struct net_ep *ep, struct net_waiter *w)
{
	pthread_cond_init(&w->cond, &ep->cattr);
	w->next = NULL;
}

/* With ep->lock held: the waiter's operations are done (or timed out); if
 * it was signalled to take the polling role it did not take, pass it on. */
static void net_waiter_done(struct net_ep *ep, struct net_waiter *w)
{
	net_pass_poller(ep);
	pthread_cond_destroy(&w->cond);
}

/* With ep->lock held: wait for progress until ts. One thread at a time
 * polls the CQ (spinning briefly, then sleeping in the kernel); the others
 * sleep on their own condition variable until their operation completes or
 * the polling role passes to them. */
static void net_wait_locked(struct net_ep *ep, struct net_waiter *w, const struct timespec *ts)
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
	 * spinning would take the CPU the servers need (measured: -12% qd16
	 * write IOPS with it). */
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

/* Retrying a post that met -FI_EAGAIN (a full queue, or a connection being
 * set up). */
struct net_retry {
	struct timespec start;
	int wait_ms;            /* 0 until the first retry */
};

#define NET_RETRY_SPIN_MS 10    /* a connection on a LAN is up within this */
#define NET_RETRY_MAX_MS 64

/* Drives progress and waits before the next try: for the first
 * NET_RETRY_SPIN_MS only yields, since a new connection is usually up within
 * a millisecond and sleeping would add to every first call to a server;
 * after that doubles a sleep up to NET_RETRY_MAX_MS, so that a dead peer
 * costs a few retries a second, not a storm. */
static void net_backoff(struct net_ep *ep, struct net_retry *r)
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

/* ---- client side ---- */

/* A frame; with_src: it names the lane it goes out on, for the reply. */
static size_t net_frame(const struct net_lane *lane, uint8_t *buf, uint16_t opcode,
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
 * looks like a connection forever being set up: a call to it used to wait
 * out its whole attempt (2.5 s by default) before an EC read could read
 * around the lost stripe or the caller could report it. On a LAN a
 * connection is up within a millisecond. The call fails unsent, so the
 * caller's retry cannot deliver it twice. (shm has no connections: there
 * -FI_EAGAIN only means a busy peer's queue is full.) */
#define NET_CONNECT_MAX_MS 250

/* Posts a send on ctx's lane, retrying while the queue is full or the
 * connection is being set up. */
static int net_send(struct net_ep *ep, const void *buf, size_t len, void *desc,
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

/* ---- server side ---- */

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
