/* bench_fabric.c - the suite's own raw libfabric probe, the baseline for the
 * transport: two processes, one RDM endpoint each, blocking completion waits
 * (fi_cq_sread, as pfs uses), message ping-pong and 1 MiB RMA bandwidth; and
 * the same RMA piped to and from a tmpfs file, the bound for a stream. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>
#include "bench.h"

#define FAB_XFER (1u << 20)          /* one RMA transfer */
#define FAB_SLOTS 8                  /* transfers in flight; buffer slots */
#define FAB_BUF ((size_t)FAB_XFER * FAB_SLOTS)
#define FAB_MSG 8192                 /* message buffer */
#define FAB_WAIT_MS 10000

struct fab {
	struct fi_info *info;
	struct fid_fabric *fabric;
	struct fid_domain *domain;
	struct fid_cq *cq;
	struct fid_av *av;
	struct fid_ep *ep;
	struct fid_mr *mr;           /* bulk: FAB_BUF bytes */
	struct fid_mr *msg_mr;       /* 2 x FAB_MSG: rx then tx */
	uint8_t *buf, *msg;
	fi_addr_t peer;
};

/* What the server tells the client through the pipe. */
struct fab_hello {
	uint8_t addr[256];
	size_t addrlen;
	uint64_t raddr, rkey;
};

static int fab_open(struct fab *f, const char *provider, uint64_t bulk_access)
{
	struct fi_info *hints = fi_allocinfo();
	struct fi_cq_attr cqa = { .format = FI_CQ_FORMAT_MSG, .wait_obj = FI_WAIT_UNSPEC,
				  .size = 1024 };
	struct fi_av_attr ava = { .type = FI_AV_UNSPEC };
	int tcp = !strcmp(provider, "tcp"), rc;

	if (!hints)
		return -FI_ENOMEM;
	hints->caps = FI_MSG | FI_RMA | FI_READ | FI_WRITE | FI_REMOTE_READ | FI_REMOTE_WRITE;
	hints->mode = FI_CONTEXT | FI_CONTEXT2;
	hints->ep_attr->type = FI_EP_RDM;
	hints->domain_attr->threading = FI_THREAD_SAFE;
	hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED |
				      FI_MR_PROV_KEY | FI_MR_ENDPOINT;
	hints->fabric_attr->prov_name = strdup(tcp ? "tcp;ofi_rxm" : provider);
	rc = fi_getinfo(FI_VERSION(1, 11), tcp ? "127.0.0.1" : NULL, NULL,
			tcp ? FI_SOURCE : 0, hints, &f->info);
	fi_freeinfo(hints);
	if (rc)
		return rc;
	rc = fi_fabric(f->info->fabric_attr, &f->fabric, NULL);
	if (!rc)
		rc = fi_domain(f->fabric, f->info, &f->domain, NULL);
	if (!rc)
		rc = fi_cq_open(f->domain, &cqa, &f->cq, NULL);
	if (!rc)
		rc = fi_av_open(f->domain, &ava, &f->av, NULL);
	if (!rc)
		rc = fi_endpoint(f->domain, f->info, &f->ep, NULL);
	if (!rc)
		rc = fi_ep_bind(f->ep, &f->cq->fid, FI_TRANSMIT | FI_RECV);
	if (!rc)
		rc = fi_ep_bind(f->ep, &f->av->fid, 0);
	if (!rc)
		rc = fi_enable(f->ep);
	if (rc)
		return rc;
	f->buf = aligned_alloc(4096, FAB_BUF);
	f->msg = aligned_alloc(4096, 2 * FAB_MSG);
	if (!f->buf || !f->msg)
		return -FI_ENOMEM;
	memset(f->buf, 0xa5, FAB_BUF);
	memset(f->msg, 0x5a, 2 * FAB_MSG);
	rc = fi_mr_reg(f->domain, f->buf, FAB_BUF, bulk_access, 0, 1, 0, &f->mr, NULL);
	if (!rc)
		rc = fi_mr_reg(f->domain, f->msg, 2 * FAB_MSG, FI_SEND | FI_RECV, 0, 2, 0,
			       &f->msg_mr, NULL);
	if (!rc && (f->info->domain_attr->mr_mode & FI_MR_ENDPOINT)) {
		rc = fi_mr_bind(f->mr, &f->ep->fid, 0);
		if (!rc)
			rc = fi_mr_enable(f->mr);
		if (!rc)
			rc = fi_mr_bind(f->msg_mr, &f->ep->fid, 0);
		if (!rc)
			rc = fi_mr_enable(f->msg_mr);
	}
	return rc;
}

