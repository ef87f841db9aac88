/* mds_records.c - the MDS store's durable records: encoding inodes, entries,
 * targets and destroy entries to and from mds_format.h, and the format record. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "log.h"
#include "mds_format.h"
#include "mds_store_int.h"

/* The in-memory limits must fit the records. */
_Static_assert(PROTO_MAX_STRIPES == MDS_REC_MAX_STRIPES, "layout targets fit the record");
_Static_assert(WIRE_ADDR_MAX == MDS_REC_ADDR_MAX, "target address fits the record");

/* ---- small helpers ---- */

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int store_err(int rc, const char *what)
{
	if (rc == 0)
		return 0;
	log_msg(LOG_ERR, "lmdb %s: %s", what, mdb_strerror(rc));
	if (rc == MDB_MAP_FULL)
		return -ENOSPC;
	if (rc > 0)
		return -rc;
	return -EIO;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void key_ino(struct store_key *k, uint64_t ino)
{
	put_be64(k->b, ino);
	k->len = 8;
}

void key_dent(struct store_key *k, uint64_t parent, const char *name)
{
	size_t n = strnlen(name, PROTO_NAME_MAX);

	put_be64(k->b, parent);
	memcpy(k->b + 8, name, n);
	k->len = 8 + n;
}

MDB_val mval(const void *p, size_t n)
{
	MDB_val v = { .mv_size = n, .mv_data = (void *)p };

	return v;
}

void layout_unset(struct wire_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->first_target = -1;
}

int txn_begin(struct mds_store *s, int rdonly, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, rdonly ? MDB_RDONLY : 0, txn);

	return store_err(rc, "txn_begin");
}

int txn_finish(MDB_txn *txn, int rc)
{
	int crc;

	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	crc = mdb_txn_commit(txn);
	if (crc)
		return store_err(crc, "commit");
	return rc;
}

/* ---- layouts: copied field by field, never as a wire struct ---- */

static void rec_layout_get(const struct mds_layout_rec *r, struct wire_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->pattern = r->pattern;
	l->stripe_count = r->stripe_count;
	l->stripe_size = r->stripe_size;
	l->first_target = r->first_target;
	l->fid = r->fid;
	memcpy(l->targets, r->targets, sizeof(l->targets));
	l->ec_k = r->ec_k;
	l->ec_m = r->ec_m;
	l->compress = r->compress;
	l->compress_level = r->compress_level;
	l->chunk_size = r->chunk_size;
}

static void rec_layout_put(const struct wire_layout *l, struct mds_layout_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->pattern = l->pattern;
	r->stripe_count = l->stripe_count;
	r->stripe_size = l->stripe_size;
	r->first_target = l->first_target;
	r->fid = l->fid;
	memcpy(r->targets, l->targets, sizeof(r->targets));
	r->ec_k = l->ec_k;
	r->ec_m = l->ec_m;
	r->compress = l->compress;
	r->compress_level = l->compress_level;
	r->chunk_size = l->chunk_size;
}

/* ---- inodes ---- */

/* The record's own version decides how long it must be (never the other way
 * round): v1 is the prefix before the EC and compression fields. */
static int inode_decode(uint64_t ino, const MDB_val *val, struct store_inode *in)
{
	struct mds_inode_rec r;
	uint32_t version;

	if (val->mv_size < sizeof(version))
		goto bad_size;
	memcpy(&version, val->mv_data, sizeof(version));
	memset(&r, 0, sizeof(r));
	if (version == MDS_INODE_V1) {
		if (val->mv_size != MDS_INODE_V1_SIZE)
			goto bad_size;
		memcpy(&r, val->mv_data, MDS_INODE_V1_SIZE);
		r.layout.compress = S_ISREG(r.mode) ? PROTO_COMPRESS_NONE : 0;
	} else if (version == MDS_INODE_V2) {
		if (val->mv_size != sizeof(r))
			goto bad_size;
		memcpy(&r, val->mv_data, sizeof(r));
	} else {
		log_msg(LOG_ERR, "inode %llu: unknown record version %u",
			(unsigned long long)ino, version);
		return -EIO;
	}
	in->mode = r.mode;
	in->nlink = r.nlink;
	in->size_hint = r.size_hint;
	in->mtime_ns = r.mtime_ns;
	in->ctime_ns = r.ctime_ns;
	rec_layout_get(&r.layout, &in->layout);
	return 0;
bad_size:
	log_msg(LOG_ERR, "inode %llu: bad record size %zu", (unsigned long long)ino,
		val->mv_size);
	return -EIO;
}

