/* test_badinput.c - hostile input against live servers: garbage, truncated
 * and oversized frames and random payloads for every opcode. Each server
 * must answer with an error or drop the frame, and keep serving others. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checksum.h"
#include "cluster.h"
#include "net.h"
#include "pfs_test.h"
#include "wire.h"

/* The cluster under attack, started once in the parent (main). */
static struct cluster test_cluster;

static int cluster_up(void)
{
	if (cluster_start(&test_cluster, 1, getenv("PFS_TEST_PROVIDER"))) {
		printf("test_badinput: cluster did not start (logs in %s)\n", test_cluster.dir);
		setenv("PFS_KEEP_TEST_DIR", "1", 1);
		cluster_destroy(&test_cluster);
		return -1;
	}
	return 0;
}

static struct net_ep *open_client(int timeout_ms)
{
	struct net_opts o = { .provider = test_cluster.provider, .node = "127.0.0.1",
			      .timeout_ms = timeout_ms };
	struct net_ep *ep = NULL;

	T_EQ(net_open(&o, &ep), 0);
	return ep;
}

static fi_addr_t resolve(struct net_ep *ep, int port)
{
	char p[16];
	fi_addr_t a;

	snprintf(p, sizeof(p), "%d", port);
	T_EQ(net_resolve(ep, "127.0.0.1", p, &a), 0);
	return a;
}

/* A well-formed request gets a well-formed reply from a healthy server. */
static void assert_healthy(void)
{
	struct net_ep *ep = open_client(5000);
	fi_addr_t mds = resolve(ep, test_cluster.base_port);
	fi_addr_t oss = resolve(ep, test_cluster.base_port + 1);
	uint8_t rep[WIRE_MSG_MAX];
	struct wire_statfs_rep sf;
	size_t n;

	T_EQ(net_rpc(ep, mds, WIRE_OP_PING, NULL, 0, rep, sizeof(rep), &n), 0);
	T_EQ(net_rpc(ep, oss, WIRE_OP_OSS_STATFS, NULL, 0, rep, sizeof(rep), &n), 0);
	T_EQ(wire_dec_statfs_rep(rep, n, &sf), 0);
	T_EQ(kill(test_cluster.mds, 0), 0);
	T_EQ(kill(test_cluster.oss[0], 0), 0);
	net_close(ep);
}

/* Frames that are not pfs frames at all: no reply is possible, the server
 * must drop them. */
static void garbage_frames(void)
{
	static const size_t lens[] = { 1, 7, WIRE_HDR_LEN - 1, WIRE_HDR_LEN, 100, 4096,
				       WIRE_MSG_MAX };
	struct net_ep *ep = open_client(3000);
	int ports[] = { test_cluster.base_port, test_cluster.base_port + 1 };
	uint8_t *buf = malloc(WIRE_MSG_MAX);

	for (int s = 0; s < 2; s++) {
		fi_addr_t dest = resolve(ep, ports[s]);

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			t_fill(buf, lens[i]);
			T_EQ(net_send_raw(ep, dest, buf, lens[i]), 0);
		}
	}
	net_close(ep);
	free(buf);
	assert_healthy();
}

/* Headers that lie: wrong magic, version, lengths, flags. */
static void lying_headers(void)
{
	struct net_ep *ep = open_client(3000);
	fi_addr_t dest[2] = { resolve(ep, test_cluster.base_port),
			      resolve(ep, test_cluster.base_port + 1) };
	uint8_t buf[WIRE_HDR_LEN + 64];
	struct wire_hdr good = { .magic = WIRE_MAGIC, .version = WIRE_VERSION,
				 .opcode = WIRE_OP_PING, .reqid = 1, .payload_len = 0, .src_len = 0 };

	for (int s = 0; s < 2; s++) {
		struct wire_hdr h[7];

		for (int k = 0; k < 7; k++)
			h[k] = good;
		h[0].magic = 0x12345678;
		h[1].version = 99;
		h[2].payload_len = 1000;          /* longer than the frame */
		h[3].src_len = 60000;
		h[4].flags = 0xff;
		h[5].status = 17;
		h[6].opcode = 0xffff;             /* no source address: cannot reply */
		for (int k = 0; k < 7; k++) {
			memset(buf, 0, sizeof(buf));
			wire_hdr_encode(&h[k], buf, sizeof(buf));
			T_EQ(net_send_raw(ep, dest[s], buf, WIRE_HDR_LEN), 0);
		}
	}
	net_close(ep);
	assert_healthy();
}

