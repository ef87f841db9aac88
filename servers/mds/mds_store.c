/* mds_store.c - the MDS namespace in LMDB: path resolution from the root, one
 * write transaction per namespace change, group commit (mds_store_open.c
 * opens the store).
 * The records themselves (mds_format.h) are encoded in mds_records.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "log.h"
#include "mds_store_int.h"

/* The result of resolving a path: the parent directory, the final name and,
 * when the entry exists, its ino and mode. watch: an ino whose presence among
 * the directories walked through (including the parent) sets saw_watch. */
struct walk {
	char buf[PROTO_PATH_MAX];
	uint64_t parent;
	const char *name;
	uint64_t ino;                /* 0 when missing */
	uint32_t mode;
	uint64_t watch;
	int saw_watch;
};

/* 1 when directory ino has no entries, 0 when it has, or an error. */
static int dir_is_empty(struct mds_store *s, MDB_txn *txn, uint64_t ino)
{
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	key_ino(&k, ino);
	key = mval(k.b, k.len);
	rc = mdb_cursor_open(txn, s->dirents, &cur);
	if (rc)
		return store_err(rc, "cursor");
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc)
		return store_err(rc, "cursor get");
	return !(key.mv_size >= 8 && memcmp(key.mv_data, k.b, 8) == 0);
}

static void attr_fill(uint64_t ino, const struct store_inode *in, struct wire_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = in->mode;
	a->nlink = in->nlink;
	a->size_hint = in->size_hint;
	a->mtime_ns = in->mtime_ns;
	a->ctime_ns = in->ctime_ns;
	a->layout = in->layout;
}

/* ---- path resolution ---- */

/* Splits w->buf into NUL-separated components and validates each. */
static int walk_parse(struct walk *w, const char *path)
{
	size_t len = strnlen(path, PROTO_PATH_MAX);
	char *p;

	if (len == 0 || len >= PROTO_PATH_MAX || path[0] != '/')
		return -EINVAL;
	memcpy(w->buf, path, len + 1);
	for (p = w->buf + 1; p <= w->buf + len; ) {
		char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0)
			return -EINVAL;
		if (n > PROTO_NAME_MAX)
			return -ENAMETOOLONG;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (slash)
			*slash = '\0';
		p += n + 1;
	}
	return 0;
}

static int walk(struct mds_store *s, MDB_txn *txn, const char *path, uint64_t watch,
		struct walk *w)
{
	const char *end, *p;
	uint64_t cur = MDS_ROOT_INO;
	struct store_dent d;
	int rc;

	w->watch = watch;
	w->saw_watch = 0;
	if (strcmp(path, "/") == 0) {
		w->parent = 0;
		w->name = "";
		w->ino = MDS_ROOT_INO;
		w->mode = S_IFDIR | 0755;
		return 0;
	}
	rc = walk_parse(w, path);
	if (rc)
		return rc;
	end = w->buf + strlen(path);
	for (p = w->buf + 1; p + strlen(p) < end; p += strlen(p) + 1) {
		rc = dent_get(s, txn, cur, p, &d);
		if (rc)
			return rc;
		if (!S_ISDIR(d.mode))
			return -ENOTDIR;
		cur = d.ino;
		if (cur == watch)
			w->saw_watch = 1;
	}
	w->parent = cur;
	w->name = p;
	rc = dent_get(s, txn, cur, p, &d);
	if (rc == -ENOENT) {
		w->ino = 0;
		w->mode = 0;
		return 0;
	}
	if (rc)
		return rc;
	w->ino = d.ino;
	w->mode = d.mode;
	return 0;
}

/* Sets mtime/ctime of directory ino to now and adjusts nlink by dlink. */
static int dir_touch(struct mds_store *s, MDB_txn *txn, uint64_t ino, int dlink)
{
	struct store_inode in;
	int rc;

	rc = inode_get(s, txn, ino, &in);
	if (rc)
		return rc;
	in.mtime_ns = in.ctime_ns = now_ns();
	in.nlink = (uint32_t)((int64_t)in.nlink + dlink);
	return inode_put(s, txn, ino, &in);
}

