/* mds_ops.c - the MDS request handler: one function per opcode that decodes
 * with wire_dec_*, calls the store/targets and encodes the reply. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "mds_ops.h"

/* Per-worker buffers: decoded request, reply struct, encoded reply. */
struct mds_scratch {
	union {
		struct wire_target_register reg;
		struct wire_path path;
		struct wire_open open;
		struct wire_mkdir mkdir;
		struct wire_rename rename;
		struct wire_readdir readdir;
		struct wire_set_layout setl;
		struct wire_set_size setsz;
	} in;
	union {
		struct wire_attr attr;
		struct wire_target_list list;
		struct wire_readdir_rep rd;
	} out;
	uint8_t rep[WIRE_MSG_MAX];
};

struct mds_ops {
	struct mds_store *store;
	struct mds_targets *targets;
	struct mds_destroy *destroy;
	struct mds_layout_ops lops;
	int nworkers;
	struct mds_scratch *scratch;   /* nworkers of them */
};

/* What a handler gets: the request payload, its worker's scratch, and where
 * to say how long the encoded reply in sc->rep is. */
struct op_ctx {
	struct mds_ops *o;
	struct mds_scratch *sc;
	const void *p;
	size_t plen;
	size_t rlen;
};

typedef int (*op_fn)(struct op_ctx *c);

/* Decoders say -EINVAL for bad values (a layout out of range) and -EPROTO for
 * anything malformed; keep the first, map everything else to -EPROTO. */
static int dec_status(int rc)
{
	if (rc >= 0)
		return 0;
	return rc == -EINVAL ? -EINVAL : -EPROTO;
}

static int enc_status(struct op_ctx *c, int len)
{
	if (len < 0) {
		log_msg(LOG_ERR, "reply encoding failed: %d", len);
		return -EIO;
	}
	c->rlen = (size_t)len;
	return 0;
}

static int reply_attr(struct op_ctx *c, int rc)
{
	if (rc)
		return rc;
	return enc_status(c, wire_enc_attr(c->sc->rep, sizeof(c->sc->rep), &c->sc->out.attr));
}

static int op_ping(struct op_ctx *c)
{
	return c->plen ? -EPROTO : 0;
}

static int op_target_register(struct op_ctx *c)
{
	struct wire_target_register *m = &c->sc->in.reg;
	int rc, came_up;

	rc = dec_status(wire_dec_target_register(c->p, c->plen, m));
	if (rc)
		return rc;
	rc = mds_targets_register(c->o->targets, m, &came_up);
	if (!rc && came_up)
		mds_destroy_kick(c->o->destroy);
	return rc;
}

static int op_target_list(struct op_ctx *c)
{
	struct wire_target_list *l = &c->sc->out.list;

	if (c->plen)
		return -EPROTO;
	mds_targets_list(c->o->targets, l);
	return enc_status(c, wire_enc_target_list(c->sc->rep, sizeof(c->sc->rep), l));
}

static int op_lookup(struct op_ctx *c)
{
	struct wire_path *m = &c->sc->in.path;
	int rc;

	rc = dec_status(wire_dec_path(c->p, c->plen, m));
	if (rc)
		return rc;
	return reply_attr(c, mds_store_lookup(c->o->store, m->path, &c->sc->out.attr));
}

static int op_open(struct op_ctx *c)
{
	struct wire_open *m = &c->sc->in.open;
	int rc;

	rc = dec_status(wire_dec_open(c->p, c->plen, m));
	if (rc)
		return rc;
	rc = mds_store_open_file(c->o->store, m, &c->o->lops, &c->sc->out.attr);
	return reply_attr(c, rc);
}

static int op_mkdir(struct op_ctx *c)
{
	struct wire_mkdir *m = &c->sc->in.mkdir;
	int rc;

	rc = dec_status(wire_dec_mkdir(c->p, c->plen, m));
	if (rc)
		return rc;
	rc = mds_store_mkdir(c->o->store, m->path, m->mode, &c->sc->out.attr);
	return reply_attr(c, rc);
}

static int op_rmdir(struct op_ctx *c)
{
	struct wire_path *m = &c->sc->in.path;
	int rc;

	rc = dec_status(wire_dec_path(c->p, c->plen, m));
	if (rc)
		return rc;
	return mds_store_rmdir(c->o->store, m->path);
}

static int op_unlink(struct op_ctx *c)
{
	struct wire_path *m = &c->sc->in.path;
	int rc, queued;

	rc = dec_status(wire_dec_path(c->p, c->plen, m));
	if (rc)
		return rc;
	rc = mds_store_unlink(c->o->store, m->path, &queued);
	if (!rc && queued)
		mds_destroy_kick(c->o->destroy);
	return rc;
}

