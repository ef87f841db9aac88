/* oss_main.c - pfs-oss, the object storage server: command line, start-up
 * and shutdown, thread placement, and registration/heartbeat to the MDS. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "objstore.h"
#include "oss_ops.h"
#include "topo.h"
#include "server_util.h"
#include "wire.h"

#define OSS_DEFAULT_WORKERS 4
#define OSS_MAX_WORKERS 64
#define OSS_HEARTBEAT_MS 2000
#define OSS_REGISTER_TIMEOUT_MS 1000  /* short: a down MDS must not hold us */
#define OSS_HOST_MAX 256
#define OSS_PORT_MAX 8
#define OSS_PID_FILE "oss.pid"
#define OSS_LOCK_MARKER "locks.held"  /* see oss_locks_create */

struct oss_args {
	const char *dir;
	uint32_t target;
	char listen_host[OSS_HOST_MAX];
	char listen_port[OSS_PORT_MAX];
	char mds_host[OSS_HOST_MAX];
	char mds_port[OSS_PORT_MAX];
	const char *provider;
	int workers;
	uint32_t lock_grace_ms;
	int info;
	int verbose;
};

/* The registration/heartbeat thread's state; lock guards stop. */
struct oss_reg {
	struct net_ep *ep;
	struct objstore *os;
	const struct oss_args *args;
	uint8_t addr[WIRE_ADDR_MAX];
	size_t addr_len;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* CLOCK_MONOTONIC */
	int stop;
	pthread_t thread;
};

/* ---- command line ---- */

static void oss_usage(FILE *out)
{
	fprintf(out,
		"usage: pfs-oss --dir DIR --target ID --listen HOST:PORT --mds HOST:PORT\n"
		"               [--provider tcp|shm] [--workers N] [--lock-grace-ms MS]\n"
		"               [--info] [--verbose]\n"
		"  --dir DIR           object storage directory (created if missing)\n"
		"  --target ID         target id, 0..%d (recorded in DIR/target.id)\n"
		"  --listen HOST:PORT  address to serve on\n"
		"  --mds HOST:PORT     metadata server to register with\n"
		"  --provider P        libfabric provider: tcp (default) or shm\n"
		"  --workers N         worker threads, 1..%d (default %d)\n"
		"  --lock-grace-ms MS  EC row locks refused this long after start, so writers\n"
		"                      of the previous run finish first; must exceed the\n"
		"                      clients' timeout_ms (default %u)\n"
		"  --info              print the hwloc topology and binding, then exit\n"
		"  --verbose           debug logging\n",
		WIRE_MAX_TARGETS - 1, OSS_MAX_WORKERS, OSS_DEFAULT_WORKERS,
		OSS_LOCK_GRACE_DEFAULT_MS);
}

