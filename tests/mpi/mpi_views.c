/* mpi_views.c - collective and independent I/O through subarray, vector,
 * indexed and struct file views on a pfs: file: every int of the file holds
 * its own index, so rank 0 checks the whole file after each pattern. Blocks
 * are odd-sized (unaligned, straddling the 64 KiB stripes) and some ranks
 * write nothing. Usage: mpi_views [PREFIX]  (default "pfs:") */
#include "mpi_test.h"

static int rank, nprocs;
static const char *alg = "default";

/* Every int i of the file in [0, n) must be i, except holes (0). */
static void check_file(MPI_File fh, int n, const char *what, const unsigned char *hole)
{
	MPI_Status st;
	int *all, cnt = 0;

	MPI_Barrier(MPI_COMM_WORLD);
	if (rank != 0)
		return;
	all = calloc((size_t)n + 1, sizeof(int));
	MT_MPI(MPI_File_read_at(fh, 0, all, n, MPI_INT, &st));
	MPI_Get_count(&st, MPI_INT, &cnt);
	for (int i = 0; i < n; i++) {
		int want = hole && hole[i] ? 0 : i;

		if (all[i] != want) {
			T_CHECK(0, "%s/%s: int %d is %d, want %d", alg, what, i, all[i], want);
			break;
		}
	}
	free(all);
}

/* Writes buf (n ints, values given) with write_all through filetype, reads
 * it back with read_all and with independent reads. */
static void roundtrip(MPI_File fh, MPI_Datatype ftype, const int *vals, int n, const char *what)
{
	int *back = malloc(((size_t)n + 1) * sizeof(int));
	MPI_Status st;
	int cnt = -1;

	MT_MPI(MPI_File_set_view(fh, 0, MPI_INT, ftype, "native", MPI_INFO_NULL));
	MT_MPI(MPI_File_write_all(fh, vals, n, MPI_INT, &st));
	MPI_Get_count(&st, MPI_INT, &cnt);
	T_CHECK(cnt == n, "%s: write_all count %d want %d", what, cnt, n);
	MT_MPI(MPI_File_sync(fh));
	MPI_Barrier(MPI_COMM_WORLD);
	memset(back, 0xff, ((size_t)n + 1) * sizeof(int));
	MT_MPI(MPI_File_read_at_all(fh, 0, back, n, MPI_INT, &st));
	for (int i = 0; i < n; i++) {
		if (back[i] != vals[i]) {
			T_CHECK(0, "%s/%s: read_all elem %d is %d want %d", alg, what, i, back[i], vals[i]);
			break;
		}
	}
	memset(back, 0xff, ((size_t)n + 1) * sizeof(int));
	MT_MPI(MPI_File_read_at(fh, 0, back, n, MPI_INT, &st));
	for (int i = 0; i < n; i++) {
		if (back[i] != vals[i]) {
			T_CHECK(0, "%s/%s: read elem %d is %d want %d", alg, what, i, back[i], vals[i]);
			break;
		}
	}
	MT_MPI(MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL));
	free(back);
}

