/* net_int.h - what the modules of the transport share and nobody else sees:
 * the endpoint's structures, small inline helpers, and each layer's entry points.
 *
 * The modules, lowest layer first; a module calls only into layers below it
 * (and its own), never up:
 *   1. net_addr.c      peer addresses (the AV) and memory registration
 *   2. net_ep.c        the endpoint: fabric, domain, CQ, lanes, the call table,
 *                      opening and closing
 *   3. net_progress.c  reaping completions and dispatching them, the polling
 *                      role, waiters, retry backoff
 *   4. net_call.c      framing and sending; client calls
 *      net_rma.c       a server's RMA transfers
 *   5. net_server.c    the leader/follower worker pool and replies (sent with
 *                      net_call.c's framing)
 *
 * How waiting works. Completions are reaped with blocking fi_cq_sread by one
 * thread at a time (whichever thread needs progress first: a client waiting
 * for a reply, a server worker waiting for RMA, or an idle server worker), so
 * an idle process sleeps in the kernel instead of polling. A server serves
 * with a leader/follower pool: the worker that reaps a request handles it
 * itself and passes the polling role to an idle worker, so no request waits
 * for a thread hand-off (futex wake-up and context switch) before it is
 * served. A thread waiting for its own call or RMA sleeps on its own
 * condition variable (struct net_waiter), signalled only when that operation
 * completes or when the polling role passes to it, so a completion wakes one
 * thread, not every waiter; and while an operation is outstanding the poller
 * spins on the CQ briefly before sleeping in the kernel, so a reply that
 * comes back quickly costs no wake-up at all. Lanes: see net_ep.c. */
#ifndef PFS_NET_INT_H
#define PFS_NET_INT_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <rdma/fi_errno.h>
#include "net.h"

#define NET_FI_VERSION FI_VERSION(1, 11)
#define NET_CALL_BUCKETS 256
#define NET_PEER_BUCKETS 256
#define NET_SREAD_MAX_MS 1000   /* longest single sleep in fi_cq_sread */

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

/* One rxm endpoint of a net_ep (see "Lanes" in net_ep.c). */
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
	int burst_cqes;              /* nap_wait: completions that came close
	                              * together (net_progress.c), so far */
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

/* ---- helpers every layer uses ---- */

/* ts = now + ms on CLOCK_MONOTONIC. */
static inline void net_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static inline int64_t net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Milliseconds from now until ts (negative when past). */
static inline long net_ms_until(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (ts->tv_sec - now.tv_sec) * 1000 + (ts->tv_nsec - now.tv_nsec) / 1000000;
}

/* A libfabric return code as 0 or a negative errno. */
static inline int net_errno(ssize_t fi_rc)
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
 * locks in shared memory, and on a small machine a thread spinning on one
 * holds the core that the lock's owner needs; a mutex sleeps instead (what
 * it bought: docs/PERFORMANCE.md). tcp has its own wait object and locks
 * and is left alone. Innermost: nothing takes another lock while holding
 * it, and it is never held across a wait. */
static inline void net_prov_lock(struct net_ep *ep)
{
	if (ep->nap_wait)
		pthread_mutex_lock(&ep->prov_lock);
}

static inline void net_prov_unlock(struct net_ep *ep)
{
	if (ep->nap_wait)
		pthread_mutex_unlock(&ep->prov_lock);
}

/* A call record's memory (its frame, its reply, itself). */
static inline void net_call_destroy(struct net_call *call)
{
	free(call->frame);
	free(call->reply);
	free(call);
}

/* ---- 1. net_addr.c ---- */

/* The descriptor of a local buffer in RMA (NULL: none needed). */
void *net_mr_desc(struct net_mr *m);
/* Frees the table of inserted peers (net_close). */
void net_peers_free(struct net_ep *ep);

/* ---- 2. net_ep.c ---- */

/* The receive descriptor of a lane's buffers (NULL without FI_MR_LOCAL). */
void *net_lane_rx_desc(struct net_lane *lane);
/* With ep->lock held: takes an operation on the lane (put when it
 * completes, or at once when posting fails). */
void net_lane_get_locked(struct net_lane *lane);
/* One operation on the lane is over (_locked: with ep->lock held); the
 * last one of a retired lane that stopped receiving spends it. */
void net_lane_put_locked(struct net_ep *ep, struct net_lane *lane);
void net_lane_put(struct net_ep *ep, struct net_lane *lane);
/* r's buffer is free again: post it, unless its lane is going away. */
void net_rx_repost(struct net_ep *ep, struct net_req *r);
/* Whether a libfabric error (positive FI_E*) means a dead connection. */
int net_conn_broken(int fi_err);
/* A call on lane failed with a broken connection (timeout 0) or got no
 * answer in time (timeout 1): new calls go out on a fresh lane. */
void net_lane_reset(struct net_ep *ep, struct net_lane *failed, int timeout);
/* Stops and joins the server's workers, if any. */
void net_stop_threads(struct net_ep *ep);
/* The call table: lookup by reqid, and (ep->lock held) unlinking a call
 * being freed, which lets a retired lane whose last call it was stop
 * receiving. */
struct net_call *net_call_find(struct net_ep *ep, uint64_t reqid);
void net_call_unlink(struct net_ep *ep, struct net_call *call);

/* ---- 3. net_progress.c ---- */

/* Reaps completions, sleeping up to ms in the kernel (0: do not sleep;
 * spin: poll briefly first), and dispatches them. The caller holds the
 * polling role (ep->poller). */
void net_progress(struct net_ep *ep, int ms, int spin);
/* Drives progress once without waiting when the CQ was not read for a
 * while (an idle client), so that a dead connection is noticed first. */
void net_progress_if_idle(struct net_ep *ep);
void net_waiter_init(struct net_ep *ep, struct net_waiter *w);
/* With ep->lock held: the waiter's operations are done (or timed out). */
void net_waiter_done(struct net_ep *ep, struct net_waiter *w);
/* With ep->lock held: wait for progress until ts. */
void net_wait_locked(struct net_ep *ep, struct net_waiter *w, const struct timespec *ts);

/* Retrying a post that met -FI_EAGAIN (a full queue, or a connection being
 * set up). */
struct net_retry {
	struct timespec start;  /* when the first -FI_EAGAIN was met */
	int wait_ms;            /* 0 until the first retry */
};
/* Drives progress and waits before the next try. */
void net_backoff(struct net_ep *ep, struct net_retry *r);

/* ---- 4. net_call.c ---- */

/* Writes a frame into buf (header, the lane's address when with_src, the
 * payload) and returns its length. */
size_t net_frame(const struct net_lane *lane, uint8_t *buf, uint16_t opcode,
		 uint32_t flags, int32_t status, uint64_t reqid, const void *payload,
		 size_t plen, int with_src, int ttl_ms);
/* Posts a send on ctx's lane, retrying while the queue is full or the
 * connection is being set up, until deadline. */
int net_send(struct net_ep *ep, const void *buf, size_t len, void *desc,
	     fi_addr_t dest, struct net_ctx *ctx, const struct timespec *deadline);

#endif /* PFS_NET_INT_H */
