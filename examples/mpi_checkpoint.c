/* mpi_checkpoint.c - an MPI simulation's N-to-1 checkpoint/restart on pfs: a 3-D
 * domain decomposition writes one shared file through a subarray file view and
 * MPI_File_write_all, then restarts on a different rank count (and so a
 * different decomposition) with MPI_File_read_all, verifies every value and
 * prints the bandwidth. A plain MPI program: with Open MPI the pfs OMPIO
 * components route "pfs:" names to pfs (see the README).
 *
 *   mpirun -np 4 mpi-checkpoint [--file pfs:/ckpt] [--size N] [--restart-ranks M]
 *          [--phase both|checkpoint|restart] [--striping-factor C] [--striping-unit B]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
	const char *file;
	int n;                  /* global cube edge, in cells */
	int restart_ranks;      /* 0: all ranks */
	const char *phase;
	const char *factor;
	const char *unit;
};

/* The value of global cell (i, j, k): exact in a double. */
static double cell(long i, long j, long k)
{
	return (double)i * 1e6 + (double)j * 1e3 + (double)k + 0.25;
}

/* This rank's block of an n^3 cube over a dims[0] x dims[1] x dims[2] grid. */
static void block(int n, const int dims[3], const int coords[3], int sub[3], int start[3])
{
	for (int d = 0; d < 3; d++) {
		int base = n / dims[d], rem = n % dims[d];

		sub[d] = base + (coords[d] < rem);
		start[d] = coords[d] * base + (coords[d] < rem ? coords[d] : rem);
	}
}

/* One collective pass over the file on comm: write (checkpoint) or read and
 * verify (restart). The local array has a one-cell halo, so the memory side
 * is a subarray too. Returns the number of wrong values (all ranks). */
static long pass(MPI_Comm comm, const struct opts *o, int write, double *secs, MPI_Info info)
{
	int rank, size, dims[3] = { 0, 0, 0 }, periods[3] = { 0 }, coords[3];
	int gsz[3] = { o->n, o->n, o->n }, sub[3], start[3], lsz[3], lstart[3] = { 1, 1, 1 };
	MPI_Comm cart;
	MPI_Datatype ftype, mtype;
	MPI_File fh;
	double *a, t0;
	long bad = 0, total_bad = 0;
	size_t cells;
	int rc;

	MPI_Comm_size(comm, &size);
	MPI_Dims_create(size, 3, dims);
	MPI_Cart_create(comm, 3, dims, periods, 0, &cart);
	MPI_Comm_rank(cart, &rank);
	MPI_Cart_coords(cart, rank, 3, coords);
	block(o->n, dims, coords, sub, start);
	for (int d = 0; d < 3; d++)
		lsz[d] = sub[d] + 2;
	cells = (size_t)lsz[0] * lsz[1] * lsz[2];
	a = malloc(cells * sizeof(double));
	if (!a)
		MPI_Abort(comm, 1);
	for (size_t x = 0; x < cells; x++)
		a[x] = -1.0;    /* halo and unread cells */
	if (write) {
		for (int i = 0; i < sub[0]; i++)
			for (int j = 0; j < sub[1]; j++)
				for (int k = 0; k < sub[2]; k++)
					a[((size_t)(i + 1) * lsz[1] + j + 1) * lsz[2] + k + 1] =
						cell(start[0] + i, start[1] + j, start[2] + k);
	}
	MPI_Type_create_subarray(3, gsz, sub, start, MPI_ORDER_C, MPI_DOUBLE, &ftype);
	MPI_Type_create_subarray(3, lsz, sub, lstart, MPI_ORDER_C, MPI_DOUBLE, &mtype);
	MPI_Type_commit(&ftype);
	MPI_Type_commit(&mtype);

	MPI_Barrier(cart);
	t0 = MPI_Wtime();
	rc = MPI_File_open(cart, o->file, write ? MPI_MODE_CREATE | MPI_MODE_WRONLY : MPI_MODE_RDONLY,
			   info, &fh);
	if (rc != MPI_SUCCESS) {
		char msg[MPI_MAX_ERROR_STRING];
		int len;

		MPI_Error_string(rc, msg, &len);
		fprintf(stderr, "rank %d: open %s: %s\n", rank, o->file, msg);
		MPI_Abort(comm, 1);
	}
	if (write)
		MPI_File_set_size(fh, 0);
	MPI_File_set_view(fh, 0, MPI_DOUBLE, ftype, "native", MPI_INFO_NULL);
	if (write) {
		rc = MPI_File_write_all(fh, a, 1, mtype, MPI_STATUS_IGNORE);
		if (rc == MPI_SUCCESS)
			rc = MPI_File_sync(fh);
	} else {
		rc = MPI_File_read_all(fh, a, 1, mtype, MPI_STATUS_IGNORE);
	}
	if (rc != MPI_SUCCESS) {
		fprintf(stderr, "rank %d: %s failed (%d)\n", rank, write ? "write_all" : "read_all", rc);
		bad++;
	}
	MPI_File_close(&fh);
	MPI_Barrier(cart);
	*secs = MPI_Wtime() - t0;

	if (!write) {
		for (int i = 0; i < sub[0]; i++)
			for (int j = 0; j < sub[1]; j++)
				for (int k = 0; k < sub[2]; k++) {
					double v = a[((size_t)(i + 1) * lsz[1] + j + 1) * lsz[2] + k + 1];

					if (v != cell(start[0] + i, start[1] + j, start[2] + k)) {
						if (bad < 5)
							fprintf(stderr, "rank %d: cell (%d,%d,%d) is %.2f\n",
								rank, start[0] + i, start[1] + j,
								start[2] + k, v);
						bad++;
					}
				}
	}
	MPI_Allreduce(&bad, &total_bad, 1, MPI_LONG, MPI_SUM, cart);
	if (rank == 0)
		printf("%s on %d ranks (%d x %d x %d): %.1f MiB in %.3f s, %.1f MiB/s%s\n",
		       write ? "checkpoint" : "restart   ", size, dims[0], dims[1], dims[2],
		       (double)o->n * o->n * o->n * sizeof(double) / 1048576.0, *secs,
		       (double)o->n * o->n * o->n * sizeof(double) / 1048576.0 / *secs,
		       write ? "" : (total_bad ? ", WRONG VALUES" : ", every value verified"));
	MPI_Type_free(&ftype);
	MPI_Type_free(&mtype);
	MPI_Comm_free(&cart);
	free(a);
	return total_bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: mpi-checkpoint [--file NAME] [--size N] [--restart-ranks M]\n"
		"       [--phase both|checkpoint|restart] [--striping-factor C] [--striping-unit B]\n");
}

int main(int argc, char **argv)
{
	struct opts o = { .file = "pfs:/checkpoint.dat", .n = 128, .phase = "both" };
	int rank, size, color, rc = 0;
	double secs;
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
	if (o.n < 1 || o.restart_ranks < 0 || o.restart_ranks > size) {
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
		rc |= pass(MPI_COMM_WORLD, &o, 1, &secs, info) != 0;
	if (strcmp(o.phase, "checkpoint")) {
		/* restart on a different number of ranks: the first M of them */
		int m = o.restart_ranks ? o.restart_ranks : size;

		color = rank < m ? 0 : MPI_UNDEFINED;
		MPI_Comm_split(MPI_COMM_WORLD, color, rank, &rcomm);
		if (rcomm != MPI_COMM_NULL) {
			rc |= pass(rcomm, &o, 0, &secs, info) != 0;
			MPI_Comm_free(&rcomm);
		}
	}
	MPI_Info_free(&info);
	MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	MPI_Finalize();
	return rc;
}
