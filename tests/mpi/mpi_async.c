/* mpi_async.c - nonblocking MPI-IO on pfs: files through the pfs fbtl's
 * ipwritev/ipreadv: a large iwrite overlaps computation (reported, never
 * timed), several requests in flight at once, strided views, the individual
 * file pointer, MPI_Request_free on a request in flight, and errors of the
 * transfer reaching MPI_Wait and MPI_Test.
 * Usage: mpi_async [PREFIX]  (default "pfs:") */
#include "mpi_test.h"

static int rank, nprocs;

#define SALT 3   /* this test's byte pattern (mt_pat) */

/* Some work the transfer can overlap with. */
static double compute(double x)
{
	for (int i = 0; i < 20000; i++)
		x = x * 0.999999 + 1e-7 * i;
	return x;
}

/* Tests req until done, computing in between; returns how many tests found
 * it still running. */
static long overlap(MPI_Request *req, MPI_Status *st, double *acc)
{
	long pending = 0;
	int flag = 0;

	for (;;) {
		MT_MPI(MPI_Test(req, &flag, st));
		if (flag || *req == MPI_REQUEST_NULL)
			break;
		pending++;
		*acc = compute(*acc);
	}
	return pending;
}

/* One large iwrite_at per rank, then iread_at of a neighbour's part. */
static void test_overlap(const char *name, MPI_Info info, long n)
{
	unsigned char *buf = malloc(n), *back = malloc(n);
	MPI_File fh = MPI_FILE_NULL;
	MPI_Request req;
	MPI_Status st;
	long off = (long)rank * n, noff = (long)((rank + 1) % nprocs) * n, wpend, rpend;
	long sum_w = 0, sum_r = 0;
	double acc = 1.0, t0, tpost;
	int cnt = -1;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	mt_fill(buf, off, n, SALT);
	t0 = MPI_Wtime();
	MT_MPI(MPI_File_iwrite_at(fh, off, buf, (int)n, MPI_BYTE, &req));
	tpost = MPI_Wtime() - t0;
	wpend = overlap(&req, &st, &acc);
	MPI_Get_count(&st, MPI_BYTE, &cnt);
	T_CHECK(cnt == n, "iwrite_at count %d want %ld", cnt, n);
	MT_MPI(MPI_File_sync(fh));
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_sync(fh));
	memset(back, 0, n);
	MT_MPI(MPI_File_iread_at(fh, noff, back, (int)n, MPI_BYTE, &req));
	rpend = overlap(&req, &st, &acc);
	MPI_Get_count(&st, MPI_BYTE, &cnt);
	T_CHECK(cnt == n, "iread_at count %d want %ld", cnt, n);
	mt_verify(back, noff, n, SALT, "iread_at after iwrite_at");
	MT_MPI(MPI_File_close(&fh));
	MPI_Reduce(&wpend, &sum_w, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
	MPI_Reduce(&rpend, &sum_r, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
	/* Not asserted (never assert speed): a blocking fbtl would show 0. */
	if (rank == 0)
		printf("overlap: %ld MiB per rank; rank 0 posted in %.6f s; MPI_Test found the "
		       "transfer running %ld times (write) and %ld times (read) over all ranks, "
		       "computing in between (%.3f)\n", n >> 20, tpost, sum_w, sum_r, acc);
	free(buf);
	free(back);
}

/* Several requests in flight on one file, over a strided view, and the
 * individual file pointer. */
static void test_many(const char *name, MPI_Info info)
{
	enum { NREQ = 6, BLK = 4096, NBLK = 48 };
	long part = (long)BLK * NBLK;
	unsigned char *buf = malloc(part * NREQ), *back = malloc(part * NREQ);
	MPI_File fh = MPI_FILE_NULL;
	MPI_Request req[NREQ];
	MPI_Status st[NREQ];
	MPI_Datatype ftype;
	int cnt;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	/* contiguous: NREQ requests at once, completed in any order */
	for (int r = 0; r < NREQ; r++) {
		long off = ((long)r * nprocs + rank) * part;

		mt_fill(buf + r * part, off, part, SALT);
		MT_MPI(MPI_File_iwrite_at(fh, off, buf + r * part, (int)part, MPI_BYTE, &req[r]));
	}
	for (int done = 0; done < NREQ; done++) {
		int idx = MPI_UNDEFINED;

		MT_MPI(MPI_Waitany(NREQ, req, &idx, st));
		T_CHECK(idx != MPI_UNDEFINED, "waitany gave no request");
		if (idx == MPI_UNDEFINED)
			break;
		MPI_Get_count(st, MPI_BYTE, &cnt);
		T_CHECK(cnt == part, "iwrite_at %d count %d", idx, cnt);
	}
	MT_MPI(MPI_File_sync(fh));
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_sync(fh));
	memset(back, 0, part * NREQ);
	for (int r = 0; r < NREQ; r++) {
		long off = ((long)r * nprocs + (rank + 1) % nprocs) * part;

		MT_MPI(MPI_File_iread_at(fh, off, back + r * part, (int)part, MPI_BYTE, &req[r]));
	}
	MT_MPI(MPI_Waitall(NREQ, req, st));
	for (int r = 0; r < NREQ; r++)
		mt_verify(back + r * part, ((long)r * nprocs + (rank + 1) % nprocs) * part, part,
			  SALT, "many iread_at");
	MPI_Barrier(MPI_COMM_WORLD);

	/* strided view: block i of this rank at file block i * nprocs + rank,
	 * written through the individual file pointer in two halves */
	MPI_Type_vector(NBLK, BLK, BLK * nprocs, MPI_BYTE, &ftype);
	MPI_Type_commit(&ftype);
	MT_MPI(MPI_File_set_view(fh, (MPI_Offset)part * NREQ * nprocs + (MPI_Offset)rank * BLK,
				 MPI_BYTE, ftype, "native", MPI_INFO_NULL));
	for (int i = 0; i < NBLK; i++)
		mt_fill(buf + (long)i * BLK, (long)(i * nprocs + rank) * BLK, BLK, SALT);
	MT_MPI(MPI_File_iwrite(fh, buf, (int)part / 2, MPI_BYTE, &req[0]));
	MT_MPI(MPI_File_iwrite(fh, buf + part / 2, (int)part / 2, MPI_BYTE, &req[1]));
	MT_MPI(MPI_Waitall(2, req, st));
	MT_MPI(MPI_File_sync(fh));
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_sync(fh));
	MT_MPI(MPI_File_set_view(fh, (MPI_Offset)part * NREQ * nprocs, MPI_BYTE, MPI_BYTE,
				 "native", MPI_INFO_NULL));
	memset(back, 0, part * nprocs > part * NREQ ? part * NREQ : part * nprocs);
	{
		long all = part * nprocs, chunk = all < part * NREQ ? all : part * NREQ;

		MT_MPI(MPI_File_iread_at(fh, 0, back, (int)chunk, MPI_BYTE, &req[0]));
		MT_MPI(MPI_Wait(&req[0], &st[0]));
		MPI_Get_count(&st[0], MPI_BYTE, &cnt);
		T_CHECK(cnt == chunk, "strided read back count %d want %ld", cnt, chunk);
		for (long i = 0; i < chunk; i += BLK) {
			if (!mt_verify(back + i, i, BLK, SALT, "strided iwrite"))
				break;
		}
	}
	/* a request freed while in flight: the data still lands */
	{
		long off = 0;
		MPI_Request r;

		MT_MPI(MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL));
		off = (long)part * NREQ * nprocs * 2 + (long)rank * part;
		mt_fill(buf, off, part, SALT);
		MT_MPI(MPI_File_iwrite_at(fh, off, buf, (int)part, MPI_BYTE, &r));
		MT_MPI(MPI_Request_free(&r));
		T_CHECK(r == MPI_REQUEST_NULL, "request not nulled by MPI_Request_free");
		MT_MPI(MPI_File_sync(fh));
		memset(back, 0, part);
		MT_MPI(MPI_File_read_at(fh, off, back, (int)part, MPI_BYTE, &st[0]));
		mt_verify(back, off, part, SALT, "after MPI_Request_free");
	}
	MPI_Type_free(&ftype);
	MT_MPI(MPI_File_close(&fh));
	free(buf);
	free(back);
}

