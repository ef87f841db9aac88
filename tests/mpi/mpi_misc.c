/* mpi_misc.c - the rest of MPI-IO on pfs: files: zero-length and unaligned
 * requests, a write straddling stripes, nonblocking I/O, reads past end of
 * file, set_size/get_size, sync, delete, MPI_ERR_NO_SUCH_FILE for a missing
 * file, MPI_MODE_EXCL, DELETE_ON_CLOSE, file per process on COMM_SELF.
 * Usage: mpi_misc [PREFIX]  (default "pfs:") */
#include "mpi_test.h"

static int rank, nprocs;

#define SALT 1   /* this test's byte pattern (mt_pat) */

static MPI_File open_fresh(const char *name, MPI_Info info)
{
	MPI_File fh = MPI_FILE_NULL;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_WRONLY, info, &fh));
	return fh;
}

static void test_small_and_unaligned(const char *name, MPI_Info info)
{
	MPI_File fh = open_fresh(name, info);
	unsigned char buf[4096], back[4096];
	MPI_Status st;
	int cnt;
	long off = 13 + 777L * rank;

	/* zero-length, collective and independent */
	MT_MPI(MPI_File_write_at_all(fh, 0, buf, 0, MPI_BYTE, &st));
	MPI_Get_count(&st, MPI_BYTE, &cnt);
	T_CHECK(cnt == 0, "zero write_all count %d", cnt);
	MT_MPI(MPI_File_write_at(fh, 5, buf, 0, MPI_BYTE, &st));
	/* unaligned independent writes of 777 bytes */
	mt_fill(buf, off, 777, SALT);
	MT_MPI(MPI_File_write_at(fh, off, buf, 777, MPI_BYTE, &st));
	MPI_Get_count(&st, MPI_BYTE, &cnt);
	T_CHECK(cnt == 777, "write_at count %d", cnt);
	MT_MPI(MPI_File_sync(fh));
	MPI_Barrier(MPI_COMM_WORLD);
	/* read a neighbour's bytes through the write-only handle's file (OMPIO
	 * opens it read-write); read independently */
	{
		long noff = 13 + 777L * ((rank + 1) % nprocs);
		MPI_File rf;

		MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_RDONLY, MPI_INFO_NULL, &rf));
		memset(back, 0, sizeof(back));
		MT_MPI(MPI_File_read_at(rf, noff, back, 777, MPI_BYTE, &st));
		mt_verify(back, noff, 777, SALT, "unaligned");
		/* zero-length read */
		MT_MPI(MPI_File_read_at_all(rf, 3, back, 0, MPI_BYTE, &st));
		/* read past end of file: short count */
		MT_MPI(MPI_File_read_at(rf, 13 + 777L * nprocs - 100, back, 1000, MPI_BYTE, &st));
		MPI_Get_count(&st, MPI_BYTE, &cnt);
		T_CHECK(cnt == 100, "read past EOF count %d want 100", cnt);
		MT_MPI(MPI_File_close(&rf));
	}
	MT_MPI(MPI_File_close(&fh));
}

/* One rank writes 300000 bytes from 60000: crosses several 64 KiB stripes. */
static void test_straddle(const char *name, MPI_Info info)
{
	const long off = 60000 + 300000L * rank, n = 300000;
	unsigned char *buf = malloc(n), *back = malloc(n);
	MPI_File fh;
	MPI_Status st;
	MPI_Offset size = 0;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	mt_fill(buf, off, n, SALT);
	MT_MPI(MPI_File_write_at_all(fh, off, buf, (int)n, MPI_BYTE, &st));
	MPI_Barrier(MPI_COMM_WORLD);
	memset(back, 0, n);
	MT_MPI(MPI_File_read_at(fh, off, back, (int)n, MPI_BYTE, &st));
	mt_verify(back, off, n, SALT, "straddle");
	MT_MPI(MPI_File_get_size(fh, &size));
	T_CHECK(size == 60000 + 300000L * nprocs, "size %lld want %ld", (long long)size,
		60000 + 300000L * nprocs);
	/* the hole before 60000 reads as zeros */
	MT_MPI(MPI_File_read_at(fh, 0, back, 60000, MPI_BYTE, &st));
	for (int i = 0; i < 60000; i++) {
		if (back[i]) {
			T_CHECK(0, "hole byte %d is %d", i, back[i]);
			break;
		}
	}
	MT_MPI(MPI_File_close(&fh));
	free(buf);
	free(back);
}

static void test_nonblocking(const char *name, MPI_Info info)
{
	enum { N = 100000 };
	unsigned char *a = malloc(N), *b = malloc(N), *ra = malloc(N), *rb = malloc(N);
	MPI_File fh = MPI_FILE_NULL;
	MPI_Request req[2];
	MPI_Status st[2];
	long offa = (long)rank * N, offb = (long)(nprocs + rank) * N;
	int cnt;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	mt_fill(a, offa, N, SALT);
	mt_fill(b, offb, N, SALT);
	MT_MPI(MPI_File_iwrite_at(fh, offa, a, N, MPI_BYTE, &req[0]));
	MT_MPI(MPI_File_iwrite_at_all(fh, offb, b, N, MPI_BYTE, &req[1]));
	MT_MPI(MPI_Waitall(2, req, st));
	MPI_Get_count(&st[0], MPI_BYTE, &cnt);
	T_CHECK(cnt == N, "iwrite_at count %d", cnt);
	MPI_Barrier(MPI_COMM_WORLD);
	{
		long oa = (long)((rank + 1) % nprocs) * N, ob = (long)(nprocs + (rank + 1) % nprocs) * N;

		MT_MPI(MPI_File_iread_at(fh, oa, ra, N, MPI_BYTE, &req[0]));
		MT_MPI(MPI_File_iread_at_all(fh, ob, rb, N, MPI_BYTE, &req[1]));
		MT_MPI(MPI_Waitall(2, req, st));
		mt_verify(ra, oa, N, SALT, "iread_at");
		mt_verify(rb, ob, N, SALT, "iread_at_all");
	}
	/* individual file pointer nonblocking ops */
	MT_MPI(MPI_File_seek(fh, offa, MPI_SEEK_SET));
	MT_MPI(MPI_File_iread(fh, ra, N, MPI_BYTE, &req[0]));
	MT_MPI(MPI_Wait(&req[0], &st[0]));
	mt_verify(ra, offa, N, SALT, "iread");
	MT_MPI(MPI_File_close(&fh));
	free(a);
	free(b);
	free(ra);
	free(rb);
}

