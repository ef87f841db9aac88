/* cluster.c - a real pfs cluster for integration tests: forks pfs-mds and
 * pfs-oss with the documented command lines, waits for their pid files, and
 * makes sure they die with the test (PR_SET_PDEATHSIG) even if it crashes. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>
#include "cluster.h"

#define CLUSTER_READY_MS 20000

static void cluster_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A TCP port nobody listens on now (the servers bind it right after). */
static int cluster_port_free(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int cluster_pick_ports(struct cluster *c)
{
	unsigned seed = (unsigned)(time(NULL) ^ getpid());

	for (int tries = 0; tries < 200; tries++) {
		/* below Linux's ephemeral range (32768-60999): a client's
		 * outgoing connection can never take the port of a server that
		 * is down for a restart */
		int base = 12000 + rand_r(&seed) % 20000, ok = 1;

		for (int i = 0; i <= c->noss && ok; i++)
			ok = cluster_port_free(base + i);
		if (ok) {
			c->base_port = base;
			return 0;
		}
	}
	return -EADDRINUSE;
}

static pid_t cluster_spawn(struct cluster *c, char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* Waits until path exists while pid lives. */
static int cluster_wait_file(const char *path, pid_t pid)
{
	for (int waited = 0; waited < CLUSTER_READY_MS; waited += 20) {
		if (access(path, F_OK) == 0)
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		cluster_sleep_ms(20);
	}
	return -ETIMEDOUT;
}

static int cluster_start_mds(struct cluster *c)
{
	char bin[600], dir[300], listen[64], log[320], pidf[320];
	char *argv[] = { bin, "--dir", dir, "--listen", listen, "--provider",
			 (char *)c->provider, NULL };

	snprintf(bin, sizeof(bin), "%s/pfs-mds", c->bindir);
	snprintf(dir, sizeof(dir), "%s/mds", c->dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", c->base_port);
	snprintf(log, sizeof(log), "%s/mds.log", c->dir);
	snprintf(pidf, sizeof(pidf), "%s/mds.pid", dir);
	mkdir(dir, 0755);
	unlink(pidf);
	c->mds = cluster_spawn(c, argv, log);
	if (c->mds < 0)
		return -errno;
	return cluster_wait_file(pidf, c->mds);
}

int cluster_start_oss(struct cluster *c, int i)
{
	char bin[600], dir[300], listen[64], mds[64], id[16], log[320], pidf[320];
	const char *grace = getenv("PFS_TEST_LOCK_GRACE_MS");
	char *argv[] = { bin, "--dir", dir, "--target", id, "--listen", listen, "--mds", mds,
			 "--provider", (char *)c->provider, grace ? "--lock-grace-ms" : NULL,
			 (char *)grace, NULL };

	snprintf(bin, sizeof(bin), "%s/pfs-oss", c->bindir);
	snprintf(dir, sizeof(dir), "%s/oss%d", c->dir, i);
	snprintf(id, sizeof(id), "%d", i);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", c->base_port + 1 + i);
	snprintf(mds, sizeof(mds), "127.0.0.1:%d", c->base_port);
	snprintf(log, sizeof(log), "%s/oss%d.log", c->dir, i);
	snprintf(pidf, sizeof(pidf), "%s/oss.pid", dir);
	mkdir(dir, 0755);
	unlink(pidf);
	c->oss[i] = cluster_spawn(c, argv, log);
	if (c->oss[i] < 0)
		return -errno;
	return cluster_wait_file(pidf, c->oss[i]);
}

int cluster_start_servers(struct cluster *c)
{
	int rc = cluster_start_mds(c);

	for (int i = 0; !rc && i < c->noss; i++)
		rc = cluster_start_oss(c, i);
	if (rc)
		fprintf(stderr, "cluster: servers did not start (%s); logs in %s\n",
			strerror(-rc), c->dir);
	return rc;
}

static void cluster_write_conf(struct cluster *c)
{
	FILE *f = fopen(c->conf, "w");

	if (!f)
		return;
	fprintf(f, "provider = %s\nmds_host = 127.0.0.1\nmds_port = %d\ntimeout_ms = 10000\n",
		c->provider, c->base_port);
	fclose(f);
	setenv("PFS_CONFIG", c->conf, 1);
}

int cluster_start(struct cluster *c, int noss, const char *provider)
{
	const char *build = getenv("PFS_BUILDDIR");
	const char *tmp = getenv("TMPDIR");
	int rc;

	memset(c, 0, sizeof(*c));
	if (noss < 1 || noss > CLUSTER_MAX_OSS)
		return -EINVAL;
	c->noss = noss;
	c->provider = provider ? provider : "tcp";
	snprintf(c->bindir, sizeof(c->bindir), "%s/servers", build ? build : ".");
	snprintf(c->dir, sizeof(c->dir), "%s/pfs-test-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(c->dir))
		return -errno;
	snprintf(c->conf, sizeof(c->conf), "%s/client.conf", c->dir);
	rc = cluster_pick_ports(c);
	if (!rc)
		rc = cluster_start_servers(c);
	if (!rc)
		cluster_write_conf(c);
	return rc;
}

static void cluster_reap(pid_t *pid, int sig)
{
	if (*pid <= 0)
		return;
	kill(*pid, sig);
	for (int waited = 0; waited < 5000; waited += 10) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		cluster_sleep_ms(10);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

int cluster_kill_oss(struct cluster *c, int i, int sig)
{
	if (i < 0 || i >= c->noss)
		return -EINVAL;
	/* A frozen or thawed server is still running: reaping it would wait
	 * for an exit that never comes and then SIGKILL it. */
	if (sig == SIGSTOP || sig == SIGCONT)
		return kill(c->oss[i], sig) ? -errno : 0;
	cluster_reap(&c->oss[i], sig);
	return 0;
}

void cluster_stop_servers(struct cluster *c)
{
	for (int i = 0; i < c->noss; i++)
		cluster_reap(&c->oss[i], SIGTERM);
	cluster_reap(&c->mds, SIGTERM);
}

static int cluster_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void cluster_destroy(struct cluster *c)
{
	cluster_stop_servers(c);
	if (c->dir[0] && !getenv("PFS_KEEP_TEST_DIR"))
		nftw(c->dir, cluster_rm, 16, FTW_DEPTH | FTW_PHYS);
	c->dir[0] = '\0';
}

int cluster_conf_with(const struct cluster *c, const char *name, const char *extra,
		      char *path, size_t len)
{
	FILE *in, *out;
	char buf[4096];
	size_t n;
	int rc = 0;

	if ((size_t)snprintf(path, len, "%s/%s", c->dir, name) >= len)
		return -ENAMETOOLONG;
	in = fopen(c->conf, "r");
	if (!in)
		return -errno;
	out = fopen(path, "w");
	if (!out) {
		rc = -errno;
		fclose(in);
		return rc;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -EIO;
	if (fputs(extra, out) < 0)
		rc = -EIO;
	fclose(in);
	if (fclose(out))
		rc = -EIO;
	return rc;
}
