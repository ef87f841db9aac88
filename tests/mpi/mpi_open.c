/* mpi_open.c - the collective open of pfs: files (rank 0 opens, the others
 * import its handle): every rank gets a working handle with the file's
 * layout, and every error of the open reaches every rank, repeatedly, with
 * no hang: MPI_MODE_EXCL on an existing file, a missing file, a missing
 * directory, a layout the file system refuses, a pfs_ hint with a bad value;
 * concurrent opens on split communicators; read-only opens.
 * Usage: mpi_open [PREFIX]  (default "pfs:") */
#include "mpi_test.h"

#define REPEAT 5

static int rank, nprocs;

static void info_value(MPI_File fh, const char *key, char *val, int len)
{
	MPI_Info used;
	int flag = 0;

	val[0] = 0;
	MT_MPI(MPI_File_get_info(fh, &used));
	MPI_Info_get(used, key, len - 1, val, &flag);
	MPI_Info_free(&used);
}

/* Opening with amode must fail with class want on every rank, REPEAT times. */
static void expect_fail(const char *what, const char *name, int amode, MPI_Info info, int want)
{
	for (int i = 0; i < REPEAT; i++) {
		MPI_File fh = MPI_FILE_NULL;
		int rc = MPI_File_open(MPI_COMM_WORLD, name, amode, info, &fh);
		int ok = mt_err_class(rc) == want, all = 0;

		T_CHECK(ok, "%s (try %d): class %d want %d", what, i, mt_err_class(rc), want);
		if (rc == MPI_SUCCESS)
			MPI_File_close(&fh);
		/* every rank failed the same way: nobody hangs in the next open */
		MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
		if (!all)
			break;
	}
}

static void test_create_excl(const char *name)
{
	MPI_File fh = MPI_FILE_NULL;
	MPI_Info info;
	MPI_Status st;
	MPI_Offset size = 0;
	char val[MPI_MAX_INFO_VAL + 1];
	int mine[1024], theirs[1024], cnt;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", "3");
	MPI_Info_set(info, "striping_unit", "65536");
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name,
			     MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_WRONLY, info, &fh));
	/* every rank's handle carries the file's layout */
	info_value(fh, "striping_factor", val, sizeof(val));
	T_CHECK(!strcmp(val, "3"), "striping_factor on rank %d: \"%s\"", rank, val);
	info_value(fh, "striping_unit", val, sizeof(val));
	T_CHECK(!strcmp(val, "65536"), "striping_unit on rank %d: \"%s\"", rank, val);
	/* and works: each rank writes 4 KiB at a stripe-crossing offset */
	for (int i = 0; i < 1024; i++)
		mine[i] = rank * 100000 + i;
	MT_MPI(MPI_File_write_at(fh, 60000 + (MPI_Offset)rank * 4096, mine, 1024, MPI_INT, &st));
	MT_MPI(MPI_File_close(&fh));
	MPI_Barrier(MPI_COMM_WORLD);

	/* a second create with EXCL fails everywhere, every time */
	expect_fail("EXCL on an existing file", name,
		    MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_RDWR, info, MPI_ERR_FILE_EXISTS);
	/* without EXCL it opens; read-only handles read a neighbour's data */
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	MT_MPI(MPI_File_close(&fh));
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh));
	MT_MPI(MPI_File_read_at(fh, 60000 + (MPI_Offset)((rank + 1) % nprocs) * 4096, theirs, 1024,
				MPI_INT, &st));
	MPI_Get_count(&st, MPI_INT, &cnt);
	T_CHECK(cnt == 1024, "read count %d", cnt);
	for (int i = 0; i < 1024; i++) {
		if (theirs[i] != ((rank + 1) % nprocs) * 100000 + i) {
			T_CHECK(0, "int %d is %d", i, theirs[i]);
			break;
		}
	}
	MT_MPI(MPI_File_get_size(fh, &size));
	T_CHECK(size == 60000 + (MPI_Offset)nprocs * 4096, "size %lld", (long long)size);
	{
		int rc = MPI_File_write_at(fh, 0, mine, 1, MPI_INT, &st);

		T_CHECK(mt_err_class(rc) == MPI_ERR_READ_ONLY || mt_err_class(rc) == MPI_ERR_ACCESS,
			"write on a read-only handle: class %d", mt_err_class(rc));
	}
	MT_MPI(MPI_File_close(&fh));
	MPI_Info_free(&info);
}

static void test_errors(int argc, char **argv)
{
	char name[512];
	MPI_Info info;

	mt_name(name, sizeof(name), argc, argv, "open_missing");
	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	expect_fail("missing file", name, MPI_MODE_RDWR, MPI_INFO_NULL, MPI_ERR_NO_SUCH_FILE);
	expect_fail("missing file read-only", name, MPI_MODE_RDONLY, MPI_INFO_NULL,
		    MPI_ERR_NO_SUCH_FILE);
	mt_name(name, sizeof(name), argc, argv, "no-such-dir/file");
	expect_fail("missing directory", name, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL,
		    MPI_ERR_NO_SUCH_FILE);

	/* a layout the MDS refuses (more stripes than targets): rank 0 alone
	 * learns it, every rank fails */
	mt_name(name, sizeof(name), argc, argv, "open_badlayout");
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", "63");
	expect_fail("refused layout", name, MPI_MODE_CREATE | MPI_MODE_WRONLY, info,
		    MPI_ERR_INFO_VALUE);
	MPI_Info_free(&info);
	/* a pfs hint with a bad value is refused on every rank */
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_unit", "12345");
	expect_fail("bad striping_unit", name, MPI_MODE_CREATE | MPI_MODE_WRONLY, info,
		    MPI_ERR_INFO_VALUE);
	MPI_Info_free(&info);
	/* nothing was created by the failed opens */
	expect_fail("after refused creates", name, MPI_MODE_RDONLY, MPI_INFO_NULL,
		    MPI_ERR_NO_SUCH_FILE);
}

/* Two halves of the world open different files at once, and one half
 * fails while the other succeeds. */
static void test_split(int argc, char **argv)
{
	char name[512], base[32];
	MPI_Comm half;
	MPI_File fh = MPI_FILE_NULL;
	int color = rank % 2, hrank, rc;

	MPI_Comm_split(MPI_COMM_WORLD, color, rank, &half);
	MPI_Comm_rank(half, &hrank);
	snprintf(base, sizeof(base), "open_half%d", color);
	mt_name(name, sizeof(name), argc, argv, base);
	if (hrank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	for (int i = 0; i < REPEAT; i++) {
		rc = MPI_File_open(half, name, MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_RDWR,
				   MPI_INFO_NULL, &fh);
		if (i == 0) {
			T_CHECK(rc == MPI_SUCCESS, "first EXCL create on half %d: class %d", color,
				mt_err_class(rc));
		} else {
			T_CHECK(mt_err_class(rc) == MPI_ERR_FILE_EXISTS, "EXCL again on half %d: class %d",
				color, mt_err_class(rc));
		}
		if (rc == MPI_SUCCESS) {
			MPI_Status st;
			int v = rank;

			MT_MPI(MPI_File_write_at(fh, (MPI_Offset)hrank * sizeof(int), &v, 1, MPI_INT, &st));
			MT_MPI(MPI_File_close(&fh));
		}
	}
	MPI_Comm_free(&half);
	MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv)
{
	char name[512];

	mt_init(&argc, &argv);
	rank = mt_rank;
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	mt_name(name, sizeof(name), argc, argv, "open_excl");
	test_create_excl(name);
	test_errors(argc, argv);
	test_split(argc, argv);
	return mt_finish("mpi_open");
}
