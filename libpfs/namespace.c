/* namespace.c - libpfs namespace calls: mkdir, rmdir, unlink, rename, stat,
 * directory streams, getstripe/setstripe and statfs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "client.h"
#include "engine.h"
#include "layout_api.h"

/* An MDS call whose request is one normalised path and whose reply is empty. */
static int ns_path_op(pfs_fs_t *fs, uint16_t op, const char *path)
{
	struct wire_path m;
	uint8_t req[PFS_PATH_MAX + 16];
	int rc, len;

	if (!fs)
		return -EINVAL;
	rc = client_path_norm(path, m.path);
	if (rc)
		return rc;
	len = wire_enc_path(req, sizeof(req), &m);
	if (len < 0)
		return len;
	return client_mds_attr(fs, op, req, (size_t)len, NULL);
}

int pfs_mkdir(pfs_fs_t *fs, const char *path, mode_t mode)
{
	struct wire_mkdir m;
	uint8_t req[PFS_PATH_MAX + 16];
	int rc, len;

	if (!fs)
		return -EINVAL;
	rc = client_path_norm(path, m.path);
	if (rc)
		return rc;
	m.mode = (uint32_t)(mode & 07777);
	len = wire_enc_mkdir(req, sizeof(req), &m);
	if (len < 0)
		return len;
	return client_mds_attr(fs, WIRE_OP_MKDIR, req, (size_t)len, NULL);
}

int pfs_rmdir(pfs_fs_t *fs, const char *path)
{
	return ns_path_op(fs, WIRE_OP_RMDIR, path);
}

int pfs_unlink(pfs_fs_t *fs, const char *path)
{
	return ns_path_op(fs, WIRE_OP_UNLINK, path);
}

int pfs_rename(pfs_fs_t *fs, const char *from, const char *to)
{
	struct wire_rename *m;
	uint8_t *req = NULL;
	int rc, len;

	if (!fs)
		return -EINVAL;
	m = malloc(sizeof(*m));
	req = malloc(2 * PFS_PATH_MAX + 16);
	if (!m || !req) {
		rc = -ENOMEM;
		goto out;
	}
	rc = client_path_norm(from, m->from);
	if (!rc)
		rc = client_path_norm(to, m->to);
	if (rc)
		goto out;
	len = wire_enc_rename(req, 2 * PFS_PATH_MAX + 16, m);
	rc = len < 0 ? len : client_mds_attr(fs, WIRE_OP_RENAME, req, (size_t)len, NULL);
out:
	free(req);
	free(m);
	return rc;
}

static int ns_lookup(pfs_fs_t *fs, const char *path, struct wire_attr *attr)
{
	char norm[PFS_PATH_MAX];
	int rc;

	if (!fs)
		return -EINVAL;
	rc = client_path_norm(path, norm);
	if (rc)
		return rc;
	return client_lookup(fs, norm, attr);
}

int pfs_stat(pfs_fs_t *fs, const char *path, struct pfs_stat *st)
{
	struct wire_attr attr;
	uint64_t size;
	int rc;

	if (!st)
		return -EINVAL;
	rc = ns_lookup(fs, path, &attr);
	if (rc)
		return rc;
	size = attr.size_hint;
	if (S_ISREG(attr.mode)) {
		if (layout_check(&attr.layout))
			return -EPROTO;
		rc = engine_glimpse(fs, &attr.layout, 0, &size);
		if (rc)
			return rc;
	}
	memset(st, 0, sizeof(*st));
	st->ino = attr.ino;
	st->mode = attr.mode;
	st->nlink = attr.nlink;
	st->size = size;
	st->mtime_ns = attr.mtime_ns;
	st->ctime_ns = attr.ctime_ns;
	return 0;
}

/* ---- directory streams ---- */

/* Fetches the batch after the last entry returned (or the first batch).
 * On failure the stream is left as it was, so that calling pfs_readdir
 * again retries from the same place instead of ending the listing early. */
