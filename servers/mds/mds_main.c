/* mds_main.c - pfs-mds: command line, start-up (store, transport, targets,
 * destroy thread, workers), pid file and ready line, clean stop on a signal. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "net.h"
#include "topo.h"
#include "mds_store.h"
#include "mds_targets.h"
#include "mds_destroy.h"
#include "mds_ops.h"
#include "server_util.h"

#define MDS_PID_FILE "mds.pid"
#define MDS_DEFAULT_WORKERS 2
#define MDS_MAX_WORKERS 64
#define MDS_HOST_MAX 256
#define MDS_STOP_TIMEOUT_S 30   /* longest a clean stop may take */

struct mds_args {
	const char *dir;
	char host[MDS_HOST_MAX];
	char port[8];
	const char *provider;
	int workers;
	int info;
	int verbose;
	int have_listen;
};

/* Everything the running server holds, torn down in reverse order. */
struct mds_server {
	struct topo *topo;
	struct mds_store *store;
	struct net_ep *ep;
	struct mds_targets *targets;
	struct mds_destroy *destroy;
	struct mds_ops *ops;
	char pid_path[PATH_MAX];
	int pid_written;
};

static void mds_usage(FILE *out)
{
	fprintf(out,
		"usage: pfs-mds --dir DIR --listen HOST:PORT [--provider tcp|shm]\n"
		"               [--workers N] [--info] [--verbose]\n"
		"  --dir DIR          metadata directory (the LMDB store and mds.pid)\n"
		"  --listen HOST:PORT address to serve on\n"
		"  --provider P       libfabric provider: tcp (default) or shm\n"
		"  --workers N        request worker threads, 1..%d (default %d)\n"
		"  --info             print the topology and thread placement, then exit\n"
		"  --verbose          debug logging\n",
		MDS_MAX_WORKERS, MDS_DEFAULT_WORKERS);
}

static int bad_arg(const char *what, const char *val)
{
	fprintf(stderr, "pfs-mds: invalid %s '%s'\n", what, val ? val : "");
	mds_usage(stderr);
	return -EINVAL;
}

static int parse_listen(const char *s, struct mds_args *a)
{
	if (srv_parse_hostport(s, a->host, sizeof(a->host), a->port, sizeof(a->port)))
		return bad_arg("--listen", s);
	a->have_listen = 1;
	return 0;
}

static int parse_workers(const char *s, struct mds_args *a)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > MDS_MAX_WORKERS)
		return bad_arg("--workers", s);
	a->workers = (int)n;
	return 0;
}

static int parse_option(int c, const char *val, struct mds_args *a)
{
	switch (c) {
	case 'd':
		if (!val[0])
			return bad_arg("--dir", val);
		a->dir = val;
		return 0;
	case 'l':
		return parse_listen(val, a);
	case 'p':
		if (strcmp(val, "tcp") && strcmp(val, "shm"))
			return bad_arg("--provider", val);
		a->provider = val;
		return 0;
	case 'w':
		return parse_workers(val, a);
	case 'i':
		a->info = 1;
		return 0;
	case 'v':
		a->verbose = 1;
		return 0;
	default:
		mds_usage(stderr);
		return -EINVAL;
	}
}