static MPI_File open_fresh(const char *name, MPI_Info info)
{
	MPI_File fh = MPI_FILE_NULL;

	if (rank == 0)
		MPI_File_delete(name, MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	MT_MPI(MPI_File_open(MPI_COMM_WORLD, name, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh));
	return fh;
}

/* 3-D subarray of a 37 x 23 x 19 int array, one block per rank. */
static void test_subarray(const char *name, MPI_Info info)
{
	int g[3] = { 37, 23, 19 }, dims[3] = { 0, 0, 0 }, period[3] = { 0 }, c[3];
	int sub[3], start[3], n = 1, k = 0;
	MPI_Comm cart;
	MPI_Datatype t;
	MPI_File fh = open_fresh(name, info);
	int *vals;

	MPI_Dims_create(nprocs, 3, dims);
	MPI_Cart_create(MPI_COMM_WORLD, 3, dims, period, 0, &cart);
	MPI_Cart_coords(cart, rank, 3, c);
	for (int d = 0; d < 3; d++) {
		int base = g[d] / dims[d], rem = g[d] % dims[d];

		sub[d] = base + (c[d] < rem);
		start[d] = c[d] * base + (c[d] < rem ? c[d] : rem);
		n *= sub[d];
	}
	vals = malloc((size_t)n * sizeof(int));
	for (int i = 0; i < sub[0]; i++)
		for (int j = 0; j < sub[1]; j++)
			for (int l = 0; l < sub[2]; l++)
				vals[k++] = ((start[0] + i) * g[1] + start[1] + j) * g[2] + start[2] + l;
	MPI_Type_create_subarray(3, g, sub, start, MPI_ORDER_C, MPI_INT, &t);
	MPI_Type_commit(&t);
	roundtrip(fh, t, vals, n, "subarray");
	check_file(fh, g[0] * g[1] * g[2], "subarray", NULL);
	MPI_Type_free(&t);
	MPI_Comm_free(&cart);
	MT_MPI(MPI_File_close(&fh));
	free(vals);
}

/* Blocks of 1001 ints round robin over the ranks (4004 bytes: unaligned). */
static void test_vector(const char *name, MPI_Info info)
{
	const int B = 1001, NB = 7;
	MPI_Datatype v, t;
	MPI_File fh = open_fresh(name, info);
	int *vals = malloc((size_t)B * NB * sizeof(int));

	for (int b = 0; b < NB; b++)
		for (int i = 0; i < B; i++)
			vals[b * B + i] = (b * nprocs + rank) * B + i;
	MPI_Type_vector(NB, B, B * nprocs, MPI_INT, &v);
	/* displacement through an hindexed wrapper: starts at rank * B ints */
	{
		int bl = 1;
		MPI_Aint disp = (MPI_Aint)rank * B * (MPI_Aint)sizeof(int);

		MPI_Type_create_hindexed(1, &bl, &disp, v, &t);
	}
	MPI_Type_commit(&t);
	roundtrip(fh, t, vals, B * NB, "vector");
	check_file(fh, B * NB * nprocs, "vector", NULL);
	MPI_Type_free(&t);
	MPI_Type_free(&v);
	MT_MPI(MPI_File_close(&fh));
	free(vals);
}

/* Irregular blocks; the last rank (when there are several) writes nothing,
 * and its share of blocks goes to the others. */
static void test_indexed(const char *name, MPI_Info info)
{
	enum { NBLK = 61 };
	int len[NBLK], disp[NBLK], mylen[NBLK], mydisp[NBLK], m = 0, n = 0, total = 0;
	int writers = nprocs > 1 ? nprocs - 1 : 1;
	MPI_Datatype t;
	MPI_File fh = open_fresh(name, info);
	int *vals;

	for (int j = 0; j < NBLK; j++) {
		len[j] = (j * 3797) % 4099 + 1;
		disp[j] = total;
		total += len[j];
		if (j % writers == rank && rank < writers) {
			mylen[m] = len[j];
			mydisp[m++] = disp[j];
			n += len[j];
		}
	}
	vals = malloc(((size_t)n + 1) * sizeof(int));
	for (int b = 0, k = 0; b < m; b++)
		for (int i = 0; i < mylen[b]; i++)
			vals[k++] = mydisp[b] + i;
	MPI_Type_indexed(m, mylen, mydisp, MPI_INT, &t);
	MPI_Type_commit(&t);
	roundtrip(fh, t, vals, n, "indexed");
	check_file(fh, total, "indexed", NULL);
	MPI_Type_free(&t);
	MT_MPI(MPI_File_close(&fh));
	free(vals);
}

/* A struct of two int blocks (3 and 5 ints), resized to tile the file, and
 * a strided memory layout (every other int) on the write side. */
static void test_struct(const char *name, MPI_Info info)
{
	const int A = 3, B = 5, REP = 4000;
	int bl[2] = { A, B };
	MPI_Aint d[2], ext = (MPI_Aint)(A + B) * nprocs * (MPI_Aint)sizeof(int);
	MPI_Datatype types[2] = { MPI_INT, MPI_INT }, s, t, mem;
	MPI_File fh = open_fresh(name, info);
	int n = (A + B) * REP, *vals = malloc((size_t)n * sizeof(int));
	int *strided = calloc((size_t)n * 2, sizeof(int)), *back = calloc((size_t)n, sizeof(int));
	MPI_Status st;

	d[0] = (MPI_Aint)rank * A * (MPI_Aint)sizeof(int);
	d[1] = (MPI_Aint)(A * nprocs + rank * B) * (MPI_Aint)sizeof(int);
	MPI_Type_create_struct(2, bl, d, types, &s);
	MPI_Type_create_resized(s, 0, ext, &t);
	MPI_Type_commit(&t);
	for (int r = 0, k = 0; r < REP; r++) {
		int base = r * (A + B) * nprocs;

		for (int i = 0; i < A; i++)
			vals[k++] = base + rank * A + i;
		for (int i = 0; i < B; i++)
			vals[k++] = base + A * nprocs + rank * B + i;
	}
	for (int i = 0; i < n; i++)
		strided[2 * i] = vals[i];
	MPI_Type_vector(n, 1, 2, MPI_INT, &mem);
	MPI_Type_commit(&mem);
	MT_MPI(MPI_File_set_view(fh, 0, MPI_INT, t, "native", MPI_INFO_NULL));
	MT_MPI(MPI_File_write_all(fh, strided, 1, mem, &st));
	MT_MPI(MPI_File_read_at_all(fh, 0, back, n, MPI_INT, &st));
	for (int i = 0; i < n; i++) {
		if (back[i] != vals[i]) {
			T_CHECK(0, "%s/struct: elem %d is %d want %d", alg, i, back[i], vals[i]);
			break;
		}
	}
	MT_MPI(MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL));
	check_file(fh, n * nprocs, "struct", NULL);
	roundtrip(fh, t, vals, n, "struct-contig-mem");
	MPI_Type_free(&mem);
	MPI_Type_free(&t);
	MPI_Type_free(&s);
	MT_MPI(MPI_File_close(&fh));
	free(vals);
	free(strided);
	free(back);
}

int main(int argc, char **argv)
{
	char name[512];
	MPI_Info info;
	const char *algs[] = { NULL, "vulcan" };

	mt_init(&argc, &argv);
	rank = mt_rank;
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	for (int a = 0; a < 2; a++) {
		MPI_Info_create(&info);
		MPI_Info_set(info, "striping_factor", "3");
		MPI_Info_set(info, "striping_unit", "65536");
		MPI_Info_set(info, "cb_buffer_size", "262144");
		if (algs[a])
			MPI_Info_set(info, "pfs_fcoll", algs[a]);
		alg = algs[a] ? algs[a] : "default";
		mt_name(name, sizeof(name), argc, argv, "views_subarray");
		test_subarray(name, info);
		mt_name(name, sizeof(name), argc, argv, "views_vector");
		test_vector(name, info);
		mt_name(name, sizeof(name), argc, argv, "views_indexed");
		test_indexed(name, info);
		mt_name(name, sizeof(name), argc, argv, "views_struct");
		test_struct(name, info);
		MPI_Info_free(&info);
	}
	return mt_finish("mpi_views");
}