/* ---- namespace operations ---- */

static int do_lookup(struct mds_store *s, MDB_txn *txn, const char *path, struct wire_attr *a)
{
	struct store_inode in;
	struct walk w;
	int rc;

	rc = walk(s, txn, path, 0, &w);
	if (rc)
		return rc;
	if (!w.ino)
		return -ENOENT;
	rc = inode_get(s, txn, w.ino, &in);
	if (rc)
		return rc;
	attr_fill(w.ino, &in, a);
	return 0;
}

int mds_store_lookup(struct mds_store *s, const char *path, struct wire_attr *a)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 1, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_lookup(s, txn, path, a));
}

/* A new file's layout: request fields, else the parent's default, else the
 * fs default, field by field. */
static void layout_merge(const struct wire_layout *req, const struct wire_layout *dir,
			 struct wire_layout *l)
{
	struct wire_layout none;

	layout_unset(&none);
	if (!req)
		req = &none;
	layout_unset(l);
	l->pattern = req->pattern ? req->pattern :
		     dir->pattern ? dir->pattern : PROTO_PATTERN_RAID0;
	l->stripe_count = req->stripe_count ? req->stripe_count :
			  dir->stripe_count ? dir->stripe_count : 1;
	l->stripe_size = req->stripe_size ? req->stripe_size :
			 dir->stripe_size ? dir->stripe_size : (1u << 20);
	l->first_target = req->first_target >= 0 ? req->first_target : dir->first_target;
	/* The pattern and its EC shape travel together and fix the count; a
	 * count asked for that differs makes the layout invalid (EINVAL), not
	 * silently something else. */
	if (l->pattern == PROTO_PATTERN_EC) {
		const struct wire_layout *src = req->pattern ? req : dir;

		l->ec_k = src->ec_k;
		l->ec_m = src->ec_m;
		if (!req->stripe_count)
			l->stripe_count = l->ec_k + l->ec_m;
	}
	/* So do the codec, its level and the chunk size. */
	if (req->compress || dir->compress) {
		const struct wire_layout *src = req->compress ? req : dir;

		l->compress = src->compress;
		l->compress_level = src->compress_level;
		l->chunk_size = src->chunk_size;
	}
	if (l->compress == 0)
		l->compress = PROTO_COMPRESS_NONE;
	if (l->compress != PROTO_COMPRESS_NONE && l->chunk_size == 0)
		l->chunk_size = PROTO_CHUNK_DEFAULT;
	if (l->compress == PROTO_COMPRESS_ZSTD && l->compress_level == 0)
		l->compress_level = LAYOUT_ZSTD_LEVEL_DEFAULT;
}

static int create_file(struct mds_store *s, MDB_txn *txn, const struct walk *w,
		       uint32_t mode, const struct wire_layout *req,
		       const struct mds_layout_ops *ops, struct wire_attr *a)
{
	struct store_inode parent, in;
	uint64_t ino;
	int rc;

	rc = inode_get(s, txn, w->parent, &parent);
	if (rc)
		return rc;
	memset(&in, 0, sizeof(in));
	layout_merge(req, &parent.layout, &in.layout);
	rc = next_ino(s, txn, &ino);
	if (rc)
		return rc;
	in.layout.fid = ino;
	rc = ops->alloc(ops->arg, &in.layout);
	if (rc)
		return rc;
	/* Fields merged from two sources must still fit together (e.g. a
	 * directory's chunk size and a requested stripe size). */
	if (layout_check(&in.layout))
		return -EINVAL;
	in.mode = S_IFREG | (mode & 07777);
	in.nlink = 1;
	in.mtime_ns = in.ctime_ns = now_ns();
	rc = inode_put(s, txn, ino, &in);
	if (!rc)
		rc = dent_put(s, txn, w->parent, w->name, ino, in.mode);
	if (!rc)
		rc = dir_touch(s, txn, w->parent, 0);
	if (rc)
		return rc;
	attr_fill(ino, &in, a);
	return 0;
}

