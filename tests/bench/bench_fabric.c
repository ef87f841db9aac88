/* bench_fabric.c - the suite's own raw libfabric probe, the baseline for the
 * transport: two processes, one RDM endpoint each, blocking completion waits
 * (fi_cq_sread, as pfs uses), message ping-pong and 1 MiB RMA bandwidth. */
#include <errno.h>
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

/* Waits (blocking) for n completions; returns 0 or a negative code. */
static int fab_wait(struct fab *f, int n)
{
	struct fi_cq_msg_entry e[16];

	while (n > 0) {
		ssize_t got = fi_cq_sread(f->cq, e, n < 16 ? (size_t)n : 16, NULL, FAB_WAIT_MS);

		if (got == -FI_EAGAIN)
			return -FI_ETIMEDOUT;
		if (got == -FI_EAVAIL) {
			struct fi_cq_err_entry ee = { 0 };

			fi_cq_readerr(f->cq, &ee, 0);
			return -(int)(ee.err ? ee.err : FI_EIO);
		}
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

/* The server: echoes every message (its first one carries the client's
 * address), serves RMA by progressing in fi_cq_sread, stops on a 1-byte
 * message or after 10 idle seconds. */
static void fab_server(const char *provider, int wfd)
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
		_exit(1);
	close(wfd);
	f.peer = FI_ADDR_UNSPEC;
	for (;;) {
		struct fi_cq_msg_entry e;
		ssize_t n = fi_cq_sread(f.cq, &e, 1, NULL, FAB_WAIT_MS);

		if (n == -FI_EAGAIN)
			_exit(2);
		if (n == -FI_EAVAIL) {
			struct fi_cq_err_entry ee = { 0 };

			fi_cq_readerr(f.cq, &ee, 0);
			continue;
		}
		if (n != 1 || !(e.flags & FI_RECV))
			continue;
		if (f.peer == FI_ADDR_UNSPEC) {
			/* hello: the client's address */
			rc = fi_av_insert(f.av, f.msg, 1, &f.peer, 0, NULL);
			if (rc != 1) {
				if (getenv("PFS_BENCH_DEBUG"))
					fprintf(stderr, "probe server: insert of %zu bytes: %d\n",
						e.len, rc);
				_exit(3);
			}
		} else if (e.len == 1) {
			fab_send(&f, 1, f.peer);
			fab_wait(&f, 1);
			_exit(0);
		}
		if (fab_post_recv(&f))
			_exit(4);
		if (fab_send(&f, e.len, f.peer))
			_exit(5);
	}
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

static int fab_client(const char *provider, int rfd, size_t bw_bytes, int pingpongs,
		      struct bench_fabric_res *out)
{
	struct fab f = { 0 };
	struct fab_hello h;
	size_t mylen = 256;
	int rc;

	if (read(rfd, &h, sizeof(h)) != (ssize_t)sizeof(h) || h.addrlen == 0)
		return -FI_EIO;
	rc = fab_open(&f, provider, FI_READ | FI_WRITE);
	if (rc)
		return rc;
	if (fi_av_insert(f.av, h.addr, 1, &f.peer, 0, NULL) != 1)
		return -FI_EINVAL;
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
	if (!rc)
		rc = fab_pingpong(&f, 1);   /* quit */
	return rc;
}

int bench_fabric_probe(const char *provider, size_t bw_bytes, int pingpongs,
		       struct bench_fabric_res *out, char *err, size_t errlen)
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
		fab_server(provider, p[1]);
		_exit(0);
	}
	cli = fork();
	if (cli == 0) {
		int *crc = (int *)(shared + 1);

		close(p[1]);
		alarm(120);
		*crc = fab_client(provider, p[0], bw_bytes, pingpongs, shared);
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
