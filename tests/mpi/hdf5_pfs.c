/* hdf5_pfs.c - Debian's parallel HDF5 (Open MPI build), unmodified, on a pfs:
 * file: a contiguous and a chunked 2-D dataset written collectively by row
 * blocks, read back collectively by a different split, every value checked.
 * Usage: hdf5_pfs pfs:/path/file.h5
 * A failed check exits its rank non-zero (pfs_test.h, compiled alongside). */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include "../lib/pfs_test.h"

#define NX 203
#define NY 157

static int rows(int r, int p, hsize_t *start)
{
	int base = NX / p, rem = NX % p;

	*start = (hsize_t)(r * base + (r < rem ? r : rem));
	return base + (r < rem);
}

static void run(const char *name, int chunked, int rank, int np)
{
	hsize_t dims[2] = { NX, NY }, chunk[2] = { 32, 64 }, start[2] = { 0, 0 }, count[2];
	hid_t fapl, dxpl, file, space, mspace, dset, dcpl;
	int n;
	double *buf;
	const char *dname = chunked ? "chunked" : "contiguous";

	fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
	dxpl = H5Pcreate(H5P_DATASET_XFER);
	H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
	file = chunked ? H5Fopen(name, H5F_ACC_RDWR, fapl)
		       : H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	T_CHECK(file >= 0, "create %s", name);
	space = H5Screate_simple(2, dims, NULL);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (chunked)
		H5Pset_chunk(dcpl, 2, chunk);
	dset = H5Dcreate2(file, dname, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	n = rows(rank, np, &start[0]);
	count[0] = (hsize_t)n;
	count[1] = NY;
	buf = malloc(sizeof(double) * (size_t)(n ? n : 1) * NY);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < NY; j++)
			buf[i * NY + j] = (double)(start[0] + i) * 1000.0 + j + chunked;
	H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
	mspace = H5Screate_simple(2, count, NULL);
	T_CHECK(H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, space, dxpl, buf) >= 0, "%s: write",
		dname);
	H5Sclose(mspace);
	H5Dclose(dset);
	H5Fclose(file);

	/* read back with the ranks' blocks reversed */
	file = H5Fopen(name, H5F_ACC_RDONLY, fapl);
	T_CHECK(file >= 0, "reopen %s", name);
	dset = H5Dopen2(file, dname, H5P_DEFAULT);
	n = rows(np - 1 - rank, np, &start[0]);
	count[0] = (hsize_t)n;
	free(buf);
	buf = calloc((size_t)(n ? n : 1) * NY, sizeof(double));
	H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
	mspace = H5Screate_simple(2, count, NULL);
	T_CHECK(H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, space, dxpl, buf) >= 0, "%s: read",
		dname);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < NY; j++)
			T_CHECK(buf[i * NY + j] == (double)(start[0] + i) * 1000.0 + j + chunked,
				"%s[%d][%d] wrong", dname, (int)start[0] + i, j);
	free(buf);
	H5Sclose(mspace);
	H5Sclose(space);
	H5Pclose(dcpl);
	H5Dclose(dset);
	H5Fclose(file);
	H5Pclose(dxpl);
	H5Pclose(fapl);
}

int main(int argc, char **argv)
{
	static char who[32];
	int rank, np;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &np);
	snprintf(who, sizeof(who), "rank %d", rank);
	t_name(who);
	run(argc > 1 ? argv[1] : "pfs:/h5test.h5", 0, rank, np);
	run(argc > 1 ? argv[1] : "pfs:/h5test.h5", 1, rank, np);
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0)
		printf("hdf5_pfs: ok\n");
	MPI_Finalize();
	return 0;
}