/* Parses a decimal in [min, max]. */
static int oss_parse_uint(const char *s, unsigned long min, unsigned long max,
			  unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Splits HOST:PORT at the last colon; host non-empty, port 1..65535. */
static int oss_bad_arg(const char *opt, const char *val)
{
	fprintf(stderr, "pfs-oss: invalid %s '%s'\n", opt, val ? val : "");
	oss_usage(stderr);
	return -EINVAL;
}

/* One option into args; -EINVAL (after a message) when its value is bad. */
static int oss_parse_opt(int c, const char *val, struct oss_args *a, int *have)
{
	unsigned long v;

	switch (c) {
	case 'd':
		if (!*val)
			return oss_bad_arg("--dir", val);
		a->dir = val;
		*have |= 1;
		return 0;
	case 't':
		if (oss_parse_uint(val, 0, WIRE_MAX_TARGETS - 1, &v) < 0)
			return oss_bad_arg("--target", val);
		a->target = (uint32_t)v;
		*have |= 2;
		return 0;
	case 'l':
		if (srv_parse_hostport(val, a->listen_host, OSS_HOST_MAX, a->listen_port, OSS_PORT_MAX) < 0)
			return oss_bad_arg("--listen", val);
		*have |= 4;
		return 0;
	case 'm':
		if (srv_parse_hostport(val, a->mds_host, OSS_HOST_MAX, a->mds_port, OSS_PORT_MAX) < 0)
			return oss_bad_arg("--mds", val);
		*have |= 8;
		return 0;
	case 'p':
		if (strcmp(val, "tcp") && strcmp(val, "shm"))
			return oss_bad_arg("--provider", val);
		a->provider = val;
		return 0;
	case 'w':
		if (oss_parse_uint(val, 1, OSS_MAX_WORKERS, &v) < 0)
			return oss_bad_arg("--workers", val);
		a->workers = (int)v;
		return 0;
	case 'g':
		if (oss_parse_uint(val, 0, 3600000, &v) < 0)
			return oss_bad_arg("--lock-grace-ms", val);
		a->lock_grace_ms = (uint32_t)v;
		return 0;
	case 'i':
		a->info = 1;
		return 0;
	case 'v':
		a->verbose = 1;
		return 0;
	default:
		oss_usage(stderr);
		return -EINVAL;
	}
}

/* Returns 0, 1 for --help (usage printed), or -EINVAL (message printed). */
static int oss_parse_args(int argc, char **argv, struct oss_args *a)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "target", required_argument, NULL, 't' },
		{ "listen", required_argument, NULL, 'l' },
		{ "mds", required_argument, NULL, 'm' },
		{ "provider", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "lock-grace-ms", required_argument, NULL, 'g' },
		{ "info", no_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have = 0;

	memset(a, 0, sizeof(*a));
	a->provider = "tcp";
	a->workers = OSS_DEFAULT_WORKERS;
	a->lock_grace_ms = OSS_LOCK_GRACE_DEFAULT_MS;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			oss_usage(stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "pfs-oss: unknown option or missing value: %s\n",
				argv[optind - 1]);
			oss_usage(stderr);
			return -EINVAL;
		}
		if (oss_parse_opt(c, optarg, a, &have) < 0)
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "pfs-oss: unexpected argument '%s'\n", argv[optind]);
		oss_usage(stderr);
		return -EINVAL;
	}
	if (!a->info && have != 15) {
		fprintf(stderr, "pfs-oss: --dir, --target, --listen and --mds are required\n");
		oss_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* ---- registration / heartbeat ---- */

/* Sends one TARGET_REGISTER; returns the transport error or the MDS status. */
static int oss_register_once(struct oss_reg *r, fi_addr_t mds)
{
	struct wire_target_register m = { 0 };
	struct net_call *call = NULL;
	uint8_t buf[512];
	const void *rp;
	size_t rlen;
	int n, rc, status = 0;

	m.target_id = r->args->target;
	m.addr_len = (uint16_t)r->addr_len;
	memcpy(m.addr, r->addr, r->addr_len);
	rc = objstore_statfs(r->os, &m.total_bytes, &m.free_bytes, &m.objects);
	if (rc < 0)
		return rc;
	n = wire_enc_target_register(buf, sizeof(buf), &m);
	if (n < 0)
		return n;
	rc = net_call_start(r->ep, mds, WIRE_OP_TARGET_REGISTER, buf, (size_t)n,
			    OSS_REGISTER_TIMEOUT_MS, &call);
	if (rc < 0)
		return rc;
	net_call_wait(r->ep, &call, 1);
	rc = net_call_result(call, &status, &rp, &rlen);
	net_call_free(call);
	return rc < 0 ? rc : status;
}

/* Logs only changes of state, not every heartbeat. */
static void oss_register_log(const struct oss_reg *r, int rc, int *last)
{
	if (rc == *last)
		return;
	if (rc == 0)
		log_msg(LOG_INFO, "registered with the MDS at %s:%s", r->args->mds_host,
			r->args->mds_port);
	else
		log_msg(LOG_WARN, "cannot register with the MDS at %s:%s: %s (retrying)",
			r->args->mds_host, r->args->mds_port, strerror(-rc));
	*last = rc;
}

/* Sleeps up to ms or until told to stop; returns the stop flag. */
static int oss_reg_sleep(struct oss_reg *r, int ms)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (!r->stop && pthread_cond_timedwait(&r->cond, &r->lock, &ts) != ETIMEDOUT)
		;
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

static void *oss_reg_main(void *arg)
{
	struct oss_reg *r = arg;
	fi_addr_t mds = 0;
	int resolved = 0, last = 1, rc;

	do {
		if (!resolved) {
			rc = net_resolve(r->ep, r->args->mds_host, r->args->mds_port, &mds);
			resolved = rc == 0;
		}
		if (resolved)
			rc = oss_register_once(r, mds);
		oss_register_log(r, rc, &last);
	} while (!oss_reg_sleep(r, OSS_HEARTBEAT_MS));
	return NULL;
}

static int oss_reg_start(struct oss_reg *r)
{
	pthread_condattr_t ca;
	int rc;

	r->addr_len = sizeof(r->addr);
	rc = net_getname(r->ep, r->addr, &r->addr_len);
	if (rc < 0)
		return rc;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&r->thread, NULL, oss_reg_main, r);
	if (rc) {
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		return -rc;
	}
	return 0;
}

static void oss_reg_stop(struct oss_reg *r)
{
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
}

/* ---- placement, pid file, signals ---- */

static void oss_thread_init(int index, void *arg)
{
	struct topo *t = arg;

	if (t)
		(void)topo_bind_thread(t, index);   /* logs; never fatal */
}

static int oss_info(const struct oss_args *a)
{
	struct topo *t = NULL;
	int rc;

	rc = topo_open(&t);
	if (rc < 0) {
		printf("topology: unavailable (%s); threads will not be bound\n", strerror(-rc));
		return 0;
	}
	topo_print(t, a->workers, stdout);
	topo_close(t);
	return 0;
}

