/* pfs.c - the pfs command (in the spirit of Lustre's lfs): dispatch, help, argument
 * parsing, and the namespace subcommands (setstripe ... df); cp and cat live in pfs_cp.c. */
#ifdef HAVE_CONFIG_H
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pfs_cmd.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

typedef int (*cmd_fn)(int argc, char **argv);

struct cmd {
	const char *name;
	cmd_fn fn;
	const char *synopsis;   /* after "pfs NAME " */
	const char *summary;    /* one line for pfs --help */
	const char *help;       /* option details for pfs NAME --help */
};

static const struct cmd *cmd_find(const char *name);

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

/* ------------------------------------------------------------------ */
/* reporting                                                           */

int tool_err(const char *cmd, const char *what, int err)
{
	fprintf(stderr, "pfs: %s: %s: %s\n", cmd, what, pfs_strerror(err));
	return TOOL_EXIT_FAIL;
}

static void usage_line(FILE *f, const struct cmd *c)
{
	fprintf(f, "Usage: pfs %s %s\n", c->name, c->synopsis);
}

int tool_usage_err(const char *cmd, const char *fmt, ...)
{
	const struct cmd *c = cmd_find(cmd);
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
	const struct cmd *c = cmd_find(cmd);

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
static int opt_common(const char *cmd, int opt, char **argv)
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
static int check_operands(const char *cmd, int argc, char **argv, int min)
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
static int parse_plain(const char *cmd, int argc, char **argv)
{
	int opt;

	while ((opt = getopt_long(argc, argv, ":h", help_only, NULL)) != -1)
		return opt_common(cmd, opt, argv);
	return -1;
}

/* ------------------------------------------------------------------ */
/* setstripe / getstripe                                               */

static const struct option setstripe_opts[] = {
	{ "ec", required_argument, NULL, 'E' },
	{ "compress", required_argument, NULL, 'Z' },
	{ "chunk-size", required_argument, NULL, 'K' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int cmd_setstripe(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_layout lo;
	pfs_fs_t *fs = NULL;
	int opt, rc, i, ret = TOOL_EXIT_OK;

	tool_layout_init(&lo);
	while ((opt = getopt_long(argc, argv, ":c:S:i:h", setstripe_opts, NULL)) != -1) {
		if (!strchr("cSiEZK", opt))
			return opt_common("setstripe", opt, argv);
		rc = tool_layout_opt("setstripe", opt, optarg, &lo);
		if (rc)
			return rc;
	}
	rc = check_operands("setstripe", argc - optind, argv + optind, 1);
	if (rc)
		return rc;
	if (tool_connect("setstripe", &fs))
		return TOOL_EXIT_FAIL;
	for (i = optind; i < argc; i++) {
		tool_pfs_path(argv[i], path, sizeof(path));
		rc = pfs_setstripe(fs, path, &lo);
		if (rc)
			ret = tool_err("setstripe", argv[i], rc);
	}
	pfs_disconnect(fs);
	return ret;
}

/* "Stored" line: bytes the objects occupy on the targets' disks. */
static void print_stored(const char *indent, uint64_t size, uint64_t stored)
{
	char h[32];

	tool_human(stored, h, sizeof(h));
	if (stored)
		printf("%s%" PRIu64 " (%s, logical/stored %.2f)\n", indent, stored, h,
		       (double)size / (double)stored);
	else
		printf("%s0\n", indent);
}

static void print_count(const char *key, uint32_t v, bool dir)
{
	if (v == PFS_STRIPE_ALL)
		printf("  %-14s -1 (all targets)\n", key);
	else if (v == 0 && dir)
		printf("  %-14s 0 (fs default)\n", key);
	else
		printf("  %-14s %" PRIu32 "\n", key, v);
}

static void print_compress(const struct pfs_layout *lo, bool dir)
{
	char h[32];

	if (lo->compress == PFS_COMPRESS_LZ4)
		printf("  %-14s lz4\n", "compress:");
	else if (lo->compress == PFS_COMPRESS_ZSTD)
		printf("  %-14s zstd:%" PRId32 "\n", "compress:", lo->compress_level);
	else if (lo->compress == 0 && dir)
		printf("  %-14s 0 (fs default: none)\n", "compress:");
	else
		printf("  %-14s none\n", "compress:");
	if (lo->compress != PFS_COMPRESS_LZ4 && lo->compress != PFS_COMPRESS_ZSTD)
		return;
	tool_human(lo->chunk_size, h, sizeof(h));
	printf("  %-14s %" PRIu32 " (%s)\n", "chunk_size:", lo->chunk_size, h);
}

static void print_layout(const char *arg, const struct pfs_layout *lo, bool dir)
{
	char h[32];
	uint32_t i;

	printf("%s%s\n", arg, dir ? "  (directory default layout)" : "");
	if (lo->pattern == PFS_PATTERN_EC)
		printf("  %-14s ec %" PRIu32 "+%" PRIu32 "\n", "pattern:", lo->ec_k, lo->ec_m);
	else if (lo->pattern == PFS_PATTERN_RAID0)
		printf("  %-14s raid0\n", "pattern:");
	else if (dir && lo->pattern == 0)
		printf("  %-14s 0 (fs default: raid0)\n", "pattern:");
	else
		printf("  %-14s %" PRIu32 "\n", "pattern:", lo->pattern);
	print_compress(lo, dir);
	print_count("stripe_count:", lo->stripe_count, dir);
	tool_human(lo->stripe_size, h, sizeof(h));
	if (lo->stripe_size == 0 && dir)
		printf("  %-14s 0 (fs default)\n", "stripe_size:");
	else
		printf("  %-14s %" PRIu64 " (%s)\n", "stripe_size:", lo->stripe_size, h);
	if (lo->first_target < 0)
		printf("  %-14s -1 (any)\n", "first_target:");
	else
		printf("  %-14s %" PRId32 "\n", "first_target:", lo->first_target);
	if (dir)
		return;
	printf("  %-14s %" PRIu64 "\n", "fid:", lo->fid);
	printf("  %6s %8s\n", "stripe", "target");
	for (i = 0; i < lo->stripe_count && i < PFS_MAX_STRIPES; i++)
		printf("  %6" PRIu32 " %8" PRIu32 "\n", i, lo->targets[i]);
}

static int getstripe_one(pfs_fs_t *fs, const char *arg)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_layout lo;
	struct pfs_stat st;
	int rc;

	tool_pfs_path(arg, path, sizeof(path));
	rc = pfs_stat(fs, path, &st);
	if (rc)
		return tool_err("getstripe", arg, rc);
	rc = pfs_getstripe(fs, path, &lo);
	if (rc)
		return tool_err("getstripe", arg, rc);
	print_layout(arg, &lo, S_ISDIR(st.mode));
	if (!S_ISDIR(st.mode)) {
		uint64_t size, stored;

		rc = pfs_stored_size(fs, path, &size, &stored);
		if (rc)
			return tool_err("getstripe", arg, rc);
		printf("  %-14s %" PRIu64 "\n", "size:", size);
		print_stored("  stored:        ", size, stored);
	}
	return TOOL_EXIT_OK;
}

static int cmd_getstripe(int argc, char **argv)
{
	pfs_fs_t *fs = NULL;
	int rc, i, ret = TOOL_EXIT_OK;

	rc = parse_plain("getstripe", argc, argv);
	if (rc >= 0)
		return rc;
	rc = check_operands("getstripe", argc - optind, argv + optind, 1);
	if (rc)
		return rc;
	if (tool_connect("getstripe", &fs))
		return TOOL_EXIT_FAIL;
	for (i = optind; i < argc; i++)
		if (getstripe_one(fs, argv[i]))
			ret = TOOL_EXIT_FAIL;
	pfs_disconnect(fs);
	return ret;
}

/* ------------------------------------------------------------------ */
/* ls / stat                                                           */

static void mode_string(uint32_t mode, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = S_ISDIR(mode) ? 'd' : S_ISREG(mode) ? '-' : '?';
	for (i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	out[10] = '\0';
}

static void time_string(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, len, "?");
}

static void ls_long_line(const struct pfs_stat *st, const char *name)
{
	char m[11], t[64];

	mode_string(st->mode, m);
	time_string(st->mtime_ns, t, sizeof(t));
	printf("%s %3" PRIu32 " %14" PRIu64 " %s %s\n", m, st->nlink, st->size, t, name);
}

static int ls_entry(pfs_fs_t *fs, const char *dir, const struct pfs_dirent *de,
		    bool lng, const char *arg)
{
	char child[PFS_PATH_MAX + 1];
	struct pfs_stat st;
	int rc;

	if (!lng) {
		printf("%s\n", de->name);
		return 0;
	}
	rc = tool_join(dir, de->name, child, sizeof(child));
	if (rc == 0)
		rc = pfs_stat(fs, child, &st);
	if (rc) {
		fprintf(stderr, "pfs: ls: %s/%s: %s\n", arg, de->name, pfs_strerror(rc));
		return rc;
	}
	ls_long_line(&st, de->name);
	return 0;
}

static int ls_dir(pfs_fs_t *fs, const char *path, bool lng, const char *arg)
{
	struct pfs_dirent de;
	pfs_dir_t *dir = NULL;
	int rc, bad = 0;

	rc = pfs_opendir(fs, path, &dir);
	if (rc)
		return tool_err("ls", arg, rc);
	while ((rc = pfs_readdir(dir, &de)) == 1)
		if (ls_entry(fs, path, &de, lng, arg))
			bad = 1;
	pfs_closedir(dir);
	if (rc < 0)
		return tool_err("ls", arg, rc);
	return bad ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}

static int ls_one(pfs_fs_t *fs, const char *arg, bool lng, bool header)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_stat st;
	int rc;

	tool_pfs_path(arg, path, sizeof(path));
	rc = pfs_stat(fs, path, &st);
	if (rc)
		return tool_err("ls", arg, rc);
	if (!S_ISDIR(st.mode)) {
		if (lng)
			ls_long_line(&st, arg);
		else
			printf("%s\n", arg);
		return TOOL_EXIT_OK;
	}
	if (header)
		printf("%s:\n", arg);
	return ls_dir(fs, path, lng, arg);
}

static const struct option ls_opts[] = {
	{ "long", no_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int cmd_ls(int argc, char **argv)
{
	static char root[] = "pfs:/";
	char *dflt[] = { root };
	pfs_fs_t *fs = NULL;
	bool lng = false;
	int opt, rc, i, n, ret = TOOL_EXIT_OK;
	char **ops;

	while ((opt = getopt_long(argc, argv, ":lh", ls_opts, NULL)) != -1) {
		if (opt != 'l')
			return opt_common("ls", opt, argv);
		lng = true;
	}
	n = argc - optind;
	ops = n ? argv + optind : dflt;
	if (n == 0)
		n = 1;
	rc = check_operands("ls", n, ops, 1);
	if (rc)
		return rc;
	if (tool_connect("ls", &fs))
		return TOOL_EXIT_FAIL;
	for (i = 0; i < n; i++) {
		if (i > 0 && n > 1)
			printf("\n");
		if (ls_one(fs, ops[i], lng, n > 1))
			ret = TOOL_EXIT_FAIL;
	}
	pfs_disconnect(fs);
	return ret;
}

static void print_stat(pfs_fs_t *fs, const char *path, const char *arg,
		       const struct pfs_stat *st)
{
	char m[11], mt[64], ct[64];
	uint64_t size, stored;

	mode_string(st->mode, m);
	time_string(st->mtime_ns, mt, sizeof(mt));
	time_string(st->ctime_ns, ct, sizeof(ct));
	printf("  File: %s\n", arg);
	printf("  Type: %s\n", S_ISDIR(st->mode) ? "directory" :
	       S_ISREG(st->mode) ? "regular file" : "unknown");
	printf("  Size: %" PRIu64 "\n", st->size);
	if (S_ISREG(st->mode) && pfs_stored_size(fs, path, &size, &stored) == 0)
		print_stored("Stored: ", size, stored);
	printf(" Inode: %" PRIu64 "\n", st->ino);
	printf(" Links: %" PRIu32 "\n", st->nlink);
	printf("  Mode: %04o (%s)\n", (unsigned)(st->mode & 07777), m);
	printf("Modify: %s (%" PRId64 " ns)\n", mt, st->mtime_ns);
	printf("Change: %s (%" PRId64 " ns)\n", ct, st->ctime_ns);
}

static int cmd_stat(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_stat st;
	pfs_fs_t *fs = NULL;
	int rc, i, ret = TOOL_EXIT_OK;

	rc = parse_plain("stat", argc, argv);
	if (rc >= 0)
		return rc;
	rc = check_operands("stat", argc - optind, argv + optind, 1);
	if (rc)
		return rc;
	if (tool_connect("stat", &fs))
		return TOOL_EXIT_FAIL;
	for (i = optind; i < argc; i++) {
		tool_pfs_path(argv[i], path, sizeof(path));
		rc = pfs_stat(fs, path, &st);
		if (rc)
			ret = tool_err("stat", argv[i], rc);
		else
			print_stat(fs, path, argv[i], &st);
	}
	pfs_disconnect(fs);
	return ret;
}

/* ------------------------------------------------------------------ */
/* mkdir / rmdir / rm / mv                                             */

/* mkdir that tolerates an existing directory. */
static int mkdir_exist_ok(pfs_fs_t *fs, const char *path, mode_t mode)
{
	struct pfs_stat st;
	int rc;

	rc = pfs_mkdir(fs, path, mode);
	if (rc != -EEXIST)
		return rc;
	rc = pfs_stat(fs, path, &st);
	if (rc)
		return rc;
	return S_ISDIR(st.mode) ? 0 : -EEXIST;
}

static int mkdir_parents(pfs_fs_t *fs, const char *path, mode_t mode)
{
	char sub[PFS_PATH_MAX + 1];
	const char *p = path + 1;
	int rc;

	while (*p) {
		p += strcspn(p, "/");
		memcpy(sub, path, (size_t)(p - path));
		sub[p - path] = '\0';
		rc = mkdir_exist_ok(fs, sub, mode);
		if (rc)
			return rc;
		if (*p == '/')
			p++;
	}
	return 0;
}

static const struct option mkdir_opts[] = {
	{ "parents", no_argument, NULL, 'p' },
	{ "mode", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int parse_mode(const char *s, mode_t *mode)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '7')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end != '\0' || v > 07777)
		return -EINVAL;
	*mode = (mode_t)v;
	return 0;
}

static int cmd_mkdir(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	pfs_fs_t *fs = NULL;
	bool parents = false;
	mode_t mode = 0755;
	int opt, rc, i, ret = TOOL_EXIT_OK;

	while ((opt = getopt_long(argc, argv, ":pm:h", mkdir_opts, NULL)) != -1) {
		if (opt == 'p')
			parents = true;
		else if (opt == 'm' && parse_mode(optarg, &mode))
			return tool_usage_err("mkdir", "invalid mode '%s' (octal)", optarg);
		else if (opt != 'm')
			return opt_common("mkdir", opt, argv);
	}
	rc = check_operands("mkdir", argc - optind, argv + optind, 1);
	if (rc)
		return rc;
	if (tool_connect("mkdir", &fs))
		return TOOL_EXIT_FAIL;
	for (i = optind; i < argc; i++) {
		tool_pfs_path(argv[i], path, sizeof(path));
		rc = parents ? mkdir_parents(fs, path, mode) : pfs_mkdir(fs, path, mode);
		if (rc)
			ret = tool_err("mkdir", argv[i], rc);
	}
	pfs_disconnect(fs);
	return ret;
}

static int cmd_rmdir(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	pfs_fs_t *fs = NULL;
	int rc, i, ret = TOOL_EXIT_OK;

	rc = parse_plain("rmdir", argc, argv);
	if (rc >= 0)
		return rc;
	rc = check_operands("rmdir", argc - optind, argv + optind, 1);
	if (rc)
		return rc;
	if (tool_connect("rmdir", &fs))
		return TOOL_EXIT_FAIL;
	for (i = optind; i < argc; i++) {
		tool_pfs_path(argv[i], path, sizeof(path));
		rc = pfs_rmdir(fs, path);
		if (rc)
			ret = tool_err("rmdir", argv[i], rc);
	}
	pfs_disconnect(fs);
	return ret;
}

/* The names in a directory, read in full before anything is removed. */
struct name_list {
	char **v;
	size_t n, cap;
};

static void names_free(struct name_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int names_add(struct name_list *l, const char *name)
{
	char **nv;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n] = strdup(name);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static int names_read(pfs_fs_t *fs, const char *path, struct name_list *l)
{
	struct pfs_dirent de;
	pfs_dir_t *dir = NULL;
	int rc;

	rc = pfs_opendir(fs, path, &dir);
	if (rc)
		return rc;
	while ((rc = pfs_readdir(dir, &de)) == 1) {
		rc = names_add(l, de.name);
		if (rc)
			break;
	}
	pfs_closedir(dir);
	return rc < 0 ? rc : 0;
}

/* Removes path and everything below it; reports each failure on the way. */
static int rm_tree(pfs_fs_t *fs, const char *path, int depth)
{
	char child[PFS_PATH_MAX + 1];
	struct name_list l = { 0 };
	struct pfs_stat st;
	int rc, bad = 0;
	size_t i;

	rc = pfs_stat(fs, path, &st);
	if (rc)
		goto out;
	if (!S_ISDIR(st.mode)) {
		rc = pfs_unlink(fs, path);
		goto out;
	}
	rc = depth > 256 ? -ELOOP : names_read(fs, path, &l);
	if (rc)
		goto out;
	for (i = 0; i < l.n; i++) {
		rc = tool_join(path, l.v[i], child, sizeof(child));
		if (rc == 0)
			rc = rm_tree(fs, child, depth + 1);
		if (rc)
			bad = rc;
	}
	rc = bad ? bad : pfs_rmdir(fs, path);
out:
	names_free(&l);
	if (rc && rc != bad)
		fprintf(stderr, "pfs: rm: pfs:%s: %s\n", path, pfs_strerror(rc));
	return rc;
}

static int rm_one(pfs_fs_t *fs, const char *arg, bool recursive, bool force)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_stat st;
	int rc;

	tool_pfs_path(arg, path, sizeof(path));
	if (strcmp(path, "/") == 0) {
		fprintf(stderr, "pfs: rm: refusing to remove the root '%s'\n", arg);
		return TOOL_EXIT_FAIL;
	}
	if (recursive) {
		if (force && pfs_stat(fs, path, &st) == -ENOENT)
			return TOOL_EXIT_OK;
		rc = rm_tree(fs, path, 0);
		return rc ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
	}
	rc = pfs_unlink(fs, path);
	if (rc == -ENOENT && force)
		return TOOL_EXIT_OK;
	return rc ? tool_err("rm", arg, rc) : TOOL_EXIT_OK;
}

static const struct option rm_opts[] = {
	{ "recursive", no_argument, NULL, 'r' },
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int cmd_rm(int argc, char **argv)
{
	bool recursive = false, force = false;
	pfs_fs_t *fs = NULL;
	int opt, rc, i, ret = TOOL_EXIT_OK;

	while ((opt = getopt_long(argc, argv, ":rRfh", rm_opts, NULL)) != -1) {
		if (opt == 'r' || opt == 'R')
			recursive = true;
		else if (opt == 'f')
			force = true;
		else
			return opt_common("rm", opt, argv);
	}
	rc = check_operands("rm", argc - optind, argv + optind, 1);
	if (rc)
		return rc;
	if (tool_connect("rm", &fs))
		return TOOL_EXIT_FAIL;
	for (i = optind; i < argc; i++)
		if (rm_one(fs, argv[i], recursive, force))
			ret = TOOL_EXIT_FAIL;
	pfs_disconnect(fs);
	return ret;
}

/* mv SRC DIR moves SRC into DIR, as mv(1) does. */
static int mv_target(pfs_fs_t *fs, const char *src, char *dst, size_t len)
{
	char tmp[PFS_PATH_MAX + 1];
	struct pfs_stat st;

	if (strcmp(src, dst) == 0 || strcmp(src, "/") == 0)
		return 0;
	if (pfs_stat(fs, dst, &st) != 0 || !S_ISDIR(st.mode))
		return 0;
	if (tool_join(dst, tool_basename(src), tmp, sizeof(tmp)) || strlen(tmp) > PFS_PATH_MAX)
		return -ENAMETOOLONG;
	snprintf(dst, len, "%s", tmp);
	return 0;
}

static int cmd_mv(int argc, char **argv)
{
	char src[PFS_PATH_MAX + 1], dst[PFS_PATH_MAX + 1];
	pfs_fs_t *fs = NULL;
	int rc;

	rc = parse_plain("mv", argc, argv);
	if (rc >= 0)
		return rc;
	if (argc - optind != 2)
		return tool_usage_err("mv", "%s", argc - optind < 2 ? "missing operand" :
				      "too many operands");
	rc = check_operands("mv", 2, argv + optind, 2);
	if (rc)
		return rc;
	tool_pfs_path(argv[optind], src, sizeof(src));
	tool_pfs_path(argv[optind + 1], dst, sizeof(dst));
	if (tool_connect("mv", &fs))
		return TOOL_EXIT_FAIL;
	rc = mv_target(fs, src, dst, sizeof(dst));
	if (rc == 0)
		rc = pfs_rename(fs, src, dst);
	pfs_disconnect(fs);
	if (rc)
		return tool_err("mv", argv[optind], rc);
	return TOOL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* df                                                                  */

static int df_fetch(pfs_fs_t *fs, struct pfs_target_stat **out)
{
	struct pfs_target_stat *t = NULL, *nt;
	int max = 64, n;

	for (;;) {
		nt = realloc(t, (size_t)max * sizeof(*t));
		if (!nt) {
			free(t);
			return -ENOMEM;
		}
		t = nt;
		n = pfs_statfs(fs, t, max);
		if (n < 0 || n <= max)
			break;
		max = n;
	}
	if (n < 0)
		free(t);
	else
		*out = t;
	return n;
}

static void df_num(uint64_t bytes, bool human, char *buf, size_t len)
{
	if (human)
		tool_human(bytes, buf, len);
	else
		snprintf(buf, len, "%" PRIu64, bytes / 1024);
}

static void df_row(const char *name, const char *addr, const char *state,
		   uint64_t total, uint64_t avail, bool human)
{
	char t[32], u[32], a[32];
	uint64_t used = total > avail ? total - avail : 0;
	unsigned pct = total ? (unsigned)((used * 100 + total - 1) / total) : 0;

	df_num(total, human, t, sizeof(t));
	df_num(used, human, u, sizeof(u));
	df_num(avail, human, a, sizeof(a));
	printf("%-10s %-34s %-6s %14s %14s %14s %4u%%\n", name, addr, state, t, u, a, pct);
}

static void df_print(const struct pfs_target_stat *t, int n, bool human)
{
	uint64_t total = 0, avail = 0;
	char name[32], summary[64];
	int i, up = 0;

	printf("%-10s %-34s %-6s %14s %14s %14s %5s\n", "TARGET", "ADDRESS", "STATE",
	       human ? "SIZE" : "1K-BLOCKS", "USED", "AVAILABLE", "USE%");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "OST%04" PRIu32, t[i].id);
		df_row(name, t[i].addr, t[i].up ? "up" : "down", t[i].total_bytes,
		       t[i].free_bytes, human);
		if (t[i].up) {
			up++;
			total += t[i].total_bytes;
			avail += t[i].free_bytes;
		}
	}
	snprintf(summary, sizeof(summary), "%d of %d targets up", up, n);
	printf("\n");
	df_row("summary", summary, "", total, avail, human);
}

static const struct option df_opts[] = {
	{ "human-readable", no_argument, NULL, 'H' },
	{ "help", no_argument, NULL, 'x' },
	{ NULL, 0, NULL, 0 }
};

static int cmd_df(int argc, char **argv)
{
	struct pfs_target_stat *t = NULL;
	pfs_fs_t *fs = NULL;
	bool human = false;
	int opt, n;

	while ((opt = getopt_long(argc, argv, ":h", df_opts, NULL)) != -1) {
		if (opt == 'x')
			return tool_help("df");
		if (opt != 'h' && opt != 'H')
			return opt_common("df", opt, argv);
		human = true;
	}
	if (optind != argc)
		return tool_usage_err("df", "unexpected operand '%s'", argv[optind]);
	if (tool_connect("df", &fs))
		return TOOL_EXIT_FAIL;
	n = df_fetch(fs, &t);
	pfs_disconnect(fs);
	if (n < 0)
		return tool_err("df", "pfs:/", n);
	df_print(t, n, human);
	free(t);
	return TOOL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* scrub                                                               */

struct scrub_tally {
	uint64_t objects, blocks, bad, failed;
};

static int scrub_report(const struct pfs_scrub_obj *o, void *arg)
{
	struct scrub_tally *t = arg;

	t->objects++;
	t->blocks += o->blocks;
	t->bad += o->bad;
	if (o->err) {
		t->failed++;
		printf("target %" PRIu32 " fid %" PRIu64 " stripe %" PRIu32 ": cannot verify: %s\n",
		       o->target, o->fid, o->stripe, pfs_strerror(o->err));
	} else if (o->bad) {
		printf("target %" PRIu32 " fid %" PRIu64 " stripe %" PRIu32 ": %" PRIu64
		       " bad blocks of %" PRIu64 ", first at object offset %" PRIu64 "\n",
		       o->target, o->fid, o->stripe, o->bad, o->blocks, o->first_bad);
	} else {
		printf("target %" PRIu32 " fid %" PRIu64 " stripe %" PRIu32 ": ok (%" PRIu64
		       " blocks, %" PRIu64 " bytes)\n", o->target, o->fid, o->stripe, o->blocks,
		       o->size);
	}
	return 0;
}

static const struct option scrub_opts[] = {
	{ "target", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int cmd_scrub(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	struct scrub_tally t = { 0 };
	long long target = -1;
	pfs_fs_t *fs = NULL;
	int opt, rc, i, ret = TOOL_EXIT_OK;

	while ((opt = getopt_long(argc, argv, ":t:h", scrub_opts, NULL)) != -1) {
		if (opt != 't')
			return opt_common("scrub", opt, argv);
		if (tool_parse_int(optarg, 0, UINT32_MAX, &target))
			return tool_usage_err("scrub", "bad target id '%s'", optarg);
	}
	if (target < 0) {
		rc = check_operands("scrub", argc - optind, argv + optind, 1);
		if (rc)
			return rc;
	} else if (optind < argc) {
		return tool_usage_err("scrub", "--target takes no paths");
	}
	if (tool_connect("scrub", &fs))
		return TOOL_EXIT_FAIL;
	if (target >= 0) {
		rc = pfs_scrub_target(fs, (uint32_t)target, scrub_report, &t);
		if (rc)
			ret = tool_err("scrub", "target", rc);
	}
	for (i = optind; i < argc; i++) {
		tool_pfs_path(argv[i], path, sizeof(path));
		rc = pfs_scrub_file(fs, path, scrub_report, &t);
		if (rc)
			ret = tool_err("scrub", argv[i], rc);
	}
	pfs_disconnect(fs);
	printf("scrub: %" PRIu64 " objects, %" PRIu64 " blocks verified, %" PRIu64
	       " bad, %" PRIu64 " objects not verifiable: %s\n", t.objects, t.blocks, t.bad,
	       t.failed, t.bad || t.failed || ret ? "FAILED" : "clean");
	if (t.bad || t.failed)
		ret = TOOL_EXIT_FAIL;
	return ret;
}

/* ------------------------------------------------------------------ */
/* dispatch                                                            */

static const struct cmd cmds[] = {
	{ "setstripe", cmd_setstripe, "[-c COUNT] [-S SIZE] [-i FIRST] [--ec K+M] "
	  "[--compress CODEC] [--chunk-size N] pfs:/PATH...",
	  "Set the default layout of a directory, or create an empty file with a layout.",
	  "  -c, COUNT   number of targets to stripe over (-1 = all up targets, 0 = default)\n"
	  "  -S, SIZE    bytes per stripe, a multiple of 4K; K/M/G suffixes (0 = default)\n"
	  "  -i, FIRST   target id of the first stripe (-1 = let the MDS choose)\n"
	  "  --ec K+M    Reed-Solomon erasure coding: K data and M parity stripes per\n"
	  "              row on K+M distinct targets (-c must be 0 or K+M); none = RAID0\n"
	  "  --compress  none, lz4, zstd or zstd:LEVEL (1..19)\n"
	  "  --chunk-size N  compression chunk, a power of two from 4K to 4M dividing\n"
	  "              the stripe size (default 64K)\n"
	  "On an existing directory the layout becomes its default for new files; on a\n"
	  "path that does not exist an empty file with this layout is created.\n" },
	{ "getstripe", cmd_getstripe, "pfs:/PATH...",
	  "Print the layout of a file (pattern, stripe_count, stripe_size, fid, the\n"
	  "target of each stripe, logical size and bytes stored), or the default\n"
	  "layout of a directory.", "" },
	{ "ls", cmd_ls, "[-l] [pfs:/PATH...]",
	  "List a directory (default pfs:/).",
	  "  -l, --long  one line per entry: mode, links, size, mtime, name\n" },
	{ "stat", cmd_stat, "pfs:/PATH...",
	  "Print the attributes of a file or directory (size from the objects; for a\n"
	  "file also the bytes stored on the targets' disks).", "" },
	{ "mkdir", cmd_mkdir, "[-p] [-m MODE] pfs:/DIR...",
	  "Create directories.",
	  "  -p, --parents  create missing parents; no error if the directory exists\n"
	  "  -m, --mode     permission bits in octal (default 0755)\n" },
	{ "rm", cmd_rm, "[-r] [-f] pfs:/PATH...",
	  "Remove files (and with -r, directories and their contents).",
	  "  -r, --recursive  remove directories and everything below them\n"
	  "  -f, --force      no error for paths that do not exist\n" },
	{ "rmdir", cmd_rmdir, "pfs:/DIR...", "Remove empty directories.", "" },
	{ "mv", cmd_mv, "pfs:/SRC pfs:/DST",
	  "Rename SRC to DST; when DST is an existing directory, move SRC into it.", "" },
	{ "df", cmd_df, "[-h]",
	  "Show the capacity of every storage target and a summary (like lfs df).",
	  "  -h, --human-readable  sizes as 1.5G instead of 1K blocks (--help: this text)\n" },
	{ "health", pfs_cmd_health, "pfs:/PATH...",
	  "Ask every stripe object of a file whether its target can be reached: the\n"
	  "file is healthy, degraded (an EC file with at most M stripes lost: still\n"
	  "readable) or unavailable. Exit status 1 unless every file is healthy.", "" },
	{ "rebuild", pfs_cmd_rebuild, "--target ID [--to ID] pfs:/PATH...",
	  "Rebuild the stripes that an erasure-coded file (or every file below a\n"
	  "directory) kept on a lost target, from the other stripes, onto another\n"
	  "target, and record the move with the MDS.",
	  "  --target ID  the lost target\n"
	  "  --to ID      where to put the rebuilt stripes (default: the first target\n"
	  "               that is up and holds no stripe of the file)\n"
	  "Files without redundancy (RAID0) on the lost target are reported as failed.\n" },
	{ "cp", pfs_cmd_cp, "[-q] [-c COUNT] [-S SIZE] [-i FIRST] SRC DST",
	  "Copy a file: local -> pfs, pfs -> local or pfs -> pfs.",
	  "SRC and DST are pfs:/PATH or a local path ('-' = stdin/stdout); at least one\n"
	  "must be a pfs path. When DST is a directory, the file keeps its name.\n"
	  "Data moves in large chunks (whole stripe rows, >= 64 MiB) so every stripe\n"
	  "is written or read in parallel. A progress bar is drawn on stderr when it\n"
	  "is a terminal and the copy takes more than a second.\n"
	  "  -c, -S, -i  the layout of a new pfs DST (see pfs setstripe --help); an\n"
	  "              existing DST is replaced by a new file with this layout\n"
	  "  -q, --quiet no progress bar\n" },
	{ "cat", pfs_cmd_cat, "pfs:/PATH...", "Write files to standard output.", "" },
	{ "scrub", cmd_scrub, "pfs:/PATH... | --target ID",
	  "Verify stored checksums: every object of the files, or every object on one\n"
	  "target. One line per object (target, fid, stripe; bad block count and the\n"
	  "object offset of the first bad block). Exit status 0 when clean, 1 when any\n"
	  "block is bad or an object could not be verified; the targets' logs name\n"
	  "every bad block.",
	  "  -t, --target ID  scrub every object stored on target ID\n" },
};

static const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: pfs COMMAND [OPTIONS] [ARGS]\n"
		"The pfs parallel file system tool. Paths in the file system are written\n"
		"pfs:/PATH; local paths are plain. The cluster is found from $PFS_CONFIG, then\n"
		"$XDG_CONFIG_HOME/pfs/client.conf, then ~/.config/pfs/client.conf.\n\n"
		"Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].synopsis);
	fprintf(f, "\n'pfs COMMAND --help' describes a command. Exit status: 0 success,\n"
		"1 an operation failed, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		main_usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && cmd_find(argv[2]))
			return tool_help(argv[2]);
		main_usage(stdout);
		return TOOL_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("pfs %s\n", PACKAGE_VERSION);
		return TOOL_EXIT_OK;
	}
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "pfs: unknown command '%s'\n", argv[1]);
		main_usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	optind = 1;
	opterr = 0;
	return c->fn(argc - 1, argv + 1);
}
