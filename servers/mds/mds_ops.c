/* mds_ops.c - the MDS request handler: one function per opcode that decodes
 * with wire_dec_*, calls the store/targets and encodes the reply; namespace
 * changes go through a group commit (many requests, one durable LMDB
 * commit). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "mds_ops.h"
#include "wire_ops.h"

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
		struct wire_replace_target repl;
	} in;
	union {
		struct wire_attr attr;
		struct wire_target_list list;
		struct wire_readdir_rep rd;
	} out;
	uint8_t rep[WIRE_MSG_MAX];
};

/* A namespace change waiting for the group commit: the request (answered
 * by whichever worker commits it), its decoded payload and its results. */
struct mds_pending {
	struct net_req *req;
	uint16_t opcode;
	uint64_t reqid;
	union {
		struct wire_open open;
		struct wire_mkdir mkdir;
		struct wire_path path;
		struct wire_rename rename;
		struct wire_set_layout setl;
		struct wire_set_size setsz;
	} in;
	struct wire_attr attr;
	struct mds_store_op op;
	struct mds_pending *next;
};

struct mds_ops {
	struct mds_store *store;
	struct mds_targets *targets;
	struct mds_destroy *destroy;
	struct mds_layout_ops lops;
	int nworkers;
	struct mds_scratch *scratch;   /* nworkers of them */

	/* Group commit: changes that arrive while a worker commits wait here
	 * (their worker goes back to serving); the committing worker takes
	 * them all as the next batch when its commit is done. */
	pthread_mutex_t gc_lock;
	pthread_cond_t gc_cond;        /* a change was queued while lingering */
	struct mds_pending *gc_head, *gc_tail;
	int gc_count;                  /* queued */
	int gc_leader;                 /* a worker is committing */
	int gc_lingering;
	int gc_last_batch;             /* size of the last batch */
	int64_t gc_last_ns;            /* how long its commit took */

	/* Answering: committed changes wait here for the answer thread, so
	 * that the committing worker starts the next commit at once instead
	 * of sending a reply per change first (a batch of 32 replies takes
	 * about as long as the commit). Under gc_lock. */
	struct mds_pending *ans_head, *ans_tail;
	pthread_cond_t ans_cond;
	pthread_t ans_thread;
	int ans_running;               /* the thread takes answers */
	int ans_stop;
	struct mds_scratch ans_scratch;
};

/* When a commit takes long (a durable sync on a disk), the committing worker
 * waits a little before the next batch for as many changes as the last one
 * held: clients whose changes were just acknowledged send their next ones
 * within a round trip, and without the wait they would miss the batch and
 * the clients would split into groups taking turns, each commit serving
 * only part of them. The wait is at most half the last commit's time and
 * GC_LINGER_MAX_NS, and only when commits take GC_LINGER_MIN_NS or more. */
#define GC_LINGER_MIN_NS 50000L
#define GC_LINGER_MAX_NS 1000000L

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
	return mds_store_set_size(c->o->store, m->ino, m->size, !!(m->flags & WIRE_SIZE_GROW));
}

/* A rebuild moved a stripe's object to another target: the new target must
 * be one the MDS knows (it may be down now; the rebuild wrote to it). */
static int op_replace_target(struct op_ctx *c)
{
	struct wire_replace_target *m = &c->sc->in.repl;
	int rc;

	rc = dec_status(wire_dec_replace_target(c->p, c->plen, m));
	if (rc)
		return rc;
	if (!mds_targets_known(c->o->targets, m->new_target))
		return -EINVAL;
	rc = mds_store_replace_target(c->o->store, m, &c->sc->out.attr);
	return reply_attr(c, rc);
}

/* ---- group commit ---- */

/* Decodes one kind of namespace change into p->op for the group commit.
 * Returns 0 when it is ready, 1 when the request changes nothing after all
 * (an open without O_CREAT: served at once from a read transaction), or
 * the error to reply. */
typedef int (*gc_prep_fn)(struct mds_ops *o, struct mds_pending *p,
			  const struct net_req_info *in);

static int gc_prep_open(struct mds_ops *o, struct mds_pending *p, const struct net_req_info *in)
{
	struct mds_store_op *op = &p->op;
	int rc = dec_status(wire_dec_open(in->payload, in->plen, &p->in.open));

	if (!rc && !(p->in.open.flags & O_CREAT))
		return 1;
	op->kind = MDS_SOP_OPEN;
	op->open = &p->in.open;
	op->lops = &o->lops;
	return rc;
}

