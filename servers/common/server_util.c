/* server_util.c - start-up pieces every pfs server shares: the HOST:PORT
 * argument, the atomic pid file, stop signals collected by main, and the
 * libfabric settings a server process chooses for itself. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "server_util.h"

int srv_parse_hostport(const char *s, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon = strrchr(s, ':');
	size_t hlen;
	char *end;
	long p;

	if (!colon || colon == s)
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (hlen >= hostlen)
		return -EINVAL;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
		return -EINVAL;
	if ((size_t)snprintf(port, portlen, "%ld", p) >= portlen)
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	return 0;
}

int srv_pid_write(const char *path)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", (long)getpid()) < 0)
		rc = -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

void srv_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* libfabric 1.17's rxm, unless FI_OFI_RXM_MSG_RX_SIZE is set, sizes the
 * buffers of its shared receive context from its own default (4096 in its
 * source) and touches them when the first endpoint opens: 94 MB resident
 * per server before it serves anything. With 128 a server holds 45 MB (the
 * 5 servers of a bench cluster 218 MiB instead of 469); the stream, fpp,
 * shared-file, random and metadata rows did not change (A/B/A/B in one
 * hour, 4 processes x 16 threads creating at once included). The context
 * stays shared, so memory does not grow with the number of clients;
 * messages beyond the buffers wait in their sockets. Only servers set it:
 * in a client it would change the host application's own libfabric (the
 * README gives clients the variable to set). */
void srv_libfabric_env(void)
{
	setenv("FI_OFI_RXM_MSG_RX_SIZE", "128", 0);
}
