/* test_mds_store.c - the MDS store in-process on a temporary directory: create,
 * lookup, readdir, rename, unlink and the destroy queue, the target table, a
 * version 1 inode record, and the format record (stamped, unknown refused). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <lmdb.h>

#include "mds_format.h"
#include "mds_store.h"
#include "pfs_test.h"

static char dir[256];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "%s/pfs-test-mds.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	T_ASSERT(mkdtemp(dir) != NULL);
}

static void rm_tmp(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_OK(system(cmd));
}

static int check_ok(void *arg, const struct wire_layout *l)
{
	(void)arg;
	(void)l;
	return 0;
}

/* Targets 0..count-1 (4 for "all"), as the target table would choose. */
static int alloc_seq(void *arg, struct wire_layout *l)
{
	(void)arg;
	if (l->stripe_count == PROTO_STRIPE_ALL)
		l->stripe_count = 4;
	for (uint32_t i = 0; i < l->stripe_count; i++)
		l->targets[i] = i;
	l->first_target = 0;
	return 0;
}

static const struct mds_layout_ops lops = { check_ok, alloc_seq, NULL };

static int create(struct mds_store *s, const char *path, uint32_t count, struct wire_attr *a)
{
	struct wire_open req;

	memset(&req, 0, sizeof(req));
	snprintf(req.path, sizeof(req.path), "%s", path);
	req.flags = O_CREAT | O_EXCL | O_RDWR;
	req.mode = 0640;
	if (count) {
		req.has_layout = 1;
		req.layout.first_target = -1;
		req.layout.stripe_count = count;
		req.layout.stripe_size = 65536;
	}
	return mds_store_open_file(s, &req, &lops, a);
}

/* The names of directory path, comma-separated, paged by max entries. */
static void list(struct mds_store *s, const char *path, uint32_t max, char *out, size_t n)
{
	static struct wire_readdir_rep rep;
	struct wire_readdir req;

	memset(&req, 0, sizeof(req));
	snprintf(req.path, sizeof(req.path), "%s", path);
	req.max = max;
	out[0] = '\0';
	do {
		T_OK(mds_store_readdir(s, &req, &rep));
		for (uint32_t i = 0; i < rep.count; i++) {
			strncat(out, rep.ent[i].name, n - strlen(out) - 2);
			strcat(out, ",");
			snprintf(req.after, sizeof(req.after), "%s", rep.ent[i].name);
		}
	} while (!rep.eof);
}

static void t_namespace(void)
{
	struct wire_attr a, b;
	struct mds_store *s;
	char names[1024];
	int queued;

	mkdir_tmp();
	T_OK(mds_store_open(dir, &s));
	T_OK(mds_store_mkdir(s, "/d", 0755, &a));
	T_ASSERT(S_ISDIR(a.mode));
	T_ERR(mds_store_mkdir(s, "/d", 0755, &a), -EEXIST);
	T_OK(create(s, "/d/f1", 4, &a));
	T_UEQ(a.layout.stripe_count, 4);
	T_UEQ(a.layout.targets[3], 3);
	T_UEQ(a.layout.fid, a.ino);
	T_ERR(create(s, "/d/f1", 0, &b), -EEXIST);
	T_OK(create(s, "/d/f0", 0, &b));
	T_UEQ(b.layout.stripe_count, 1);
	T_UEQ(b.layout.compress, PROTO_COMPRESS_NONE);
	T_ERR(create(s, "/nope/x", 0, &b), -ENOENT);
	T_ERR(create(s, "/d/f1/x", 0, &b), -ENOTDIR);
	T_OK(mds_store_lookup(s, "/d/f1", &b));
	T_UEQ(b.ino, a.ino);
	T_UEQ(b.mode, S_IFREG | 0640);
	T_MEMEQ(b.layout.targets, a.layout.targets, sizeof(a.layout.targets));
	list(s, "/d", 1, names, sizeof(names));
	T_ASSERT(strcmp(names, "f0,f1,") == 0);
	/* rename over an existing file queues the replaced file's objects */
	T_OK(mds_store_rename(s, "/d/f0", "/d/f1", &queued));
	T_EQ(queued, 1);
	T_OK(mds_store_lookup(s, "/d/f1", &b));
	T_ERR(mds_store_lookup(s, "/d/f0", &b), -ENOENT);
	T_OK(mds_store_mkdir(s, "/e", 0700, &b));
	T_OK(mds_store_rename(s, "/d/f1", "/e/g", &queued));
	T_EQ(queued, 0);
	T_ERR(mds_store_rename(s, "/d", "/d/sub", &queued), -EINVAL);
	list(s, "/d", 0, names, sizeof(names));
	T_ASSERT(strcmp(names, "") == 0);
	list(s, "/", 0, names, sizeof(names));
	T_ASSERT(strcmp(names, "d,e,") == 0);
	T_ERR(mds_store_rmdir(s, "/e"), -ENOTEMPTY);
	T_OK(mds_store_unlink(s, "/e/g", &queued));
	T_EQ(queued, 1);
	T_OK(mds_store_rmdir(s, "/e"));
	T_ERR(mds_store_set_size(s, a.ino, 5, 1), -ENOENT);  /* replaced by the rename */
	mds_store_close(s);
	rm_tmp();
}