static int gc_prep_mkdir(struct mds_ops *o, struct mds_pending *p, const struct net_req_info *in)
{
	struct mds_store_op *op = &p->op;
	int rc = dec_status(wire_dec_mkdir(in->payload, in->plen, &p->in.mkdir));

	op->kind = MDS_SOP_MKDIR;
	op->path = p->in.mkdir.path;
	op->mode = p->in.mkdir.mode;
	return rc;
}

static int gc_prep_path(struct mds_pending *p, const struct net_req_info *in,
			enum mds_store_kind kind)
{
	struct mds_store_op *op = &p->op;
	int rc = dec_status(wire_dec_path(in->payload, in->plen, &p->in.path));

	op->kind = kind;
	op->path = p->in.path.path;
	return rc;
}

static int gc_prep_rmdir(struct mds_ops *o, struct mds_pending *p, const struct net_req_info *in)
{
	return gc_prep_path(p, in, MDS_SOP_RMDIR);
}

static int gc_prep_unlink(struct mds_ops *o, struct mds_pending *p, const struct net_req_info *in)
{
	return gc_prep_path(p, in, MDS_SOP_UNLINK);
}

static int gc_prep_rename(struct mds_ops *o, struct mds_pending *p, const struct net_req_info *in)
{
	struct mds_store_op *op = &p->op;
	int rc = dec_status(wire_dec_rename(in->payload, in->plen, &p->in.rename));

	op->kind = MDS_SOP_RENAME;
	op->path = p->in.rename.from;
	op->to = p->in.rename.to;
	return rc;
}

static int gc_prep_set_layout(struct mds_ops *o, struct mds_pending *p,
			      const struct net_req_info *in)
{
	struct mds_store_op *op = &p->op;
	int rc = dec_status(wire_dec_set_layout(in->payload, in->plen, &p->in.setl));

	op->kind = MDS_SOP_SET_LAYOUT;
	op->setl = &p->in.setl;
	op->lops = &o->lops;
	return rc;
}

static int gc_prep_set_size(struct mds_ops *o, struct mds_pending *p,
			    const struct net_req_info *in)
{
	struct mds_store_op *op = &p->op;
	int rc = dec_status(wire_dec_set_size(in->payload, in->plen, &p->in.setsz));

	op->kind = MDS_SOP_SET_SIZE;
	op->ino = p->in.setsz.ino;
	op->size = p->in.setsz.size;
	op->grow = !!(p->in.setsz.flags & WIRE_SIZE_GROW);
	return rc;
}

/* Decodes a namespace change into p with its opcode's prep (see gc_prep_fn). */
static int gc_prepare(struct mds_ops *o, gc_prep_fn prep, struct mds_pending *p,
		      const struct net_req_info *in)
{
	memset(&p->op, 0, sizeof(p->op));
	p->op.attr = &p->attr;
	return prep(o, p, in);
}

static int64_t gc_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t gc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return gc_ns(&ts);
}

/* Answers every request of a committed batch (and frees them). */
static void gc_answer(struct mds_ops *o, struct mds_pending *batch, struct mds_scratch *sc)
{
	struct mds_pending *p, *next;
	int kick = 0;

	for (p = batch; p; p = next) {
		struct op_ctx c = { .o = o, .sc = sc };
		int rc = p->op.rc;

		next = p->next;
		kick |= !rc && p->op.queued;
		if (!rc && wire_op_reply_attr(p->opcode)) {
			sc->out.attr = p->attr;
			rc = reply_attr(&c, 0);
		}
		log_msg(LOG_DEBUG, "op %u reqid %llu -> %d (group commit)", p->opcode,
			(unsigned long long)p->reqid, rc);
		if (rc)
			net_reply(p->req, rc, NULL, 0);
		else
			net_reply(p->req, 0, sc->rep, c.rlen);
		free(p);
	}
	if (kick)
		mds_destroy_kick(o->destroy);
}