/* Closes what fab_open opened. The shm provider removes its region in
 * /dev/shm only when the endpoint is closed: a probe that just exits leaves
 * 16 MiB files behind, two per run. */
static void fab_close(struct fab *f)
{
	struct fid *fids[] = { f->ep ? &f->ep->fid : NULL, f->mr ? &f->mr->fid : NULL,
			       f->msg_mr ? &f->msg_mr->fid : NULL, f->av ? &f->av->fid : NULL,
			       f->cq ? &f->cq->fid : NULL, f->domain ? &f->domain->fid : NULL,
			       f->fabric ? &f->fabric->fid : NULL };

	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++)
		if (fids[i])
			fi_close(fids[i]);
	if (f->info)
		fi_freeinfo(f->info);
	free(f->buf);
	free(f->msg);
	memset(f, 0, sizeof(*f));
}

/* Reads up to n completions into e, blocking; returns how many or a
 * negative code. An empty return is a timeout only once FAB_WAIT_MS have
 * passed since t0: the pipe's file thread wakes the CQ with fi_cq_signal,
 * and a signal left over from it makes the next fi_cq_sread return at once. */
static ssize_t fab_sread(struct fab *f, struct fi_cq_msg_entry *e, size_t n, double t0)
{
	for (;;) {
		ssize_t got = fi_cq_sread(f->cq, e, n, NULL, FAB_WAIT_MS);

		if (got == -FI_EAGAIN && bench_now() - t0 < FAB_WAIT_MS / 1000.0)
			continue;
		if (got == -FI_EAGAIN)
			return -FI_ETIMEDOUT;
		if (got == -FI_EAVAIL) {
			struct fi_cq_err_entry ee = { 0 };

			fi_cq_readerr(f->cq, &ee, 0);
			return -(int)(ee.err ? ee.err : FI_EIO);
		}
		return got;
	}
}

/* Waits (blocking) for n completions; returns 0 or a negative code. */
static int fab_wait(struct fab *f, int n)
{
	struct fi_cq_msg_entry e[16];
	double t0 = bench_now();

	while (n > 0) {
		ssize_t got = fab_sread(f, e, n < 16 ? (size_t)n : 16, t0);

		if (got < 0)
			return (int)got;
		n -= (int)got;
	}
	return 0;
}

static ssize_t fab_post_recv(struct fab *f)
{
	ssize_t rc;

	do
		rc = fi_recv(f->ep, f->msg, FAB_MSG, fi_mr_desc(f->msg_mr), FI_ADDR_UNSPEC, NULL);
	while (rc == -FI_EAGAIN && fi_cq_read(f->cq, NULL, 0) >= -FI_EAGAIN);
	return rc;
}

static ssize_t fab_send(struct fab *f, size_t len, fi_addr_t to)
{
	ssize_t rc;

	do
		rc = fi_send(f->ep, f->msg + FAB_MSG, len, fi_mr_desc(f->msg_mr), to, NULL);
	while (rc == -FI_EAGAIN && fi_cq_read(f->cq, NULL, 0) >= -FI_EAGAIN);
	return rc;
}

/* The server's loop: echoes every message (its first one carries the
 * client's address), serves RMA by progressing in fi_cq_sread; returns 0 on
 * a 1-byte message, a status from 2 up after 10 idle seconds or an error. */