/* The destroy queue holds what unlink queued, across a reopen, until every
 * stripe is done; the target table keeps its records. */
static void t_queues(void)
{
	struct mds_destroy_ent e;
	struct mds_target_rec t;
	struct mds_store *s;
	struct wire_attr a;
	int queued;

	mkdir_tmp();
	T_OK(mds_store_open(dir, &s));
	T_OK(create(s, "/f", 3, &a));
	T_OK(mds_store_unlink(s, "/f", &queued));
	memset(&t, 0, sizeof(t));
	t.id = 2;
	t.addr_len = 5;
	memcpy(t.addr, "hello", 5);
	T_OK(mds_store_put_target(s, &t));
	mds_store_close(s);
	T_OK(mds_store_open(dir, &s));
	T_EQ(mds_store_destroy_next(s, 0, &e), 1);
	T_UEQ(e.fid, a.layout.fid);
	T_UEQ(e.count, 3);
	T_UEQ(e.targets[2], 2);
	T_UEQ(e.done, 0);
	e.done = 5;
	T_OK(mds_store_destroy_update(s, &e));
	T_EQ(mds_store_destroy_next(s, 0, &e), 1);
	T_UEQ(e.done, 5);
	e.done = 7;
	T_OK(mds_store_destroy_update(s, &e));
	T_EQ(mds_store_destroy_next(s, 0, &e), 0);
	mds_store_close(s);
	rm_tmp();
}

/* Direct access to the LMDB file, as another program (or an old build) would. */
static void raw_put(const char *db, const void *k, size_t klen, const void *v, size_t vlen)
{
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	char path[512];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	snprintf(path, sizeof(path), "%s/mds.lmdb", dir);
	T_OK(mdb_env_create(&env));
	T_OK(mdb_env_set_maxdbs(env, 8));
	T_OK(mdb_env_set_mapsize(env, 8ull << 30));
	T_OK(mdb_env_open(env, path, MDB_NOSUBDIR, 0644));
	T_OK(mdb_txn_begin(env, NULL, 0, &txn));
	T_OK(mdb_dbi_open(txn, db, 0, &dbi));
	if (v)
		T_OK(mdb_put(txn, dbi, &key, &val, 0));
	else
		T_OK(mdb_del(txn, dbi, &key, NULL));
	T_OK(mdb_txn_commit(txn));
	mdb_env_close(env);
}