static void *gc_answer_main(void *arg)
{
	struct mds_ops *o = arg;

	pthread_mutex_lock(&o->gc_lock);
	for (;;) {
		struct mds_pending *batch = o->ans_head;

		if (!batch) {
			if (o->ans_stop)
				break;
			pthread_cond_wait(&o->ans_cond, &o->gc_lock);
			continue;
		}
		o->ans_head = o->ans_tail = NULL;
		pthread_mutex_unlock(&o->gc_lock);
		gc_answer(o, batch, &o->ans_scratch);
		pthread_mutex_lock(&o->gc_lock);
	}
	o->ans_running = 0;
	pthread_mutex_unlock(&o->gc_lock);
	return NULL;
}

/* Commits a batch in one transaction and has every request in it answered:
 * by the answer thread, or here when it is not running. */
static void gc_commit(struct mds_ops *o, struct mds_pending *batch, struct mds_scratch *sc)
{
	struct mds_pending *p, *last = batch;

	for (p = batch; p; p = p->next) {
		p->op.next = p->next ? &p->next->op : NULL;
		last = p;
	}
	mds_store_batch(o->store, &batch->op);
	pthread_mutex_lock(&o->gc_lock);
	if (o->ans_running) {
		if (o->ans_tail)
			o->ans_tail->next = batch;
		else
			o->ans_head = batch;
		o->ans_tail = last;
		pthread_cond_signal(&o->ans_cond);
		batch = NULL;
	}
	pthread_mutex_unlock(&o->gc_lock);
	if (batch)
		gc_answer(o, batch, sc);
}

/* Queues p for the group commit. If no worker is committing, this one
 * commits the queue, batch after batch, until it is empty; otherwise it
 * returns at once and the committing worker answers p after the commit
 * that holds it. */
static void gc_submit(struct mds_ops *o, struct mds_pending *p, struct mds_scratch *sc)
{
	pthread_mutex_lock(&o->gc_lock);
	p->next = NULL;
	if (o->gc_tail)
		o->gc_tail->next = p;
	else
		o->gc_head = p;
	o->gc_tail = p;
	o->gc_count++;
	if (o->gc_leader) {
		if (o->gc_lingering)
			pthread_cond_signal(&o->gc_cond);
		pthread_mutex_unlock(&o->gc_lock);
		return;
	}
	o->gc_leader = 1;
	while (o->gc_head) {
		struct mds_pending *batch;
		int64_t t0;
		int n;

		if (o->gc_count < o->gc_last_batch && o->gc_last_ns >= GC_LINGER_MIN_NS) {
			int64_t wait = o->gc_last_ns / 2;
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			t0 = gc_ns(&ts) + (wait < GC_LINGER_MAX_NS ? wait : GC_LINGER_MAX_NS);
			ts.tv_sec = (time_t)(t0 / 1000000000);
			ts.tv_nsec = (long)(t0 % 1000000000);
			o->gc_lingering = 1;
			while (o->gc_count < o->gc_last_batch &&
			       pthread_cond_timedwait(&o->gc_cond, &o->gc_lock, &ts) == 0)
				;
			o->gc_lingering = 0;
		}
		batch = o->gc_head;
		n = o->gc_count;
		o->gc_head = o->gc_tail = NULL;
		o->gc_count = 0;
		pthread_mutex_unlock(&o->gc_lock);
		t0 = gc_now_ns();
		gc_commit(o, batch, sc);
		t0 = gc_now_ns() - t0;
		pthread_mutex_lock(&o->gc_lock);
		o->gc_last_batch = n;
		o->gc_last_ns = t0;
	}
	o->gc_leader = 0;
	pthread_mutex_unlock(&o->gc_lock);
}

/* A namespace change (an opcode the table calls mutating, with a prep for
 * the group commit): 0 when it was queued or answered, 1 when the caller
 * serves it the ordinary way (anything else, or no memory for the queue). */
static int gc_handle(struct mds_ops *o, gc_prep_fn prep, struct net_req *req,
		     const struct net_req_info *info, struct mds_scratch *sc)
{
	struct mds_pending *p;
	int rc;

	if (!prep || !wire_op_mutating(info->opcode))
		return 1;
	p = malloc(sizeof(*p));
	if (!p)
		return 1;
	rc = gc_prepare(o, prep, p, info);
	if (rc) {
		free(p);
		if (rc > 0)
			return 1;
		log_msg(LOG_DEBUG, "op %u reqid %llu -> %d", info->opcode,
			(unsigned long long)info->reqid, rc);
		net_reply(req, rc, NULL, 0);
		return 0;
	}
	p->req = req;
	p->opcode = info->opcode;
	p->reqid = info->reqid;
	gc_submit(o, p, sc);
	return 0;
}

