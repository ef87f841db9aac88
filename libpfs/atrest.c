/* atrest.c - libpfs calls about data at rest: scrubbing a file's or a
 * target's stored checksums (OBJ_SCRUB, OSS_LIST) and stored sizes (OBJ_STAT). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "client.h"
#include "layout.h"

#define ATREST_LIST_BATCH 512

/* One OSS RPC with the usual retry policy (every op here is idempotent);
 * the reply payload goes into rep (WIRE_MSG_MAX bytes). */
static int atrest_call(pfs_fs_t *fs, uint32_t target, uint16_t op, const void *req,
		       size_t reqlen, void *rep, size_t *replen)
{
	struct client_retry r;
	fi_addr_t addr;
	int rc, transport;

	rc = client_target_addr(fs, target, &addr);
	if (rc)
		return rc;
	client_retry_init(fs, &r);
	do {
		rc = client_call_once(fs, addr, op, req, reqlen, client_retry_timeout(&r), rep,
				      replen, &transport);
	} while (rc && transport && client_retry_again(&r, rc));
	return rc;
}

/* Scrubs one object to its end, calling fn once. Returns fn's value when
 * nonzero, else 0 (errors land in o->err). */
static int atrest_scrub_obj(pfs_fs_t *fs, uint8_t *rep, struct pfs_scrub_obj *o,
			    pfs_scrub_fn fn, void *arg)
{
	struct wire_obj_scrub m = { .fid = o->fid, .stripe = o->stripe };
	uint8_t req[64];
	int len, rc;

	o->first_bad = UINT64_MAX;
	for (;;) {
		struct wire_obj_scrub_rep sr;
		size_t n = 0;

		len = wire_enc_obj_scrub(req, sizeof(req), &m);
		rc = len < 0 ? len : atrest_call(fs, o->target, WIRE_OP_OBJ_SCRUB, req,
						 (size_t)len, rep, &n);
		if (!rc)
			rc = wire_dec_obj_scrub_rep(rep, n, &sr);
		if (!rc && sr.next <= m.off && sr.next < sr.size)
			rc = -EPROTO;   /* no progress: do not loop forever */
		if (rc) {
			o->err = rc;
			break;
		}
		o->size = sr.size;
		o->blocks += sr.blocks;
		o->bad += sr.bad;
		if (sr.bad && o->first_bad == UINT64_MAX)
			o->first_bad = sr.first_bad;
		if (sr.next >= sr.size)
			break;
		m.off = sr.next;
	}
	return fn ? fn(o, arg) : 0;
}

/* The attributes of the regular file at path, with a layout we can use. */
static int atrest_file_attr(pfs_fs_t *fs, const char *path, struct wire_attr *attr)
{
	char norm[PFS_PATH_MAX];
	int rc;

	rc = client_path_norm(path, norm);
	if (rc)
		return rc;
	rc = client_lookup(fs, norm, attr);
	if (rc)
		return rc;
	if (S_ISDIR(attr->mode))
		return -EISDIR;
	return layout_check(&attr->layout) ? -EPROTO : 0;
}

int pfs_scrub_file(pfs_fs_t *fs, const char *path, pfs_scrub_fn fn, void *arg)
{
	struct wire_attr attr;
	uint8_t *rep;
	int rc, first = 0;

	if (!fs || !path)
		return -EINVAL;
	rc = atrest_file_attr(fs, path, &attr);
	if (rc)
		return rc;
	rep = malloc(WIRE_MSG_MAX);
	if (!rep)
		return -ENOMEM;
	for (uint32_t i = 0; i < attr.layout.stripe_count; i++) {
		struct pfs_scrub_obj o = { .target = attr.layout.targets[i],
					   .fid = attr.layout.fid, .stripe = i };

		rc = atrest_scrub_obj(fs, rep, &o, fn, arg);
		if (rc)
			break;
		if (o.err && !first)
			first = o.err;
	}
	free(rep);
	return rc ? rc : first;
}

int pfs_scrub_target(pfs_fs_t *fs, uint32_t target, pfs_scrub_fn fn, void *arg)
{
	struct wire_oss_list m = { .first = 1, .max = ATREST_LIST_BATCH };
	struct wire_oss_list_rep *lr;
	uint8_t req[64], *rep;
	int rc = 0, first = 0, len;

	if (!fs)
		return -EINVAL;
	lr = malloc(sizeof(*lr));
	rep = malloc(WIRE_MSG_MAX);
	if (!lr || !rep) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		size_t n = 0;

		len = wire_enc_oss_list(req, sizeof(req), &m);
		rc = len < 0 ? len : atrest_call(fs, target, WIRE_OP_OSS_LIST, req, (size_t)len,
						 rep, &n);
		if (!rc)
			rc = wire_dec_oss_list_rep(rep, n, lr);
		if (rc)
			break;
		for (uint32_t i = 0; i < lr->count && !rc; i++) {
			struct pfs_scrub_obj o = { .target = target, .fid = lr->obj[i].fid,
						   .stripe = lr->obj[i].stripe };

			rc = atrest_scrub_obj(fs, rep, &o, fn, arg);
			if (!rc && o.err && o.err != -ENOENT && !first)
				first = o.err;
		}
		if (rc || lr->eof || lr->count == 0)
			break;
		m.first = 0;
		m.bucket = lr->bucket;
		m.fid = lr->fid;
		m.stripe = lr->stripe;
	}
out:
	free(lr);
	free(rep);
	return rc ? rc : first;
}

int pfs_stored_size(pfs_fs_t *fs, const char *path, uint64_t *size, uint64_t *stored)
{
	struct wire_attr attr;
	uint64_t max = 0, sum = 0;
	uint8_t req[64], *rep;
	int rc = 0;

	if (!fs || !path || !size || !stored)
		return -EINVAL;
	rc = atrest_file_attr(fs, path, &attr);
	if (rc)
		return rc;
	rep = malloc(WIRE_MSG_MAX);
	if (!rep)
		return -ENOMEM;
	for (uint32_t i = 0; i < attr.layout.stripe_count && !rc; i++) {
		struct wire_obj m = { .fid = attr.layout.fid, .stripe = i };
		struct wire_obj_stat st;
		size_t n = 0;
		int len = wire_enc_obj(req, sizeof(req), &m);

		rc = len < 0 ? len : atrest_call(fs, attr.layout.targets[i], WIRE_OP_OBJ_STAT,
						 req, (size_t)len, rep, &n);
		if (!rc)
			rc = wire_dec_obj_stat(rep, n, &st);
		if (rc)
			break;
		sum += st.stored;
		if (layout_file_size_from_obj(&attr.layout, i, st.size) > max)
			max = layout_file_size_from_obj(&attr.layout, i, st.size);
	}
	free(rep);
	if (rc)
		return rc;
	*size = max;
	*stored = sum;
	return 0;
}