/* Frames far larger than any receive buffer. */
static void oversized_frames(void)
{
	struct net_ep *ep = open_client(5000);
	fi_addr_t dest[2] = { resolve(ep, test_cluster.base_port),
			      resolve(ep, test_cluster.base_port + 1) };
	size_t len = 4 * WIRE_MSG_MAX;
	uint8_t *buf = calloc(1, len);

	for (int s = 0; s < 2; s++)
		net_send_raw(ep, dest[s], buf, len);   /* the send may fail: fine */
	net_close(ep);
	free(buf);
	assert_healthy();
}

/* Valid frames carrying random or truncated payloads for every opcode: the
 * server must reply (an error, or success when the bytes happen to decode). */
static void hostile_payloads(void)
{
	struct net_ep *ep = open_client(5000);
	fi_addr_t dest[2] = { resolve(ep, test_cluster.base_port),
			      resolve(ep, test_cluster.base_port + 1) };
	uint8_t *payload = malloc(WIRE_MSG_MAX), *rep = malloc(WIRE_MSG_MAX);

	for (int s = 0; s < 2; s++) {
		for (uint16_t op = 0; op < WIRE_OP_MAX + 2; op++) {
			for (int k = 0; k < 4; k++) {
				size_t len = k == 0 ? 0 : (size_t)(t_rand() % (k == 3 ? 8000 : 64));
				size_t n;
				int rc;

				t_fill(payload, len);
				rc = net_rpc(ep, dest[s], op, payload, len, rep, WIRE_MSG_MAX, &n);
				T_CHECK(rc != -ETIMEDOUT, "server %d did not answer op %u", s, op);
				T_CHECK(rc <= 0, "bad status %d", rc);
			}
		}
	}
	free(payload);
	free(rep);
	net_close(ep);
	assert_healthy();
}

/* Reads len bytes at off of object fid.0 (inline); returns the status and
 * fills *r (its data points into rep). */
static int read_obj(struct net_ep *ep, fi_addr_t oss, uint64_t fid, uint64_t off, uint64_t len,
		    uint8_t *rep, struct wire_obj_io_rep *r)
{
	struct wire_obj_io *io = calloc(1, sizeof(*io));
	uint8_t *buf = malloc(WIRE_MSG_MAX);
	size_t n;
	int len_enc, rc;

	T_ASSERT((io) != NULL);
	T_ASSERT((buf) != NULL);
	io->fid = fid;
	io->next = 1;
	io->ext[0] = (struct wire_extent){ off, len };
	len_enc = wire_enc_obj_io(buf, WIRE_MSG_MAX, io);
	T_GT(len_enc, 0);
	rc = net_rpc(ep, oss, WIRE_OP_OBJ_READ, buf, (size_t)len_enc, rep, WIRE_MSG_MAX, &n);
	if (rc == 0)
		T_EQ(wire_dec_obj_io_rep(rep, n, r), 0);
	free(io);
	free(buf);
	return rc;
}

/* A bulk write is checked segment by segment (the OSS stores each as it
 * arrives): a segment whose CRC does not match is refused with everything
 * after it, and the reply says so; the segments before it are stored. */
