/* config.c - the pfs config file: "key = value" lines with '#' comments,
 * every key known and every value checked, and where the file is found. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#define CONFIG_FILE_MAX (64 * 1024)

void config_defaults(struct pfs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->provider, "tcp");
	strcpy(cfg->mds_host, "127.0.0.1");
	strcpy(cfg->mds_port, "7700");
	cfg->timeout_ms = 10000;
}

static char *config_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int config_copy(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= cap)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

static int config_port(char *dst, const char *v)
{
	char *end;
	long p;

	errno = 0;
	p = strtol(v, &end, 10);
	if (errno || *end || end == v || p < 1 || p > 65535)
		return -EINVAL;
	return config_copy(dst, CONFIG_STR_MAX, v);
}

static int config_int(int *dst, const char *v, long lo, long hi)
{
	char *end;
	long t;

	errno = 0;
	t = strtol(v, &end, 10);
	if (errno || *end || end == v || t < lo || t > hi)
		return -EINVAL;
	*dst = (int)t;
	return 0;
}

static int config_set(struct pfs_config *cfg, const char *key, const char *val)
{
	size_t n;

	if (!strcmp(key, "provider")) {
		if (strcmp(val, "tcp") && strcmp(val, "shm") && strcmp(val, "verbs") &&
		    strcmp(val, "cxi") && strcmp(val, "efa"))
			return -EINVAL;
		return config_copy(cfg->provider, sizeof(cfg->provider), val);
	}
	if (!strcmp(key, "mds_host"))
		return config_copy(cfg->mds_host, sizeof(cfg->mds_host), val);
	if (!strcmp(key, "bind_host"))
		return config_copy(cfg->bind_host, sizeof(cfg->bind_host), val);
	if (!strcmp(key, "mds_port"))
		return config_port(cfg->mds_port, val);
	if (!strcmp(key, "mds_addr")) {
		n = strlen(val);
		if (n % 2 || config_hex_decode(val, NULL, 0, NULL))
			return -EINVAL;
		return config_copy(cfg->mds_addr, sizeof(cfg->mds_addr), val);
	}
	if (!strcmp(key, "timeout_ms"))
		return config_int(&cfg->timeout_ms, val, 1, 3600 * 1000);
	if (!strcmp(key, "write_behind_mib"))
		return config_int(&cfg->write_behind_mib, val, 0, CONFIG_CACHE_MIB_MAX);
	if (!strcmp(key, "read_ahead_mib"))
		return config_int(&cfg->read_ahead_mib, val, 0, CONFIG_CACHE_MIB_MAX);
	return -ENOENT;
}

int config_parse_string(const char *text, struct pfs_config *cfg, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *line;
	int lineno = 0, rc = 0;

	if (!copy)
		return -ENOMEM;
	config_defaults(cfg);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *eq, *key, *val;

		lineno++;
		if (hash)
			*hash = '\0';
		key = config_trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
			rc = -EINVAL;
			goto out;
		}
		*eq = '\0';
		val = config_trim(eq + 1);
		key = config_trim(key);
		rc = config_set(cfg, key, val);
		if (rc == -ENOENT) {
			snprintf(err, errlen, "line %d: unknown key '%s'", lineno, key);
			rc = -EINVAL;
			goto out;
		}
		if (rc) {
			snprintf(err, errlen, "line %d: bad value for '%s'", lineno, key);
			goto out;
		}
	}
out:
	free(copy);
	return rc;
}

int config_parse_file(const char *path, struct pfs_config *cfg, char *err, size_t errlen)
{
	char *text = NULL;
	FILE *f;
	size_t n;
	int rc;

	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f) || n > CONFIG_FILE_MAX || memchr(text, '\0', n)) {
		snprintf(err, errlen, "%s: unreadable, too large or binary", path);
		rc = -EINVAL;
		goto out;
	}
	text[n] = '\0';
	rc = config_parse_string(text, cfg, err, errlen);
out:
	free(text);
	fclose(f);
	return rc;
}

const char *config_bind_host(const struct pfs_config *cfg)
{
	if (cfg->bind_host[0])
		return cfg->bind_host;
	/* Replies must come back over loopback when the servers are there. */
	if (!strncmp(cfg->mds_host, "127.", 4) || !strcmp(cfg->mds_host, "localhost"))
		return "127.0.0.1";
	return NULL;
}

int config_default_path(char *buf, size_t len)
{
	const char *env = getenv("PFS_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/pfs/client.conf", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.config/pfs/client.conf", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int config_hex_encode(const void *p, size_t n, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;

	if (outlen < 2 * n + 1)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

static int config_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* With out == NULL only validates. */
int config_hex_decode(const char *hex, void *out, size_t outlen, size_t *n)
{
	size_t len = strlen(hex);
	unsigned char *b = out;

	if (len % 2 || (out && len / 2 > outlen))
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = config_hexval(hex[2 * i]), lo = config_hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (b)
			b[i] = (unsigned char)(hi << 4 | lo);
	}
	if (n)
		*n = len / 2;
	return 0;
}
