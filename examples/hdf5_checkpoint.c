/* hdf5_checkpoint.c - the checkpoint/restart job through parallel HDF5 on pfs: a
 * 3-D domain decomposition writes one chunked 3-D dataset collectively, each
 * rank selecting its block with a hyperslab (and its interior, without the
 * halo, on the memory side), then restarts on a different rank count, reads
 * its new block collectively, verifies every value and prints the bandwidth.
 * Plain HDF5 over MPI-IO: with Open MPI the pfs OMPIO components route "pfs:"
 * names to pfs. Built only when parallel HDF5 is installed (else it says so
 * and exits 77).
 *
 *   mpirun -np 4 hdf5-checkpoint [--file pfs:/ckpt.h5] [--size N] [--chunk C]
 *          [--restart-ranks M] [--phase both|checkpoint|restart]
 *          [--striping-factor C] [--striping-unit B]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PFS_NO_HDF5
int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "hdf5-checkpoint: built without parallel HDF5 "
		"(install libhdf5-openmpi-dev and rebuild)\n");
	return 77;
}
#else
#include <hdf5.h>

struct opts {
	const char *file;
	int n;                  /* global cube edge, in cells */
	int chunk;              /* chunk edge, in cells */
	int restart_ranks;      /* 0: all ranks */
	const char *phase;
	const char *factor;
	const char *unit;
};

/* The value of global cell (i, j, k): exact in a double. */
static double cell(long i, long j, long k)
{
	return (double)i * 1e6 + (double)j * 1e3 + (double)k + 0.5;
}

/* This rank's block of an n^3 cube over a dims[0] x dims[1] x dims[2] grid. */
static void block(int n, const int dims[3], const int coords[3], hsize_t sub[3], hsize_t start[3])
{
	for (int d = 0; d < 3; d++) {
		int base = n / dims[d], rem = n % dims[d];

		sub[d] = (hsize_t)(base + (coords[d] < rem));
		start[d] = (hsize_t)(coords[d] * base + (coords[d] < rem ? coords[d] : rem));
	}
}

static hid_t fapl_for(MPI_Comm comm, MPI_Info info, const struct opts *o)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	long unit = o->unit ? atol(o->unit) : 0;

	H5Pset_fapl_mpio(fapl, comm, info);
	/* every collective metadata operation, so no rank reads metadata alone */
	H5Pset_all_coll_metadata_ops(fapl, 1);
	H5Pset_coll_metadata_write(fapl, 1);
	/* chunks of a stripe or more start on a stripe boundary */
	if (unit > 0)
		H5Pset_alignment(fapl, (hsize_t)unit, (hsize_t)unit);
	return fapl;
}

/* One collective pass: write (checkpoint) or read and verify (restart).
 * Returns the number of wrong values over all ranks (or 1 on an error). */
