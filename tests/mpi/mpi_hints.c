/* mpi_hints.c - hints on pfs: files take effect and MPI_File_get_info
 * reports the values in effect; refused hints fail the open. Leaves
 * PREFIX/hints.dat (3 stripes of 128 KiB) for `pfs getstripe` to check.
 * Usage: mpi_hints [PREFIX]  (default "pfs:") */
#include "mpi_test.h"

static int rank, nprocs;

static void want_info(MPI_File fh, const char *key, const char *want)
{
	MPI_Info used;
	char val[MPI_MAX_INFO_VAL + 1] = "";
	int flag = 0;

	MT_MPI(MPI_File_get_info(fh, &used));
	MPI_Info_get(used, key, MPI_MAX_INFO_VAL, val, &flag);
	if (want)
		T_CHECK(flag && !strcmp(val, want), "info %s = %s (set %d), want %s", key,
			flag ? val : "-", flag, want);
	else
		T_CHECK(flag, "info %s missing", key);
	MPI_Info_free(&used);
}

static void write_check(MPI_File fh)
{
	enum { N = 50000 };
	int *buf = malloc(N * sizeof(int)), *back = malloc(N * sizeof(int));
	MPI_Status st;

	for (int i = 0; i < N; i++)
		buf[i] = rank * N + i;
	MT_MPI(MPI_File_write_at_all(fh, (MPI_Offset)rank * N * sizeof(int), buf, N, MPI_INT, &st));
	MT_MPI(MPI_File_read_at_all(fh, (MPI_Offset)rank * N * sizeof(int), back, N, MPI_INT, &st));
	T_CHECK(!memcmp(buf, back, N * sizeof(int)), "data differs");
	free(buf);
	free(back);
}

static int open_with(const char *name, const char *key, const char *val, MPI_File *fh)
{
	MPI_Info info;
	int rc;

	MPI_Info_create(&info);
	MPI_Info_set(info, key, val);
	rc = MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, fh);
	MPI_Info_free(&info);
	return rc;
}

int main(int argc, char **argv)
{
	char name[512], other[512], agg[16];
	MPI_Info info;
	MPI_File fh;
	int rc;

	mt_init(&argc, &argv);
	rank = mt_rank;
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	mt_name(name, sizeof(name), argc, argv, "hints.dat");
	mt_name(other, sizeof(other), argc, argv, "hints.other");
	if (rank == 0) {
		MPI_File_delete(name, MPI_INFO_NULL);
		MPI_File_delete(other, MPI_INFO_NULL);
	}
	MPI_Barrier(MPI_COMM_WORLD);

	/* applied at create, reported */
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", "3");
	MPI_Info_set(info, "striping_unit", "131072");
	MPI_Info_set(info, "cb_nodes", "2");
	MPI_Info_set(info, "cb_buffer_size", "1048576");
	MPI_Info_set(info, "romio_cb_write", "disable");
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	MPI_Info_free(&info);
	want_info(fh, "striping_factor", "3");
	want_info(fh, "striping_unit", "131072");
	snprintf(agg, sizeof(agg), "%d", nprocs < 2 ? nprocs : 2);
	want_info(fh, "cb_nodes", agg);
	want_info(fh, "cb_buffer_size", "1048576");
	want_info(fh, "romio_cb_write", "disable");
	want_info(fh, "romio_cb_read", "automatic");
	want_info(fh, "pfs_fcoll", "striped");
	want_info(fh, "pfs_first_target", NULL);
	write_check(fh);
	MT_MPI(MPI_File_close(&fh));

	/* an existing file keeps its layout; the info says so */
	MT_MPI(open_with(name, "striping_factor", "2", &fh));
	want_info(fh, "striping_factor", "3");
	MT_MPI(MPI_File_close(&fh));

	/* no hints: the file system default (1 stripe of 1 MiB), aggregators
	 * as many as ranks */
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, other, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL,
			     &fh));
	want_info(fh, "striping_factor", "1");
	want_info(fh, "striping_unit", "1048576");
	snprintf(agg, sizeof(agg), "%d", nprocs);
	want_info(fh, "cb_nodes", agg);
	write_check(fh);
	MT_MPI(MPI_File_close(&fh));

	/* all targets, and an algorithm by name */
	if (rank == 0)
		MPI_File_delete(other, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_factor", "-1");
	MPI_Info_set(info, "pfs_fcoll", "individual");
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, other, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	MPI_Info_free(&info);
	want_info(fh, "striping_factor", "4");
	want_info(fh, "pfs_fcoll", "individual");
	write_check(fh);
	MT_MPI(MPI_File_close(&fh));
	if (rank == 0)
		MPI_File_delete(other, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);

	/* erasure coding by hint: collective I/O over 2+1, reported back */
	{
		char ecname[512];

		mt_name(ecname, sizeof(ecname), argc, argv, "hints.ec");
		if (rank == 0)
			MPI_File_delete(ecname, MPI_INFO_NULL);
		MPI_Barrier(MPI_COMM_WORLD);
		MPI_Info_create(&info);
		MPI_Info_set(info, "pfs_ec", "2+1");
		MPI_Info_set(info, "striping_unit", "65536");
		MT_MPI(MPI_File_open(MPI_COMM_WORLD, ecname, MPI_MODE_CREATE | MPI_MODE_RDWR, info,
				     &fh));
		MPI_Info_free(&info);
		want_info(fh, "pfs_ec", "2+1");
		want_info(fh, "striping_factor", "3");
		write_check(fh);
		MT_MPI(MPI_File_close(&fh));
		MPI_Barrier(MPI_COMM_WORLD);
		if (rank == 0)
			MPI_File_delete(ecname, MPI_INFO_NULL);
	}

	/* refused: malformed values, unknown pfs_ keys, impossible layouts */
	{
		const char *bad[][2] = {
			{ "striping_unit", "1000" }, { "striping_factor", "lots" },
			{ "pfs_strpe_count", "2" }, { "romio_cb_read", "sometimes" },
			{ "striping_factor", "9" },     /* more than the 4 targets */
			{ "pfs_ec", "2+0" }, { "pfs_ec", "4 + 1" },
			{ "pfs_ec", "4+2" },            /* 6 targets, 4 exist */
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			fh = MPI_FILE_NULL;
			rc = open_with(other, bad[i][0], bad[i][1], &fh);
			T_CHECK(rc != MPI_SUCCESS, "hint %s=%s accepted", bad[i][0], bad[i][1]);
			if (rc == MPI_SUCCESS)
				MPI_File_close(&fh);
		}
	}
	return mt_finish("mpi_hints");
}