/* Returns 0, 1 for --help (usage printed), or -EINVAL (message printed). */
static int parse_args(int argc, char **argv, struct mds_args *a)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "provider", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "info", no_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->provider = "tcp";
	a->workers = MDS_DEFAULT_WORKERS;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			mds_usage(stdout);
			return 1;
		}
		rc = parse_option(c, optarg, a);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return bad_arg("argument", argv[optind]);
	if (a->info)
		return 0;
	if (!a->dir || !a->have_listen) {
		fprintf(stderr, "pfs-mds: --dir and --listen are required\n");
		mds_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* ---- placement, pid file, signals ---- */

static void mds_bind_thread(int index, void *arg)
{
	(void)topo_bind_thread(arg, index);   /* best effort */
}

static int mds_info(const struct mds_args *a)
{
	struct topo *t;
	int rc;

	rc = topo_open(&t);
	if (rc) {
		fprintf(stderr, "pfs-mds: cannot read the topology: %s\n", strerror(-rc));
		return 1;
	}
	topo_print(t, a->workers, stdout);
	topo_close(t);
	return 0;
}

static int mds_dir_ready(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* ---- start and stop ---- */

static int mds_start_net(struct mds_server *s, const struct mds_args *a)
{
	struct net_opts no = {
		.provider = a->provider,
		.node = a->host,
		.service = a->port,
	};
	int rc;

	rc = net_open(&no, &s->ep);
	if (rc) {
		log_msg(LOG_ERR, "cannot listen on %s:%s (%s): %s", a->host, a->port,
			a->provider, strerror(-rc));
		return rc;
	}
	if (s->topo)
		net_set_thread_init(s->ep, mds_bind_thread, s->topo);
	return 0;
}

static int mds_start(struct mds_server *s, const struct mds_args *a)
{
	int rc;

	rc = mds_dir_ready(a->dir);
	if (rc) {
		log_msg(LOG_ERR, "directory %s: %s", a->dir, strerror(-rc));
		return rc;
	}
	if (snprintf(s->pid_path, sizeof(s->pid_path), "%s/%s", a->dir, MDS_PID_FILE) >=
	    (int)sizeof(s->pid_path))
		return -ENAMETOOLONG;
	rc = mds_store_open(a->dir, &s->store);
	if (rc) {
		log_msg(LOG_ERR, "cannot open the store in %s: %s", a->dir, strerror(-rc));
		return rc;
	}
	if (topo_open(&s->topo))
		s->topo = NULL;   /* placement is an optimisation */
	rc = mds_start_net(s, a);
	if (!rc)
		rc = mds_targets_create(s->ep, s->store, &s->targets);
	if (!rc)
		rc = mds_destroy_start(s->ep, s->store, s->targets, &s->destroy);
	if (!rc)
		rc = mds_ops_create(s->store, s->targets, s->destroy, a->workers, &s->ops);
	if (!rc)
		rc = net_serve(s->ep, a->workers, mds_ops_handle, s->ops);
	if (rc) {
		log_msg(LOG_ERR, "start-up failed: %s", strerror(-rc));
		return rc;
	}
	rc = srv_pid_write(s->pid_path);
	if (rc) {
		log_msg(LOG_ERR, "cannot write %s: %s", s->pid_path, strerror(-rc));
		return rc;
	}
	s->pid_written = 1;
	return 0;
}

static void mds_stop(struct mds_server *s)
{
	mds_destroy_stop(s->destroy);   /* it uses the endpoint */
	mds_ops_stop_answers(s->ops);   /* so does the answer thread */
	if (s->ep)
		net_close(s->ep);       /* stops the workers, which use the rest */
	mds_destroy_free(s->destroy);
	mds_ops_free(s->ops);
	mds_targets_destroy(s->targets);
	mds_store_close(s->store);
	if (s->topo)
		topo_close(s->topo);
	if (s->pid_written)
		unlink(s->pid_path);
}

int main(int argc, char **argv)
{
	struct mds_server s;
	struct mds_args a;
	sigset_t set;
	int rc, sig;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (a.info)
		return mds_info(&a);
	log_set_name("pfs-mds");
	log_set_level(a.verbose ? LOG_DEBUG : LOG_INFO);
	srv_libfabric_env();
	srv_block_signals(&set);
	memset(&s, 0, sizeof(s));
	rc = mds_start(&s, &a);
	if (rc) {
		mds_stop(&s);
		return 1;
	}
	fprintf(stderr, "pfs-mds ready on %s:%s\n", a.host, a.port);
	do {
		rc = sigwait(&set, &sig);
	} while (rc == EINTR);
	log_msg(LOG_INFO, "signal %d: stopping", sig);
	alarm(MDS_STOP_TIMEOUT_S);   /* if stopping hangs, SIGALRM ends us */
	mds_stop(&s);
	return 0;
}
