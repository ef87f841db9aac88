/* mpi_test.h - tiny helpers the MPI test programs share: checked MPI calls,
 * the file name prefix from argv, the byte patterns. Assertions are the
 * harness's (pfs_test.h, used directly: cases are not forked under
 * mpirun); a failed one exits its rank non-zero, which fails the run. The
 * programs link tests/lib/pfs_test.c. */
#ifndef PFS_MPI_TEST_H
#define PFS_MPI_TEST_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/pfs_test.h"

static int mt_rank;

/* An MPI call that must succeed: the failure names the call and MPI's
 * error string. */
#define MT_MPI(call) do { \
	int mt_rc_ = (call); \
	if (mt_rc_ != MPI_SUCCESS) { \
		char mt_s_[MPI_MAX_ERROR_STRING]; \
		int mt_l_ = 0; \
		MPI_Error_string(mt_rc_, mt_s_, &mt_l_); \
		t_fail(__FILE__, __LINE__, "%s -> %s", #call, mt_s_); \
	} \
} while (0)

static inline void mt_init(int *argc, char ***argv)
{
	static char name[32];

	MPI_Init(argc, argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &mt_rank);
	snprintf(name, sizeof(name), "rank %d", mt_rank);
	t_name(name);
	MPI_File_set_errhandler(MPI_FILE_NULL, MPI_ERRORS_RETURN);
}

/* Name of a test file: argv[1] (default "pfs:") + "/" + name. */
static inline void mt_name(char *buf, size_t len, int argc, char **argv, const char *name)
{
	snprintf(buf, len, "%s/%s", argc > 1 ? argv[1] : "pfs:", name);
}

/* The byte expected at file offset off; salt keeps two tests' files apart. */
static inline unsigned char mt_pat(long off, int salt)
{
	return (unsigned char)(off * 131 + (off >> 8) * 7 + salt);
}

static inline void mt_fill(unsigned char *b, long off, long n, int salt)
{
	for (long i = 0; i < n; i++)
		b[i] = mt_pat(off + i, salt);
}

/* b holds the pattern for [off, off + n); else the first wrong byte
 * fails the rank. Returns 1 (for callers that test it). */
static inline int mt_verify(const unsigned char *b, long off, long n, int salt, const char *what)
{
	for (long i = 0; i < n; i++)
		T_CHECK(b[i] == mt_pat(off + i, salt), "%s: byte at %ld is %d want %d", what,
			off + i, b[i], mt_pat(off + i, salt));
	return 1;
}

static inline int mt_err_class(int rc)
{
	int c = rc;

	MPI_Error_class(rc, &c);
	return c;
}

/* Every rank got here: no check failed (a failure exits its rank at once).
 * Returns the exit status. */
static inline int mt_finish(const char *prog)
{
	MPI_Barrier(MPI_COMM_WORLD);
	if (mt_rank == 0)
		printf("%s: ok\n", prog);
	MPI_Finalize();
	return 0;
}

#endif /* PFS_MPI_TEST_H */