static long pass(MPI_Comm comm, const struct opts *o, int write, MPI_Info info)
{
	int rank, size, dims[3] = { 0, 0, 0 }, periods[3] = { 0 }, coords[3];
	hsize_t gdims[3], sub[3], start[3], ldims[3], lstart[3] = { 1, 1, 1 }, cdims[3];
	hid_t fapl, dxpl, file = -1, fspace = -1, mspace = -1, dset = -1, dcpl = -1, attr;
	MPI_Comm cart;
	double *a, t0, secs, mib;
	long bad = 0, total_bad = 0;
	size_t cells;
	herr_t herr = 0;

	MPI_Comm_size(comm, &size);
	MPI_Dims_create(size, 3, dims);
	MPI_Cart_create(comm, 3, dims, periods, 0, &cart);
	MPI_Comm_rank(cart, &rank);
	MPI_Cart_coords(cart, rank, 3, coords);
	block(o->n, dims, coords, sub, start);
	for (int d = 0; d < 3; d++) {
		gdims[d] = (hsize_t)o->n;
		ldims[d] = sub[d] + 2;  /* one-cell halo */
		cdims[d] = (hsize_t)(o->chunk < o->n ? o->chunk : o->n);
	}
	cells = (size_t)(ldims[0] * ldims[1] * ldims[2]);
	a = malloc(cells * sizeof(double));
	if (!a)
		MPI_Abort(comm, 1);
	for (size_t x = 0; x < cells; x++)
		a[x] = -1.0;    /* halo and unread cells */
	if (write) {
		for (hsize_t i = 0; i < sub[0]; i++)
			for (hsize_t j = 0; j < sub[1]; j++)
				for (hsize_t k = 0; k < sub[2]; k++)
					a[((i + 1) * ldims[1] + j + 1) * ldims[2] + k + 1] =
						cell((long)(start[0] + i), (long)(start[1] + j),
						     (long)(start[2] + k));
	}

	fapl = fapl_for(cart, info, o);
	dxpl = H5Pcreate(H5P_DATASET_XFER);
	H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
	MPI_Barrier(cart);
	t0 = MPI_Wtime();
	if (write) {
		file = H5Fcreate(o->file, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
		if (file >= 0) {
			int nranks = size;

			fspace = H5Screate_simple(3, gdims, NULL);
			dcpl = H5Pcreate(H5P_DATASET_CREATE);
			H5Pset_chunk(dcpl, 3, cdims);
			/* allocate every chunk at create, collectively, and never
			 * write fill values: the checkpoint covers the whole cube */
			H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
			H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
			dset = H5Dcreate2(file, "field", H5T_NATIVE_DOUBLE, fspace, H5P_DEFAULT, dcpl,
					  H5P_DEFAULT);
			mspace = H5Screate_simple(1, (hsize_t[]){ 1 }, NULL);
			attr = H5Acreate2(dset, "ranks", H5T_NATIVE_INT, mspace, H5P_DEFAULT,
					  H5P_DEFAULT);
			herr |= H5Awrite(attr, H5T_NATIVE_INT, &nranks);
			H5Aclose(attr);
			H5Sclose(mspace);
		}
	} else {
		file = H5Fopen(o->file, H5F_ACC_RDONLY, fapl);
		if (file >= 0) {
			dset = H5Dopen2(file, "field", H5P_DEFAULT);
			fspace = dset >= 0 ? H5Dget_space(dset) : -1;
		}
	}
	if (file < 0 || dset < 0 || fspace < 0) {
		fprintf(stderr, "rank %d: cannot %s %s\n", rank, write ? "create" : "open", o->file);
		MPI_Abort(comm, 1);
	}
	if (!write) {
		hsize_t have[3] = { 0, 0, 0 };

		H5Sget_simple_extent_dims(fspace, have, NULL);
		if (have[0] != gdims[0] || have[1] != gdims[1] || have[2] != gdims[2]) {
			fprintf(stderr, "rank %d: %s holds a %llu^3 field, want %d^3\n", rank,
				o->file, (unsigned long long)have[0], o->n);
			MPI_Abort(comm, 1);
		}
	}
	/* file side: this rank's block; memory side: the interior of the
	 * local array (every rank takes part, even with an empty block) */
	mspace = H5Screate_simple(3, ldims, NULL);
	if (sub[0] && sub[1] && sub[2]) {
		herr |= H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, sub, NULL);
		herr |= H5Sselect_hyperslab(mspace, H5S_SELECT_SET, lstart, NULL, sub, NULL);
	} else {
		herr |= H5Sselect_none(fspace);
		herr |= H5Sselect_none(mspace);
	}
	if (write)
		herr |= H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, a);
	else
		herr |= H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, a);
	H5Sclose(mspace);
	H5Sclose(fspace);
	H5Dclose(dset);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (write)
		herr |= H5Fflush(file, H5F_SCOPE_GLOBAL);
	herr |= H5Fclose(file);
	MPI_Barrier(cart);
	secs = MPI_Wtime() - t0;
	if (herr < 0) {
		fprintf(stderr, "rank %d: HDF5 %s failed\n", rank, write ? "write" : "read");
		bad++;
	}

	if (!write) {
		for (hsize_t i = 0; i < sub[0]; i++)
			for (hsize_t j = 0; j < sub[1]; j++)
				for (hsize_t k = 0; k < sub[2]; k++) {
					double v = a[((i + 1) * ldims[1] + j + 1) * ldims[2] + k + 1];
					long gi = (long)(start[0] + i), gj = (long)(start[1] + j);
					long gk = (long)(start[2] + k);

					if (v != cell(gi, gj, gk)) {
						if (bad < 5)
							fprintf(stderr, "rank %d: cell (%ld,%ld,%ld) is %.2f\n",
								rank, gi, gj, gk, v);
						bad++;
					}
				}
		/* the halo was not touched by the read */
		for (size_t x = 0; x < cells && !bad; x++) {
			size_t i = x / (ldims[1] * ldims[2]), j = x / ldims[2] % ldims[1];
			size_t k = x % ldims[2];

			if ((i == 0 || j == 0 || k == 0 || i > sub[0] || j > sub[1] || k > sub[2]) &&
			    a[x] != -1.0) {
				fprintf(stderr, "rank %d: halo cell %zu overwritten\n", rank, x);
				bad++;
			}
		}
	}
	MPI_Allreduce(&bad, &total_bad, 1, MPI_LONG, MPI_SUM, cart);
	mib = (double)o->n * o->n * o->n * sizeof(double) / 1048576.0;
	if (rank == 0)
		printf("hdf5 %s on %d ranks (%d x %d x %d), chunks %llu^3: %.1f MiB in %.3f s, "
		       "%.1f MiB/s%s\n", write ? "checkpoint" : "restart   ", size, dims[0], dims[1],
		       dims[2], (unsigned long long)cdims[0], mib, secs, mib / secs,
		       write ? (total_bad ? ", FAILED" : "")
			     : (total_bad ? ", WRONG VALUES" : ", every value verified"));
	H5Pclose(dxpl);
	H5Pclose(fapl);
	MPI_Comm_free(&cart);
	free(a);
	return total_bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: hdf5-checkpoint [--file NAME] [--size N] [--chunk C] "
		"[--restart-ranks M]\n"
		"       [--phase both|checkpoint|restart] [--striping-factor C] "
		"[--striping-unit B]\n");
}

