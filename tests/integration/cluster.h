/* cluster.h - starts and stops a real pfs cluster (1 MDS, N OSS on
 * 127.0.0.1) in a temporary directory for integration tests. */
#ifndef PFS_TEST_CLUSTER_H
#define PFS_TEST_CLUSTER_H

#include <sys/types.h>

#define CLUSTER_MAX_OSS 16

struct cluster {
	char dir[256];          /* temporary root; removed by cluster_destroy */
	char conf[300];         /* client config written here, PFS_CONFIG set */
	char bindir[512];       /* where pfs-mds and pfs-oss are */
	const char *provider;
	int base_port;          /* MDS port; OSS i listens on base_port + 1 + i */
	int noss;
	pid_t mds;
	pid_t oss[CLUSTER_MAX_OSS];
};

/* Fresh directory, random free ports, every server ready (pid files).
 * PFS_TEST_LOCK_GRACE_MS, when set, is every OSS's --lock-grace-ms. */
int cluster_start(struct cluster *c, int noss, const char *provider);
/* SIGTERM every server and wait for them (SIGKILL after a bound). */
void cluster_stop_servers(struct cluster *c);
/* Starts the servers again on the same directory and ports. */
int cluster_start_servers(struct cluster *c);
int cluster_kill_oss(struct cluster *c, int i, int sig);
int cluster_start_oss(struct cluster *c, int i);
/* Writes dir/name: the client config plus the lines in extra (e.g. cache
 * or timeout keys for one connection); its path goes to path. */
int cluster_conf_with(const struct cluster *c, const char *name, const char *extra,
		      char *path, size_t len);
/* Stops everything and removes the directory. */
void cluster_destroy(struct cluster *c);

#endif /* PFS_TEST_CLUSTER_H */