int inode_get(struct mds_store *s, MDB_txn *txn, uint64_t ino, struct store_inode *in)
{
	struct store_key k;
	MDB_val key, val;
	int rc;

	key_ino(&k, ino);
	key = mval(k.b, k.len);
	rc = mdb_get(txn, s->inodes, &key, &val);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc)
		return store_err(rc, "inode get");
	return inode_decode(ino, &val, in);
}

/* Always writes the current record version (a v1 record read is rewritten
 * as v2 the next time its inode changes). */
int inode_put(struct mds_store *s, MDB_txn *txn, uint64_t ino, const struct store_inode *in)
{
	struct mds_inode_rec r;
	struct store_key k;
	MDB_val key, val;

	memset(&r, 0, sizeof(r));
	r.version = MDS_INODE_V2;
	r.mode = in->mode;
	r.nlink = in->nlink;
	r.size_hint = in->size_hint;
	r.mtime_ns = in->mtime_ns;
	r.ctime_ns = in->ctime_ns;
	rec_layout_put(&in->layout, &r.layout);
	key_ino(&k, ino);
	key = mval(k.b, k.len);
	val = mval(&r, sizeof(r));
	return store_err(mdb_put(txn, s->inodes, &key, &val, 0), "inode put");
}

int inode_del(struct mds_store *s, MDB_txn *txn, uint64_t ino)
{
	struct store_key k;
	MDB_val key;

	key_ino(&k, ino);
	key = mval(k.b, k.len);
	return store_err(mdb_del(txn, s->inodes, &key, NULL), "inode del");
}

/* ---- directory entries ---- */

int dent_decode(const MDB_val *val, struct store_dent *d)
{
	struct mds_dent_rec r;

	if (val->mv_size != sizeof(r))
		return -EIO;
	memcpy(&r, val->mv_data, sizeof(r));
	d->ino = r.ino;
	d->mode = r.mode;
	return 0;
}

int dent_get(struct mds_store *s, MDB_txn *txn, uint64_t parent, const char *name,
	     struct store_dent *d)
{
	struct store_key k;
	MDB_val key, val;
	int rc;

	key_dent(&k, parent, name);
	key = mval(k.b, k.len);
	rc = mdb_get(txn, s->dirents, &key, &val);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc)
		return store_err(rc, "dirent get");
	return dent_decode(&val, d);
}

int dent_put(struct mds_store *s, MDB_txn *txn, uint64_t parent, const char *name,
	     uint64_t ino, uint32_t mode)
{
	struct mds_dent_rec r = { .ino = ino, .mode = mode, .pad = 0 };
	struct store_key k;
	MDB_val key, val;

	key_dent(&k, parent, name);
	key = mval(k.b, k.len);
	val = mval(&r, sizeof(r));
	return store_err(mdb_put(txn, s->dirents, &key, &val, 0), "dirent put");
}

int dent_del(struct mds_store *s, MDB_txn *txn, uint64_t parent, const char *name)
{
	struct store_key k;
	MDB_val key;

	key_dent(&k, parent, name);
	key = mval(k.b, k.len);
	return store_err(mdb_del(txn, s->dirents, &key, NULL), "dirent del");
}

