/* mds_store_open.c - opening and closing the MDS's LMDB store: the
 * environment, the named databases, the format check and a new root. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "log.h"
#include "mds_store_int.h"

#define STORE_MAPSIZE (8ull << 30)   /* sparse; the file grows as used */
#define STORE_FILE "mds.lmdb"

static int open_dbis(struct mds_store *s, MDB_txn *txn)
{
	static const char *names[] = { "inodes", "dirents", "meta", "targets", "destroy" };
	MDB_dbi *dbis[] = { &s->inodes, &s->dirents, &s->meta, &s->targets, &s->destroy };
	int rc;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = mdb_dbi_open(txn, names[i], MDB_CREATE, dbis[i]);
		if (rc)
			return store_err(rc, "dbi_open");
	}
	return 0;
}

/* Creates the root of a new namespace. */
static int make_root(struct mds_store *s, MDB_txn *txn)
{
	struct store_inode in;

	memset(&in, 0, sizeof(in));
	in.mode = S_IFDIR | 0755;
	in.nlink = 2;
	in.mtime_ns = in.ctime_ns = now_ns();
	layout_unset(&in.layout);
	log_msg(LOG_INFO, "creating a new namespace");
	return inode_put(s, txn, MDS_ROOT_INO, &in);
}

/* In the opening transaction: the format record is checked (or written)
 * before anything else is read or written, so a store of an unknown format
 * is left exactly as it was found. */
static int open_records(struct mds_store *s, MDB_txn *txn, const char *dir)
{
	struct store_key k;
	MDB_val key, val;
	int rc, fresh;

	rc = open_dbis(s, txn);
	if (rc)
		return rc;
	/* Presence only: the root's record is not decoded before the format
	 * says this build can read it. */
	key_ino(&k, MDS_ROOT_INO);
	key = mval(k.b, k.len);
	rc = mdb_get(txn, s->inodes, &key, &val);
	if (rc && rc != MDB_NOTFOUND)
		return store_err(rc, "root get");
	fresh = rc == MDB_NOTFOUND;
	rc = format_check(s, txn, dir, fresh);
	if (rc)
		return rc;
	return fresh ? make_root(s, txn) : 0;
}

static int env_open(const char *dir, MDB_env **env)
{
	char path[PATH_MAX];
	int rc, dead = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	rc = mdb_env_create(env);
	if (rc)
		return store_err(rc, "env_create");
	rc = mdb_env_set_mapsize(*env, STORE_MAPSIZE);
	if (!rc)
		rc = mdb_env_set_maxdbs(*env, 8);
	if (!rc)
		rc = mdb_env_open(*env, path, MDB_NOTLS | MDB_NOSUBDIR, 0644);
	if (rc) {
		mdb_env_close(*env);
		*env = NULL;
		return store_err(rc, "env_open");
	}
	mdb_reader_check(*env, &dead);
	if (dead)
		log_msg(LOG_INFO, "cleared %d stale lmdb readers", dead);
	return 0;
}

int mds_store_open(const char *dir, struct mds_store **out)
{
	struct mds_store *s;
	MDB_txn *txn;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rc = env_open(dir, &s->env);
	if (rc)
		goto out_free;
	rc = txn_begin(s, 0, &txn);
	if (rc)
		goto out_env;
	rc = txn_finish(txn, open_records(s, txn, dir));
	if (rc)
		goto out_env;
	*out = s;
	return 0;
out_env:
	mdb_env_close(s->env);
out_free:
	free(s);
	return rc;
}

void mds_store_close(struct mds_store *s)
{
	if (!s)
		return;
	mdb_env_close(s->env);
	free(s);
}
