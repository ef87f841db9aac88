/* client.h - libpfs internals: the connection, open files and directory
 * streams, and the RPC helpers every module above client.c uses. */
#ifndef PFS_CLIENT_H
#define PFS_CLIENT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "pfs.h"
#include "config.h"
#include "net.h"
#include "wire.h"

/* Largest payload a request may carry: the frame minus header and our
 * source address. */
#define CLIENT_REQ_MAX (WIRE_MSG_MAX - WIRE_HDR_LEN - WIRE_ADDR_MAX)

/* Files end below 2^62: object offsets on the wire stay below that. */
#define CLIENT_FILE_MAX (1ull << 62)

/* What the client knows about one storage target. */
struct stream;

struct client_target {
	int known;              /* in the last TARGET_LIST */
	int up;
	fi_addr_t addr;
};

/* A connection. The target table is guarded by lock; everything else is set
 * at connect time and read-only afterwards. */
struct pfs_fs {
	struct pfs_config cfg;
	struct net_ep *ep;
	fi_addr_t mds;
	pthread_mutex_t lock;
	struct client_target targets[WIRE_MAX_TARGETS];
	struct aio_pool *aio;   /* nonblocking I/O threads, started on first use */
	int mds_suspect;        /* under lock: last MDS call failed in transport */
	struct timespec mds_ok; /* under lock: last MDS reply (CLOCK_MONOTONIC) */
};

/* An open file. attr (and its layout) is fixed at open; lock guards the
 * write bookkeeping used for the size hint at close. */
struct engine_ops;

struct pfs_file {
	pfs_fs_t *fs;
	struct wire_attr attr;
	const struct engine_ops *engine; /* chosen from the layout at open */
	int flags;              /* the open flags */
	pthread_mutex_t lock;
	int dirty;              /* written or truncated since open */
	uint64_t size_told;     /* EC: the largest end this handle wrote and
				 * told the MDS (see ec_io.c) */
	uint64_t ec_lost;       /* EC: stripes that did not answer lately */
	uint64_t ec_lost_ns;    /* CLOCK_MONOTONIC when ec_lost was last set */
	struct stream *stream;  /* write-behind/read-ahead (stream.c), or NULL */
};

/* A directory stream: one READDIR batch at a time (not thread safe, like
 * POSIX readdir). */
struct pfs_dir {
	pfs_fs_t *fs;
	char path[PFS_PATH_MAX];
	struct wire_readdir_rep *batch;
	uint32_t next;          /* next entry of batch to return */
};

/* Normalises an absolute path into out (PFS_PATH_MAX bytes): collapses "//",
 * strips a trailing "/"; "." / ".." components or a relative path ->
 * -EINVAL, too long -> -ENAMETOOLONG. */
int client_path_norm(const char *in, char *out);

/* ---- recovery (client.c) ----
 * Every request has a budget of timeout_ms from its first send. A transport
 * failure (no reply in time, connection reset or refused) of an idempotent
 * request is retried within that budget: attempt timeouts start at a quarter
 * of the budget and double, and a fast failure waits a back-off (10 ms,
 * doubling, at most 500 ms) first, so a dead server costs a few attempts,
 * never a storm. Reads, writes (positioned), glimpse, sync, punch, destroy,
 * statfs, lookups, readdir, target lists, size hints and opens without
 * O_EXCL are idempotent. Namespace changes (mkdir, rmdir, unlink, rename,
 * create with O_EXCL, setstripe create) are sent once: after a failure the
 * caller gets the transport error (-ETIMEDOUT, -ECONNRESET, ...) meaning
 * "outcome unknown" and must look. To keep that rare, a change is preceded
 * by a PING (retried) when the MDS connection failed before or has been
 * idle, so that a restarted MDS is reached over a fresh connection. */
struct client_retry {
	struct timespec deadline;  /* CLOCK_MONOTONIC end of the budget */
	int attempt_ms;            /* timeout of the next attempt */
	int backoff_ms;            /* pause before the next attempt */
	int attempts;
};

