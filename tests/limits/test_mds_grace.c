/* test_mds_grace.c - right after an MDS restart, the targets it knows from
 * LMDB count as up for a short grace (about one heartbeat interval), so
 * creates succeed at once instead of failing with ENOSPC until every OSS's
 * next heartbeat; a target that is really gone is down after the grace. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pfs.h"
#include "cluster.h"
#include "limits_util.h"

/* Kills the MDS with SIGKILL and starts it again on the same directory and
 * port (the command line cluster.c uses); returns once it is ready. */
static int mg_restart_mds(struct cluster *c)
{
	char bin[600], dir[300], listen[64], logf[320], pidf[320];
	pid_t pid;

	kill(c->mds, SIGKILL);
	waitpid(c->mds, NULL, 0);
	c->mds = 0;
	snprintf(bin, sizeof(bin), "%s/pfs-mds", c->bindir);
	snprintf(dir, sizeof(dir), "%s/mds", c->dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", c->base_port);
	snprintf(logf, sizeof(logf), "%s/mds.log", c->dir);
	snprintf(pidf, sizeof(pidf), "%s/mds.pid", dir);
	unlink(pidf);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { bin, "--dir", dir, "--listen", listen, "--provider",
				 (char *)c->provider, NULL };
		FILE *f;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		f = freopen(logf, "a", stderr);
		(void)f;
		execv(bin, argv);
		_exit(127);
	}
	if (pid < 0)
		return -errno;
	c->mds = pid;
	for (int i = 0; i < 1000; i++) {
		if (access(pidf, F_OK) == 0)
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			c->mds = 0;
			return -ECHILD;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int mg_create(pfs_fs_t *fs, const char *path, uint32_t count, struct pfs_layout *out)
{
	struct pfs_layout l = { .stripe_count = count, .stripe_size = 65536, .first_target = -1 };
	pfs_file_t *f;
	int rc = pfs_open(fs, path, O_RDWR | O_CREAT | O_EXCL, 0644, &l, &f);

	if (rc)
		return rc;
	if (out)
		pfs_get_layout(f, out);
	return pfs_close(f);
}

static void grace(void)
{
	struct pfs_layout l;
	struct cluster c;
	pfs_fs_t *fs;
	double t0;
	int rc;

	rc = cluster_start(&c, 2, "tcp");
	T_CHECK(rc == 0, "cluster: %s", strerror(-rc));
	rc = pfs_connect(NULL, &fs);
	T_CHECK(rc == 0, "connect: %s", pfs_strerror(rc));
	rc = mg_create(fs, "/before", 2, NULL);
	T_CHECK(rc == 0, "create /before: %s", pfs_strerror(rc));
	/* Restart the MDS; create over both targets at once. */
	rc = mg_restart_mds(&c);
	if (rc)
		T_FAIL("MDS restart: %s", strerror(-rc));
	/* A fresh connection (an old one first waits out an attempt on the
	 * dead MDS's connection, long enough for the heartbeats to come). */
	pfs_disconnect(fs);
	t0 = limits_now();
	rc = pfs_connect(NULL, &fs);
	T_CHECK(rc == 0, "connect after the MDS restart: %s", pfs_strerror(rc));
	rc = mg_create(fs, "/after", 2, NULL);
	printf("mds_grace: 2-stripe create %.2f s after the MDS restart: %s\n",
	       limits_now() - t0, rc ? pfs_strerror(rc) : "ok");
	if (rc)
		T_FAIL("create right after the MDS restart: %s", pfs_strerror(rc));

	/* A target that is gone: up during the grace only. */
	cluster_kill_oss(&c, 1, SIGKILL);
	rc = mg_restart_mds(&c);
	if (rc)
		T_FAIL("MDS restart 2: %s", strerror(-rc));
	sleep(4);   /* grace (3 s) over; oss0 has sent heartbeats since */
	rc = mg_create(fs, "/two", 2, NULL);
	if (rc != -ENOSPC)
		T_FAIL("2-stripe create with target 1 gone: %d (%s), expected -ENOSPC", rc,
		       pfs_strerror(rc));
	for (int i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/one%d", i);
		rc = mg_create(fs, path, 1, &l);
		if (rc)
			T_FAIL("create %s with target 1 gone: %s", path, pfs_strerror(rc));
		else if (l.targets[0] != 0)
			T_FAIL("%s placed on the dead target %u", path, l.targets[0]);
	}
	T_OK(pfs_disconnect(fs));
	cluster_destroy(&c);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	limits_tmpdir();
	t_run("grace", grace, 600);
	return t_done();
}
