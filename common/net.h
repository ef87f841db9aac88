/* net.h - the pfs transport: one libfabric RDM endpoint, RPCs with request
 * ids and deadlines, RMA bulk transfers, blocking completion waits (no busy
 * polling). Shared by libpfs and the servers. Implemented by common/net_*.c
 * over the private net_int.h, which says which module owns what. */
#ifndef PFS_NET_H
#define PFS_NET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <rdma/fabric.h>
#include "wire.h"

struct net_ep;
struct net_mr;
struct net_call;
struct net_req;

struct net_opts {
	const char *provider;   /* "tcp" (tcp;ofi_rxm) or "shm"; NULL = "tcp" */
	const char *node;       /* address to bind (servers), NULL = any/default */
	const char *service;    /* port to bind (servers), NULL = ephemeral */
	int timeout_ms;         /* default RPC timeout; 0 = 10000 */
	int rx_depth;           /* receive buffers posted; 0 = 64 */
};

/* Opens the fabric, domain, CQ (with a wait object), AV and endpoint; a
 * node or service in opts binds it there (a server). 0 or -errno (-ENODEV:
 * the provider is not available). */
int net_open(const struct net_opts *opts, struct net_ep **ep);
/* Stops the server threads (if any) and frees everything. */
void net_close(struct net_ep *ep);

/* Our own raw address, as peers insert it. */
int net_getname(struct net_ep *ep, void *addr, size_t *len);
/* Inserts a peer's raw address (deduplicated) and returns its handle. */
int net_insert(struct net_ep *ep, const void *addr, size_t len, fi_addr_t *out);
/* Resolves host:port with the endpoint's provider and inserts it. */
int net_resolve(struct net_ep *ep, const char *host, const char *port, fi_addr_t *out);
/* Raw address -> printable form ("fi_sockaddr_in://127.0.0.1:7700"). */
void net_addr_str(struct net_ep *ep, const void *addr, size_t len, char *buf, size_t buflen);
int net_timeout_ms(const struct net_ep *ep);
/* Whether an RMA transfer moves while the thread that posted it does other
 * work (tcp: the kernel and whichever thread polls carry it), so that a
 * server gains by overlapping one segment's transfer with another's
 * storage; shm moves it only inside the poster's own progress. */
int net_rma_overlaps(const struct net_ep *ep);

/* ---- memory registration ---- */

#define NET_MR_REMOTE_READ 0x1   /* the peer may fi_read from it (our writes) */
#define NET_MR_REMOTE_WRITE 0x2  /* the peer may fi_write into it (our reads) */
#define NET_MR_LOCAL 0x4         /* local buffer of our own RMA */

int net_mr_reg(struct net_ep *ep, void *buf, size_t len, int access, struct net_mr **mr);
void net_mr_close(struct net_mr *mr);
uint64_t net_mr_key(const struct net_mr *mr);
/* The address a peer names for ptr (inside the region) in RMA. */
uint64_t net_mr_raddr(const struct net_mr *mr, const void *ptr);

/* ---- client side: RPCs ---- */

/* Sends one request (payload copied) and returns a handle to wait on. The
 * call's deadline is now + timeout_ms (0 = the endpoint default). */
int net_call_start(struct net_ep *ep, fi_addr_t dest, uint16_t opcode,
		   const void *payload, size_t plen, int timeout_ms,
		   struct net_call **call);
/* Waits until every call has a reply or passed its deadline. Returns 0; each
 * call's own result comes from net_call_result. */
int net_call_wait(struct net_ep *ep, struct net_call **calls, size_t n);
/* 0 and the reply (status is the server's, payload valid until free), or
 * -ETIMEDOUT / -EIO / -ECONNRESET from the transport. */
int net_call_result(struct net_call *call, int *status, const void **payload, size_t *plen);
/* The transport error of a call whose request could not even be sent (its
 * peer unreachable until the deadline, or a broken connection): it is over
 * already. 0 for a call that went out (its outcome comes from waiting). */
