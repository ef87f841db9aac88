/* bench_mpiio.c - the MPI-IO row of pfs_bench: every rank's share of one
 * file written and read N-to-1 with collective MPI-IO on a pfs: file, and
 * the same bytes file-per-process straight through libpfs, timed alike.
 * Usage: bench_mpiio BYTES_PER_RANK   (prints "name GiB/s" lines on rank 0) */
#include <fcntl.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pfs.h"

#define XFER (1u << 20)            /* one rank's block of the interleaving */
#define GiB (1024.0 * 1024.0 * 1024.0)

static int rank, nprocs;

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_mpiio: rank %d: %s: %d\n", rank, what, rc);
	MPI_Abort(MPI_COMM_WORLD, 1);
}

/* Aggregate GiB/s of nbytes per rank moved between two barriers. */
static double rate(double t0, size_t nbytes)
{
	double dt = MPI_Wtime() - t0, slowest;

	MPI_Allreduce(&dt, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	return (double)nbytes * nprocs / GiB / slowest;
}

/* N-to-1: rank r owns blocks r, r + P, r + 2P, ... (a vector view), written
 * and read with one collective call each. */
static void n_to_1(uint8_t *buf, size_t bytes, double *w, double *r)
{
	int nblocks = (int)(bytes / XFER), rc;
	MPI_Datatype blk, view;
	MPI_File fh;
	MPI_Info info;
	double t0;

	MPI_Type_contiguous(XFER, MPI_BYTE, &blk);
	MPI_Type_commit(&blk);
	MPI_Type_vector(nblocks, 1, nprocs, blk, &view);
	MPI_Type_commit(&view);
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", "-1");
	MPI_Info_set(info, "striping_unit", "1048576");
	rc = MPI_File_open(MPI_COMM_WORLD, "pfs:/mpiio-n1", MPI_MODE_CREATE | MPI_MODE_RDWR,
			   info, &fh);
	if (rc != MPI_SUCCESS)
		die("MPI_File_open", rc);
	MPI_File_set_view(fh, (MPI_Offset)rank * XFER, blk, view, "native", MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	rc = MPI_File_write_all(fh, buf, nblocks, blk, MPI_STATUS_IGNORE);
	if (rc == MPI_SUCCESS)
		rc = MPI_File_sync(fh);
	if (rc != MPI_SUCCESS)
		die("write_all", rc);
	*w = rate(t0, bytes);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	rc = MPI_File_read_all(fh, buf, nblocks, blk, MPI_STATUS_IGNORE);
	if (rc != MPI_SUCCESS)
		die("read_all", rc);
	*r = rate(t0, bytes);
	MPI_File_close(&fh);
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0)
		MPI_File_delete("pfs:/mpiio-n1", MPI_INFO_NULL);
	MPI_Info_free(&info);
	MPI_Type_free(&view);
	MPI_Type_free(&blk);
}

/* The same bytes, one file per rank, through libpfs, 1 MiB per call. */
static void per_process(uint8_t *buf, size_t bytes, double *w, double *r)
{
	struct pfs_layout l = { .stripe_count = PFS_STRIPE_ALL, .stripe_size = XFER,
				.first_target = -1 };
	char path[64];
	pfs_file_t *f;
	pfs_fs_t *fs;
	double t0;
	int rc;

	snprintf(path, sizeof(path), "/mpiio-fpp.%d", rank);
	rc = pfs_connect(NULL, &fs);
	if (rc)
		die("pfs_connect", rc);
	rc = pfs_open(fs, path, O_RDWR | O_CREAT | O_TRUNC, 0644, &l, &f);
	if (rc)
		die("pfs_open", rc);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	for (size_t off = 0; off < bytes; off += XFER)
		if (pfs_pwrite(f, buf + off, XFER, off) != XFER)
			die("pfs_pwrite", -1);
	if ((rc = pfs_fsync(f)))
		die("pfs_fsync", rc);
	*w = rate(t0, bytes);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	for (size_t off = 0; off < bytes; off += XFER)
		if (pfs_pread(f, buf + off, XFER, off) != XFER)
			die("pfs_pread", -1);
	*r = rate(t0, bytes);
	pfs_close(f);
	pfs_unlink(fs, path);
	pfs_disconnect(fs);
}

int main(int argc, char **argv)
{
	double nw, nr, fw, fr;
	size_t bytes;
	uint8_t *buf;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : 64u << 20;
	bytes = bytes / XFER * XFER;
	if (bytes == 0)
		die("BYTES_PER_RANK below 1 MiB", 0);
	buf = malloc(bytes);
	if (!buf)
		die("malloc", 0);
	memset(buf, 0x40 + rank, bytes);
	n_to_1(buf, bytes, &nw, &nr);
	per_process(buf, bytes, &fw, &fr);
	if (rank == 0)
		printf("mpiio-n1-write %.4f\nmpiio-n1-read %.4f\nmpiio-fpp-write %.4f\n"
		       "mpiio-fpp-read %.4f\n", nw, nr, fw, fr);
	free(buf);
	MPI_Finalize();
	return 0;
}
