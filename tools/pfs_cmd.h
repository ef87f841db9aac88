/* pfs_cmd.h - what the pieces of the pfs command share: argument and path
 * parsing, error and usage reporting, option handling, and the subcommand
 * entry points (one file per group of subcommands). */
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

/* ---- the command table (pfs.c registers it, pfs_util.c reads it) ---- */

struct tool_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;   /* after "pfs NAME " */
	const char *summary;    /* one line for pfs --help */
	const char *help;       /* option details for pfs NAME --help */
};

void tool_register(const struct tool_cmd *cmds, size_t n);
/* The registered command called name, or NULL. */
const struct tool_cmd *tool_cmd_find(const char *name);

/* ---- arguments (pfs_util.c) ---- */

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
/* The "stored" line of getstripe and stat: bytes the objects occupy on the
 * targets' disks, after indent, with the logical/stored ratio. */
void tool_print_stored(const char *indent, uint64_t size, uint64_t stored);

/* ---- reporting (pfs_util.c) ---- */

/* "pfs: <cmd>: <what>: <pfs_strerror(err)>" on stderr. Returns TOOL_EXIT_FAIL. */
int tool_err(const char *cmd, const char *what, int err);
/* "pfs: <cmd>: <msg>", then the usage of cmd, on stderr. Returns TOOL_EXIT_USAGE. */
int tool_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Full help of cmd on stdout. Returns TOOL_EXIT_OK. */
int tool_help(const char *cmd);
/* pfs_connect(NULL), reporting failure. 0 or TOOL_EXIT_FAIL. */
int tool_connect(const char *cmd, pfs_fs_t **fs);

/* ---- option handling (pfs_util.c) ---- */

/* What getopt_long returned for an option the command does not handle
 * itself: --help prints the help (TOOL_EXIT_OK), anything else is a usage
 * error (TOOL_EXIT_USAGE). Option strings start with ':' and opterr is 0,
 * so the messages are ours. */
int tool_opt_common(const char *cmd, int opt, char **argv);
/* Parses a command that takes only --help: -1 when it was not given (the
 * operands are argv[optind..]), else the exit code to return. */
int tool_parse_plain(const char *cmd, int argc, char **argv);
/* Checks that there are at least min operands and that each is a pfs path.
 * 0 or TOOL_EXIT_USAGE after reporting. */
int tool_check_operands(const char *cmd, int argc, char **argv, int min);

/* ---- the subcommands: each takes its own argv (argv[0] is its name) and
 * returns an exit code ---- */

/* ---- namespace (pfs_ns.c) ---- */

int pfs_cmd_ls(int argc, char **argv);
int pfs_cmd_stat(int argc, char **argv);
int pfs_cmd_mkdir(int argc, char **argv);
int pfs_cmd_rmdir(int argc, char **argv);
int pfs_cmd_rm(int argc, char **argv);
int pfs_cmd_mv(int argc, char **argv);

/* ---- layouts and targets (pfs_stripe.c) ---- */

int pfs_cmd_setstripe(int argc, char **argv);
int pfs_cmd_getstripe(int argc, char **argv);
int pfs_cmd_df(int argc, char **argv);
int pfs_cmd_scrub(int argc, char **argv);

/* ---- data movement (pfs_cp.c) ---- */

int pfs_cmd_cp(int argc, char **argv);
int pfs_cmd_cat(int argc, char **argv);

/* ---- redundancy (pfs_ec.c) ---- */

int pfs_cmd_health(int argc, char **argv);
int pfs_cmd_rebuild(int argc, char **argv);

#endif /* PFS_CMD_H */