int net_call_unsent(const struct net_call *call);
void net_call_free(struct net_call *call);

/* One request and its reply, copied into reply (may be NULL). Returns the
 * transport error or the server's status; *rlen gets the reply length. */
int net_rpc(struct net_ep *ep, fi_addr_t dest, uint16_t opcode,
	    const void *payload, size_t plen, void *reply, size_t rcap, size_t *rlen);

/* ---- server side ---- */

/* Handles one request on a worker thread. The handler must finish the
 * request with net_reply exactly once. */
typedef void (*net_handler_fn)(struct net_req *req, void *arg);

struct net_req_info {
	uint16_t opcode;
	uint64_t reqid;
	fi_addr_t src;
	const void *payload;
	size_t plen;
	struct timespec deadline;    /* CLOCK_MONOTONIC: the caller stops waiting */
};

/* Starts nworkers worker threads that take turns reaping the CQ (leader /
 * follower): the worker that receives a request serves it, and wakes an
 * idle one to reap meanwhile. A request that is not a valid frame is
 * dropped (and counted); a valid frame with an unknown opcode still reaches
 * the handler, which replies -EOPNOTSUPP. */
int net_serve(struct net_ep *ep, int nworkers, net_handler_fn fn, void *arg);
/* Called first on every worker net_serve starts, with its index
 * 0..nworkers-1: servers bind threads here. Set before net_serve. */
typedef void (*net_thread_init_fn)(int index, void *arg);
void net_set_thread_init(struct net_ep *ep, net_thread_init_fn fn, void *arg);
void net_req_info(const struct net_req *req, struct net_req_info *info);
/* The worker index (0..nworkers-1) handling req: index per-worker buffers. */
int net_req_worker(const struct net_req *req);
/* Sends the reply, releases the request. */
int net_reply(struct net_req *req, int status, const void *payload, size_t plen);

/* RMA on behalf of a request (read: pull the peer's bytes into local;
 * write: push local into the peer's buffer), blocking the worker until
 * done, or until `until` (CLOCK_MONOTONIC; NULL: none) or the endpoint's
 * timeout from now, whichever comes first, then -ETIMEDOUT. Pass the
 * request's deadline: past it the caller has let its buffer go. local must
 * lie inside lmr (registered with NET_MR_LOCAL). */
int net_rma_read(struct net_ep *ep, fi_addr_t peer, void *local, size_t len,
		 struct net_mr *lmr, uint64_t raddr, uint64_t rkey, const struct timespec *until);
int net_rma_write(struct net_ep *ep, fi_addr_t peer, const void *local, size_t len,
		  struct net_mr *lmr, uint64_t raddr, uint64_t rkey, const struct timespec *until);
/* The same in two steps, so that a server can move several pieces at once:
 * net_rma_start posts one transfer (write: 1 pushes, 0 pulls) and on
 * success hands back *op, which net_rma_wait waits for, returns the result
 * of and frees. Every started op must be waited for. */
struct net_rma;
int net_rma_start(struct net_ep *ep, int write, fi_addr_t peer, void *local, size_t len,
		  struct net_mr *lmr, uint64_t raddr, uint64_t rkey, const struct timespec *until,
		  struct net_rma **op);
int net_rma_wait(struct net_ep *ep, struct net_rma *op);

/* Sends bytes exactly as given, no header added: for tests and fuzzers
 * that must put malformed frames on the wire. */
int net_send_raw(struct net_ep *ep, fi_addr_t dest, const void *frame, size_t len);

/* Counters for tests and --info: frames dropped as malformed. */
uint64_t net_dropped(const struct net_ep *ep);
/* Times calls moved to a new endpoint after a connection broke (see
 * "Lanes" in net_ep.c); the next call to each peer connects afresh. */
uint64_t net_resets(const struct net_ep *ep);

#endif /* PFS_NET_H */