static int fab_serve(struct fab *f)
{
	f->peer = FI_ADDR_UNSPEC;
	for (;;) {
		struct fi_cq_msg_entry e;
		ssize_t n = fi_cq_sread(f->cq, &e, 1, NULL, FAB_WAIT_MS);

		if (n == -FI_EAGAIN)
			return 2;
		if (n == -FI_EAVAIL) {
			struct fi_cq_err_entry ee = { 0 };

			fi_cq_readerr(f->cq, &ee, 0);
			continue;
		}
		if (n != 1 || !(e.flags & FI_RECV))
			continue;
		if (f->peer == FI_ADDR_UNSPEC) {
			/* hello: the client's address */
			int rc = fi_av_insert(f->av, f->msg, 1, &f->peer, 0, NULL);

			if (rc != 1) {
				if (getenv("PFS_BENCH_DEBUG"))
					fprintf(stderr, "probe server: insert of %zu bytes: %d\n",
						e.len, rc);
				return 3;
			}
		} else if (e.len == 1) {
			return 0;       /* quit: no reply (see fab_quit) */
		}
		if (fab_post_recv(f))
			return 4;
		if (fab_send(f, e.len, f->peer))
			return 5;
	}
}

/* The server: opens, tells the client where it is through wfd, serves;
 * returns the process's exit status. */
static int fab_server(const char *provider, int wfd)
{
	struct fab f = { 0 };
	struct fab_hello h = { 0 };
	int rc = fab_open(&f, provider, FI_REMOTE_READ | FI_REMOTE_WRITE);

	h.addrlen = sizeof(h.addr);
	if (!rc)
		rc = fi_getname(&f.ep->fid, h.addr, &h.addrlen);
	if (!rc)
		rc = (int)fab_post_recv(&f);
	if (rc)
		h.addrlen = 0;
	/* Without FI_MR_VIRT_ADDR, RMA addresses are offsets into the region. */
	h.raddr = f.info && (f.info->domain_attr->mr_mode & FI_MR_VIRT_ADDR) ?
		  (uint64_t)(uintptr_t)f.buf : 0;
	h.rkey = f.mr ? fi_mr_key(f.mr) : 0;
	if (write(wfd, &h, sizeof(h)) != (ssize_t)sizeof(h) || rc)
		rc = 1;
	close(wfd);
	if (!rc)
		rc = fab_serve(&f);
	fab_close(&f);
	return rc;
}

/* Tells the server to stop: one byte, not answered. An answered quit lost
 * its answer in about 1 probe in 15 on tcp (the server closed its endpoint
 * right after sending it), and the probe then failed after measuring. */
static int fab_quit(struct fab *f)
{
	ssize_t rc = fab_send(f, 1, f->peer);

	return rc ? (int)rc : fab_wait(f, 1);
}

/* One message there and back; the echo's recv is posted first. */
static int fab_pingpong(struct fab *f, size_t len)
{
	ssize_t rc = fab_post_recv(f);

	if (!rc)
		rc = fab_send(f, len, f->peer);
	if (rc)
		return (int)rc;
	return fab_wait(f, 2);
}

static int fab_rtt(struct fab *f, size_t len, int n, double *median_us)
{
	double *t = malloc(sizeof(*t) * (size_t)n);
	int rc = 0;

	if (!t)
		return -FI_ENOMEM;
	for (int i = 0; i < 10 && !rc; i++)
		rc = fab_pingpong(f, len);
	for (int i = 0; i < n && !rc; i++) {
		double t0 = bench_now();

		rc = fab_pingpong(f, len);
		t[i] = (bench_now() - t0) * 1e6;
	}
	if (!rc)
		*median_us = bench_quantile(t, (size_t)n, 0.5);
	free(t);
	return rc;
}