int main(int argc, char **argv)
{
	struct opts o = { .file = "pfs:/checkpoint.h5", .n = 128, .chunk = 32, .phase = "both" };
	int rank, size, color, rc = 0;
	MPI_Comm rcomm;
	MPI_Info info;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--file") && v)
			o.file = argv[++i];
		else if (!strcmp(argv[i], "--size") && v)
			o.n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--chunk") && v)
			o.chunk = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--restart-ranks") && v)
			o.restart_ranks = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--phase") && v)
			o.phase = argv[++i];
		else if (!strcmp(argv[i], "--striping-factor") && v)
			o.factor = argv[++i];
		else if (!strcmp(argv[i], "--striping-unit") && v)
			o.unit = argv[++i];
		else {
			if (rank == 0)
				usage();
			MPI_Finalize();
			return 2;
		}
	}
	if (o.n < 1 || o.chunk < 1 || o.restart_ranks < 0 || o.restart_ranks > size ||
	    (strcmp(o.phase, "both") && strcmp(o.phase, "checkpoint") &&
	     strcmp(o.phase, "restart"))) {
		if (rank == 0)
			usage();
		MPI_Finalize();
		return 2;
	}
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", o.factor ? o.factor : "-1");
	if (o.unit)
		MPI_Info_set(info, "striping_unit", o.unit);

	if (strcmp(o.phase, "restart"))
		rc |= pass(MPI_COMM_WORLD, &o, 1, info) != 0;
	if (strcmp(o.phase, "checkpoint")) {
		/* restart on a different number of ranks: the first M of them */
		int m = o.restart_ranks ? o.restart_ranks : size;

		color = rank < m ? 0 : MPI_UNDEFINED;
		MPI_Comm_split(MPI_COMM_WORLD, color, rank, &rcomm);
		if (rcomm != MPI_COMM_NULL) {
			rc |= pass(rcomm, &o, 0, info) != 0;
			MPI_Comm_free(&rcomm);
		}
	}
	MPI_Info_free(&info);
	MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	MPI_Finalize();
	return rc;
}
#endif /* PFS_NO_HDF5 */
