/* client.c - the RPC layer of libpfs: path normalisation, the retry
 * policy, MDS calls, the target table, and requests to every object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "client.h"
#include "layout.h"
#include "wire_ops.h"

/* ---- paths ---- */

int client_path_norm(const char *in, char *out)
{
	size_t o = 0;
	const char *p = in;

	if (!in || in[0] != '/')
		return -EINVAL;
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return -EINVAL;
		if (n > PFS_NAME_MAX || o + 1 + n >= PFS_PATH_MAX)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/* ---- recovery: retries within a request's budget ---- */

#define CLIENT_BACKOFF_FIRST_MS 10
#define CLIENT_BACKOFF_MAX_MS 500
#define CLIENT_ATTEMPT_MIN_MS 100
#define CLIENT_MDS_IDLE_MS 100    /* idle longer: PING before a change */

static long client_ms_until(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (ts->tv_sec - now.tv_sec) * 1000L + (ts->tv_nsec - now.tv_nsec) / 1000000L;
}

static void client_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void client_retry_init(pfs_fs_t *fs, struct client_retry *r)
{
	int budget = fs->cfg.timeout_ms > 0 ? fs->cfg.timeout_ms : 10000;

	clock_gettime(CLOCK_MONOTONIC, &r->deadline);
	r->deadline.tv_sec += budget / 1000;
	r->deadline.tv_nsec += (long)(budget % 1000) * 1000000L;
	if (r->deadline.tv_nsec >= 1000000000L) {
		r->deadline.tv_sec++;
		r->deadline.tv_nsec -= 1000000000L;
	}
	r->attempt_ms = budget / 4 > CLIENT_ATTEMPT_MIN_MS ? budget / 4 : CLIENT_ATTEMPT_MIN_MS;
	r->backoff_ms = CLIENT_BACKOFF_FIRST_MS;
	r->attempts = 0;
}

int client_retry_timeout(const struct client_retry *r)
{
	long left = client_ms_until(&r->deadline);

	if (left < 1)
		left = 1;
	return left < r->attempt_ms ? (int)left : r->attempt_ms;
}

/* Transport results after which sending the same request again may work. */
static int client_transient(int rc)
{
	switch (-rc) {
	case ETIMEDOUT: case ECONNRESET: case ECONNREFUSED: case ECONNABORTED:
	case ENOTCONN: case EHOSTUNREACH: case ENETUNREACH: case EPIPE: case EAGAIN:
	case EIO:
		return 1;
	}
	return 0;
}

int client_retry_again(struct client_retry *r, int rc)
{
	long left = client_ms_until(&r->deadline);

	if (!client_transient(rc) || left <= 0)
		return 0;
	r->attempts++;
	if (rc != -ETIMEDOUT) {
		/* Failed fast (reset, refused): wait before the next try. */
		client_sleep_ms(r->backoff_ms < left ? r->backoff_ms : left);
		if (r->backoff_ms < CLIENT_BACKOFF_MAX_MS)
			r->backoff_ms *= 2;
		if (client_ms_until(&r->deadline) <= 0)
			return 0;
	} else if (r->attempt_ms < 1000000) {
		r->attempt_ms *= 2;
	}
	return 1;
}

/* ---- MDS RPCs ---- */

int client_call_once(pfs_fs_t *fs, fi_addr_t dest, uint16_t op, const void *req, size_t reqlen,
		     int timeout_ms, void *rep, size_t *replen, int *transport)
{
	struct net_call *c;
	const void *rp;
	size_t n = 0;
	int rc, status = 0;

	*transport = 1;
	rc = net_call_start(fs->ep, dest, op, req, reqlen, timeout_ms, &c);
	if (rc)
		return rc;
	net_call_wait(fs->ep, &c, 1);
	rc = net_call_result(c, &status, &rp, &n);
	if (!rc) {
		*transport = 0;
		if (n > WIRE_MSG_MAX) {
			rc = -EMSGSIZE;
		} else {
			if (n && rep)
				memcpy(rep, rp, n);
			if (replen)
				*replen = n;
			rc = status;
		}
	}
	net_call_free(c);
	return rc;
}

/* One attempt to the MDS, noting whether it answered. */
static int client_mds_once(pfs_fs_t *fs, uint16_t op, const void *req, size_t reqlen,
			   int timeout_ms, void *rep, size_t *replen, int *transport)
{
	int rc = client_call_once(fs, fs->mds, op, req, reqlen, timeout_ms, rep, replen,
				  transport);

	pthread_mutex_lock(&fs->lock);
	fs->mds_suspect = *transport;
	if (!*transport)
		clock_gettime(CLOCK_MONOTONIC, &fs->mds_ok);
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

/* Whether a change should be preceded by a PING: the last MDS call failed
 * in transport, or nothing was heard from the MDS for a while (it may have
 * restarted, and the first send over a dead connection can be lost). */
static int client_mds_needs_probe(pfs_fs_t *fs)
{
	struct timespec ok;
	int suspect;

	pthread_mutex_lock(&fs->lock);
	suspect = fs->mds_suspect;
	ok = fs->mds_ok;
	pthread_mutex_unlock(&fs->lock);
	ok.tv_nsec += CLIENT_MDS_IDLE_MS * 1000000L;
	if (ok.tv_nsec >= 1000000000L) {
		ok.tv_sec++;
		ok.tv_nsec -= 1000000000L;
	}
	return suspect || client_ms_until(&ok) <= 0;
}

int client_mds_rpc(pfs_fs_t *fs, uint16_t op, int idempotent, const void *req,
		   size_t reqlen, void *rep, size_t *replen)
{
	struct client_retry r;
	int rc, transport;
	size_t dummy;

	*replen = 0;
	client_retry_init(fs, &r);
	if (!idempotent && client_mds_needs_probe(fs)) {
		/* Nothing of the change is sent until the MDS answers. */
		do {
			rc = client_mds_once(fs, WIRE_OP_PING, NULL, 0, client_retry_timeout(&r),
					     rep, &dummy, &transport);
		} while (rc && transport && client_retry_again(&r, rc));
		if (rc)
			return rc;
		*replen = 0;
	}
	for (;;) {
		rc = client_mds_once(fs, op, req, reqlen, client_retry_timeout(&r), rep, replen,
				     &transport);
		if (!rc || !transport || !idempotent || !client_retry_again(&r, rc))
			return rc;
	}
}

/* Resent after a transport failure when the opcode table says the MDS may
 * see the request twice without harm (wire_op_idempotent). */
int client_mds_call(pfs_fs_t *fs, uint16_t op, const void *req, size_t reqlen,
		    void *rep, size_t *replen)
{
	return client_mds_rpc(fs, op, wire_op_idempotent(op), req, reqlen, rep, replen);
}

int client_mds_attr_rpc(pfs_fs_t *fs, uint16_t op, int idempotent, const void *req,
			size_t reqlen, struct wire_attr *attr)
{
	void *rep;
	size_t rlen;
	int rc;

	rep = malloc(WIRE_MSG_MAX);
	if (!rep)
		return -ENOMEM;
	rc = client_mds_rpc(fs, op, idempotent, req, reqlen, rep, &rlen);
	if (rc)
		goto out;
	if (attr)
		rc = wire_dec_attr(rep, rlen, attr);
out:
	free(rep);
	return rc;
}

int client_mds_attr(pfs_fs_t *fs, uint16_t op, const void *req, size_t reqlen,
		    struct wire_attr *attr)
{
	return client_mds_attr_rpc(fs, op, wire_op_idempotent(op), req, reqlen, attr);
}

int client_lookup(pfs_fs_t *fs, const char *path, struct wire_attr *attr)
{
	struct wire_path m;
	uint8_t req[PFS_PATH_MAX + 16];
	int len;

	snprintf(m.path, sizeof(m.path), "%s", path);
	len = wire_enc_path(req, sizeof(req), &m);
	if (len < 0)
		return len;
	return client_mds_attr(fs, WIRE_OP_LOOKUP, req, (size_t)len, attr);
}

int client_set_size(pfs_fs_t *fs, uint64_t ino, uint64_t size, uint32_t flags)
{
	struct wire_set_size m = { .ino = ino, .size = size, .flags = flags };
	uint8_t req[64];
	int len = wire_enc_set_size(req, sizeof(req), &m);

	if (len < 0)
		return len;
	return client_mds_attr(fs, WIRE_OP_SET_SIZE, req, (size_t)len, NULL);
}

/* ---- targets ---- */

/* Inserts every listed target's address and publishes the new table; a
 * target whose address the transport refuses stays unknown. */
static int client_targets_apply(pfs_fs_t *fs, const struct wire_target_list *list)
{
	struct client_target *tab;

	tab = calloc(WIRE_MAX_TARGETS, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (uint32_t i = 0; i < list->count; i++) {
		const struct wire_target_info *t = &list->t[i];

		if (t->id >= WIRE_MAX_TARGETS)
			continue;
		if (net_insert(fs->ep, t->addr, t->addr_len, &tab[t->id].addr))
			continue;
		tab[t->id].known = 1;
		tab[t->id].up = t->up ? 1 : 0;
	}
	pthread_mutex_lock(&fs->lock);
	memcpy(fs->targets, tab, WIRE_MAX_TARGETS * sizeof(*tab));
	pthread_mutex_unlock(&fs->lock);
	free(tab);
	return 0;
}

int client_targets_refresh(pfs_fs_t *fs, struct wire_target_list *list)
{
	struct wire_target_list *own = NULL;
	void *rep;
	size_t rlen;
	int rc;

	rep = malloc(WIRE_MSG_MAX);
	if (!list)
		list = own = malloc(sizeof(*own));
	if (!rep || !list) {
		rc = -ENOMEM;
		goto out;
	}
	rc = client_mds_call(fs, WIRE_OP_TARGET_LIST, NULL, 0, rep, &rlen);
	if (rc)
		goto out;
	rc = wire_dec_target_list(rep, rlen, list);
	if (rc)
		goto out;
	rc = client_targets_apply(fs, list);
out:
	free(own);
	free(rep);
	return rc;
}

static int client_target_get(pfs_fs_t *fs, uint32_t id, fi_addr_t *addr)
{
	int known;

	pthread_mutex_lock(&fs->lock);
	known = fs->targets[id].known;
	*addr = fs->targets[id].addr;
	pthread_mutex_unlock(&fs->lock);
	return known;
}

int client_target_addr(pfs_fs_t *fs, uint32_t id, fi_addr_t *addr)
{
	int rc;

	if (id >= WIRE_MAX_TARGETS)
		return -ENXIO;
	if (client_target_get(fs, id, addr))
		return 0;
	rc = client_targets_refresh(fs, NULL);
	if (rc)
		return rc;
	return client_target_get(fs, id, addr) ? 0 : -ENXIO;
}

/* ---- object fan-out ---- */

static int client_obj_start(pfs_fs_t *fs, const struct wire_layout *l, uint32_t i,
			    uint16_t op, const uint64_t *sizes_in, int timeout_ms,
			    struct net_call **call)
{
	uint8_t req[64];
	fi_addr_t addr;
	int len, rc;

	rc = client_target_addr(fs, l->targets[i], &addr);
	if (rc)
		return rc;
	if (op == WIRE_OP_OBJ_PUNCH) {
		struct wire_obj_punch p = { .fid = l->fid, .stripe = i, .size = sizes_in[i] };

		len = wire_enc_obj_punch(req, sizeof(req), &p);
	} else {
		struct wire_obj o = { .fid = l->fid, .stripe = i };

		len = wire_enc_obj(req, sizeof(req), &o);
	}
	if (len < 0)
		return len;
	return net_call_start(fs->ep, addr, op, req, (size_t)len, timeout_ms, call);
}

/* Result of one fan-out call: transport error (*transport set), then
 * server status, then the optional size. */
static int client_obj_finish(struct net_call *call, uint64_t *size, int *transport)
{
	const void *payload;
	size_t plen;
	int status, rc;
	struct wire_obj_size s;

	*transport = 0;
	rc = net_call_result(call, &status, &payload, &plen);
	if (rc) {
		*transport = 1;
		return rc;
	}
	if (status)
		return status;
	if (!size)
		return 0;
	rc = wire_dec_obj_size(payload, plen, &s);
	if (rc)
		return rc;
	*size = s.size;
	return 0;
}

/* Every object op is idempotent: stripes whose call failed in transport are
 * sent again (each within its own budget) while the others keep their
 * results; a stripe whose server stays down fails alone. */
int client_obj_fanout_each(pfs_fs_t *fs, const struct wire_layout *l, uint16_t op,
			   const uint64_t *sizes_in, uint64_t *sizes_out, uint64_t skip, int *res)
{
	struct net_call *calls[PFS_MAX_STRIPES];
	struct client_retry retry[PFS_MAX_STRIPES];
	int pending[PFS_MAX_STRIPES];
	uint32_t count = l->stripe_count;
	int rc = 0, again = 1, transport;

	if (count == 0 || count > PFS_MAX_STRIPES)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++) {
		client_retry_init(fs, &retry[i]);
		pending[i] = !(skip >> i & 1);
		res[i] = pending[i] ? 0 : -ENODEV;
	}
	while (again) {
		uint32_t n = 0, idx[PFS_MAX_STRIPES];

		again = 0;
		for (uint32_t i = 0; i < count; i++) {
			if (!pending[i])
				continue;
			res[i] = client_obj_start(fs, l, i, op, sizes_in,
						  client_retry_timeout(&retry[i]), &calls[n]);
			if (res[i]) {
				pending[i] = 0;
				continue;
			}
			idx[n++] = i;
		}
		if (n)
			net_call_wait(fs->ep, calls, n);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t i = idx[k];

			res[i] = client_obj_finish(calls[k], sizes_out ? &sizes_out[i] : NULL,
						   &transport);
			net_call_free(calls[k]);
			pending[i] = res[i] && transport && client_retry_again(&retry[i], res[i]);
			again |= pending[i];
		}
	}
	return rc;
}

int client_obj_fanout(pfs_fs_t *fs, const struct wire_layout *l, uint16_t op,
		      const uint64_t *sizes_in, uint64_t *sizes_out)
{
	int res[PFS_MAX_STRIPES];
	int rc;

	rc = client_obj_fanout_each(fs, l, op, sizes_in, sizes_out, 0, res);
	for (uint32_t i = 0; i < l->stripe_count && !rc; i++)
		rc = res[i];
	return rc;
}


static void client_target_fill(pfs_fs_t *fs, const struct wire_target_info *t,
			   struct pfs_target_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->id = t->id;
	out->up = t->up ? 1 : 0;
	out->total_bytes = t->total_bytes;
	out->free_bytes = t->free_bytes;
	out->objects = t->objects;
	net_addr_str(fs->ep, t->addr, t->addr_len, out->addr, sizeof(out->addr));
}

/* Overwrites the MDS figures with the target's own answer, or marks the
 * target down when it does not answer. */
static void client_statfs_finish(struct net_call *call, struct pfs_target_stat *out)
{
	struct wire_statfs_rep rep;
	const void *payload;
	size_t plen;
	int status;

	if (net_call_result(call, &status, &payload, &plen) || status ||
	    wire_dec_statfs_rep(payload, plen, &rep)) {
		out->up = 0;
		return;
	}
	out->up = 1;
	out->total_bytes = rep.total_bytes;
	out->free_bytes = rep.free_bytes;
	out->objects = rep.objects;
}

/* Asks every up target among the first n of out for fresh figures at once. */
static void client_statfs_fresh(pfs_fs_t *fs, struct pfs_target_stat *out, int n)
{
	struct net_call **calls;
	int *idx, started = 0;
	fi_addr_t addr;

	if (n <= 0)
		return;
	calls = calloc((size_t)n, sizeof(*calls));
	idx = calloc((size_t)n, sizeof(*idx));
	if (!calls || !idx)
		goto out;
	for (int i = 0; i < n; i++) {
		if (!out[i].up || client_target_addr(fs, out[i].id, &addr))
			continue;
		if (net_call_start(fs->ep, addr, WIRE_OP_OSS_STATFS, NULL, 0, 0,
				   &calls[started]))
			continue;
		idx[started++] = i;
	}
	if (started)
		net_call_wait(fs->ep, calls, (size_t)started);
	for (int i = 0; i < started; i++) {
		client_statfs_finish(calls[i], &out[idx[i]]);
		net_call_free(calls[i]);
	}
out:
	free(idx);
	free(calls);
}

int client_statfs(pfs_fs_t *fs, struct pfs_target_stat *targets, int max)
{
	struct wire_target_list *list;
	int rc, n;

	if (!fs || max < 0 || (max > 0 && !targets))
		return -EINVAL;
	list = malloc(sizeof(*list));
	if (!list)
		return -ENOMEM;
	rc = client_targets_refresh(fs, list);
	if (rc)
		goto out;
	n = (int)list->count < max ? (int)list->count : max;
	for (int i = 0; i < n; i++)
		client_target_fill(fs, &list->t[i], &targets[i]);
	client_statfs_fresh(fs, targets, n);
	rc = (int)list->count;
out:
	free(list);
	return rc;
}
