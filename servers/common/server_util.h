/* server_util.h - start-up pieces every pfs server shares: the HOST:PORT
 * argument, the atomic pid file, stop signals collected by main, and the
 * libfabric settings a server process chooses for itself. */
#ifndef PFS_SERVER_UTIL_H
#define PFS_SERVER_UTIL_H

#include <signal.h>
#include <stddef.h>

/* Splits HOST:PORT at the last ':'; the host is non-empty, the port 1..65535
 * (written back in canonical decimal). Returns 0 or -EINVAL. */
int srv_parse_hostport(const char *s, char *host, size_t hostlen, char *port, size_t portlen);
/* Writes our pid to path atomically (temp file + rename). */
int srv_pid_write(const char *path);
/* Blocks SIGTERM and SIGINT in every thread (main collects them with
 * sigwait) and ignores SIGPIPE. */
void srv_block_signals(sigset_t *set);
/* Sets libfabric variables the operator has not set (see server_util.c);
 * call first in main, before any thread or libfabric call. */
void srv_libfabric_env(void);

#endif /* PFS_SERVER_UTIL_H */
