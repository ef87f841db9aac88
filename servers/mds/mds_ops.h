/* mds_ops.h - the MDS request handler: decodes each request, runs it against
 * the namespace store and target table, encodes and sends the reply. */
#ifndef PFS_MDS_OPS_H
#define PFS_MDS_OPS_H

#include "net.h"
#include "mds_store.h"
#include "mds_targets.h"
#include "mds_destroy.h"

struct mds_ops;

/* nworkers: the worker count given to net_serve (one scratch area each). */
int mds_ops_create(struct mds_store *store, struct mds_targets *targets,
		   struct mds_destroy *destroy, int nworkers, struct mds_ops **ops);
/* Stops the thread that answers committed changes, after answering what it
 * holds; later commits answer their own. Before the endpoint closes. */
void mds_ops_stop_answers(struct mds_ops *ops);
void mds_ops_free(struct mds_ops *ops);

/* The net_handler_fn; arg is the struct mds_ops. */
void mds_ops_handle(struct net_req *req, void *arg);

#endif /* PFS_MDS_OPS_H */
