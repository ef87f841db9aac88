/* pfs_cmd.h - what the pieces of the pfs command share: argument and path
 * parsing, error and usage reporting, and the subcommand entry points. */
#ifndef PFS_CMD_H
#define PFS_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pfs.h"

/* Exit codes of every subcommand. */
#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAIL 1   /* an operation failed */
#define TOOL_EXIT_USAGE 2  /* bad command line */

#define TOOL_PREFIX "pfs:"

/* ---- arguments (pfs.c) ---- */

/* True when arg names a path in the file system ("pfs:..."). */
bool tool_is_pfs(const char *arg);
/* "pfs:/a//b/./c/" -> "/a/b/c" (".." resolved lexically). 0, -EINVAL when
 * arg is not "pfs:/...", -ENAMETOOLONG. */
int tool_pfs_path(const char *arg, char *out, size_t len);
/* Byte count with an optional K/M/G/T suffix (powers of 1024). 0 or -EINVAL
 * (syntax, overflow). */
int tool_parse_size(const char *s, uint64_t *out);
/* Decimal integer in [min, max]. 0 or -EINVAL. */
int tool_parse_int(const char *s, long long min, long long max, long long *out);
/* Applies one of the layout options -c COUNT, -S SIZE, -i FIRST to lo.
 * Returns 0, or TOOL_EXIT_USAGE after reporting the bad value. */
int tool_layout_opt(const char *cmd, int opt, const char *arg, struct pfs_layout *lo);
/* A request layout where every field means "default". */
void tool_layout_init(struct pfs_layout *lo);

/* dir + "/" + name into out; 0 or -ENAMETOOLONG. */
int tool_join(const char *dir, const char *name, char *out, size_t len);
/* The last component of a path ("" for "/"). */
const char *tool_basename(const char *path);
/* "1.5G"-style rendering of a byte count. */
void tool_human(uint64_t n, char *buf, size_t len);

/* ---- reporting (pfs.c) ---- */

/* "pfs: <cmd>: <what>: <pfs_strerror(err)>" on stderr. Returns TOOL_EXIT_FAIL. */
int tool_err(const char *cmd, const char *what, int err);
/* "pfs: <cmd>: <msg>", then the usage of cmd, on stderr. Returns TOOL_EXIT_USAGE. */
int tool_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Full help of cmd on stdout. Returns TOOL_EXIT_OK. */
int tool_help(const char *cmd);
/* pfs_connect(NULL), reporting failure. 0 or TOOL_EXIT_FAIL. */
int tool_connect(const char *cmd, pfs_fs_t **fs);

/* ---- data movement (pfs_cp.c) ---- */

int pfs_cmd_cp(int argc, char **argv);
int pfs_cmd_cat(int argc, char **argv);

/* ---- redundancy (pfs_ec.c) ---- */

int pfs_cmd_health(int argc, char **argv);
int pfs_cmd_rebuild(int argc, char **argv);

#endif /* PFS_CMD_H */
