/* h5_pfs.c - parallel HDF5 on a pfs: file through MPI-IO: every rank writes
 * its rows of a contiguous and of a chunked 2-D dataset collectively, the file
 * is reopened and read back collectively and checked. Prints "h5_pfs: ok".
 *   h5_pfs pfs:/path/file.h5
 * A failed check exits its rank non-zero (pfs_test.h, compiled alongside). */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include "../lib/pfs_test.h"

#define ROWS 33         /* rows per rank (odd: chunks straddle ranks) */
#define COLS 1000

static int val(int r, int c)
{
	return r * 7919 + c;
}

static void write_set(hid_t file, const char *name, hid_t dcpl, int rank, int nprocs,
		     const int *buf)
{
	hsize_t dims[2] = { (hsize_t)ROWS * nprocs, COLS };
	hsize_t start[2] = { (hsize_t)ROWS * rank, 0 }, count[2] = { ROWS, COLS };
	hid_t space = H5Screate_simple(2, dims, NULL), mem = H5Screate_simple(2, count, NULL);
	hid_t dset = H5Dcreate2(file, name, H5T_NATIVE_INT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
	herr_t rc;

	H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
	H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
	rc = H5Dwrite(dset, H5T_NATIVE_INT, mem, space, dxpl, buf);
	T_CHECK(rc >= 0, "%s: write", name);
	H5Pclose(dxpl);
	H5Dclose(dset);
	H5Sclose(mem);
	H5Sclose(space);
}

static void read_check(hid_t file, const char *name, int rank, int nprocs)
{
	/* every rank reads the rows of its neighbour, collectively */
	int peer = (rank + 1) % nprocs;
	hsize_t start[2] = { (hsize_t)ROWS * peer, 0 }, count[2] = { ROWS, COLS };
	hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
	hid_t space = H5Dget_space(dset), mem = H5Screate_simple(2, count, NULL);
	hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
	int *buf = malloc(sizeof(int) * ROWS * COLS);

	H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
	H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
	T_CHECK(H5Dread(dset, H5T_NATIVE_INT, mem, space, dxpl, buf) >= 0, "%s: read", name);
	for (int r = 0; r < ROWS; r++)
		for (int c = 0; c < COLS; c++)
			T_CHECK(buf[r * COLS + c] == val(ROWS * peer + r, c), "%s[%d][%d] = %d, want %d",
				name, ROWS * peer + r, c, buf[r * COLS + c], val(ROWS * peer + r, c));
	free(buf);
	H5Pclose(dxpl);
	H5Sclose(mem);
	H5Sclose(space);
	H5Dclose(dset);
}

int main(int argc, char **argv)
{
	static char who[32];
	int rank, nprocs;
	hid_t fapl, file, dcpl;
	hsize_t chunk[2] = { 16, 128 };
	int *buf;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	snprintf(who, sizeof(who), "rank %d", rank);
	t_name(who);
	if (argc != 2) {
		if (!rank)
			fprintf(stderr, "usage: %s pfs:/file.h5\n", argv[0]);
		MPI_Finalize();
		return 2;
	}
	buf = malloc(sizeof(int) * ROWS * COLS);
	for (int r = 0; r < ROWS; r++)
		for (int c = 0; c < COLS; c++)
			buf[r * COLS + c] = val(ROWS * rank + r, c);

	fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
	file = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	T_CHECK(file >= 0, "create %s", argv[1]);
	write_set(file, "contiguous", H5P_DEFAULT, rank, nprocs, buf);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_chunk(dcpl, 2, chunk);
	write_set(file, "chunked", dcpl, rank, nprocs, buf);
	H5Pclose(dcpl);
	T_CHECK(H5Fclose(file) >= 0, "close %s", argv[1]);
	file = H5Fopen(argv[1], H5F_ACC_RDONLY, fapl);
	T_CHECK(file >= 0, "reopen %s", argv[1]);
	read_check(file, "contiguous", rank, nprocs);
	read_check(file, "chunked", rank, nprocs);
	T_CHECK(H5Fclose(file) >= 0, "close %s", argv[1]);
	H5Pclose(fapl);
	MPI_Barrier(MPI_COMM_WORLD);
	if (!rank)
		printf("h5_pfs: ok (%d ranks, %s)\n", nprocs, argv[1]);
	free(buf);
	MPI_Finalize();
	return 0;
}
