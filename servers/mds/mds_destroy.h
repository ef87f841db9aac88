/* mds_destroy.h - the MDS destroy thread: drains the persistent destroy queue
 * by sending OBJ_DESTROY for every stripe of every unlinked file. */
#ifndef PFS_MDS_DESTROY_H
#define PFS_MDS_DESTROY_H

#include "net.h"
#include "mds_store.h"
#include "mds_targets.h"

#define MDS_DESTROY_RETRY_MS 5000  /* pause before retrying a down target */

struct mds_destroy;

/* Starts the thread; it first resumes whatever the queue holds. */
int mds_destroy_start(struct net_ep *ep, struct mds_store *store, struct mds_targets *targets,
		      struct mds_destroy **d);
/* New work was queued, or a target came up: run a pass now. */
void mds_destroy_kick(struct mds_destroy *d);
/* Stops and joins the thread (an RPC in flight finishes or times out first).
 * Kicks stay harmless afterwards, so stop before net_close, free after it. */
void mds_destroy_stop(struct mds_destroy *d);
void mds_destroy_free(struct mds_destroy *d);

#endif /* PFS_MDS_DESTROY_H */
