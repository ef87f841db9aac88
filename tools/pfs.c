/* pfs.c - the pfs command (in the spirit of Lustre's lfs): the command table,
 * dispatch and the overall help. The subcommands live in pfs_ns.c (ls, stat,
 * mkdir, rmdir, rm, mv), pfs_stripe.c (setstripe, getstripe, df, scrub),
 * pfs_cp.c (cp, cat) and pfs_ec.c (health, rebuild); what they share is in
 * pfs_util.c. */
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

/* ------------------------------------------------------------------ */
/* dispatch                                                            */

static const struct tool_cmd cmds[] = {
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
	const struct tool_cmd *c;

	tool_register(cmds, sizeof(cmds) / sizeof(cmds[0]));
	if (argc < 2) {
		main_usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && tool_cmd_find(argv[2]))
			return tool_help(argv[2]);
		main_usage(stdout);
		return TOOL_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("pfs %s\n", PACKAGE_VERSION);
		return TOOL_EXIT_OK;
	}
	c = tool_cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "pfs: unknown command '%s'\n", argv[1]);
		main_usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	optind = 1;
	opterr = 0;
	return c->fn(argc - 1, argv + 1);
}