static int do_open(struct mds_store *s, MDB_txn *txn, const struct wire_open *req,
		   const struct mds_layout_ops *ops, struct wire_attr *a)
{
	struct store_inode in;
	struct walk w;
	int rc;

	rc = walk(s, txn, req->path, 0, &w);
	if (rc)
		return rc;
	if (w.ino) {
		if (S_ISDIR(w.mode))
			return -EISDIR;
		if ((req->flags & O_CREAT) && (req->flags & O_EXCL))
			return -EEXIST;
		rc = inode_get(s, txn, w.ino, &in);
		if (rc)
			return rc;
		attr_fill(w.ino, &in, a);
		return 0;
	}
	if (!(req->flags & O_CREAT))
		return -ENOENT;
	return create_file(s, txn, &w, req->mode, req->has_layout ? &req->layout : NULL,
			   ops, a);
}

int mds_store_open_file(struct mds_store *s, const struct wire_open *req,
			const struct mds_layout_ops *ops, struct wire_attr *a)
{
	MDB_txn *txn;
	int rc;

	/* read-only unless the open may create */
	rc = txn_begin(s, !(req->flags & O_CREAT), &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_open(s, txn, req, ops, a));
}

static int do_mkdir(struct mds_store *s, MDB_txn *txn, const char *path, uint32_t mode,
		    struct wire_attr *a)
{
	struct store_inode in;
	struct walk w;
	uint64_t ino;
	int rc;

	rc = walk(s, txn, path, 0, &w);
	if (rc)
		return rc;
	if (w.ino)
		return -EEXIST;
	rc = next_ino(s, txn, &ino);
	if (rc)
		return rc;
	memset(&in, 0, sizeof(in));
	in.mode = S_IFDIR | (mode & 07777);
	in.nlink = 2;
	in.mtime_ns = in.ctime_ns = now_ns();
	layout_unset(&in.layout);
	rc = inode_put(s, txn, ino, &in);
	if (!rc)
		rc = dent_put(s, txn, w.parent, w.name, ino, in.mode);
	if (!rc)
		rc = dir_touch(s, txn, w.parent, 1);
	if (rc)
		return rc;
	attr_fill(ino, &in, a);
	return 0;
}

int mds_store_mkdir(struct mds_store *s, const char *path, uint32_t mode, struct wire_attr *a)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_mkdir(s, txn, path, mode, a));
}

static int do_rmdir(struct mds_store *s, MDB_txn *txn, const char *path)
{
	struct walk w;
	int rc;

	rc = walk(s, txn, path, 0, &w);
	if (rc)
		return rc;
	if (w.ino == MDS_ROOT_INO)
		return -EBUSY;
	if (!w.ino)
		return -ENOENT;
	if (!S_ISDIR(w.mode))
		return -ENOTDIR;
	rc = dir_is_empty(s, txn, w.ino);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return -ENOTEMPTY;
	rc = dent_del(s, txn, w.parent, w.name);
	if (!rc)
		rc = inode_del(s, txn, w.ino);
	if (!rc)
		rc = dir_touch(s, txn, w.parent, -1);
	return rc;
}

int mds_store_rmdir(struct mds_store *s, const char *path)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_rmdir(s, txn, path));
}

/* Removes file ino's inode and queues its objects for destruction. */
static int file_drop(struct mds_store *s, MDB_txn *txn, uint64_t ino)
{
	struct store_inode in;
	int rc;

	rc = inode_get(s, txn, ino, &in);
	if (rc)
		return rc;
	rc = inode_del(s, txn, ino);
	if (!rc)
		rc = destroy_queue(s, txn, &in.layout);
	return rc;
}

static int do_unlink(struct mds_store *s, MDB_txn *txn, const char *path, int *queued)
{
	struct walk w;
	int rc;

	rc = walk(s, txn, path, 0, &w);
	if (rc)
		return rc;
	if (!w.ino)
		return -ENOENT;
	if (S_ISDIR(w.mode))
		return -EISDIR;
	rc = dent_del(s, txn, w.parent, w.name);
	if (!rc)
		rc = file_drop(s, txn, w.ino);
	if (!rc)
		rc = dir_touch(s, txn, w.parent, 0);
	if (!rc)
		*queued = 1;
	return rc;
}

