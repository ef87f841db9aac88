/* pfs.c - the pfs command (in the spirit of Lustre's lfs): the command table,
 * dispatch and help, and the helpers every subcommand shares (argument and
 * path parsing, reporting, option handling). The subcommands live in
 * pfs_ns.c (ls, stat, mkdir, rmdir, rm, mv), pfs_stripe.c (setstripe,
 * getstripe, df, scrub), pfs_cp.c (cp, cat) and pfs_ec.c (health, rebuild). */
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

/* ------------------------------------------------------------------ */
/* dispatch                                                            */

static const struct cmd cmds[] = {
	{ "setstripe", pfs_cmd_setstripe, "[-c COUNT] [-S SIZE] [-i FIRST] [--ec K+M] "
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
	{ "getstripe", pfs_cmd_getstripe, "pfs:/PATH...",
	  "Print the layout of a file (pattern, stripe_count, stripe_size, fid, the\n"
	  "target of each stripe, logical size and bytes stored), or the default\n"
	  "layout of a directory.", "" },
	{ "ls", pfs_cmd_ls, "[-l] [pfs:/PATH...]",
	  "List a directory (default pfs:/).",
	  "  -l, --long  one line per entry: mode, links, size, mtime, name\n" },
	{ "stat", pfs_cmd_stat, "pfs:/PATH...",
	  "Print the attributes of a file or directory (size from the objects; for a\n"
	  "file also the bytes stored on the targets' disks).", "" },
	{ "mkdir", pfs_cmd_mkdir, "[-p] [-m MODE] pfs:/DIR...",
	  "Create directories.",
	  "  -p, --parents  create missing parents; no error if the directory exists\n"
	  "  -m, --mode     permission bits in octal (default 0755)\n" },
	{ "rm", pfs_cmd_rm, "[-r] [-f] pfs:/PATH...",
	  "Remove files (and with -r, directories and their contents).",
	  "  -r, --recursive  remove directories and everything below them\n"
	  "  -f, --force      no error for paths that do not exist\n" },
	{ "rmdir", pfs_cmd_rmdir, "pfs:/DIR...", "Remove empty directories.", "" },
	{ "mv", pfs_cmd_mv, "pfs:/SRC pfs:/DST",
	  "Rename SRC to DST; when DST is an existing directory, move SRC into it.", "" },
	{ "df", pfs_cmd_df, "[-h]",
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
	{ "scrub", pfs_cmd_scrub, "pfs:/PATH... | --target ID",
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
