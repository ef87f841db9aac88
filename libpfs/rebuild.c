/* rebuild.c - redundancy: pfs_health (which stripes of any file answer) and
 * pfs_rebuild (an EC file's lost stripe rebuilt row by row elsewhere). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "ec_rows.h"
#include "engine.h"
#include "file.h"
#include "layout.h"

int pfs_health(pfs_fs_t *fs, const char *path, struct pfs_health *h)
{
	pfs_file_t *f;
	int rc;

	if (!fs || !h)
		return -EINVAL;
	rc = file_open(fs, path, O_RDONLY, 0, NULL, &f);
	if (rc)
		return rc;
	memset(h, 0, sizeof(*h));
	h->stripe_count = f->attr.layout.stripe_count;
	h->redundancy = f->engine->redundancy(&f->attr.layout);
	rc = client_obj_fanout_each(fs, &f->attr.layout, WIRE_OP_OBJ_GLIMPSE, NULL, NULL, 0,
				    h->stripe_err);
	for (uint32_t i = 0; i < h->stripe_count && !rc; i++)
		h->lost += h->stripe_err[i] ? 1 : 0;
	file_close(f);
	return rc;
}

/* The first target that is up (and answers) and holds no stripe of l. */
static int ec_pick_target(pfs_fs_t *fs, const struct wire_layout *l, uint32_t *out)
{
	struct pfs_target_stat *t = calloc(WIRE_MAX_TARGETS, sizeof(*t));
	int n, rc = -ENOSPC;

	if (!t)
		return -ENOMEM;
	n = client_statfs(fs, t, WIRE_MAX_TARGETS);
	if (n < 0)
		rc = n;
	for (int i = 0; i < n && rc == -ENOSPC; i++) {
		int used = 0;

		for (uint32_t j = 0; j < l->stripe_count; j++)
			used |= l->targets[j] == t[i].id;
		if (t[i].up && !used) {
			*out = t[i].id;
			rc = 0;
		}
	}
	free(t);
	return rc;
}

/* Rebuilds stripe s of rows [r0, r1) from the others and writes it to the
 * same object on the layout nl (stripe s on its new target). */
static int ec_rebuild_batch(struct ec_ctx *c, struct ec_rows *rw, uint32_t s, uint64_t size,
			    const struct wire_layout *nl)
{
	struct ec_pieces v = { 0 };
	struct wire_obj_lock lk;
	int locked = 0, rc = 0;

	/* The lock server is the first parity stripe's: when that is the one
	 * lost, nobody can lock (or write) until the rebuild is done. */
	if (s != c->k) {
		rc = ec_lock(c, rw->r0, rw->r1, &lk);
		if (rc)
			return rc;
		locked = 1;
	}
	memset(rw->status, 0, sizeof(rw->status));
	rw->status[s] = -ENODEV;
	memset(rw->need, 1, rw->r1 - rw->r0);
	rc = ec_rebuild_rows(c, rw);
	for (uint64_t r = rw->r0; r < rw->r1 && !rc; r++) {
		uint64_t len = s < c->k ? ec_cell_used(c, size, r, s) : ec_row_used(c, size, r);

		if (len)
			rc = ec_piece(&v, s, r * c->S, len, ec_cell(c, rw->buf, rw->r0, r, s));
	}
	if (!rc)
		rc = objio_spans(c->f, 1, nl, rw->buf, (rw->r1 - rw->r0) * c->n * c->S, v.p, v.n,
				NULL, NULL);
	if (locked)
		ec_unlock(c, &lk);
	free(v.p);
	return rc;
}

static int ec_replace_target(pfs_fs_t *fs, uint64_t ino, uint32_t s, uint32_t from, uint32_t to)
{
	struct wire_replace_target m = { .ino = ino, .stripe = s, .old_target = from,
					 .new_target = to };
	uint8_t req[64];
	int len = wire_enc_replace_target(req, sizeof(req), &m);

	if (len < 0)
		return len;
	return client_mds_attr(fs, WIRE_OP_REPLACE_TARGET, req, (size_t)len, NULL);
}

int pfs_rebuild(pfs_fs_t *fs, const char *path, uint32_t lost_target, int32_t new_target,
		uint32_t *placed)
{
	struct ec_rows rw = { 0 };
	struct wire_layout nl;
	struct ec_ctx c;
	pfs_file_t *f;
	uint64_t size, rows;
	uint32_t s, to;
	int rc;

	if (!fs)
		return -EINVAL;
	rc = file_open(fs, path, O_RDWR, 0, NULL, &f);
	if (rc)
		return rc;
	nl = f->attr.layout;
	rc = nl.pattern == PFS_PATTERN_EC ? -ENOENT : -EOPNOTSUPP;
	for (s = 0; s < nl.stripe_count && nl.pattern == PFS_PATTERN_EC; s++)
		if (nl.targets[s] == lost_target) {
			rc = 0;
			break;
		}
	if (rc)
		goto close;
	if (new_target >= 0) {
		to = (uint32_t)new_target;
		for (uint32_t j = 0; j < nl.stripe_count; j++)
			if (nl.targets[j] == to)
				rc = -EEXIST;
	} else {
		rc = ec_pick_target(fs, &nl, &to);
	}
	if (!rc)
		rc = ec_glimpse(fs, &f->attr.layout, ec_size_hint(f), &size);
	if (rc)
		goto close;
	nl.targets[s] = to;
	rc = ec_ctx_init(&c, f, &f->attr.layout);
	if (rc)
		goto close;
	rows = (size + c.rowbytes - 1) / c.rowbytes;
	rw.buf = malloc(c.batch_rows * c.n * c.S);
	rw.need = malloc(c.batch_rows);
	if (!rw.buf || !rw.need)
		rc = -ENOMEM;
	for (uint64_t r = 0; r < rows && !rc; r = rw.r1) {
		rw.r0 = r;
		rw.r1 = r + (rows - r < c.batch_rows ? rows - r : c.batch_rows);
		rc = ec_rebuild_batch(&c, &rw, s, size, &nl);
	}
	if (!rc)
		rc = ec_replace_target(fs, f->attr.ino, s, lost_target, to);
	if (!rc && placed)
		*placed = to;
	free(rw.buf);
	free(rw.need);
	ec_ctx_fini(&c);
close:
	file_close(f);
	return rc;
}