static void test_size_and_delete(const char *name, MPI_Info info)
{
	MPI_File fh = MPI_FILE_NULL;
	MPI_Offset size = -1;
	MPI_Status st;
	char c[16];
	int rc, cnt;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	MT_MPI(MPI_File_set_size(fh, 1048579));
	MPI_Barrier(MPI_COMM_WORLD);    /* OMPIO's barrier comes only after the truncate */
	MT_MPI(MPI_File_get_size(fh, &size));
	T_CHECK(size == 1048579, "size after grow %lld", (long long)size);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_set_size(fh, 4097));
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_get_size(fh, &size));
	T_CHECK(size == 4097, "size after shrink %lld", (long long)size);
	MT_MPI(MPI_File_read_at(fh, 5000, c, 16, MPI_BYTE, &st));
	MPI_Get_count(&st, MPI_BYTE, &cnt);
	T_CHECK(cnt == 0, "read past shrunk end count %d", cnt);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_preallocate(fh, 8192));
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_get_size(fh, &size));
	T_CHECK(size == 8192, "size after preallocate %lld", (long long)size);
	MT_MPI(MPI_File_close(&fh));

	/* EXCL on an existing file */
	rc = MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_RDWR,
			   info, &fh);
	T_CHECK(mt_err_class(rc) == MPI_ERR_FILE_EXISTS, "EXCL open: class %d", mt_err_class(rc));
	if (rc == MPI_SUCCESS)
		MPI_File_close(&fh);

	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0)
		MT_MPI(MPI_File_delete(name, MPI_INFO_NULL));
	MPI_Barrier(MPI_COMM_WORLD);
	rc = MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
	T_CHECK(mt_err_class(rc) == MPI_ERR_NO_SUCH_FILE, "open missing: class %d want %d",
		mt_err_class(rc), MPI_ERR_NO_SUCH_FILE);
	if (rc == MPI_SUCCESS)
		MPI_File_close(&fh);
	if (rank == 0) {
		rc = MPI_File_delete(name, MPI_INFO_NULL);
		T_CHECK(mt_err_class(rc) == MPI_ERR_NO_SUCH_FILE, "delete missing: class %d",
			mt_err_class(rc));
	}

	/* DELETE_ON_CLOSE */
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name,
			     MPI_MODE_CREATE | MPI_MODE_RDWR | MPI_MODE_DELETE_ON_CLOSE, info, &fh));
	MT_MPI(MPI_File_close(&fh));
	MPI_Barrier(MPI_COMM_WORLD);
	rc = MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
	T_CHECK(mt_err_class(rc) == MPI_ERR_NO_SUCH_FILE, "after DELETE_ON_CLOSE: class %d",
		mt_err_class(rc));
	if (rc == MPI_SUCCESS)
		MPI_File_close(&fh);
}

/* N-to-N: a file per process on MPI_COMM_SELF. */
static void test_self(int argc, char **argv)
{
	char base[64], name[512];
	unsigned char buf[5000], back[5000];
	MPI_File fh;
	MPI_Status st;

	snprintf(base, sizeof(base), "self.%d", rank);
	mt_name(name, sizeof(name), argc, argv, base);
	MPI_File_delete(name, MPI_INFO_NULL);
	MT_MPI(MPI_File_open(MPI_COMM_SELF, name, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh));
	mt_fill(buf, rank, sizeof(buf), SALT);
	MT_MPI(MPI_File_write(fh, buf, sizeof(buf), MPI_BYTE, &st));
	MT_MPI(MPI_File_seek(fh, 0, MPI_SEEK_SET));
	MT_MPI(MPI_File_read(fh, back, sizeof(back), MPI_BYTE, &st));
	mt_verify(back, rank, sizeof(back), SALT, "self");
	MT_MPI(MPI_File_close(&fh));
	MT_MPI(MPI_File_delete(name, MPI_INFO_NULL));
}

int main(int argc, char **argv)
{
	char name[512];
	MPI_Info info;

	mt_init(&argc, &argv);
	rank = mt_rank;
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", "4");
	MPI_Info_set(info, "striping_unit", "65536");
	mt_name(name, sizeof(name), argc, argv, "misc_small");
	test_small_and_unaligned(name, info);
	mt_name(name, sizeof(name), argc, argv, "misc_straddle");
	test_straddle(name, info);
	mt_name(name, sizeof(name), argc, argv, "misc_nonblocking");
	test_nonblocking(name, info);
	mt_name(name, sizeof(name), argc, argv, "misc_size");
	test_size_and_delete(name, info);
	test_self(argc, argv);
	MPI_Info_free(&info);
	return mt_finish("mpi_misc");
}
