/* pfs_stripe.c - the pfs subcommands about layouts and targets: setstripe,
 * getstripe (layout printing), df (target capacity) and scrub (checksums). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pfs_cmd.h"

/* ------------------------------------------------------------------ */
/* setstripe / getstripe                                               */

static const struct option setstripe_opts[] = {
	{ "ec", required_argument, NULL, 'E' },
	{ "compress", required_argument, NULL, 'Z' },
	{ "chunk-size", required_argument, NULL, 'K' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int pfs_cmd_setstripe(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_layout lo;
	pfs_fs_t *fs = NULL;
	int opt, rc, i, ret = TOOL_EXIT_OK;

	tool_layout_init(&lo);
	while ((opt = getopt_long(argc, argv, ":c:S:i:h", setstripe_opts, NULL)) != -1) {
		if (!strchr("cSiEZK", opt))
			return tool_opt_common("setstripe", opt, argv);
		rc = tool_layout_opt("setstripe", opt, optarg, &lo);
		if (rc)
			return rc;
	}
	rc = tool_check_operands("setstripe", argc - optind, argv + optind, 1);
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
		tool_print_stored("  stored:        ", size, stored);
	}
	return TOOL_EXIT_OK;
}

int pfs_cmd_getstripe(int argc, char **argv)
{
	pfs_fs_t *fs = NULL;
	int rc, i, ret = TOOL_EXIT_OK;

	rc = tool_parse_plain("getstripe", argc, argv);
	if (rc >= 0)
		return rc;
	rc = tool_check_operands("getstripe", argc - optind, argv + optind, 1);
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

int pfs_cmd_df(int argc, char **argv)
{
	struct pfs_target_stat *t = NULL;
	pfs_fs_t *fs = NULL;
	bool human = false;
	int opt, n;

	while ((opt = getopt_long(argc, argv, ":h", df_opts, NULL)) != -1) {
		if (opt == 'x')
			return tool_help("df");
		if (opt != 'h' && opt != 'H')
			return tool_opt_common("df", opt, argv);
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

int pfs_cmd_scrub(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	struct scrub_tally t = { 0 };
	long long target = -1;
	pfs_fs_t *fs = NULL;
	int opt, rc, i, ret = TOOL_EXIT_OK;

	while ((opt = getopt_long(argc, argv, ":t:h", scrub_opts, NULL)) != -1) {
		if (opt != 't')
			return tool_opt_common("scrub", opt, argv);
		if (tool_parse_int(optarg, 0, UINT32_MAX, &target))
			return tool_usage_err("scrub", "bad target id '%s'", optarg);
	}
	if (target < 0) {
		rc = tool_check_operands("scrub", argc - optind, argv + optind, 1);
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
