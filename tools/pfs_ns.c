/* pfs_ns.c - the pfs subcommands over the namespace: ls, stat, mkdir, rmdir,
 * rm (recursive removal) and mv. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pfs_cmd.h"

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

int pfs_cmd_ls(int argc, char **argv)
{
	static char root[] = "pfs:/";
	char *dflt[] = { root };
	pfs_fs_t *fs = NULL;
	bool lng = false;
	int opt, rc, i, n, ret = TOOL_EXIT_OK;
	char **ops;

	while ((opt = getopt_long(argc, argv, ":lh", ls_opts, NULL)) != -1) {
		if (opt != 'l')
			return tool_opt_common("ls", opt, argv);
		lng = true;
	}
	n = argc - optind;
	ops = n ? argv + optind : dflt;
	if (n == 0)
		n = 1;
	rc = tool_check_operands("ls", n, ops, 1);
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
		tool_print_stored("Stored: ", size, stored);
	printf(" Inode: %" PRIu64 "\n", st->ino);
	printf(" Links: %" PRIu32 "\n", st->nlink);
	printf("  Mode: %04o (%s)\n", (unsigned)(st->mode & 07777), m);
	printf("Modify: %s (%" PRId64 " ns)\n", mt, st->mtime_ns);
	printf("Change: %s (%" PRId64 " ns)\n", ct, st->ctime_ns);
}

int pfs_cmd_stat(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	struct pfs_stat st;
	pfs_fs_t *fs = NULL;
	int rc, i, ret = TOOL_EXIT_OK;

	rc = tool_parse_plain("stat", argc, argv);
	if (rc >= 0)
		return rc;
	rc = tool_check_operands("stat", argc - optind, argv + optind, 1);
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

int pfs_cmd_mkdir(int argc, char **argv)
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
			return tool_opt_common("mkdir", opt, argv);
	}
	rc = tool_check_operands("mkdir", argc - optind, argv + optind, 1);
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

int pfs_cmd_rmdir(int argc, char **argv)
{
	char path[PFS_PATH_MAX + 1];
	pfs_fs_t *fs = NULL;
	int rc, i, ret = TOOL_EXIT_OK;

	rc = tool_parse_plain("rmdir", argc, argv);
	if (rc >= 0)
		return rc;
	rc = tool_check_operands("rmdir", argc - optind, argv + optind, 1);
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

int pfs_cmd_rm(int argc, char **argv)
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
			return tool_opt_common("rm", opt, argv);
	}
	rc = tool_check_operands("rm", argc - optind, argv + optind, 1);
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

int pfs_cmd_mv(int argc, char **argv)
{
	char src[PFS_PATH_MAX + 1], dst[PFS_PATH_MAX + 1];
	pfs_fs_t *fs = NULL;
	int rc;

	rc = tool_parse_plain("mv", argc, argv);
	if (rc >= 0)
		return rc;
	if (argc - optind != 2)
		return tool_usage_err("mv", "%s", argc - optind < 2 ? "missing operand" :
				      "too many operands");
	rc = tool_check_operands("mv", 2, argv + optind, 2);
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