int next_ino(struct mds_store *s, MDB_txn *txn, uint64_t *ino)
{
	static const char name[] = "next_ino";
	MDB_val key = mval(name, sizeof(name) - 1), val;
	uint64_t next = MDS_ROOT_INO + 1;
	int rc;

	rc = mdb_get(txn, s->meta, &key, &val);
	if (rc && rc != MDB_NOTFOUND)
		return store_err(rc, "meta get");
	if (rc == 0) {
		if (val.mv_size != sizeof(next))
			return -EIO;
		memcpy(&next, val.mv_data, sizeof(next));
	}
	*ino = next;
	next++;
	val = mval(&next, sizeof(next));
	return store_err(mdb_put(txn, s->meta, &key, &val, 0), "meta put");
}

/* ---- the format record ---- */

static int format_put(struct mds_store *s, MDB_txn *txn, int legacy)
{
	struct mds_format_rec r;
	MDB_val key = mval(MDS_FORMAT_KEY, sizeof(MDS_FORMAT_KEY) - 1);
	MDB_val val = mval(&r, sizeof(r));

	memset(&r, 0, sizeof(r));
	r.magic = MDS_FORMAT_MAGIC;
	r.version = MDS_FORMAT_CUR;
	r.legacy = legacy ? 1 : 0;
	r.created_ns = now_ns();
	return store_err(mdb_put(txn, s->meta, &key, &val, 0), "format put");
}

static int format_verify(const MDB_val *val, const char *dir)
{
	struct mds_format_rec r;

	if (val->mv_size < 8) {
		log_msg(LOG_ERR, "store format record in %s is damaged (%zu bytes)", dir,
			val->mv_size);
		return -EIO;
	}
	memset(&r, 0, sizeof(r));
	memcpy(&r, val->mv_data, val->mv_size < sizeof(r) ? val->mv_size : sizeof(r));
	if (r.magic != MDS_FORMAT_MAGIC) {
		log_msg(LOG_ERR, "store format record in %s has magic %08x, not %08x: "
			"not a pfs-mds store of this byte order", dir, r.magic,
			MDS_FORMAT_MAGIC);
		return -EIO;
	}
	if (r.version < MDS_FORMAT_MIN || r.version > MDS_FORMAT_CUR) {
		log_msg(LOG_ERR, "store format %u in %s, this pfs-mds reads %u..%u; "
			"refusing to start", r.version, dir, MDS_FORMAT_MIN, MDS_FORMAT_CUR);
		return -EPROTONOSUPPORT;
	}
	if (val->mv_size != sizeof(r)) {
		log_msg(LOG_ERR, "store format %u record in %s has %zu bytes, not %zu",
			r.version, dir, val->mv_size, sizeof(r));
		return -EIO;
	}
	return 0;
}

int format_check(struct mds_store *s, MDB_txn *txn, const char *dir, int fresh)
{
	MDB_val key = mval(MDS_FORMAT_KEY, sizeof(MDS_FORMAT_KEY) - 1), val;
	int rc;

	rc = mdb_get(txn, s->meta, &key, &val);
	if (rc == 0)
		return format_verify(&val, dir);
	if (rc != MDB_NOTFOUND)
		return store_err(rc, "format get");
	if (!fresh)
		log_msg(LOG_INFO, "%s: store without a format record (written before "
			"format records); its records are format 1: stamping it", dir);
	return format_put(s, txn, !fresh);
}

/* ---- destroy queue ---- */

int destroy_queue(struct mds_store *s, MDB_txn *txn, const struct wire_layout *l)
{
	struct mds_destroy_disk r;
	struct store_key k;
	MDB_val key, val;

	memset(&r, 0, sizeof(r));
	r.fid = l->fid;
	r.count = l->stripe_count > PROTO_MAX_STRIPES ? PROTO_MAX_STRIPES : l->stripe_count;
	memcpy(r.targets, l->targets, sizeof(r.targets));
	if (r.count == 0)
		return 0;
	key_ino(&k, r.fid);
	key = mval(k.b, k.len);
	val = mval(&r, sizeof(r));
	return store_err(mdb_put(txn, s->destroy, &key, &val, 0), "destroy put");
}