/* RMA of total bytes in 1 MiB transfers, FAB_SLOTS in flight. */
static int fab_bw(struct fab *f, const struct fab_hello *h, int write, size_t total,
		  double *gibs)
{
	size_t nx = total / FAB_XFER, posted = 0, done = 0;
	double t0 = bench_now();
	int rc = 0;

	if (nx < FAB_SLOTS)
		nx = FAB_SLOTS;
	while (done < nx && !rc) {
		while (posted < nx && posted - done < FAB_SLOTS) {
			size_t slot = (posted % FAB_SLOTS) * FAB_XFER;
			ssize_t prc;

			if (write)
				prc = fi_write(f->ep, f->buf + slot, FAB_XFER, fi_mr_desc(f->mr),
					       f->peer, h->raddr + slot, h->rkey, NULL);
			else
				prc = fi_read(f->ep, f->buf + slot, FAB_XFER, fi_mr_desc(f->mr),
					      f->peer, h->raddr + slot, h->rkey, NULL);
			if (prc == -FI_EAGAIN)
				break;
			if (prc)
				return (int)prc;
			posted++;
		}
		rc = fab_wait(f, 1);
		done++;
	}
	*gibs = (double)nx * FAB_XFER / (bench_now() - t0) / (1 << 30);
	return rc;
}

/* ---- RMA piped through tmpfs: the bound for one stream ----
 * What a storage server must do for a client's stream, with nothing else:
 * for a write, pull 1 MiB from the peer by RMA read and pwrite it to a tmpfs
 * file; for a read, pread 1 MiB and push it to the peer by RMA write. The
 * fabric side (this thread) and the file side (a second thread) overlap,
 * FAB_SLOTS transfers in flight, so the figure is what the two cores give
 * the pattern when no pfs code runs: pfs's stream rows divided by it say
 * how much of the machine pfs leaves on the table. */

enum fab_stage { FAB_AT_FABRIC, FAB_IN_FABRIC, FAB_AT_FILE, FAB_IN_FILE, FAB_DONE };

struct fab_pipe {
	struct fab *f;
	const struct fab_hello *h;
	int fd;
	int pull;                    /* 1: fabric then file (write); 0: file then fabric */
	size_t nx, next, finished;   /* transfers: in all, started, through both stages */
	size_t xfer[FAB_SLOTS];      /* the transfer each slot carries */
	enum fab_stage stage[FAB_SLOTS];
	struct fi_context2 ctx[FAB_SLOTS];
	int rc;
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* a slot reached the file stage, or the end */
};

/* With p->lock held: slot i finished a stage; moves it on. */
static void fab_pipe_advance(struct fab_pipe *p, int i)
{
	int was_fabric = p->stage[i] == FAB_IN_FABRIC;

	pthread_cond_broadcast(&p->cond);
	if (was_fabric == p->pull) {
		/* The first of its two stages. */
		p->stage[i] = was_fabric ? FAB_AT_FILE : FAB_AT_FABRIC;
		return;
	}
	p->finished++;
	if (p->next == p->nx) {
		p->stage[i] = FAB_DONE;
		return;
	}
	p->xfer[i] = p->next++;
	p->stage[i] = p->pull ? FAB_AT_FABRIC : FAB_AT_FILE;
}

