/* pfs_util.c - what every pfs subcommand shares: argument and path parsing,
 * reporting (errors, usage, help from the registered command table), the
 * connection and option handling. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pfs_cmd.h"

/* The command table main registered (data only: the helpers never call a
 * command, so the subcommands' files and this one do not call each other
 * in a circle). */
static const struct tool_cmd *tool_cmds;
static size_t tool_ncmds;

void tool_register(const struct tool_cmd *cmds, size_t n)
{
	tool_cmds = cmds;
	tool_ncmds = n;
}

const struct tool_cmd *tool_cmd_find(const char *name)
{
	for (size_t i = 0; i < tool_ncmds; i++)
		if (strcmp(tool_cmds[i].name, name) == 0)
			return &tool_cmds[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* argument parsing                                                    */

bool tool_is_pfs(const char *arg)
{
	return strncmp(arg, TOOL_PREFIX, strlen(TOOL_PREFIX)) == 0;
}

/* Drops the last component of the normalised path held in out[0..*n). */
static void path_pop(char *out, size_t *n)
{
	while (*n > 0 && out[*n - 1] != '/')
		(*n)--;
	if (*n > 1)
		(*n)--;         /* the separator, but keep the root "/" */
	out[*n] = '\0';
}

static int path_push(char *out, size_t *n, size_t len, const char *comp, size_t clen)
{
	size_t need = *n + (*n > 1 ? 1 : 0) + clen;

	if (need + 1 > len || need > PFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (*n > 1)
		out[(*n)++] = '/';
	memcpy(out + *n, comp, clen);
	*n += clen;
	out[*n] = '\0';
	return 0;
}

int tool_pfs_path(const char *arg, char *out, size_t len)
{
	const char *p;
	size_t n = 1;
	int rc;

	if (!tool_is_pfs(arg) || arg[strlen(TOOL_PREFIX)] != '/' || len < 2)
		return -EINVAL;
	out[0] = '/';
	out[1] = '\0';
	p = arg + strlen(TOOL_PREFIX);
	while (*p) {
		size_t clen;

		while (*p == '/')
			p++;
		clen = strcspn(p, "/");
		if (clen == 0)
			break;
		if (clen == 1 && p[0] == '.') {
			/* nothing */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			path_pop(out, &n);
		} else {
			rc = path_push(out, &n, len, p, clen);
			if (rc)
				return rc;
		}
		p += clen;
	}
	return 0;
}

int tool_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	if (*end != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int tool_parse_int(const char *s, long long min, long long max, long long *out)
{
	long long v;
	char *end;

	if (!s || *s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

void tool_layout_init(struct pfs_layout *lo)
{
	memset(lo, 0, sizeof(*lo));
	lo->first_target = -1;
}

/* --ec K+M: Reed-Solomon with K data and M parity stripes; "none" = RAID0. */
static int layout_opt_ec(const char *cmd, const char *arg, struct pfs_layout *lo)
{
	char kbuf[16];
	const char *plus = strchr(arg, '+');
	long long k, m;

	if (!strcmp(arg, "none")) {
		lo->pattern = PFS_PATTERN_RAID0;
		lo->ec_k = lo->ec_m = 0;
		return 0;
	}
	if (!plus || (size_t)(plus - arg) >= sizeof(kbuf))
		goto bad;
	memcpy(kbuf, arg, (size_t)(plus - arg));
	kbuf[plus - arg] = '\0';
	if (tool_parse_int(kbuf, 1, PFS_EC_K_MAX, &k) || tool_parse_int(plus + 1, 1, PFS_EC_M_MAX, &m))
		goto bad;
	lo->pattern = PFS_PATTERN_EC;
	lo->ec_k = (uint32_t)k;
	lo->ec_m = (uint32_t)m;
	return 0;
bad:
	return tool_usage_err(cmd, "invalid erasure code '%s' (K+M with K 1..%d and M 1..%d, "
			      "or none)", arg, PFS_EC_K_MAX, PFS_EC_M_MAX);
}

/* --compress none|lz4|zstd[:LEVEL]. */
static int layout_opt_compress(const char *cmd, const char *arg, struct pfs_layout *lo)
{
	long long level = 0;

	if (!strcmp(arg, "none")) {
		lo->compress = PFS_COMPRESS_NONE;
	} else if (!strcmp(arg, "lz4")) {
		lo->compress = PFS_COMPRESS_LZ4;
	} else if (!strncmp(arg, "zstd", 4) && (arg[4] == '\0' || arg[4] == ':')) {
		lo->compress = PFS_COMPRESS_ZSTD;
		if (arg[4] == ':' && tool_parse_int(arg + 5, 1, 19, &level))
			return tool_usage_err(cmd, "invalid zstd level in '%s' (1..19)", arg);
	} else {
		return tool_usage_err(cmd, "invalid compression '%s' (none, lz4, zstd or "
				      "zstd:LEVEL)", arg);
	}
	lo->compress_level = (int32_t)level;
	return 0;
}

int tool_layout_opt(const char *cmd, int opt, const char *arg, struct pfs_layout *lo)
{
	long long v;
	uint64_t sz;

	switch (opt) {
	case 'c':
		if (tool_parse_int(arg, -1, PFS_MAX_STRIPES, &v))
			return tool_usage_err(cmd, "invalid stripe count '%s' (-1 = all targets, "
					      "0 = default, at most %d)", arg, PFS_MAX_STRIPES);
		lo->stripe_count = v < 0 ? PFS_STRIPE_ALL : (uint32_t)v;
		return 0;
	case 'S':
		if (tool_parse_size(arg, &sz) || sz % 4096 || sz > (4ULL << 30))
			return tool_usage_err(cmd, "invalid stripe size '%s' (a multiple of 4K, "
					      "at most 4G, 0 = default)", arg);
		lo->stripe_size = sz;
		return 0;
	case 'i':
		if (tool_parse_int(arg, -1, INT32_MAX, &v))
			return tool_usage_err(cmd, "invalid first target '%s'", arg);
		lo->first_target = (int32_t)v;
		return 0;
	case 'E':
		return layout_opt_ec(cmd, arg, lo);
	case 'Z':
		return layout_opt_compress(cmd, arg, lo);
	case 'K':
		if (tool_parse_size(arg, &sz) || sz < 4096 || sz > (4u << 20) || (sz & (sz - 1)))
			return tool_usage_err(cmd, "invalid chunk size '%s' (a power of two "
					      "from 4K to 4M)", arg);
		lo->chunk_size = (uint32_t)sz;
		return 0;
	}
	return tool_usage_err(cmd, "unknown layout option");
}

int tool_join(const char *dir, const char *name, char *out, size_t len)
{
	size_t dl = strlen(dir);
	int n;

	if (dl > 0 && dir[dl - 1] == '/')
		n = snprintf(out, len, "%s%s", dir, name);
	else
		n = snprintf(out, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

const char *tool_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

void tool_human(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	double v = (double)n;
	int u = 0;

	while (v >= 1024.0 && u < 6) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "B", n);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

/* "Stored" line: bytes the objects occupy on the targets' disks. */
void tool_print_stored(const char *indent, uint64_t size, uint64_t stored)
{
	char h[32];

	tool_human(stored, h, sizeof(h));
	if (stored)
		printf("%s%" PRIu64 " (%s, logical/stored %.2f)\n", indent, stored, h,
		       (double)size / (double)stored);
	else
		printf("%s0\n", indent);
}

/* ------------------------------------------------------------------ */
/* reporting                                                           */

int tool_err(const char *cmd, const char *what, int err)
{
	fprintf(stderr, "pfs: %s: %s: %s\n", cmd, what, pfs_strerror(err));
	return TOOL_EXIT_FAIL;
}

static void usage_line(FILE *f, const struct tool_cmd *c)
{
	fprintf(f, "Usage: pfs %s %s\n", c->name, c->synopsis);
}

int tool_usage_err(const char *cmd, const char *fmt, ...)
{
	const struct tool_cmd *c = tool_cmd_find(cmd);
	va_list ap;

	fprintf(stderr, "pfs: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		usage_line(stderr, c);
	fprintf(stderr, "Try 'pfs %s --help' for more information.\n", cmd);
	return TOOL_EXIT_USAGE;
}

int tool_help(const char *cmd)
{
	const struct tool_cmd *c = tool_cmd_find(cmd);

	if (!c)
		return TOOL_EXIT_USAGE;
	usage_line(stdout, c);
	printf("%s\n%s", c->summary, c->help);
	return TOOL_EXIT_OK;
}

int tool_connect(const char *cmd, pfs_fs_t **fs)
{
	char conf[PFS_PATH_MAX];
	int rc;

	rc = pfs_connect(NULL, fs);
	if (rc == 0)
		return 0;
	if (pfs_config_path(conf, sizeof(conf)) != 0)
		snprintf(conf, sizeof(conf), "(no config file found: set PFS_CONFIG or "
			 "start a cluster with pfs-cluster)");
	fprintf(stderr, "pfs: %s: cannot connect with config %s: %s\n", cmd, conf,
		pfs_strerror(rc));
	return TOOL_EXIT_FAIL;
}

/* Options every command shares (--help) and getopt's errors (option strings
 * start with ':' and opterr is 0, so the messages are ours). */
int tool_opt_common(const char *cmd, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (opt == 'h')
		return tool_help(cmd);
	if (opt == ':')
		return tool_usage_err(cmd, "option '%s' needs a value", arg);
	if (opt == '?' && optopt)
		return tool_usage_err(cmd, "invalid option '-%c'", optopt);
	return tool_usage_err(cmd, "invalid option '%s'", arg);
}

/* Normalises pfs path argument arg into out, reporting a usage error. */
static int want_pfs(const char *cmd, const char *arg, char *out, size_t len)
{
	int rc = tool_pfs_path(arg, out, len);

	if (rc == -ENAMETOOLONG)
		return tool_usage_err(cmd, "'%s': path too long", arg);
	if (rc)
		return tool_usage_err(cmd, "'%s' is not a pfs path (write pfs:/PATH)", arg);
	return 0;
}

/* Checks every operand is a pfs path and that there are at least min. */
int tool_check_operands(const char *cmd, int argc, char **argv, int min)
{
	char path[PFS_PATH_MAX + 1];
	int i, rc;

	if (argc < min)
		return tool_usage_err(cmd, "missing operand");
	for (i = 0; i < argc; i++) {
		rc = want_pfs(cmd, argv[i], path, sizeof(path));
		if (rc)
			return rc;
	}
	return 0;
}

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Parses a command that takes only --help; leaves operands in argv[optind..]. */
int tool_parse_plain(const char *cmd, int argc, char **argv)
{
	int opt;

	while ((opt = getopt_long(argc, argv, ":h", help_only, NULL)) != -1)
		return tool_opt_common(cmd, opt, argv);
	return -1;
}