/* ---- the ops table ---- */

/* How the MDS serves an opcode: its handler, and for the namespace changes
 * that go through the group commit, how to decode one into a batch (NULL:
 * served alone; TARGET_REGISTER and REPLACE_TARGET change stored state too
 * but commit on their own). What an opcode is (ours, mutating, replying
 * with an attr) is the protocol's opcode table, wire_ops.h. */
struct mds_op {
	op_fn serve;
	gc_prep_fn batch;
};

static const struct mds_op mds_op_table[WIRE_OP_MAX] = {
	[WIRE_OP_PING] = { op_ping, NULL },
	[WIRE_OP_TARGET_REGISTER] = { op_target_register, NULL },
	[WIRE_OP_TARGET_LIST] = { op_target_list, NULL },
	[WIRE_OP_LOOKUP] = { op_lookup, NULL },
	[WIRE_OP_OPEN] = { op_open, gc_prep_open },
	[WIRE_OP_MKDIR] = { op_mkdir, gc_prep_mkdir },
	[WIRE_OP_RMDIR] = { op_rmdir, gc_prep_rmdir },
	[WIRE_OP_UNLINK] = { op_unlink, gc_prep_unlink },
	[WIRE_OP_RENAME] = { op_rename, gc_prep_rename },
	[WIRE_OP_READDIR] = { op_readdir, NULL },
	[WIRE_OP_SET_LAYOUT] = { op_set_layout, gc_prep_set_layout },
	[WIRE_OP_SET_SIZE] = { op_set_size, gc_prep_set_size },
	[WIRE_OP_REPLACE_TARGET] = { op_replace_target, NULL },
};

/* The entry of an opcode the MDS serves, NULL for any other (an OSS's
 * opcode, or not an opcode at all). */
static const struct mds_op *mds_op_find(uint16_t opcode)
{
	if (!wire_op_served_by(opcode, WIRE_SERVER_MDS) || !mds_op_table[opcode].serve)
		return NULL;
	return &mds_op_table[opcode];
}

void mds_ops_handle(struct net_req *req, void *arg)
{
	struct mds_ops *o = arg;
	struct net_req_info info;
	struct op_ctx c = { .o = o };
	const struct mds_op *op;
	int worker, rc;

	net_req_info(req, &info);
	worker = net_req_worker(req);
	op = mds_op_find(info.opcode);
	if (worker < 0 || worker >= o->nworkers) {
		log_msg(LOG_ERR, "request on unknown worker %d", worker);
		rc = -EIO;
	} else if (!op) {
		rc = -EOPNOTSUPP;
	} else if (!gc_handle(o, op->batch, req, &info, &o->scratch[worker])) {
		return;
	} else {
		c.sc = &o->scratch[worker];
		c.p = info.payload;
		c.plen = info.plen;
		rc = op->serve(&c);
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
	pthread_mutex_init(&o->gc_lock, NULL);
	pthread_cond_init(&o->ans_cond, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&o->gc_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	/* Without the answer thread the committing worker answers itself. */
	o->ans_running = pthread_create(&o->ans_thread, NULL, gc_answer_main, o) == 0;
	if (!o->ans_running)
		log_msg(LOG_WARN, "no answer thread: commits answer their own batches");
	*out = o;
	return 0;
}

void mds_ops_stop_answers(struct mds_ops *o)
{
	int running;

	if (!o)
		return;
	pthread_mutex_lock(&o->gc_lock);
	running = o->ans_running;
	o->ans_stop = 1;
	pthread_cond_signal(&o->ans_cond);
	pthread_mutex_unlock(&o->gc_lock);
	if (running)
		pthread_join(o->ans_thread, NULL);
}

void mds_ops_free(struct mds_ops *o)
{
	if (!o)
		return;
	mds_ops_stop_answers(o);
	pthread_mutex_destroy(&o->gc_lock);
	pthread_cond_destroy(&o->gc_cond);
	pthread_cond_destroy(&o->ans_cond);
	free(o->scratch);
	free(o);
}