static int ns_readdir_fetch(pfs_dir_t *dir)
{
	struct wire_readdir m;
	struct wire_readdir_rep *next = NULL;
	uint8_t req[PFS_PATH_MAX + PFS_NAME_MAX + 32];
	void *rep;
	size_t rlen;
	int rc, len;

	memset(&m, 0, sizeof(m));
	memcpy(m.path, dir->path, sizeof(m.path));
	if (dir->batch->count)
		memcpy(m.after, dir->batch->ent[dir->batch->count - 1].name, sizeof(m.after));
	m.max = WIRE_READDIR_MAX;
	len = wire_enc_readdir(req, sizeof(req), &m);
	if (len < 0)
		return len;
	rep = malloc(WIRE_MSG_MAX);
	next = malloc(sizeof(*next));
	if (!rep || !next) {
		rc = -ENOMEM;
		goto out;
	}
	rc = client_mds_call(dir->fs, WIRE_OP_READDIR, req, (size_t)len, rep, &rlen);
	if (!rc)
		rc = wire_dec_readdir_rep(rep, rlen, next);
	if (!rc && next->count == 0 && !next->eof)
		rc = -EPROTO;    /* would loop forever */
	if (!rc) {
		free(dir->batch);
		dir->batch = next;
		next = NULL;
		dir->next = 0;
	}
out:
	free(next);
	free(rep);
	return rc;
}

int pfs_opendir(pfs_fs_t *fs, const char *path, pfs_dir_t **out)
{
	pfs_dir_t *dir;
	int rc;

	if (!fs || !out)
		return -EINVAL;
	*out = NULL;
	dir = calloc(1, sizeof(*dir));
	if (!dir)
		return -ENOMEM;
	dir->fs = fs;
	dir->batch = calloc(1, sizeof(*dir->batch));
	rc = dir->batch ? client_path_norm(path, dir->path) : -ENOMEM;
	if (!rc)
		rc = ns_readdir_fetch(dir);
	if (rc) {
		pfs_closedir(dir);
		return rc;
	}
	*out = dir;
	return 0;
}

int pfs_readdir(pfs_dir_t *dir, struct pfs_dirent *ent)
{
	const struct wire_dirent *d;
	int rc;

	if (!dir || !ent)
		return -EINVAL;
	if (dir->next >= dir->batch->count) {
		if (dir->batch->eof)
			return 0;
		rc = ns_readdir_fetch(dir);
		if (rc)
			return rc;
		if (dir->batch->count == 0)
			return 0;
	}
	d = &dir->batch->ent[dir->next++];
	memset(ent, 0, sizeof(*ent));
	ent->ino = d->ino;
	ent->mode = d->mode;
	memcpy(ent->name, d->name, sizeof(ent->name));
	ent->name[PFS_NAME_MAX] = '\0';
	return 1;
}

int pfs_closedir(pfs_dir_t *dir)
{
	if (!dir)
		return -EINVAL;
	free(dir->batch);
	free(dir);
	return 0;
}

/* ---- layouts ---- */

int pfs_getstripe(pfs_fs_t *fs, const char *path, struct pfs_layout *layout)
{
	struct wire_attr attr;
	int rc;

	if (!layout)
		return -EINVAL;
	rc = ns_lookup(fs, path, &attr);
	if (rc)
		return rc;
	layout_to_public(&attr.layout, layout);
	return 0;
}

int pfs_setstripe(pfs_fs_t *fs, const char *path, const struct pfs_layout *layout)
{
	struct wire_set_layout m;
	uint8_t *req;
	int rc, len;

	if (!fs || !layout)
		return -EINVAL;
	rc = client_path_norm(path, m.path);
	if (rc)
		return rc;
	layout_from_public(layout, &m.layout);
	if (layout_check_request(&m.layout))
		return -EINVAL;
	req = malloc(CLIENT_REQ_MAX);
	if (!req)
		return -ENOMEM;
	len = wire_enc_set_layout(req, CLIENT_REQ_MAX, &m);
	rc = len < 0 ? len : client_mds_attr(fs, WIRE_OP_SET_LAYOUT, req, (size_t)len, NULL);
	free(req);
	return rc;
}

/* ---- statfs ---- */

int pfs_statfs(pfs_fs_t *fs, struct pfs_target_stat *targets, int max)
{
	return client_statfs(fs, targets, max);
}