static int destroy_next(struct mds_store *s, MDB_txn *txn, uint64_t after,
			struct mds_destroy_ent *e)
{
	struct mds_destroy_disk r;
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	if (after == UINT64_MAX)
		return 0;
	key_ino(&k, after + 1);
	key = mval(k.b, k.len);
	rc = mdb_cursor_open(txn, s->destroy, &cur);
	if (rc)
		return store_err(rc, "cursor");
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_err(rc, "destroy get");
	if (val.mv_size != sizeof(r) || key.mv_size != 8)
		return -EIO;
	memcpy(&r, val.mv_data, sizeof(r));
	if (r.count > PROTO_MAX_STRIPES)
		return -EIO;
	memset(e, 0, sizeof(*e));
	e->fid = get_be64(key.mv_data);
	e->count = r.count;
	e->done = r.done;
	memcpy(e->targets, r.targets, sizeof(e->targets));
	return 1;
}

int mds_store_destroy_next(struct mds_store *s, uint64_t after, struct mds_destroy_ent *e)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 1, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, destroy_next(s, txn, after, e));
}

int mds_store_destroy_update(struct mds_store *s, const struct mds_destroy_ent *e)
{
	uint64_t all = e->count >= 64 ? UINT64_MAX : (1ull << e->count) - 1;
	struct mds_destroy_disk r;
	struct store_key k;
	MDB_val key, val;
	MDB_txn *txn;
	int rc;

	key_ino(&k, e->fid);
	key = mval(k.b, k.len);
	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	if ((e->done & all) == all) {
		rc = mdb_del(txn, s->destroy, &key, NULL);
		rc = rc == MDB_NOTFOUND ? 0 : store_err(rc, "destroy del");
	} else {
		memset(&r, 0, sizeof(r));
		r.fid = e->fid;
		r.count = e->count;
		r.done = e->done;
		memcpy(r.targets, e->targets, sizeof(r.targets));
		val = mval(&r, sizeof(r));
		rc = store_err(mdb_put(txn, s->destroy, &key, &val, 0), "destroy put");
	}
	return txn_finish(txn, rc);
}

/* ---- target table ---- */

int mds_store_put_target(struct mds_store *s, const struct mds_target_rec *t)
{
	uint8_t kb[4] = { t->id >> 24, t->id >> 16, t->id >> 8, t->id };
	struct mds_target_disk r;
	MDB_val key = mval(kb, sizeof(kb)), val = mval(&r, sizeof(r));
	MDB_txn *txn;
	int rc;

	if (t->addr_len > sizeof(r.addr))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.id = t->id;
	r.addr_len = t->addr_len;
	memcpy(r.addr, t->addr, t->addr_len);
	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	rc = store_err(mdb_put(txn, s->targets, &key, &val, 0), "target put");
	return txn_finish(txn, rc);
}

static int target_decode(const MDB_val *val, struct mds_target_rec *t)
{
	struct mds_target_disk r;

	if (val->mv_size != sizeof(r))
		return -EIO;
	memcpy(&r, val->mv_data, sizeof(r));
	memset(t, 0, sizeof(*t));
	t->id = r.id;
	t->addr_len = r.addr_len;
	memcpy(t->addr, r.addr, sizeof(t->addr));
	return 0;
}

static int load_targets(struct mds_store *s, MDB_txn *txn,
			int (*fn)(void *arg, const struct mds_target_rec *t), void *arg)
{
	struct mds_target_rec t;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	rc = mdb_cursor_open(txn, s->targets, &cur);
	if (rc)
		return store_err(rc, "cursor");
	while ((rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) == 0) {
		rc = target_decode(&val, &t);
		if (!rc)
			rc = fn(arg, &t);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc > 0 ? store_err(rc, "target load") : rc;
}

int mds_store_load_targets(struct mds_store *s,
			   int (*fn)(void *arg, const struct mds_target_rec *t), void *arg)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 1, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, load_targets(s, txn, fn, arg));
}