static int op_rename(struct op_ctx *c)
{
	struct wire_rename *m = &c->sc->in.rename;
	int rc, queued;

	rc = dec_status(wire_dec_rename(c->p, c->plen, m));
	if (rc)
		return rc;
	rc = mds_store_rename(c->o->store, m->from, m->to, &queued);
	if (!rc && queued)
		mds_destroy_kick(c->o->destroy);
	return rc;
}

static int op_readdir(struct op_ctx *c)
{
	struct wire_readdir *m = &c->sc->in.readdir;
	struct wire_readdir_rep *r = &c->sc->out.rd;
	int rc;

	rc = dec_status(wire_dec_readdir(c->p, c->plen, m));
	if (rc)
		return rc;
	rc = mds_store_readdir(c->o->store, m, r);
	if (rc)
		return rc;
	return enc_status(c, wire_enc_readdir_rep(c->sc->rep, sizeof(c->sc->rep), r));
}

static int op_set_layout(struct op_ctx *c)
{
	struct wire_set_layout *m = &c->sc->in.setl;
	int rc;

	rc = dec_status(wire_dec_set_layout(c->p, c->plen, m));
	if (rc)
		return rc;
	rc = mds_store_set_layout(c->o->store, m, &c->o->lops, &c->sc->out.attr);
	return reply_attr(c, rc);
}

static int op_set_size(struct op_ctx *c)
{
	struct wire_set_size *m = &c->sc->in.setsz;
	int rc;

	rc = dec_status(wire_dec_set_size(c->p, c->plen, m));
	if (rc)
		return rc;
	return mds_store_set_size(c->o->store, m->ino, m->size);
}

static op_fn op_lookup_fn(uint16_t opcode)
{
	switch (opcode) {
	case WIRE_OP_PING: return op_ping;
	case WIRE_OP_TARGET_REGISTER: return op_target_register;
	case WIRE_OP_TARGET_LIST: return op_target_list;
	case WIRE_OP_LOOKUP: return op_lookup;
	case WIRE_OP_OPEN: return op_open;
	case WIRE_OP_MKDIR: return op_mkdir;
	case WIRE_OP_RMDIR: return op_rmdir;
	case WIRE_OP_UNLINK: return op_unlink;
	case WIRE_OP_RENAME: return op_rename;
	case WIRE_OP_READDIR: return op_readdir;
	case WIRE_OP_SET_LAYOUT: return op_set_layout;
	case WIRE_OP_SET_SIZE: return op_set_size;
	default: return NULL;
	}
}

void mds_ops_handle(struct net_req *req, void *arg)
{
	struct mds_ops *o = arg;
	struct net_req_info info;
	struct op_ctx c = { .o = o };
	int worker, rc;
	op_fn fn;

	net_req_info(req, &info);
	worker = net_req_worker(req);
	fn = op_lookup_fn(info.opcode);
	if (worker < 0 || worker >= o->nworkers) {
		log_msg(LOG_ERR, "request on unknown worker %d", worker);
		rc = -EIO;
	} else if (!fn) {
		rc = -EOPNOTSUPP;
	} else {
		c.sc = &o->scratch[worker];
		c.p = info.payload;
		c.plen = info.plen;
		rc = fn(&c);
	}
	log_msg(LOG_DEBUG, "op %u reqid %llu -> %d", info.opcode,
		(unsigned long long)info.reqid, rc);
	if (rc)
		net_reply(req, rc, NULL, 0);
	else
		net_reply(req, 0, c.sc ? c.sc->rep : NULL, c.rlen);
}

int mds_ops_create(struct mds_store *store, struct mds_targets *targets,
		   struct mds_destroy *destroy, int nworkers, struct mds_ops **out)
{
	struct mds_ops *o;

	if (nworkers <= 0)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->scratch = calloc((size_t)nworkers, sizeof(*o->scratch));
	if (!o->scratch) {
		free(o);
		return -ENOMEM;
	}
	o->store = store;
	o->targets = targets;
	o->destroy = destroy;
	o->nworkers = nworkers;
	o->lops.check = mds_targets_check;
	o->lops.alloc = mds_targets_alloc;
	o->lops.arg = targets;
	*out = o;
	return 0;
}

void mds_ops_free(struct mds_ops *o)
{
	if (!o)
		return;
	free(o->scratch);
	free(o);
}
