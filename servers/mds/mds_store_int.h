/* mds_store_int.h - internals of the MDS store shared by mds_store.c (paths and
 * namespace operations) and mds_records.c (records, format, targets, destroy queue). */
#ifndef PFS_MDS_STORE_INT_H
#define PFS_MDS_STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>
#include "layout.h"
#include "mds_store.h"

#define DKEY_MAX (8 + PROTO_NAME_MAX)

struct mds_store {
	MDB_env *env;
	MDB_dbi inodes;
	MDB_dbi dirents;
	MDB_dbi meta;
	MDB_dbi targets;
	MDB_dbi destroy;
};

/* An inode in memory (the record on disk is struct mds_inode_rec; the two
 * are converted field by field by inode_get/inode_put). */
struct store_inode {
	uint32_t mode;
	uint32_t nlink;
	uint64_t size_hint;
	int64_t mtime_ns;
	int64_t ctime_ns;
	struct wire_layout layout;   /* files: the layout; dirs: the default */
};

struct store_dent {
	uint64_t ino;
	uint32_t mode;
};

struct store_key {
	uint8_t b[DKEY_MAX];
	size_t len;
};

/* ---- mds_records.c: helpers ---- */

int64_t now_ns(void);
/* An LMDB return code as 0 or a negative errno (logged). */
int store_err(int rc, const char *what);
uint64_t get_be64(const uint8_t *p);
void key_ino(struct store_key *k, uint64_t ino);
void key_dent(struct store_key *k, uint64_t parent, const char *name);
MDB_val mval(const void *p, size_t n);
void layout_unset(struct wire_layout *l);
int txn_begin(struct mds_store *s, int rdonly, MDB_txn **txn);
/* Commits when rc >= 0 (returning rc, or the commit error), aborts otherwise. */
int txn_finish(MDB_txn *txn, int rc);

/* ---- mds_records.c: records ---- */

int inode_get(struct mds_store *s, MDB_txn *txn, uint64_t ino, struct store_inode *in);
int inode_put(struct mds_store *s, MDB_txn *txn, uint64_t ino, const struct store_inode *in);
int inode_del(struct mds_store *s, MDB_txn *txn, uint64_t ino);
int dent_get(struct mds_store *s, MDB_txn *txn, uint64_t parent, const char *name,
	     struct store_dent *d);
int dent_put(struct mds_store *s, MDB_txn *txn, uint64_t parent, const char *name,
	     uint64_t ino, uint32_t mode);
int dent_del(struct mds_store *s, MDB_txn *txn, uint64_t parent, const char *name);
/* Decodes a directory entry's value (-EIO when it is not one). */
int dent_decode(const MDB_val *val, struct store_dent *d);
int next_ino(struct mds_store *s, MDB_txn *txn, uint64_t *ino);
/* Queues the objects of layout l for destruction. */
int destroy_queue(struct mds_store *s, MDB_txn *txn, const struct wire_layout *l);

/* ---- mds_records.c: the format record ---- */

/* Checks the format record inside the opening transaction: writes it on a
 * new store (fresh: no root inode yet), stamps a store that predates format
 * records, refuses (-EPROTONOSUPPORT, logged naming both versions) a
 * version this build does not read, and a damaged record (-EIO). */
int format_check(struct mds_store *s, MDB_txn *txn, const char *dir, int fresh);

#endif /* PFS_MDS_STORE_INT_H */