static int raw_get_format(struct mds_format_rec *r)
{
	MDB_val key = { 6, "format" }, val;
	char path[512];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	snprintf(path, sizeof(path), "%s/mds.lmdb", dir);
	T_OK(mdb_env_create(&env));
	T_OK(mdb_env_set_maxdbs(env, 8));
	T_OK(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY, 0644));
	T_OK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
	T_OK(mdb_dbi_open(txn, "meta", 0, &dbi));
	rc = mdb_get(txn, dbi, &key, &val);
	if (rc == 0) {
		T_UEQ(val.mv_size, sizeof(*r));
		memcpy(r, val.mv_data, sizeof(*r));
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

static void t_format(void)
{
	struct mds_format_rec r;
	struct mds_store *s;

	mkdir_tmp();
	T_OK(mds_store_open(dir, &s));
	mds_store_close(s);
	T_OK(raw_get_format(&r));
	T_UEQ(r.magic, MDS_FORMAT_MAGIC);
	T_UEQ(r.version, MDS_FORMAT_CUR);
	T_UEQ(r.legacy, 0);
	/* a newer version: refused, the store left as it was */
	r.version = MDS_FORMAT_CUR + 1;
	raw_put("meta", "format", 6, &r, sizeof(r));
	T_ERR(mds_store_open(dir, &s), -EPROTONOSUPPORT);
	T_OK(raw_get_format(&r));
	T_UEQ(r.version, MDS_FORMAT_CUR + 1);
	r.version = 0;
	raw_put("meta", "format", 6, &r, sizeof(r));
	T_ERR(mds_store_open(dir, &s), -EPROTONOSUPPORT);
	r.version = MDS_FORMAT_CUR;
	r.magic = 0x12345678;
	raw_put("meta", "format", 6, &r, sizeof(r));
	T_ERR(mds_store_open(dir, &s), -EIO);
	/* no record (a store of before format records): stamped, legacy */
	raw_put("meta", "format", 6, NULL, 0);
	T_OK(mds_store_open(dir, &s));
	mds_store_close(s);
	T_OK(raw_get_format(&r));
	T_UEQ(r.version, MDS_FORMAT_CUR);
	T_UEQ(r.legacy, 1);
	rm_tmp();
}

/* A version 1 inode (328 bytes, before EC and compression) reads as RAID0
 * without compression; a record whose version and size disagree is -EIO. */
static void t_inode_v1(void)
{
	uint8_t key[8] = { 0, 0, 0, 0, 0, 0, 0, 9 };
	struct mds_dent_rec d = { 9, S_IFREG | 0644, 0 };
	uint8_t dkey[8 + 3] = { 0, 0, 0, 0, 0, 0, 0, 1, 'o', 'l', 'd' };
	struct mds_inode_rec in;
	struct mds_store *s;
	struct wire_attr a;

	mkdir_tmp();
	T_OK(mds_store_open(dir, &s));
	mds_store_close(s);
	memset(&in, 0, sizeof(in));
	in.version = MDS_INODE_V1;
	in.mode = S_IFREG | 0644;
	in.nlink = 1;
	in.size_hint = 12345;
	in.layout.pattern = PROTO_PATTERN_RAID0;
	in.layout.stripe_count = 2;
	in.layout.stripe_size = 1 << 20;
	in.layout.fid = 9;
	in.layout.targets[0] = 1;
	in.layout.targets[1] = 3;
	raw_put("inodes", key, 8, &in, MDS_INODE_V1_SIZE);
	raw_put("dirents", dkey, sizeof(dkey), &d, sizeof(d));
	T_OK(mds_store_open(dir, &s));
	T_OK(mds_store_lookup(s, "/old", &a));
	T_UEQ(a.ino, 9);
	T_UEQ(a.size_hint, 12345);
	T_UEQ(a.layout.stripe_count, 2);
	T_UEQ(a.layout.targets[1], 3);
	T_UEQ(a.layout.compress, PROTO_COMPRESS_NONE);
	T_UEQ(a.layout.ec_k, 0);
	mds_store_close(s);
	in.version = MDS_INODE_V2;   /* v2 must be the whole record */
	raw_put("inodes", key, 8, &in, MDS_INODE_V1_SIZE);
	T_OK(mds_store_open(dir, &s));
	T_ERR(mds_store_lookup(s, "/old", &a), -EIO);
	mds_store_close(s);
	rm_tmp();
}

int main(void)
{
	t_seed();
	t_run("namespace", t_namespace, 60);
	t_run("queues", t_queues, 60);
	t_run("format", t_format, 60);
	t_run("inode_v1", t_inode_v1, 60);
	return t_done();
}
