/* config.h - the client/server config file: "key = value" lines, '#'
 * comments. Parsing validates every key and value. */
#ifndef PFS_CONFIG_H
#define PFS_CONFIG_H

#include <stddef.h>

#define CONFIG_STR_MAX 256

struct pfs_config {
	char provider[CONFIG_STR_MAX];  /* "tcp" (default) or "shm" */
	char mds_host[CONFIG_STR_MAX];  /* where the MDS listens */
	char mds_port[CONFIG_STR_MAX];
	char mds_addr[2 * 256 + 1];     /* or its raw address in hex (shm) */
	char bind_host[CONFIG_STR_MAX]; /* client interface; "" = loopback when
					 * the MDS is on loopback, else the
					 * provider's choice */
	int timeout_ms;                 /* RPC timeout, default 10000 */
	int write_behind_mib;           /* per open file: bytes pfs_pwrite may
					 * hold before they reach the servers
					 * (0 = off, the default; stream.c) */
	int read_ahead_mib;             /* per open file: bytes fetched ahead of
					 * sequential pfs_pread (0 = off) */
};

#define CONFIG_CACHE_MIB_MAX 1024

/* Defaults (tcp, 10 s) then the file's keys. Returns 0, -ENOENT, or -EINVAL
 * with a message naming the line in err. */
int config_parse_file(const char *path, struct pfs_config *cfg, char *err, size_t errlen);
int config_parse_string(const char *text, struct pfs_config *cfg, char *err, size_t errlen);
void config_defaults(struct pfs_config *cfg);
/* The path pfs_connect(NULL) uses: $PFS_CONFIG, $XDG_CONFIG_HOME/pfs/client.conf,
 * $HOME/.config/pfs/client.conf. */
int config_default_path(char *buf, size_t len);

/* The address a client endpoint binds to (NULL: the provider's choice). */
const char *config_bind_host(const struct pfs_config *cfg);

/* Hex helpers for raw addresses. */
int config_hex_encode(const void *p, size_t n, char *out, size_t outlen);
int config_hex_decode(const char *hex, void *out, size_t outlen, size_t *n);

#endif /* PFS_CONFIG_H */
