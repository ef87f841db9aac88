/* mpi_test.h - tiny helpers the MPI test programs share: checked MPI calls,
 * failure reporting on every rank, the file name prefix from argv. */
#ifndef PFS_MPI_TEST_H
#define PFS_MPI_TEST_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int mt_failures;
static int mt_rank;

/* Reports a failed check with the MPI error string and keeps going. */
#define MT_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "[rank %d] FAIL %s:%d: ", mt_rank, __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		mt_failures++; \
	} \
} while (0)

#define MT_MPI(call) do { \
	int mt_rc_ = (call); \
	if (mt_rc_ != MPI_SUCCESS) { \
		char mt_s_[MPI_MAX_ERROR_STRING]; \
		int mt_l_ = 0; \
		MPI_Error_string(mt_rc_, mt_s_, &mt_l_); \
		fprintf(stderr, "[rank %d] FAIL %s:%d: %s -> %s\n", mt_rank, __FILE__, \
			__LINE__, #call, mt_s_); \
		mt_failures++; \
	} \
} while (0)

static inline void mt_init(int *argc, char ***argv)
{
	MPI_Init(argc, argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &mt_rank);
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

/* 1 when b holds the pattern for [off, off + n); otherwise reports the
 * first wrong byte and returns 0. */
static inline int mt_verify(const unsigned char *b, long off, long n, int salt, const char *what)
{
	for (long i = 0; i < n; i++) {
		if (b[i] != mt_pat(off + i, salt)) {
			MT_CHECK(0, "%s: byte at %ld is %d want %d", what, off + i, b[i],
				 mt_pat(off + i, salt));
			return 0;
		}
	}
	return 1;
}

static inline int mt_err_class(int rc)
{
	int c = rc;

	MPI_Error_class(rc, &c);
	return c;
}

/* Every rank's failures summed; rank 0 prints the verdict. Returns exit status. */
static inline int mt_finish(const char *prog)
{
	int total = 0;

	MPI_Allreduce(&mt_failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (mt_rank == 0)
		printf("%s: %s (%d failed checks)\n", prog, total ? "FAIL" : "ok", total);
	MPI_Finalize();
	return total ? 1 : 0;
}

#endif /* PFS_MPI_TEST_H */