void client_retry_init(pfs_fs_t *fs, struct client_retry *r);
/* Timeout (ms, >= 1) for the next attempt, clipped to the budget. */
int client_retry_timeout(const struct client_retry *r);
/* After an attempt failed with transport error rc: 1 when another attempt
 * may go (after sleeping any back-off), 0 when rc is final. */
int client_retry_again(struct client_retry *r, int rc);

/* One RPC attempt to dest, no retry: the transport error (*transport set)
 * or the server's status; the reply payload is copied into rep (WIRE_MSG_MAX
 * bytes; NULL to drop it) and its length into *replen (may be NULL). */
int client_call_once(pfs_fs_t *fs, fi_addr_t dest, uint16_t op, const void *req, size_t reqlen,
		     int timeout_ms, void *rep, size_t *replen, int *transport);
/* One MDS RPC: sends req (reqlen bytes), copies the reply payload into rep
 * (WIRE_MSG_MAX bytes) and its length into *replen. Returns the transport
 * error or the server's status. */
int client_mds_call(pfs_fs_t *fs, uint16_t op, const void *req, size_t reqlen,
		    void *rep, size_t *replen);
/* client_mds_call with the retry policy given: idempotent requests are
 * retried, others are sent once (after a PING when the connection is
 * suspect). client_mds_call picks the policy from the opcode (OPEN counts
 * as a change: pass idempotent = 1 for opens without O_EXCL). */
int client_mds_rpc(pfs_fs_t *fs, uint16_t op, int idempotent, const void *req,
		   size_t reqlen, void *rep, size_t *replen);
/* One MDS RPC whose reply is a wire_attr (attr may be NULL for an empty
 * reply). req was encoded by the caller. */
int client_mds_attr(pfs_fs_t *fs, uint16_t op, const void *req, size_t reqlen,
		    struct wire_attr *attr);
/* client_mds_attr with an explicit retry policy (see client_mds_rpc). */
int client_mds_attr_rpc(pfs_fs_t *fs, uint16_t op, int idempotent, const void *req,
			size_t reqlen, struct wire_attr *attr);
/* LOOKUP of a normalised path. */
int client_lookup(pfs_fs_t *fs, const char *path, struct wire_attr *attr);
/* SET_SIZE of inode ino to size (flags: WIRE_SIZE_*, e.g. grow only). */
int client_set_size(pfs_fs_t *fs, uint64_t ino, uint64_t size, uint32_t flags);

/* Fetches TARGET_LIST into list (may be NULL) and refreshes the table. */
int client_targets_refresh(pfs_fs_t *fs, struct wire_target_list *list);
/* pfs_statfs: the MDS's target table, each target that is up asked for
 * fresh figures at once (marked down when it does not answer). */
int client_statfs(pfs_fs_t *fs, struct pfs_target_stat *targets, int max);
/* fi_addr of target id, refreshing the table once when it is unknown;
 * -ENXIO when the MDS does not know it either. */
int client_target_addr(pfs_fs_t *fs, uint32_t id, fi_addr_t *addr);

/* Sends op (OBJ_GLIMPSE, OBJ_SYNC, OBJ_PUNCH, OBJ_DESTROY) to every object
 * of l at once. OBJ_PUNCH takes per-stripe sizes from sizes_in; replies that
 * carry a wire_obj_size land in sizes_out (may be NULL). Returns 0 or the
 * first error. */
int client_obj_fanout(pfs_fs_t *fs, const struct wire_layout *l, uint16_t op,
		      const uint64_t *sizes_in, uint64_t *sizes_out);
/* The same, with every stripe's result in res[] (l->stripe_count entries);
 * stripes in the skip mask are not asked (-ENODEV). Returns 0 once every
 * stripe has a result. */
int client_obj_fanout_each(pfs_fs_t *fs, const struct wire_layout *l, uint16_t op,
			   const uint64_t *sizes_in, uint64_t *sizes_out, uint64_t skip, int *res);

#endif /* PFS_CLIENT_H */
