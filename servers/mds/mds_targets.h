/* mds_targets.h - the MDS's in-memory view of storage targets (up, last seen,
 * capacity, address) and layout allocation over them (round robin). */
#ifndef PFS_MDS_TARGETS_H
#define PFS_MDS_TARGETS_H

#include <stdint.h>
#include <rdma/fabric.h>
#include "net.h"
#include "wire.h"
#include "mds_store.h"

#define MDS_TARGET_UP_NS (6ull * 1000000000ull) /* up: seen within the last 6 s */

struct mds_targets;

/* Loads the persisted target table (every target counts as up for a short
 * grace, about one heartbeat interval, then down until it registers again)
 * and inserts the known addresses into ep. */
int mds_targets_create(struct net_ep *ep, struct mds_store *store, struct mds_targets **t);
void mds_targets_destroy(struct mds_targets *t);

/* TARGET_REGISTER (also the heartbeat): persists id + address when new or
 * changed, marks the target up. *came_up is set when it was down before. */
int mds_targets_register(struct mds_targets *t, const struct wire_target_register *m,
			 int *came_up);
/* Every target ever registered, sorted by id. */
void mds_targets_list(struct mds_targets *t, struct wire_target_list *out);

/* mds_layout_ops callbacks (arg is the struct mds_targets). check validates a
 * directory default (0/-1 = unset); alloc validates a merged request and
 * picks distinct up, non-full targets round robin. */
int mds_targets_check(void *arg, const struct wire_layout *l);
int mds_targets_alloc(void *arg, struct wire_layout *l);

/* The fabric address of target id for an RPC: -ENOENT when unknown, -EAGAIN
 * when it is down. */
/* 1 when target id has ever registered. */
int mds_targets_known(struct mds_targets *t, uint32_t id);
int mds_targets_peer(struct mds_targets *t, uint32_t id, fi_addr_t *fi);

#endif /* PFS_MDS_TARGETS_H */