/* A transfer libpfs refuses (past the largest file offset) fails the
 * request, not the post: MPI_Wait and MPI_Test return the error, through
 * the file's error handler (MPI_ERRORS_RETURN here). */
static void test_errors(const char *name, MPI_Info info)
{
	const MPI_Offset huge = (MPI_Offset)1 << 62;
	unsigned char buf[4096];
	MPI_File fh = MPI_FILE_NULL;
	MPI_Request req;
	MPI_Status st;
	int rc, flag = 0;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	MT_MPI(MPI_File_set_errhandler(fh, MPI_ERRORS_RETURN));
	memset(buf, 7, sizeof(buf));

	rc = MPI_File_iwrite_at(fh, huge - 100, buf, sizeof(buf), MPI_BYTE, &req);
	T_CHECK(rc == MPI_SUCCESS, "iwrite_at past the limit failed at post (%d)", rc);
	if (rc == MPI_SUCCESS) {
		rc = MPI_Wait(&req, &st);
		T_CHECK(mt_err_class(rc) == MPI_ERR_IO, "MPI_Wait on a failed iwrite: class %d want %d",
			mt_err_class(rc), MPI_ERR_IO);
	}
	rc = MPI_File_iread_at(fh, huge - 100, buf, sizeof(buf), MPI_BYTE, &req);
	T_CHECK(rc == MPI_SUCCESS, "iread_at past the limit failed at post (%d)", rc);
	if (rc == MPI_SUCCESS) {
		do {
			rc = MPI_Test(&req, &flag, &st);
		} while (rc == MPI_SUCCESS && !flag);
		T_CHECK(mt_err_class(rc) == MPI_ERR_IO, "MPI_Test on a failed iread: class %d want %d",
			mt_err_class(rc), MPI_ERR_IO);
	}
	/* one good and one failing request in a Waitall */
	{
		MPI_Request two[2];
		MPI_Status sts[2];

		mt_fill(buf, 0, sizeof(buf), SALT);
		MT_MPI(MPI_File_iwrite_at(fh, (MPI_Offset)rank * 4096, buf, 4096, MPI_BYTE, &two[0]));
		MT_MPI(MPI_File_iwrite_at(fh, huge, buf, 4096, MPI_BYTE, &two[1]));
		rc = MPI_Waitall(2, two, sts);
		T_CHECK(mt_err_class(rc) == MPI_ERR_IN_STATUS, "Waitall with a failure: class %d",
			mt_err_class(rc));
		if (mt_err_class(rc) == MPI_ERR_IN_STATUS) {
			/* the good one completed, or is still pending (Open MPI stops
			 * waiting at the first error): then wait for it */
			T_CHECK(sts[0].MPI_ERROR == MPI_SUCCESS || sts[0].MPI_ERROR == MPI_ERR_PENDING,
				"good request status %d", sts[0].MPI_ERROR);
			if (sts[0].MPI_ERROR == MPI_ERR_PENDING)
				MT_MPI(MPI_Wait(&two[0], &sts[0]));
			T_CHECK(mt_err_class(sts[1].MPI_ERROR) == MPI_ERR_IO, "bad request status %d",
				sts[1].MPI_ERROR);
		}
	}
	/* the file still works */
	mt_fill(buf, 0, sizeof(buf), SALT);
	MT_MPI(MPI_File_iwrite_at(fh, (MPI_Offset)rank * 4096, buf, 4096, MPI_BYTE, &req));
	MT_MPI(MPI_Wait(&req, &st));
	MT_MPI(MPI_File_close(&fh));
}

int main(int argc, char **argv)
{
	char name[512];
	MPI_Info info;
	long mib = 8;
	const char *e = getenv("PFS_MPI_ASYNC_MIB");

	mt_init(&argc, &argv);
	rank = mt_rank;
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	if (e && atol(e) > 0 && atol(e) < 1024)
		mib = atol(e);
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", "4");
	MPI_Info_set(info, "striping_unit", "1048576");
	mt_name(name, sizeof(name), argc, argv, "async_overlap");
	test_overlap(name, info, mib << 20);
	mt_name(name, sizeof(name), argc, argv, "async_many");
	test_many(name, info);
	mt_name(name, sizeof(name), argc, argv, "async_errors");
	test_errors(name, info);
	MPI_Info_free(&info);
	return mt_finish("mpi_async");
}
