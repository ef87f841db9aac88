/* pnetcdf_pfs.c - Debian's PnetCDF (built on Open MPI), unmodified, on a pfs:
 * file: a 3-D variable written collectively by slabs (ncmpi_open cannot
 * read pfs: files back: see below). Usage: pnetcdf_pfs pfs:/path/file.nc
 * A failed check exits its rank non-zero (pfs_test.h, compiled alongside). */
#include <mpi.h>
#include <pnetcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include "../lib/pfs_test.h"

#define NZ 37
#define NY 41
#define NX 29

static void slab(int r, int p, MPI_Offset *start, MPI_Offset *count)
{
	int base = NZ / p, rem = NZ % p;

	*start = r * base + (r < rem ? r : rem);
	*count = base + (r < rem);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "pfs:/nctest.nc";
	static char who[32];
	int rank, np, ncid, dim[3], var, err;
	MPI_Offset start[3] = { 0, 0, 0 }, count[3] = { 0, NY, NX };
	int *buf;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &np);
	snprintf(who, sizeof(who), "rank %d", rank);
	t_name(who);
	err = ncmpi_create(MPI_COMM_WORLD, name, NC_CLOBBER | NC_64BIT_DATA, MPI_INFO_NULL, &ncid);
	T_CHECK(err == NC_NOERR, "create %s: %s", name, ncmpi_strerror(err));
	ncmpi_def_dim(ncid, "z", NZ, &dim[0]);
	ncmpi_def_dim(ncid, "y", NY, &dim[1]);
	ncmpi_def_dim(ncid, "x", NX, &dim[2]);
	ncmpi_def_var(ncid, "v", NC_INT, 3, dim, &var);
	ncmpi_enddef(ncid);
	slab(rank, np, &start[0], &count[0]);
	buf = malloc(sizeof(int) * (size_t)(count[0] ? count[0] : 1) * NY * NX);
	for (long i = 0; i < count[0] * NY * NX; i++)
		buf[i] = (int)(start[0] * NY * NX + i);
	err = ncmpi_put_vara_int_all(ncid, var, start, count, buf);
	T_CHECK(err == NC_NOERR, "put_vara_int_all: %s", ncmpi_strerror(err));
	err = ncmpi_close(ncid);
	T_CHECK(err == NC_NOERR, "close: %s", ncmpi_strerror(err));
	free(buf);

	/* PnetCDF 1.12's ncmpi_open first checks the format with POSIX open()
	 * on the name without its prefix, so it cannot open pfs: files; check
	 * the size through MPI-IO instead (header + NZ*NY*NX ints). */
	{
		MPI_File fh;
		MPI_Offset size = 0;

		T_CHECK(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) ==
			MPI_SUCCESS, "MPI_File_open %s", name);
		T_CHECK(MPI_File_get_size(fh, &size) == MPI_SUCCESS, "MPI_File_get_size");
		T_CHECK(size >= (MPI_Offset)NZ * NY * NX * 4, "size %lld too small",
			(long long)size);
		MPI_File_close(&fh);
	}
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0)
		printf("pnetcdf_pfs: ok\n");
	MPI_Finalize();
	return 0;
}