int mds_store_unlink(struct mds_store *s, const char *path, int *queued)
{
	MDB_txn *txn;
	int rc;

	*queued = 0;
	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	rc = txn_finish(txn, do_unlink(s, txn, path, queued));
	if (rc)
		*queued = 0;
	return rc;
}

/* Removes what the rename target currently names; *dlink gets the change to
 * the target parent's link count. */
static int rename_replace(struct mds_store *s, MDB_txn *txn, const struct walk *src,
			  const struct walk *dst, int *queued, int *dlink)
{
	int rc;

	*dlink = 0;
	if (!dst->ino)
		return 0;
	if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
		return -ENOTDIR;
	if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
		return -EISDIR;
	if (!S_ISDIR(dst->mode)) {
		rc = file_drop(s, txn, dst->ino);
		if (!rc)
			*queued = 1;
		return rc;
	}
	rc = dir_is_empty(s, txn, dst->ino);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return -ENOTEMPTY;
	*dlink = -1;
	return inode_del(s, txn, dst->ino);
}

static int rename_parents(struct mds_store *s, MDB_txn *txn, const struct walk *src,
			  const struct walk *dst, int dlink)
{
	int isdir = S_ISDIR(src->mode) ? 1 : 0;
	int rc;

	if (src->parent == dst->parent)
		return dir_touch(s, txn, src->parent, dlink);
	rc = dir_touch(s, txn, src->parent, -isdir);
	if (!rc)
		rc = dir_touch(s, txn, dst->parent, isdir + dlink);
	return rc;
}

static int do_rename(struct mds_store *s, MDB_txn *txn, const char *from, const char *to,
		     int *queued)
{
	struct store_inode in;
	struct walk *src, *dst;
	int rc, dlink;

	src = malloc(2 * sizeof(*src));
	if (!src)
		return -ENOMEM;
	dst = src + 1;
	rc = walk(s, txn, from, 0, src);
	if (rc)
		goto out;
	rc = -ENOENT;
	if (!src->ino)
		goto out;
	rc = -EBUSY;
	if (src->ino == MDS_ROOT_INO)
		goto out;
	rc = walk(s, txn, to, S_ISDIR(src->mode) ? src->ino : 0, dst);
	if (rc)
		goto out;
	if (dst->ino == src->ino)
		goto out;          /* rc == 0: rename to itself */
	rc = -EBUSY;
	if (dst->ino == MDS_ROOT_INO)
		goto out;
	rc = -EINVAL;
	if (dst->saw_watch)
		goto out;
	rc = rename_replace(s, txn, src, dst, queued, &dlink);
	if (!rc)
		rc = dent_del(s, txn, src->parent, src->name);
	if (!rc)
		rc = dent_put(s, txn, dst->parent, dst->name, src->ino, src->mode);
	if (!rc)
		rc = rename_parents(s, txn, src, dst, dlink);
	if (!rc)
		rc = inode_get(s, txn, src->ino, &in);
	if (rc)
		goto out;
	in.ctime_ns = now_ns();
	rc = inode_put(s, txn, src->ino, &in);
out:
	free(src);
	return rc;
}

int mds_store_rename(struct mds_store *s, const char *from, const char *to, int *queued)
{
	MDB_txn *txn;
	int rc;

	*queued = 0;
	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	rc = txn_finish(txn, do_rename(s, txn, from, to, queued));
	if (rc)
		*queued = 0;
	return rc;
}

/* Bytes one entry takes in a readdir reply: ino, mode, u16 length, name. */
static size_t readdir_cost(size_t namelen)
{
	return 8 + 4 + 2 + namelen;
}