static int oss_pid_path(const struct oss_args *a, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", a->dir, OSS_PID_FILE);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void oss_wait_signal(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0)
		;
	log_msg(LOG_INFO, "%s: stopping", strsignal(sig));
}

/* ---- the server ---- */

struct oss_server {
	struct objstore *os;
	struct topo *topo;
	struct net_ep *ep;
	struct oss_ctx *ctx;
	struct oss_locks *locks;
	struct oss_reg reg;
	int reg_running;
	char pid_path[PROTO_PATH_MAX + 16];
	int pid_written;
};

static int oss_start_net(struct oss_server *s, const struct oss_args *a)
{
	struct net_opts opts = {
		.provider = a->provider,
		.node = a->listen_host,
		.service = a->listen_port,
	};
	char marker[PROTO_PATH_MAX + 16];
	int n, rc;

	rc = net_open(&opts, &s->ep);
	if (rc < 0) {
		log_msg(LOG_ERR, "cannot listen on %s:%s (%s): %s", a->listen_host,
			a->listen_port, a->provider, strerror(-rc));
		return rc;
	}
	rc = oss_ctx_create(s->ep, s->os, a->target, a->workers, &s->ctx);
	if (rc < 0) {
		log_msg(LOG_ERR, "cannot set up bulk buffers: %s", strerror(-rc));
		return rc;
	}
	n = snprintf(marker, sizeof(marker), "%s/%s", a->dir, OSS_LOCK_MARKER);
	if (n < 0 || (size_t)n >= sizeof(marker))
		return -ENAMETOOLONG;
	rc = oss_locks_create(marker, a->lock_grace_ms, &s->locks);
	if (rc < 0)
		return rc;
	oss_ctx_set_locks(s->ctx, s->locks);
	net_set_thread_init(s->ep, oss_thread_init, s->topo);
	rc = net_serve(s->ep, a->workers, oss_handle, s->ctx);
	if (rc < 0)
		log_msg(LOG_ERR, "cannot start server threads: %s", strerror(-rc));
	return rc;
}

static int oss_start(struct oss_server *s, const struct oss_args *a)
{
	char err[512];
	int rc;

	rc = objstore_open(a->dir, a->target, &s->os, err, sizeof(err));
	if (rc < 0) {
		log_msg(LOG_ERR, "%s", err);
		return rc;
	}
	rc = topo_open(&s->topo);
	if (rc < 0) {
		log_msg(LOG_WARN, "hwloc topology unavailable (%s); threads not bound",
			strerror(-rc));
		s->topo = NULL;
	}
	rc = oss_start_net(s, a);
	if (rc < 0)
		return rc;
	s->reg.ep = s->ep;
	s->reg.os = s->os;
	s->reg.args = a;
	rc = oss_reg_start(&s->reg);
	if (rc < 0) {
		log_msg(LOG_ERR, "cannot start the registration thread: %s", strerror(-rc));
		return rc;
	}
	s->reg_running = 1;
	rc = oss_pid_path(a, s->pid_path, sizeof(s->pid_path));
	if (rc == 0)
		rc = srv_pid_write(s->pid_path);
	if (rc < 0) {
		log_msg(LOG_ERR, "cannot write %s/%s: %s", a->dir, OSS_PID_FILE, strerror(-rc));
		return rc;
	}
	s->pid_written = 1;
	return 0;
}

/* Tears down whatever oss_start set up, in reverse order. */
static void oss_stop(struct oss_server *s)
{
	if (s->reg_running)
		oss_reg_stop(&s->reg);
	if (s->ctx)
		oss_ctx_quiesce(s->ctx);
	net_close(s->ep);
	oss_ctx_destroy(s->ctx);
	oss_locks_destroy(s->locks);
	topo_close(s->topo);
	objstore_close(s->os);
	if (s->pid_written)
		unlink(s->pid_path);
}

int main(int argc, char **argv)
{
	struct oss_server srv = { 0 };
	struct oss_args args;
	sigset_t set;
	int rc;

	rc = oss_parse_args(argc, argv, &args);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (args.info)
		return oss_info(&args);
	log_set_name("pfs-oss");
	log_set_level(args.verbose ? LOG_DEBUG : LOG_INFO);
	srv_libfabric_env();
	srv_block_signals(&set);
	rc = oss_start(&srv, &args);
	if (rc < 0) {
		oss_stop(&srv);
		return 1;
	}
	fprintf(stderr, "pfs-oss %" PRIu32 " ready on %s:%s\n", args.target,
		args.listen_host, args.listen_port);
	fflush(stderr);
	oss_wait_signal(&set);
	oss_stop(&srv);
	return 0;
}