static void segment_crc_checked(void)
{
	const uint64_t seg = 256 << 10;
	struct net_ep *ep = open_client(5000);
	fi_addr_t oss = resolve(ep, test_cluster.base_port + 1);
	struct wire_obj_io *io = calloc(1, sizeof(*io));
	uint8_t *data = malloc(2 * seg), *buf = malloc(WIRE_MSG_MAX), *rep = malloc(WIRE_MSG_MAX);
	static const uint8_t zeros[4096];
	struct wire_obj_io_rep r;
	struct net_mr *mr;
	size_t n;
	int len;

	T_ASSERT((io) != NULL);
	T_ASSERT((data) != NULL);
	t_fill(data, 2 * seg);
	T_EQ(net_mr_reg(ep, data, 2 * seg, NET_MR_REMOTE_READ, &mr), 0);
	for (int bad = 1; bad >= 0; bad--) {
		uint64_t fid = 1001 + (uint64_t)bad;

		memset(io, 0, sizeof(*io));
		io->fid = fid;
		io->next = 1;
		io->ext[0] = (struct wire_extent){ 0, 2 * seg };
		io->nseg = 2;
		for (int i = 0; i < 2; i++)
			io->seg[i] = (struct wire_seg){ net_mr_raddr(mr, data + i * seg), seg,
							net_mr_key(mr),
							checksum_crc32c(0, data + i * seg, seg) };
		io->seg[bad].crc ^= 1;
		len = wire_enc_obj_io(buf, WIRE_MSG_MAX, io);
		T_GT(len, 0);
		T_EQ(net_rpc(ep, oss, WIRE_OP_OBJ_WRITE, buf, (size_t)len, rep,
					 WIRE_MSG_MAX, &n), -EBADMSG);
		/* Straddling the two segments: the first's last 4 KiB, then
		 * nothing (a hole past the end reads as zeros). */
		T_EQ(read_obj(ep, oss, fid, seg - 4096, 8192, rep, &r), 0);
		T_UEQ(r.obj_size, bad ? seg : 0);
		T_UEQ(r.inline_len, 8192);
		T_MEMEQ(r.inline_data, bad ? data + seg - 4096 : zeros, 4096);
		T_MEMEQ(r.inline_data + 4096, zeros, 4096);
	}
	net_mr_close(mr);
	free(io);
	free(data);
	free(buf);
	free(rep);
	net_close(ep);
	assert_healthy();
}

/* An I/O request naming client memory that is not registered: the write
 * never succeeds, and the server goes on serving everyone else. */
static void bogus_rma_descriptor(void)
{
	struct net_ep *ep = open_client(5000);
	fi_addr_t oss = resolve(ep, test_cluster.base_port + 1);
	struct wire_obj_io *io = calloc(1, sizeof(*io));
	uint8_t *buf = malloc(WIRE_MSG_MAX), *rep = malloc(WIRE_MSG_MAX);
	size_t n;
	int len, rc;

	io->fid = 999;
	io->stripe = 0;
	io->next = 1;
	io->ext[0] = (struct wire_extent){ 0, 65536 };
	io->nseg = 1;
	io->seg[0] = (struct wire_seg){ 0xdead0000, 65536, 0x4242, 0 };
	len = wire_enc_obj_io(buf, WIRE_MSG_MAX, io);
	T_GT(len, 0);
	rc = net_rpc(ep, oss, WIRE_OP_OBJ_WRITE, buf, (size_t)len, rep, WIRE_MSG_MAX, &n);
	T_LT(rc, 0);
	/* The bad key makes the client's provider drop the connection, so the
	 * read may get an error, a success (a push completes at the server
	 * once sent; a real client's CRC check would catch it) or no answer
	 * at all: a hostile peer may be dropped. Others must be served. */
	net_rpc(ep, oss, WIRE_OP_OBJ_READ, buf, (size_t)len, rep, WIRE_MSG_MAX, &n);
	free(io);
	free(buf);
	free(rep);
	net_close(ep);
	assert_healthy();
}

int main(void)
{
	static const struct t_case cases[] = {
		T_CASE(garbage_frames), T_CASE(lying_headers), T_CASE(oversized_frames),
		T_CASE(hostile_payloads), T_CASE(bogus_rma_descriptor),
		T_CASE(segment_crc_checked),
	};

	t_seed();
	if (cluster_up() != 0) {
		t_fail_cases(cases, T_NCASES(cases), "the cluster did not start");
		return t_done();
	}
	t_run_cases(cases, T_NCASES(cases), 240);
	cluster_destroy(&test_cluster);
	return t_done();
}
