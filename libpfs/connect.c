/* connect.c - a connection's life: the config, the transport, the MDS's
 * address (pfs_connect, pfs_disconnect), and the error strings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aio.h"
#include "client.h"

static int connect_resolve_mds(pfs_fs_t *fs)
{
	uint8_t raw[WIRE_ADDR_MAX];
	size_t n = 0;
	int rc;

	if (fs->cfg.mds_addr[0]) {
		rc = config_hex_decode(fs->cfg.mds_addr, raw, sizeof(raw), &n);
		if (rc)
			return rc;
		return net_insert(fs->ep, raw, n, &fs->mds);
	}
	if (!fs->cfg.mds_host[0] || !fs->cfg.mds_port[0])
		return -EINVAL;
	return net_resolve(fs->ep, fs->cfg.mds_host, fs->cfg.mds_port, &fs->mds);
}

static int connect_load_config(const char *config_path, struct pfs_config *cfg)
{
	char path[PFS_PATH_MAX], err[256];
	int rc;

	if (!config_path) {
		rc = config_default_path(path, sizeof(path));
		if (rc)
			return rc;
		config_path = path;
	}
	return config_parse_file(config_path, cfg, err, sizeof(err));
}

static int connect_open_transport(pfs_fs_t *fs)
{
	struct net_opts opts;
	void *rep;
	size_t rlen;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.provider = fs->cfg.provider[0] ? fs->cfg.provider : NULL;
	opts.timeout_ms = fs->cfg.timeout_ms;
	if (strcmp(fs->cfg.provider, "shm"))
		opts.node = config_bind_host(&fs->cfg);
	rc = net_open(&opts, &fs->ep);
	if (rc)
		return rc;
	rc = connect_resolve_mds(fs);
	if (rc)
		return rc;
	rep = malloc(WIRE_MSG_MAX);
	if (!rep)
		return -ENOMEM;
	rc = client_mds_call(fs, WIRE_OP_PING, NULL, 0, rep, &rlen);
	free(rep);
	if (rc)
		return rc;
	return client_targets_refresh(fs, NULL);
}

int pfs_connect(const char *config_path, pfs_fs_t **out)
{
	pfs_fs_t *fs;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	pthread_mutex_init(&fs->lock, NULL);
	rc = connect_load_config(config_path, &fs->cfg);
	if (rc)
		goto out;
	rc = connect_open_transport(fs);
out:
	if (rc) {
		pfs_disconnect(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

int pfs_disconnect(pfs_fs_t *fs)
{
	if (!fs)
		return -EINVAL;
	aio_pool_destroy(fs->aio);   /* finishes queued nonblocking I/O first */
	if (fs->ep)
		net_close(fs->ep);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
	return 0;
}

int pfs_config_path(char *buf, size_t len)
{
	if (!buf || len == 0)
		return -EINVAL;
	return config_default_path(buf, len);
}

/* ---- errors ---- */

static const struct {
	int err;
	const char *msg;
} client_errors[] = {
	{ EPERM, "operation not permitted" },
	{ ENOENT, "no such file or directory" },
	{ EIO, "I/O error (stored data failed its checksum, or too many targets lost)" },
	{ ENXIO, "unknown storage target (not registered with the metadata server)" },
	{ EBADF, "file not open for this kind of access" },
	{ EAGAIN, "resource temporarily unavailable, try again" },
	{ ENOMEM, "out of memory" },
	{ EACCES, "permission denied" },
	{ EFAULT, "bad address" },
	{ EBUSY, "resource busy (the root directory cannot be removed)" },
	{ EEXIST, "file exists" },
	{ EXDEV, "cross-device link" },
	{ ENODEV, "no such device" },
	{ ENOTDIR, "not a directory" },
	{ EISDIR, "is a directory" },
	{ EINVAL, "invalid argument" },
	{ EFBIG, "file too large" },
	{ ENOSPC, "no space left (a target is full, or too few targets are up with free space)" },
	{ ERANGE, "result out of range" },
	{ ENAMETOOLONG, "file name or path too long" },
	{ ENOSYS, "function not implemented" },
	{ ENOTEMPTY, "directory not empty" },
	{ ENODATA, "no data available" },
	{ EPROTO, "protocol error (malformed or unexpected message)" },
	{ EBADMSG, "checksum mismatch: data corrupted in transit" },
	{ ECOMM, "a server could not move the data to or from this client" },
	{ EOVERFLOW, "value too large" },
	{ EMSGSIZE, "message too long for the wire protocol" },
	{ EPROTONOSUPPORT, "protocol version not supported" },
	{ EOPNOTSUPP, "operation not supported by the server" },
	{ EADDRNOTAVAIL, "cannot resolve server address" },
	{ ENETDOWN, "network is down" },
	{ ENETUNREACH, "network unreachable" },
	{ ECONNABORTED, "connection aborted" },
	{ ECONNRESET, "connection to a server lost" },
	{ ENOBUFS, "no buffer space available in the transport" },
	{ ENOTCONN, "not connected" },
	{ ETIMEDOUT, "a server did not answer in time (timed out)" },
	{ ECONNREFUSED, "connection refused: is the server running?" },
	{ EHOSTDOWN, "server host is down" },
	{ EHOSTUNREACH, "no route to server host" },
	{ ECANCELED, "operation canceled" },
};

const char *pfs_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(client_errors) / sizeof(client_errors[0]); i++)
		if (client_errors[i].err == err)
			return client_errors[i].msg;
	return "unknown error";
}