/* Fills rep from the cursor positioned at the first candidate entry. */
static int readdir_fill(MDB_cursor *cur, int rc, MDB_val *key, MDB_val *val,
			const uint8_t *prefix, uint32_t max, struct wire_readdir_rep *rep)
{
	size_t room = WIRE_MSG_MAX - WIRE_HDR_LEN - 8;
	struct store_dent d;

	for (;;) {
		struct wire_dirent *e = &rep->ent[rep->count];
		size_t n;

		if (rc && rc != MDB_NOTFOUND)
			return store_err(rc, "readdir");
		if (rc == MDB_NOTFOUND || key->mv_size < 8 || memcmp(key->mv_data, prefix, 8))
			break;
		n = key->mv_size - 8;
		if (n == 0 || n > PROTO_NAME_MAX || dent_decode(val, &d))
			return -EIO;
		if (rep->count >= max || readdir_cost(n) > room)
			return 0;       /* eof stays 0: more follows */
		e->ino = d.ino;
		e->mode = d.mode;
		memcpy(e->name, (const uint8_t *)key->mv_data + 8, n);
		e->name[n] = '\0';
		room -= readdir_cost(n);
		rep->count++;
		rc = mdb_cursor_get(cur, key, val, MDB_NEXT);
	}
	rep->eof = 1;
	return 0;
}

static int do_readdir(struct mds_store *s, MDB_txn *txn, const struct wire_readdir *req,
		      struct wire_readdir_rep *rep)
{
	uint32_t max = req->max;
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	struct walk w;
	int rc;

	rc = walk(s, txn, req->path, 0, &w);
	if (rc)
		return rc;
	if (!w.ino)
		return -ENOENT;
	if (!S_ISDIR(w.mode))
		return -ENOTDIR;
	if (max == 0 || max > WIRE_READDIR_MAX)
		max = WIRE_READDIR_MAX;
	rep->count = 0;
	rep->eof = 0;
	key_dent(&k, w.ino, req->after);
	key = mval(k.b, k.len);
	rc = mdb_cursor_open(txn, s->dirents, &cur);
	if (rc)
		return store_err(rc, "cursor");
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (rc == 0 && key.mv_size == k.len && memcmp(key.mv_data, k.b, k.len) == 0)
		rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = readdir_fill(cur, rc, &key, &val, k.b, max, rep);
	else
		rc = store_err(rc, "readdir");
	mdb_cursor_close(cur);
	return rc;
}

int mds_store_readdir(struct mds_store *s, const struct wire_readdir *req,
		      struct wire_readdir_rep *rep)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 1, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_readdir(s, txn, req, rep));
}

static int dir_set_default(struct mds_store *s, MDB_txn *txn, uint64_t ino,
			   const struct wire_layout *l, const struct mds_layout_ops *ops,
			   struct wire_attr *a)
{
	struct store_inode in;
	int rc;

	rc = ops->check(ops->arg, l);
	if (rc)
		return rc;
	rc = inode_get(s, txn, ino, &in);
	if (rc)
		return rc;
	layout_unset(&in.layout);
	in.layout.pattern = l->pattern;
	in.layout.stripe_count = l->stripe_count;
	in.layout.stripe_size = l->stripe_size;
	in.layout.first_target = l->first_target < 0 ? -1 : l->first_target;
	in.layout.ec_k = l->ec_k;
	in.layout.ec_m = l->ec_m;
	in.layout.compress = l->compress;
	in.layout.compress_level = l->compress_level;
	in.layout.chunk_size = l->chunk_size;
	in.ctime_ns = now_ns();
	rc = inode_put(s, txn, ino, &in);
	if (rc)
		return rc;
	attr_fill(ino, &in, a);
	return 0;
}

static int do_set_layout(struct mds_store *s, MDB_txn *txn, const struct wire_set_layout *req,
			 const struct mds_layout_ops *ops, struct wire_attr *a)
{
	struct walk w;
	int rc;

	rc = walk(s, txn, req->path, 0, &w);
	if (rc)
		return rc;
	if (!w.ino)
		return create_file(s, txn, &w, 0644, &req->layout, ops, a);
	if (!S_ISDIR(w.mode))
		return -EEXIST;
	return dir_set_default(s, txn, w.ino, &req->layout, ops, a);
}

int mds_store_set_layout(struct mds_store *s, const struct wire_set_layout *req,
			 const struct mds_layout_ops *ops, struct wire_attr *a)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_set_layout(s, txn, req, ops, a));
}

