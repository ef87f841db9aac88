/* mds_store.h - the MDS namespace in LMDB: inodes, directory entries, directory
 * default layouts, the inode counter, the target table and the destroy queue. */
#ifndef PFS_MDS_STORE_H
#define PFS_MDS_STORE_H

#include <stdint.h>
#include "wire.h"

#define MDS_ROOT_INO 1

struct mds_store;

/* Layout decisions the store delegates to the target table while it holds
 * the write transaction. check: validate a request whose fields may be 0/-1
 * (a directory default). alloc: l has every field but targets filled from
 * request/parent/fs defaults (stripe_count may be PROTO_STRIPE_ALL); validate
 * it, choose targets, set stripe_count and first_target. */
struct mds_layout_ops {
	int (*check)(void *arg, const struct wire_layout *l);
	int (*alloc)(void *arg, struct wire_layout *l);
	void *arg;
};

/* A target of the table: id and raw address (in memory; stored as struct
 * mds_target_disk, mds_format.h). */
struct mds_target_rec {
	uint32_t id;
	uint16_t addr_len;
	uint8_t addr[WIRE_ADDR_MAX];
};

/* One file whose objects still have to be destroyed. done has bit i set
 * once stripe i's object is gone (in memory; stored as struct
 * mds_destroy_disk, mds_format.h). */
struct mds_destroy_ent {
	uint64_t fid;
	uint32_t count;
	uint64_t done;
	uint32_t targets[PROTO_MAX_STRIPES];
};

/* Opens (creating when new) DIR/mds.lmdb; creates the root and the format
 * record (mds_format.h) on first start. A store of a format this build
 * does not read is -EPROTONOSUPPORT (logged, naming both versions); a store
 * written before format records is stamped format 1 and read as it is. */
int mds_store_open(const char *dir, struct mds_store **s);
void mds_store_close(struct mds_store *s);

int mds_store_lookup(struct mds_store *s, const char *path, struct wire_attr *a);
int mds_store_open_file(struct mds_store *s, const struct wire_open *req,
			const struct mds_layout_ops *ops, struct wire_attr *a);
int mds_store_mkdir(struct mds_store *s, const char *path, uint32_t mode,
		    struct wire_attr *a);
int mds_store_rmdir(struct mds_store *s, const char *path);
/* *queued is set when objects were queued for destruction. */
int mds_store_unlink(struct mds_store *s, const char *path, int *queued);
int mds_store_rename(struct mds_store *s, const char *from, const char *to, int *queued);
int mds_store_readdir(struct mds_store *s, const struct wire_readdir *req,
		      struct wire_readdir_rep *rep);
int mds_store_set_layout(struct mds_store *s, const struct wire_set_layout *req,
			 const struct mds_layout_ops *ops, struct wire_attr *a);
int mds_store_set_size(struct mds_store *s, uint64_t ino, uint64_t size, int grow);
/* Moves stripe m->stripe of file m->ino from m->old_target to m->new_target:
 * -EINVAL when the stripe is not on old_target or new_target already holds
 * a stripe of the file; -EISDIR for a directory. */
int mds_store_replace_target(struct mds_store *s, const struct wire_replace_target *m,
			     struct wire_attr *a);

/* Group commit. One namespace change to make inside a batch: the arguments
 * are those of the mds_store_* call of the same name; the results (attr,
 * queued, rc) are filled by mds_store_batch. */
enum mds_store_kind {
	MDS_SOP_OPEN, MDS_SOP_MKDIR, MDS_SOP_RMDIR, MDS_SOP_UNLINK, MDS_SOP_RENAME,
	MDS_SOP_SET_LAYOUT, MDS_SOP_SET_SIZE,
};

struct mds_store_op {
	enum mds_store_kind kind;
	const struct wire_open *open;           /* OPEN */
	const struct wire_set_layout *setl;     /* SET_LAYOUT */
	const struct mds_layout_ops *lops;      /* OPEN, SET_LAYOUT */
	const char *path;                       /* MKDIR, RMDIR, UNLINK; RENAME's source */
	const char *to;                         /* RENAME */
	uint32_t mode;                          /* MKDIR */
	uint64_t ino, size;                     /* SET_SIZE */
	int grow;                               /* SET_SIZE: only raise it */
	struct wire_attr *attr;                 /* OPEN, MKDIR, SET_LAYOUT */
	int queued;                             /* UNLINK, RENAME: objects queued */
	int rc;                                 /* the call's return value */
	struct mds_store_op *next;
};

/* Runs every op of the list in ONE write transaction, each in a nested
 * transaction of its own (an op that fails leaves the others intact), and
 * commits once: one durable sync for the whole batch. Each op's rc is what
 * its own call would have returned; nothing is acknowledged before the
 * commit that holds it. */
void mds_store_batch(struct mds_store *s, struct mds_store_op *ops);

/* Target table: put (insert or update) and load every record in id order. */
int mds_store_put_target(struct mds_store *s, const struct mds_target_rec *t);
int mds_store_load_targets(struct mds_store *s,
			   int (*fn)(void *arg, const struct mds_target_rec *t), void *arg);

/* Destroy queue: the first entry with fid > after (1 found, 0 none, or a
 * negative error), and the update after a pass (deleted when all done). */
int mds_store_destroy_next(struct mds_store *s, uint64_t after, struct mds_destroy_ent *e);
int mds_store_destroy_update(struct mds_store *s, const struct mds_destroy_ent *e);

#endif /* PFS_MDS_STORE_H */