static void *fab_pipe_file(void *arg)
{
	struct fab_pipe *p = arg;

	pthread_mutex_lock(&p->lock);
	while (p->finished < p->nx && !p->rc) {
		int i, found = -1;

		for (i = 0; i < FAB_SLOTS; i++)
			if (p->stage[i] == FAB_AT_FILE && (found < 0 || p->xfer[i] < p->xfer[found]))
				found = i;
		if (found < 0) {
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		p->stage[found] = FAB_IN_FILE;
		pthread_mutex_unlock(&p->lock);
		uint8_t *b = p->f->buf + (size_t)found * FAB_XFER;
		off_t off = (off_t)(p->xfer[found] * FAB_XFER);
		ssize_t n = p->pull ? pwrite(p->fd, b, FAB_XFER, off) : pread(p->fd, b, FAB_XFER, off);
		pthread_mutex_lock(&p->lock);
		if (n != (ssize_t)FAB_XFER)
			p->rc = -FI_EIO;
		fab_pipe_advance(p, found);
		/* The fabric thread may sleep in fi_cq_sread with a slot to post. */
		fi_cq_signal(p->f->cq);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* With p->lock held: posts every slot waiting for the fabric. */
static int fab_pipe_post(struct fab_pipe *p)
{
	for (int i = 0; i < FAB_SLOTS; i++) {
		size_t slot = (size_t)i * FAB_XFER;
		ssize_t rc;

		if (p->stage[i] != FAB_AT_FABRIC)
			continue;
		if (p->pull)
			rc = fi_read(p->f->ep, p->f->buf + slot, FAB_XFER, fi_mr_desc(p->f->mr),
				     p->f->peer, p->h->raddr + slot, p->h->rkey, &p->ctx[i]);
		else
			rc = fi_write(p->f->ep, p->f->buf + slot, FAB_XFER, fi_mr_desc(p->f->mr),
				      p->f->peer, p->h->raddr + slot, p->h->rkey, &p->ctx[i]);
		if (rc == -FI_EAGAIN)
			return 0;
		if (rc)
			return (int)rc;
		p->stage[i] = FAB_IN_FABRIC;
	}
	return 0;
}

/* The fabric side of the pipe, on this thread. */
static int fab_pipe_fabric(struct fab_pipe *p)
{
	struct fi_cq_msg_entry e[FAB_SLOTS];
	double last = bench_now();   /* the last completion */

	pthread_mutex_lock(&p->lock);
	while (p->finished < p->nx && !p->rc) {
		p->rc = fab_pipe_post(p);
		pthread_mutex_unlock(&p->lock);
		ssize_t got = fi_cq_sread(p->f->cq, e, FAB_SLOTS, NULL, 100);
		pthread_mutex_lock(&p->lock);
		if (got == -FI_EAGAIN) {
			/* A signal from the file side, or nothing for 100 ms. */
			if (bench_now() - last > FAB_WAIT_MS / 1000.0)
				p->rc = -FI_ETIMEDOUT;
			continue;
		}
		if (got < 0) {
			p->rc = got == -FI_EAVAIL ? -FI_EIO : (int)got;
			break;
		}
		last = bench_now();
		for (ssize_t k = 0; k < got; k++)
			fab_pipe_advance(p, (int)((struct fi_context2 *)e[k].op_context - p->ctx));
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return p->rc;
}

/* nx transfers through the pipe, one direction; *gibs its rate. */
static int fab_pipe_run(struct fab *f, const struct fab_hello *h, int fd, int pull, size_t nx,
			double *gibs)
{
	struct fab_pipe p = { .f = f, .h = h, .fd = fd, .pull = pull, .nx = nx };
	pthread_t th;
	double t0;
	int rc;

	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	for (int i = 0; i < FAB_SLOTS; i++) {   /* nx >= FAB_SLOTS: fab_store */
		p.xfer[i] = p.next++;
		p.stage[i] = pull ? FAB_AT_FABRIC : FAB_AT_FILE;
	}
	t0 = bench_now();
	rc = pthread_create(&th, NULL, fab_pipe_file, &p);
	if (rc) {
		rc = -rc;
		goto out;
	}
	rc = fab_pipe_fabric(&p);
	pthread_join(th, NULL);
	if (!rc)
		rc = p.rc;
	*gibs = (double)nx * FAB_XFER / (bench_now() - t0) / (1 << 30);
out:
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
	return rc;
}

/* ---- the same, one synchronous 1 MiB call at a time ----
 * The bound for the plain stream rows, whose every pfs_pwrite/pfs_pread
 * waits for its reply: per megabyte, an 8-byte message there and back (the
 * request and the reply, each a wake-up), then the megabyte as two halves
 * whose file copy and RMA overlap as in the OSS (the second half's RMA runs
 * while the first half is stored or loaded). Nothing else: no CRC, no
 * extents, no threads. */

#define FAB_HALF (FAB_XFER / 2)
/* Most synchronous transfers measured: over shm on a loaded machine every
 * wait yields the CPU, and 512 of them took 17 s. */
#define FAB_SYNC_MAX 256

/* Waits until the operation with context want has completed; others that
 * complete meanwhile are counted in *others. */
static int fab_wait_for(struct fab *f, const void *want, int *others)
{
	double t0 = bench_now();

	for (;;) {
		struct fi_cq_msg_entry e;
		ssize_t got = fab_sread(f, &e, 1, t0);

		if (got < 0)
			return (int)got;
		if (e.op_context == want)
			return 0;
		(*others)++;
	}
}

/* One synchronous megabyte at file offset off: pulled and stored (pull) or
 * loaded and pushed. A transfer left posted by a failure is waited for
 * before returning (its context lives on this stack). */
static int fab_sync_one(struct fab *f, const struct fab_hello *h, int fd, int pull, off_t off)
{
	struct fi_context2 ctx[2];
	int others = 0, posted = 0, rc;

	rc = fab_pingpong(f, 8);
	for (int i = 0; i < 2 && !rc; i++, posted++) {
		size_t o = (size_t)i * FAB_HALF;

		if (pull) {
			rc = (int)fi_read(f->ep, f->buf + o, FAB_HALF, fi_mr_desc(f->mr), f->peer,
					  h->raddr + o, h->rkey, &ctx[i]);
		} else if (pread(fd, f->buf + o, FAB_HALF, off + (off_t)o) != (ssize_t)FAB_HALF) {
			rc = -FI_EIO;
		} else {
			rc = (int)fi_write(f->ep, f->buf + o, FAB_HALF, fi_mr_desc(f->mr), f->peer,
					   h->raddr + o, h->rkey, &ctx[i]);
		}
		if (rc)
			break;
	}
	if (rc || !pull) {
		int wrc = posted ? fab_wait(f, posted) : 0;

		return rc ? rc : wrc;
	}
	for (int i = 0; i < 2; i++) {
		size_t o = (size_t)i * FAB_HALF;

		if (i == 0 || others == 0)
			rc = fab_wait_for(f, &ctx[i], &others);
		if (!rc && pwrite(fd, f->buf + o, FAB_HALF, off + (off_t)o) != (ssize_t)FAB_HALF)
			rc = -FI_EIO;
		if (rc) {
			/* Drain the second half if it is still in flight. */
			if (i == 0 && others == 0)
				fab_wait_for(f, &ctx[1], &others);
			break;
		}
	}
	return rc;
}

static int fab_sync_run(struct fab *f, const struct fab_hello *h, int fd, int pull, size_t nx,
			double *gibs)
{
	double t0 = bench_now();
	int rc = 0;

	if (nx > FAB_SYNC_MAX)
		nx = FAB_SYNC_MAX;
	for (size_t k = 0; k < nx && !rc; k++)
		rc = fab_sync_one(f, h, fd, pull, (off_t)(k * FAB_XFER));
	*gibs = (double)nx * FAB_XFER / (bench_now() - t0) / (1 << 30);
	return rc;
}

/* Write (pull and store), then read back (load and push), through a file
 * in dir, removed afterwards. */
static int fab_store(struct fab *f, const struct fab_hello *h, const char *dir, size_t total,
		     struct bench_fabric_res *out)
{
	char path[512];
	size_t nx = total / FAB_XFER < FAB_SLOTS ? FAB_SLOTS : total / FAB_XFER;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/fabric-store.%d", dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -FI_EIO;
	rc = fab_pipe_run(f, h, fd, 1, nx, &out->store_write_gibs);
	if (!rc)
		rc = fab_pipe_run(f, h, fd, 0, nx, &out->store_read_gibs);
	/* A fresh file again: storing into pages that exist is several times
	 * faster than into new ones, and pfs's streams write new files. */
	if (!rc && ftruncate(fd, 0))
		rc = -FI_EIO;
	if (!rc)
		rc = fab_sync_run(f, h, fd, 1, nx, &out->sync_write_gibs);
	if (!rc)
		rc = fab_sync_run(f, h, fd, 0, nx, &out->sync_read_gibs);
	close(fd);
	unlink(path);
	return rc;
}

static int fab_client(const char *provider, int rfd, size_t bw_bytes, int pingpongs,
		      const char *store_dir, struct bench_fabric_res *out)
{
	struct fab f = { 0 };
	struct fab_hello h;
	size_t mylen = 256;
	int rc;

	if (read(rfd, &h, sizeof(h)) != (ssize_t)sizeof(h) || h.addrlen == 0)
		return -FI_EIO;
	rc = fab_open(&f, provider, FI_READ | FI_WRITE);
	if (rc)
		goto out;
	if (fi_av_insert(f.av, h.addr, 1, &f.peer, 0, NULL) != 1) {
		rc = -FI_EINVAL;
		goto out;
	}
	/* hello: our address, echoed back */
	rc = fi_getname(&f.ep->fid, f.msg + FAB_MSG, &mylen);
	if (!rc)
		rc = (int)fab_post_recv(&f);
	if (!rc)
		rc = (int)fab_send(&f, mylen, f.peer);
	if (!rc)
		rc = fab_wait(&f, 2);
	if (rc && getenv("PFS_BENCH_DEBUG"))
		fprintf(stderr, "probe hello: %d\n", rc);
	if (!rc)
		rc = fab_rtt(&f, 8, pingpongs, &out->rtt8_us);
	if (rc && getenv("PFS_BENCH_DEBUG"))
		fprintf(stderr, "probe rtt: %d\n", rc);
	if (!rc)
		rc = fab_rtt(&f, 4096, pingpongs, &out->rtt4k_us);
	if (getenv("PFS_BENCH_DEBUG"))
		fprintf(stderr, "probe: rtt %d (%.1f, %.1f us)\n", rc, out->rtt8_us, out->rtt4k_us);
	if (!rc)
		rc = fab_bw(&f, &h, 1, FAB_BUF, &out->write_gibs);   /* warm-up */
	if (getenv("PFS_BENCH_DEBUG"))
		fprintf(stderr, "probe: warm-up %d\n", rc);
	if (!rc)
		rc = fab_bw(&f, &h, 1, bw_bytes, &out->write_gibs);
	if (!rc)
		rc = fab_bw(&f, &h, 0, bw_bytes, &out->read_gibs);
	if (!rc && store_dir)
		rc = fab_store(&f, &h, store_dir, bw_bytes, out);
	if (!rc)
		rc = fab_quit(&f);
out:
	fab_close(&f);
	return rc;
}

int bench_fabric_probe(const char *provider, size_t bw_bytes, int pingpongs,
		       const char *store_dir, struct bench_fabric_res *out, char *err,
		       size_t errlen)
{
	struct bench_fabric_res *shared;
	int p[2], st, rc = 0;
	pid_t srv, cli;

	shared = mmap(NULL, sizeof(*shared) + sizeof(int), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || pipe(p))
		return -errno;
	memset(shared, 0, sizeof(*shared));
	*(int *)(shared + 1) = -FI_EOTHER;   /* until the client says otherwise */
	fflush(NULL);
	srv = fork();
	if (srv == 0) {
		close(p[0]);
		alarm(120);
		_exit(fab_server(provider, p[1]));
	}
	cli = fork();
	if (cli == 0) {
		int *crc = (int *)(shared + 1);

		close(p[1]);
		alarm(120);
		*crc = fab_client(provider, p[0], bw_bytes, pingpongs, store_dir, shared);
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	if (srv < 0 || cli < 0)
		rc = -ECHILD;
	if (cli > 0)
		waitpid(cli, &st, 0);
	if (!rc) {
		int crc = *(int *)(shared + 1);

		if (crc) {
			snprintf(err, errlen, "fabric probe (%s): %s", provider,
				 fi_strerror(crc < 0 ? -crc : crc));
			rc = -EIO;
		}
	}
	if (srv > 0) {
		/* The quit message stops the server; a stuck one is killed. */
		for (int i = 0; i < 200 && waitpid(srv, &st, WNOHANG) == 0; i++)
			usleep(10000);
		if (waitpid(srv, &st, WNOHANG) == 0) {
			kill(srv, SIGKILL);
			waitpid(srv, &st, 0);
		}
		if (getenv("PFS_BENCH_DEBUG"))
			fprintf(stderr, "probe server: status %d\n", st);
	}
	*out = *shared;
	munmap(shared, sizeof(*shared) + sizeof(int));
	return rc;
}