static int do_set_size(struct mds_store *s, MDB_txn *txn, uint64_t ino, uint64_t size,
		       int grow)
{
	struct store_inode in;
	int rc;

	rc = inode_get(s, txn, ino, &in);
	if (rc)
		return rc;
	if (S_ISDIR(in.mode))
		return -EISDIR;
	if (in.size_hint == size || (grow && in.size_hint > size))
		return 0;
	in.size_hint = size;
	return inode_put(s, txn, ino, &in);
}

int mds_store_set_size(struct mds_store *s, uint64_t ino, uint64_t size, int grow)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_set_size(s, txn, ino, size, grow));
}

static int do_replace_target(struct mds_store *s, MDB_txn *txn,
			     const struct wire_replace_target *m, struct wire_attr *a)
{
	struct store_inode in;
	int rc;

	rc = inode_get(s, txn, m->ino, &in);
	if (rc)
		return rc;
	if (S_ISDIR(in.mode))
		return -EISDIR;
	if (m->stripe >= in.layout.stripe_count || in.layout.targets[m->stripe] != m->old_target)
		return -EINVAL;
	for (uint32_t i = 0; i < in.layout.stripe_count; i++)
		if (in.layout.targets[i] == m->new_target)
			return -EINVAL;
	in.layout.targets[m->stripe] = m->new_target;
	if (m->stripe == 0)
		in.layout.first_target = (int32_t)m->new_target;
	in.ctime_ns = now_ns();
	rc = inode_put(s, txn, m->ino, &in);
	if (rc)
		return rc;
	attr_fill(m->ino, &in, a);
	return 0;
}

int mds_store_replace_target(struct mds_store *s, const struct wire_replace_target *m,
			     struct wire_attr *a)
{
	MDB_txn *txn;
	int rc;

	rc = txn_begin(s, 0, &txn);
	if (rc)
		return rc;
	return txn_finish(txn, do_replace_target(s, txn, m, a));
}

/* ---- group commit ---- */

static int store_op_run(struct mds_store *s, MDB_txn *txn, struct mds_store_op *op)
{
	switch (op->kind) {
	case MDS_SOP_OPEN:
		return do_open(s, txn, op->open, op->lops, op->attr);
	case MDS_SOP_MKDIR:
		return do_mkdir(s, txn, op->path, op->mode, op->attr);
	case MDS_SOP_RMDIR:
		return do_rmdir(s, txn, op->path);
	case MDS_SOP_UNLINK:
		return do_unlink(s, txn, op->path, &op->queued);
	case MDS_SOP_RENAME:
		return do_rename(s, txn, op->path, op->to, &op->queued);
	case MDS_SOP_SET_LAYOUT:
		return do_set_layout(s, txn, op->setl, op->lops, op->attr);
	case MDS_SOP_SET_SIZE:
		return do_set_size(s, txn, op->ino, op->size, op->grow);
	}
	return -EINVAL;
}

void mds_store_batch(struct mds_store *s, struct mds_store_op *ops)
{
	struct mds_store_op *op;
	MDB_txn *txn, *child;
	int rc;

	for (op = ops; op; op = op->next)
		op->queued = op->rc = 0;
	rc = txn_begin(s, 0, &txn);
	if (rc)
		goto fail;
	if (!ops->next) {
		/* A batch of one needs no nested transaction. */
		ops->rc = txn_finish(txn, store_op_run(s, txn, ops));
		goto out;
	}
	for (op = ops; op; op = op->next) {
		op->rc = store_err(mdb_txn_begin(s->env, txn, 0, &child), "nested txn_begin");
		if (!op->rc)
			op->rc = txn_finish(child, store_op_run(s, child, op));
	}
	rc = mdb_txn_commit(txn);
	if (rc) {
		rc = store_err(rc, "commit");
		goto fail;
	}
	goto out;
fail:
	for (op = ops; op; op = op->next)
		if (op->rc >= 0)
			op->rc = rc;
out:
	for (op = ops; op; op = op->next)
		if (op->rc)
			op->queued = 0;
}
