/* oss_ops.h - the OSS request handler: decodes object RPCs, moves bulk data
 * by RMA through per-worker registered buffers, and calls the object store. */
#ifndef PFS_OSS_OPS_H
#define PFS_OSS_OPS_H

#include <stdint.h>
#include "net.h"
#include "objstore.h"
#include "oss_lock.h"

struct oss_ctx;

/* Allocates and registers one WIRE_BULK_MAX bulk buffer per worker. */
int oss_ctx_create(struct net_ep *ep, struct objstore *os, uint32_t target_id,
		   int nworkers, struct oss_ctx **ctx);
/* Serves OBJ_LOCK/OBJ_UNLOCK from locks (owned by the caller). */
void oss_ctx_set_locks(struct oss_ctx *ctx, struct oss_locks *locks);
/* Waits for the requests in progress, answers later ones -ESHUTDOWN and
 * deregisters the bulk buffers. Call before net_close (which closes the
 * domain the buffers are registered with). */
void oss_ctx_quiesce(struct oss_ctx *ctx);
/* Deregisters (if still registered) and frees; after net_close. */
void oss_ctx_destroy(struct oss_ctx *ctx);

/* net_handler_fn for net_serve; arg is the struct oss_ctx. */
void oss_handle(struct net_req *req, void *arg);

#endif /* PFS_OSS_OPS_H */
