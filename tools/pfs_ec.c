/* pfs_ec.c - the redundancy subcommands of the pfs command: health (which
 * stripes of a file can be reached) and rebuild (a lost target's stripes). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pfs_cmd.h"

static const struct option ec_help_opt[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* "healthy", "degraded" (data intact, less redundancy) or "unavailable". */
static const char *health_word(const struct pfs_health *h)
{
	if (h->lost == 0)
		return "healthy";
	return h->lost <= h->redundancy ? "degraded" : "unavailable";
}

static int health_one(pfs_fs_t *fs, const char *arg)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_layout lo;
	struct pfs_health h;
	int rc;

	rc = tool_pfs_path(arg, path, sizeof(path));
	if (!rc)
		rc = pfs_getstripe(fs, path, &lo);
	if (!rc)
		rc = pfs_health(fs, path, &h);
	if (rc)
		return tool_err("health", arg, rc);
	printf("%s: %s (%" PRIu32 " of %" PRIu32 " stripes lost, %" PRIu32 " tolerated)\n",
	       arg, health_word(&h), h.lost, h.stripe_count, h.redundancy);
	for (uint32_t i = 0; i < h.stripe_count; i++)
		printf("  %6" PRIu32 " %8" PRIu32 "  %s%s\n", i, lo.targets[i],
		       h.stripe_err[i] ? "lost: " : "ok",
		       h.stripe_err[i] ? pfs_strerror(h.stripe_err[i]) : "");
	return h.lost ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}

int pfs_cmd_health(int argc, char **argv)
{
	pfs_fs_t *fs = NULL;
	int opt, ret = TOOL_EXIT_OK;

	while ((opt = getopt_long(argc, argv, ":h", ec_help_opt, NULL)) != -1) {
		if (opt == 'h')
			return tool_help("health");
		return tool_usage_err("health", "invalid option '%s'", argv[optind - 1]);
	}
	if (optind == argc)
		return tool_usage_err("health", "missing operand");
	for (int i = optind; i < argc; i++)
		if (!tool_is_pfs(argv[i]))
			return tool_usage_err("health", "'%s' is not a pfs: path", argv[i]);
	if (tool_connect("health", &fs))
		return TOOL_EXIT_FAIL;
	for (int i = optind; i < argc; i++)
		if (health_one(fs, argv[i]) != TOOL_EXIT_OK)
			ret = TOOL_EXIT_FAIL;
	pfs_disconnect(fs);
	return ret;
}

/* What rebuild does with every file it visits. */
struct rebuild_job {
	pfs_fs_t *fs;
	uint32_t lost;
	int32_t to;
	unsigned rebuilt, failed;
};

static int rebuild_file(struct rebuild_job *job, const char *path)
{
	struct pfs_layout lo;
	uint32_t placed;
	int rc, on = 0;

	rc = pfs_getstripe(job->fs, path, &lo);
	if (rc)
		goto fail;
	for (uint32_t i = 0; i < lo.stripe_count; i++)
		on |= lo.targets[i] == job->lost;
	if (!on)
		return 0;
	rc = pfs_rebuild(job->fs, path, job->lost, job->to, &placed);
	if (rc)
		goto fail;
	printf("pfs:%s: stripe on target %" PRIu32 " rebuilt on target %" PRIu32 "\n", path,
	       job->lost, placed);
	job->rebuilt++;
	return 0;
fail:
	job->failed++;
	return tool_err("rebuild", path, rc == -EOPNOTSUPP ? -ENODATA : rc);
}

/* Files below a directory, depth first. */
static void rebuild_tree(struct rebuild_job *job, const char *path)
{
	char child[PFS_PATH_MAX + 1];
	struct pfs_dirent ent;
	struct pfs_stat st;
	pfs_dir_t *dir;
	int rc;

	rc = pfs_stat(job->fs, path, &st);
	if (rc) {
		job->failed++;
		tool_err("rebuild", path, rc);
		return;
	}
	if (!S_ISDIR(st.mode)) {
		rebuild_file(job, path);
		return;
	}
	rc = pfs_opendir(job->fs, path, &dir);
	if (rc) {
		job->failed++;
		tool_err("rebuild", path, rc);
		return;
	}
	while ((rc = pfs_readdir(dir, &ent)) > 0) {
		if (tool_join(path, ent.name, child, sizeof(child))) {
			job->failed++;
			continue;
		}
		rebuild_tree(job, child);
	}
	if (rc < 0) {
		job->failed++;
		tool_err("rebuild", path, rc);
	}
	pfs_closedir(dir);
}

static const struct option rebuild_opts[] = {
	{ "target", required_argument, NULL, 't' },
	{ "to", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int pfs_cmd_rebuild(int argc, char **argv)
{
	struct rebuild_job job = { .to = -1 };
	char path[PFS_PATH_MAX + 1];
	long long v;
	int opt, have = 0;

	while ((opt = getopt_long(argc, argv, ":h", rebuild_opts, NULL)) != -1) {
		if (opt == 'h')
			return tool_help("rebuild");
		if (opt == ':')
			return tool_usage_err("rebuild", "option '%s' needs a value", argv[optind - 1]);
		if (opt == '?')
			return tool_usage_err("rebuild", "invalid option '%s'", argv[optind - 1]);
		if (tool_parse_int(optarg, 0, 255, &v))
			return tool_usage_err("rebuild", "invalid target id '%s'", optarg);
		if (opt == 't') {
			job.lost = (uint32_t)v;
			have = 1;
		} else {
			job.to = (int32_t)v;
		}
	}
	if (!have)
		return tool_usage_err("rebuild", "--target is required");
	if (optind == argc)
		return tool_usage_err("rebuild", "missing operand");
	for (int i = optind; i < argc; i++)
		if (tool_pfs_path(argv[i], path, sizeof(path)))
			return tool_usage_err("rebuild", "'%s' is not a pfs: path", argv[i]);
	if (tool_connect("rebuild", &job.fs))
		return TOOL_EXIT_FAIL;
	for (int i = optind; i < argc; i++) {
		tool_pfs_path(argv[i], path, sizeof(path));
		rebuild_tree(&job, path);
	}
	pfs_disconnect(job.fs);
	printf("rebuild: %u file(s) rebuilt, %u failed\n", job.rebuilt, job.failed);
	return job.failed ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}
