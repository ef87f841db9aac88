/* mpi_atomic.c - atomic mode on pfs: files is never silently non-atomic.
 * Default: MPI_File_set_atomicity(fh, 1) is refused with
 * MPI_ERR_UNSUPPORTED_OPERATION, the file stays non-atomic and I/O works.
 * With "fbtl" as argv[2] (run with OMPI_MCA_fs_pfs_atomicity_hook=0, so Open
 * MPI's io/ompio accepts atomic mode as it does by itself): every transfer on
 * the handle in atomic mode is refused and writes nothing (a collective write
 * is tried too and its result reported), and after set_atomicity(0) writes
 * work again. Usage: mpi_atomic DIR [fbtl] */
#include "mpi_test.h"

#define N 8192          /* bytes per rank, inside one stripe of the default layout */

/* Writes the rank's block [rank * N, +N) with salt and checks it reads back. */
static void write_and_check(MPI_File fh, int rank, int salt, const char *what)
{
	unsigned char *w = malloc(N), *r = malloc(N);
	MPI_Offset off = (MPI_Offset)rank * N;
	MPI_Status st;
	int cnt = -1;

	mt_fill(w, (long)off, N, salt);
	MT_MPI(MPI_File_write_at(fh, off, w, N, MPI_BYTE, &st));
	MPI_Get_count(&st, MPI_BYTE, &cnt);
	T_CHECK(cnt == N, "%s: write count %d", what, cnt);
	memset(r, 0, N);
	MT_MPI(MPI_File_read_at(fh, off, r, N, MPI_BYTE, &st));
	mt_verify(r, (long)off, N, salt, what);
	free(w);
	free(r);
}

/* The rank's block holds the pattern of salt (nothing else was written). */
static void check_block(MPI_File fh, int rank, int salt, const char *what)
{
	unsigned char *r = calloc(1, N);
	MPI_Status st;

	MT_MPI(MPI_File_read_at(fh, (MPI_Offset)rank * N, r, N, MPI_BYTE, &st));
	mt_verify(r, (long)rank * N, N, salt, what);
	free(r);
}

static void hooked(MPI_File fh, int rank)
{
	int rc, flag = -1;

	rc = MPI_File_set_atomicity(fh, 1);
	T_CHECK(mt_err_class(rc) == MPI_ERR_UNSUPPORTED_OPERATION,
		"set_atomicity(1): class %d, want MPI_ERR_UNSUPPORTED_OPERATION (%d)",
		mt_err_class(rc), MPI_ERR_UNSUPPORTED_OPERATION);
	MT_MPI(MPI_File_get_atomicity(fh, &flag));
	T_CHECK(flag == 0, "get_atomicity after the refusal: %d", flag);
	write_and_check(fh, rank, 11, "write after refused set_atomicity(1)");
	MT_MPI(MPI_File_set_atomicity(fh, 0));
	write_and_check(fh, rank, 12, "write after set_atomicity(0)");
}

static void fbtl(MPI_File fh, int rank)
{
	unsigned char *w = malloc(N), *r = malloc(N);
	MPI_Offset off = (MPI_Offset)rank * N;
	MPI_Request req;
	MPI_Status st;
	int rc, flag = -1, cnt = -1;

	write_and_check(fh, rank, 21, "write before atomic mode");
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_set_atomicity(fh, 1));      /* io/ompio accepts it */
	MT_MPI(MPI_File_get_atomicity(fh, &flag));
	T_CHECK(flag == 1, "get_atomicity: %d", flag);
	mt_fill(w, (long)off, N, 22);

	/* nonblocking: the request completes with the error class */
	rc = MPI_File_iwrite_at(fh, off, w, N, MPI_BYTE, &req);
	if (rc == MPI_SUCCESS)
		rc = MPI_Wait(&req, &st);
	T_CHECK(mt_err_class(rc) == MPI_ERR_UNSUPPORTED_OPERATION,
		"iwrite_at in atomic mode: class %d, want MPI_ERR_UNSUPPORTED_OPERATION (%d)",
		mt_err_class(rc), MPI_ERR_UNSUPPORTED_OPERATION);
	rc = MPI_File_iread_at(fh, off, r, N, MPI_BYTE, &req);
	if (rc == MPI_SUCCESS)
		rc = MPI_Wait(&req, &st);
	T_CHECK(mt_err_class(rc) == MPI_ERR_UNSUPPORTED_OPERATION,
		"iread_at in atomic mode: class %d", mt_err_class(rc));

	/* blocking: io/ompio 4.1.4 drops fbtl errors here, leaving a count of
	 * 0; a later Open MPI that passes the error on is fine too */
	rc = MPI_File_write_at(fh, off, w, N, MPI_BYTE, &st);
	if (rc == MPI_SUCCESS) {
		MPI_Get_count(&st, MPI_BYTE, &cnt);
		T_CHECK(cnt == 0, "write_at in atomic mode: success with count %d", cnt);
	} else {
		T_CHECK(mt_err_class(rc) == MPI_ERR_UNSUPPORTED_OPERATION,
			"write_at in atomic mode: class %d", mt_err_class(rc));
	}

	/* collective: reported, not asserted (which ranks see the error
	 * depends on the collective algorithm's aggregators) */
	rc = MPI_File_write_at_all(fh, off, w, N, MPI_BYTE, &st);
	cnt = -1;
	MPI_Get_count(&st, MPI_BYTE, &cnt);
	printf("[rank %d] write_at_all in atomic mode: class %d, count %d\n", rank,
	       mt_err_class(rc), rc == MPI_SUCCESS ? cnt : -1);

	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_set_atomicity(fh, 0));
	check_block(fh, rank, 21, "block after the refused writes (nothing written)");
	write_and_check(fh, rank, 23, "write after set_atomicity(0)");
	free(w);
	free(r);
}

int main(int argc, char **argv)
{
	char name[512];
	MPI_File fh;
	int rank, via_fbtl = argc > 2 && !strcmp(argv[2], "fbtl");

	mt_init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	mt_name(name, sizeof(name), argc, argv, via_fbtl ? "atomic-fbtl.dat" : "atomic.dat");
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR,
			     MPI_INFO_NULL, &fh));
	if (via_fbtl)
		fbtl(fh, rank);
	else
		hooked(fh, rank);
	MT_MPI(MPI_File_close(&fh));
	return mt_finish(via_fbtl ? "mpi_atomic (fbtl)" : "mpi_atomic");
}
