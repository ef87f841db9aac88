/* mpiio_pfs.c - MPI-IO tests of the ROMIO driver ad_pfs on pfs: files: file
 * views (vector, subarray, indexed, struct), zero-length and unaligned
 * requests, stripe-straddling writes, collective writes with idle ranks,
 * hints, refusals (atomic mode, shared pointers, bad hints), sizes, deletes.
 *   mpiio_pfs DIR     (DIR: a pfs: directory name, e.g. pfs:/t)
 * Every check is collective: all ranks agree, rank 0 prints "ok - ..."; a
 * check false on any rank fails every rank through the harness (pfs_test.h,
 * compiled alongside: tests/lib/pfs_test.c), so the run exits non-zero. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/pfs_test.h"

#define STRIPE 65536            /* stripe size asked for by hint */

static int rank, nprocs;
static char dir[512];

/* A collective assertion: cond must hold on every rank. */
#define check(cond, what) check_at(__FILE__, __LINE__, (cond), (what))
static void check_at(const char *file, int line, int cond, const char *what)
{
	int all;

	MPI_Allreduce(&cond, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	if (!all)
		t_fail(file, line, "%s (np=%d): false on %s", what, nprocs,
		       cond ? "another rank" : "this rank");
	if (rank == 0)
		printf("ok - %s (np=%d)\n", what, nprocs);
	fflush(stdout);
}

static void name(char *buf, const char *base)
{
	snprintf(buf, 600, "%s/%s.np%d", dir, base, nprocs);
}

static unsigned char pat(uint64_t off)
{
	return (unsigned char)((off * 2654435761u) >> 13);
}

static MPI_Info striped_info(int count)
{
	MPI_Info info;
	char v[32];

	MPI_Info_create(&info);
	snprintf(v, sizeof(v), "%d", count);
	MPI_Info_set(info, "striping_factor", v);
	snprintf(v, sizeof(v), "%d", STRIPE);
	MPI_Info_set(info, "striping_unit", v);
	return info;
}

static int open_file(const char *base, int amode, MPI_Info info, MPI_File *fh, char *fname)
{
	name(fname, base);
	return MPI_File_open(MPI_COMM_WORLD, fname, amode, info, fh);
}

/* Reads the whole file on every rank and checks bytes [0, len) against the
 * expected pattern, holes (want[i] == 0 flag) as zeros. */
static int verify_all(MPI_File fh, const unsigned char *want, MPI_Offset len)
{
	unsigned char *got = malloc(len ? len : 1);
	MPI_Status st;
	int n = -1, ok;

	ok = MPI_File_read_at(fh, 0, got, (int)len, MPI_BYTE, &st) == MPI_SUCCESS;
	MPI_Get_count(&st, MPI_BYTE, &n);
	ok = ok && n == len && memcmp(got, want, len) == 0;
	free(got);
	return ok;
}

/* vector view: rank r owns blocks r, r+n, ... of BLK bytes (not stripe
 * aligned, so blocks straddle stripes); collective write and read. */
static void test_vector(void)
{
	const int BLK = 10007, NB = 12;
	char fname[600];
	MPI_File fh;
	MPI_Datatype ft;
	MPI_Offset len = (MPI_Offset)BLK * NB * nprocs;
	unsigned char *buf = malloc((size_t)BLK * NB), *want = malloc(len), *back = malloc((size_t)BLK * NB);
	MPI_Info info = striped_info(4);
	MPI_Status st;
	int ok = 1, n;

	for (MPI_Offset o = 0; o < len; o++)
		want[o] = pat(o);
	for (int b = 0; b < NB; b++)
		for (int i = 0; i < BLK; i++)
			buf[(size_t)b * BLK + i] = pat(((MPI_Offset)b * nprocs + rank) * BLK + i);
	ok &= open_file("vector", MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh, fname) == MPI_SUCCESS;
	MPI_Type_vector(NB, BLK, BLK * nprocs, MPI_BYTE, &ft);
	MPI_Type_commit(&ft);
	ok &= MPI_File_set_view(fh, (MPI_Offset)rank * BLK, MPI_BYTE, ft, "native", MPI_INFO_NULL) == MPI_SUCCESS;
	ok &= MPI_File_write_all(fh, buf, BLK * NB, MPI_BYTE, &st) == MPI_SUCCESS;
	MPI_Get_count(&st, MPI_BYTE, &n);
	ok &= n == BLK * NB;
	check(ok, "vector view: collective write");
	memset(back, 0, (size_t)BLK * NB);
	ok = MPI_File_set_view(fh, (MPI_Offset)rank * BLK, MPI_BYTE, ft, "native", MPI_INFO_NULL) == MPI_SUCCESS;
	ok &= MPI_File_read_all(fh, back, BLK * NB, MPI_BYTE, &st) == MPI_SUCCESS;
	ok &= memcmp(back, buf, (size_t)BLK * NB) == 0;
	check(ok, "vector view: collective read back");
	/* independent read through the view too (strided list I/O path) */
	memset(back, 0, (size_t)BLK * NB);
	ok = MPI_File_read_at(fh, 0, back, BLK * NB, MPI_BYTE, &st) == MPI_SUCCESS;
	ok &= memcmp(back, buf, (size_t)BLK * NB) == 0;
	check(ok, "vector view: independent strided read");
	MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	check(verify_all(fh, want, len), "vector view: whole file as expected");
	MPI_File_close(&fh);
	MPI_Type_free(&ft);
	MPI_Info_free(&info);
	free(buf); free(want); free(back);
}

/* subarray view: a ROWS x COLS int array split by columns among ranks,
 * with a noncontiguous (vector) memory type holding a halo column. */
static void test_subarray(void)
{
	const int ROWS = 37, LC = 29;
	int gsizes[2] = { ROWS, LC * nprocs }, lsizes[2] = { ROWS, LC }, starts[2] = { 0, LC * rank };
	char fname[600];
	MPI_File fh;
	MPI_Datatype ft, mt;
	int *local = calloc((size_t)ROWS * (LC + 2), sizeof(int));
	int *all = malloc(sizeof(int) * ROWS * LC * nprocs);
	MPI_Status st;
	int ok = 1;

	for (int r = 0; r < ROWS; r++)
		for (int c = 0; c < LC; c++)
			local[r * (LC + 2) + 1 + c] = r * 100000 + LC * rank + c;
	MPI_Type_create_subarray(2, gsizes, lsizes, starts, MPI_ORDER_C, MPI_INT, &ft);
	MPI_Type_commit(&ft);
	/* memory: LC ints of each row of a (LC+2)-wide array, skipping halos */
	{
		int ms[2] = { ROWS, LC + 2 }, ml[2] = { ROWS, LC }, m0[2] = { 0, 1 };
		MPI_Type_create_subarray(2, ms, ml, m0, MPI_ORDER_C, MPI_INT, &mt);
		MPI_Type_commit(&mt);
	}
	ok &= open_file("subarray", MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh, fname) == MPI_SUCCESS;
	ok &= MPI_File_set_view(fh, 0, MPI_INT, ft, "native", MPI_INFO_NULL) == MPI_SUCCESS;
	ok &= MPI_File_write_all(fh, local, 1, mt, &st) == MPI_SUCCESS;
	MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	ok &= MPI_File_read_at(fh, 0, all, ROWS * LC * nprocs, MPI_INT, &st) == MPI_SUCCESS;
	for (int r = 0; ok && r < ROWS; r++)
		for (int c = 0; c < LC * nprocs; c++)
			if (all[r * LC * nprocs + c] != r * 100000 + c) {
				ok = 0;
				break;
			}
	check(ok, "subarray view + subarray memory type: collective write");
	/* read back through the view into the halo'd buffer */
	memset(local, 0xff, sizeof(int) * ROWS * (LC + 2));
	MPI_File_set_view(fh, 0, MPI_INT, ft, "native", MPI_INFO_NULL);
	ok = MPI_File_read_all(fh, local, 1, mt, &st) == MPI_SUCCESS;
	for (int r = 0; ok && r < ROWS; r++) {
		if (local[r * (LC + 2)] != -1 || local[r * (LC + 2) + LC + 1] != -1)
			ok = 0;
		for (int c = 0; c < LC; c++)
			if (local[r * (LC + 2) + 1 + c] != r * 100000 + LC * rank + c)
				ok = 0;
	}
	check(ok, "subarray view: collective read, halos untouched");
	MPI_File_close(&fh);
	MPI_Type_free(&ft);
	MPI_Type_free(&mt);
	free(local); free(all);
}

/* indexed view with irregular and zero-length blocks, independent writes
 * from a noncontiguous memory type (vector). */
static void test_indexed(void)
{
	int bl[6] = { 3, 0, 1000, 1, 70000, 17 };
	int disp[6] = { 0, 5, 9, 5000, 9000, 90000 };
	int total = 0, extent = 100000;
	char fname[600];
	MPI_File fh;
	MPI_Datatype ft, ftr, mt;
	MPI_Status st;
	unsigned char *mem, *exp, *got;
	MPI_Offset flen = (MPI_Offset)extent * nprocs * 2;
	int ok = 1, n;

	for (int i = 0; i < 6; i++)
		total += bl[i];
	MPI_Type_indexed(6, bl, disp, MPI_BYTE, &ft);
	MPI_Type_create_resized(ft, 0, extent, &ftr);
	MPI_Type_commit(&ftr);
	/* memory: 2 * total bytes as blocks of 1 byte every 2 bytes */
	MPI_Type_vector(2 * total, 1, 2, MPI_BYTE, &mt);
	MPI_Type_commit(&mt);
	mem = malloc((size_t)4 * total);
	for (int i = 0; i < 4 * total; i++)
		mem[i] = (unsigned char)(i * 7 + rank);
	exp = calloc(flen, 1);
	/* rank r's view starts at r * extent; tiles every nprocs*extent? no:
	 * displacement r*extent*2 keeps the ranks' regions apart */
	for (int k = 0, m = 0; k < 2; k++)
		for (int i = 0; i < 6; i++)
			for (int j = 0; j < bl[i]; j++, m++)
				exp[(MPI_Offset)rank * extent * 2 + (MPI_Offset)k * extent + disp[i] + j] =
					mem[2 * m];
	ok &= open_file("indexed", MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh, fname) == MPI_SUCCESS;
	ok &= MPI_File_set_view(fh, (MPI_Offset)rank * extent * 2, MPI_BYTE, ftr, "native",
				MPI_INFO_NULL) == MPI_SUCCESS;
	ok &= MPI_File_write(fh, mem, 1, mt, &st) == MPI_SUCCESS;
	MPI_Get_count(&st, mt, &n);
	ok &= n == 1;
	{
		MPI_Offset pos = -1;
		MPI_File_get_position(fh, &pos);
		ok &= pos == 2 * total;
	}
	check(ok, "indexed view (zero-length blocks), vector memory: independent write");
	MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	got = calloc(flen, 1);
	ok = MPI_File_read_at(fh, 0, got, (int)flen, MPI_BYTE, &st) == MPI_SUCCESS;
	/* only my region: other ranks' data lies elsewhere */
	ok &= memcmp(got + (MPI_Offset)rank * extent * 2, exp + (MPI_Offset)rank * extent * 2,
		     (size_t)extent * 2) == 0;
	check(ok, "indexed view: bytes and holes as expected");
	/* read back through the view with the individual file pointer, twice half */
	MPI_File_set_view(fh, (MPI_Offset)rank * extent * 2, MPI_BYTE, ftr, "native", MPI_INFO_NULL);
	memset(got, 0, flen);
	ok = MPI_File_read(fh, got, total, MPI_BYTE, &st) == MPI_SUCCESS;
	ok &= MPI_File_read(fh, got + total, total, MPI_BYTE, &st) == MPI_SUCCESS;
	for (int i = 0; ok && i < 2 * total; i++)
		if (got[i] != mem[2 * i])
			ok = 0;
	check(ok, "indexed view: two reads with the individual file pointer");
	MPI_File_close(&fh);
	MPI_Type_free(&ft); MPI_Type_free(&ftr); MPI_Type_free(&mt);
	free(mem); free(exp); free(got);
}

/* struct view: a record of an int and a double with a gap, tiled. */
static void test_struct(void)
{
	struct rec { int a; char pad[12]; double d; };
	int bl[2] = { 1, 1 };
	MPI_Aint dp[2] = { 0, 16 };
	MPI_Datatype ty[2] = { MPI_INT, MPI_DOUBLE }, st_t, ft;
	char fname[600];
	MPI_File fh;
	MPI_Status st;
	const int N = 1000;
	struct { int a; double d; } __attribute__((packed)) *in, *out;
	int ok = 1;

	MPI_Type_create_struct(2, bl, dp, ty, &st_t);
	/* rank r's records interleave with the others' */
	MPI_Type_create_resized(st_t, 0, (MPI_Aint)sizeof(struct rec) * nprocs, &ft);
	MPI_Type_commit(&ft);
	in = malloc(N * 12);
	out = malloc(N * 12);
	for (int i = 0; i < N; i++) {
		in[i].a = rank * 1000000 + i;
		in[i].d = i * 0.5 + rank;
	}
	{
		/* memory side packed: int,double pairs; 12 bytes each */
		int ml[2] = { 1, 1 };
		MPI_Aint md[2] = { 0, 4 };
		MPI_Datatype mty[2] = { MPI_INT, MPI_DOUBLE }, m0, m;
		MPI_Type_create_struct(2, ml, md, mty, &m0);
		MPI_Type_create_resized(m0, 0, 12, &m);
		MPI_Type_commit(&m);
		ok &= open_file("struct", MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh, fname) == MPI_SUCCESS;
		ok &= MPI_File_set_view(fh, (MPI_Offset)sizeof(struct rec) * rank, MPI_BYTE, ft,
					"native", MPI_INFO_NULL) == MPI_SUCCESS;
		ok &= MPI_File_write_at_all(fh, 0, in, N, m, &st) == MPI_SUCCESS;
		memset(out, 0, N * 12);
		ok &= MPI_File_read_at_all(fh, 0, out, N, m, &st) == MPI_SUCCESS;
		ok &= memcmp(in, out, N * 12) == 0;
		MPI_Type_free(&m0);
		MPI_Type_free(&m);
	}
	check(ok, "struct view: collective write and read back");
	/* check one neighbour record through a plain view */
	MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
	MPI_Barrier(MPI_COMM_WORLD);
	{
		struct rec r;
		int peer = (rank + 1) % nprocs;
		memset(&r, 0, sizeof(r));
		ok = MPI_File_read_at(fh, (MPI_Offset)sizeof(struct rec) * (nprocs * 7 + peer), &r,
				      (int)sizeof(r), MPI_BYTE, &st) == MPI_SUCCESS;
		ok &= r.a == peer * 1000000 + 7 && r.d == 7 * 0.5 + peer;
	}
	check(ok, "struct view: another rank's record at the right place");
	MPI_File_close(&fh);
	MPI_Type_free(&st_t); MPI_Type_free(&ft);
	free(in); free(out);
}

/* zero-length requests, unaligned requests, stripe-straddling writes and
 * collective writes where some ranks write nothing. */
static void test_edges(void)
{
	char fname[600];
	MPI_File fh;
	MPI_Status st;
	MPI_Info info = striped_info(3);
	const int LEN = 3 * STRIPE + 200;
	unsigned char *buf = malloc(LEN), *back = malloc(LEN);
	MPI_Offset base, size = -1;
	int ok = 1, n = -1;

	ok &= open_file("edges", MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh, fname) == MPI_SUCCESS;
	/* zero-length: independent and collective, and a zero read */
	ok &= MPI_File_write_at(fh, 12345, buf, 0, MPI_BYTE, &st) == MPI_SUCCESS;
	MPI_Get_count(&st, MPI_BYTE, &n);
	ok &= n == 0;
	ok &= MPI_File_write_at_all(fh, 777, buf, 0, MPI_BYTE, &st) == MPI_SUCCESS;
	ok &= MPI_File_read_at(fh, 0, back, 0, MPI_BYTE, &st) == MPI_SUCCESS;
	MPI_Barrier(MPI_COMM_WORLD);
	ok &= MPI_File_get_size(fh, &size) == MPI_SUCCESS && size == 0;
	check(ok, "zero-length writes and reads leave an empty file");

	/* each rank: an unaligned write straddling 4 stripes */
	base = (MPI_Offset)rank * 5 * STRIPE + STRIPE - 100 + rank * 3;
	for (int i = 0; i < LEN; i++)
		buf[i] = pat(base + i);
	ok = MPI_File_write_at(fh, base, buf, LEN, MPI_BYTE, &st) == MPI_SUCCESS;
	MPI_Get_count(&st, MPI_BYTE, &n);
	ok &= n == LEN;
	MPI_Barrier(MPI_COMM_WORLD);
	{
		int peer = (rank + 1) % nprocs;
		MPI_Offset pb = (MPI_Offset)peer * 5 * STRIPE + STRIPE - 100 + peer * 3;
		ok &= MPI_File_read_at(fh, pb + 1, back, LEN - 2, MPI_BYTE, &st) == MPI_SUCCESS;
		for (int i = 0; ok && i < LEN - 2; i++)
			if (back[i] != pat(pb + 1 + i))
				ok = 0;
	}
	check(ok, "unaligned writes straddling stripes, read back by another rank");

	/* collective write where only even ranks write (odd ranks count 0) */
	{
		MPI_Offset off = (MPI_Offset)40 * STRIPE + (MPI_Offset)rank * 1001;
		int cnt = rank % 2 ? 0 : 1001;
		for (int i = 0; i < cnt; i++)
			buf[i] = (unsigned char)(rank + i);
		ok = MPI_File_write_at_all(fh, off, buf, cnt, MPI_BYTE, &st) == MPI_SUCCESS;
		MPI_Get_count(&st, MPI_BYTE, &n);
		ok &= n == cnt;
		MPI_Barrier(MPI_COMM_WORLD);
		memset(back, 0, 1001);
		ok &= MPI_File_read_at_all(fh, off, back, 1001, MPI_BYTE, &st) == MPI_SUCCESS;
		for (int i = 0; ok && i < 1001; i++)
			if (back[i] != (cnt ? (unsigned char)(rank + i) : 0))
				ok = 0;
	}
	check(ok, "collective write with idle ranks (odd ranks write nothing)");

	/* everyone but rank 0 idle */
	{
		int cnt = rank == 0 ? LEN : 0;
		for (int i = 0; i < cnt; i++)
			buf[i] = pat(i + 7);
		ok = MPI_File_write_at_all(fh, 60 * STRIPE + 5, buf, cnt, MPI_BYTE, &st) == MPI_SUCCESS;
		MPI_Barrier(MPI_COMM_WORLD);
		ok &= MPI_File_read_at(fh, 60 * STRIPE + 5, back, LEN, MPI_BYTE, &st) == MPI_SUCCESS;
		for (int i = 0; ok && i < LEN; i++)
			if (back[i] != pat(i + 7))
				ok = 0;
	}
	check(ok, "collective write by one rank only");
	MPI_File_close(&fh);
	MPI_Info_free(&info);
	free(buf); free(back);
}

/* A request of more pieces than one list call takes (ad_pfs batches
 * 256 Ki pieces per call): 300,000 one-byte blocks every 3 bytes. */
static void test_many_pieces(void)
{
	const int N = 300000;
	char fname[600];
	MPI_File fh;
	MPI_Datatype ft;
	MPI_Status st;
	unsigned char *buf = malloc(N), *back = malloc(N);
	int ok = 1, n = -1;

	for (int i = 0; i < N; i++)
		buf[i] = (unsigned char)(i * 13 + rank);
	MPI_Type_vector(N, 1, 3 * nprocs, MPI_BYTE, &ft);
	MPI_Type_commit(&ft);
	ok &= open_file("pieces", MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh, fname) == MPI_SUCCESS;
	ok &= MPI_File_set_view(fh, rank, MPI_BYTE, ft, "native", MPI_INFO_NULL) == MPI_SUCCESS;
	ok &= MPI_File_write_at(fh, 0, buf, N, MPI_BYTE, &st) == MPI_SUCCESS;
	MPI_Get_count(&st, MPI_BYTE, &n);
	ok &= n == N;
	memset(back, 0, N);
	ok &= MPI_File_read_at(fh, 0, back, N, MPI_BYTE, &st) == MPI_SUCCESS;
	ok &= memcmp(buf, back, N) == 0;
	check(ok, "300,000-piece strided write and read (several list calls)");
	memset(back, 0, N);
	ok = MPI_File_read_at_all(fh, 0, back, N, MPI_BYTE, &st) == MPI_SUCCESS;
	ok &= memcmp(buf, back, N) == 0;
	check(ok, "300,000-piece collective read");
	MPI_File_close(&fh);
	MPI_Type_free(&ft);
	free(buf); free(back);
}

/* nonblocking I/O: libpfs's asynchronous list I/O behind MPI requests */
static void test_nonblocking(void)
{
	const int BIG = 8 << 20, BLK = 4099, NB = 50;
	char fname[600];
	MPI_File fh;
	MPI_Datatype ft;
	MPI_Request rq[2];
	MPI_Status st[2];
	MPI_Offset base = (MPI_Offset)rank * BIG, pos = -1;
	unsigned char *buf = malloc(BIG), *back = malloc(BIG);
	int ok = 1, n = -1, flag = 1, done_at_post;

	for (int i = 0; i < BIG; i++)
		buf[i] = pat(base + i);
	ok &= open_file("nonblocking", MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh, fname) == MPI_SUCCESS;
	ok &= MPI_File_iwrite_at(fh, base, buf, BIG, MPI_BYTE, &rq[0]) == MPI_SUCCESS;
	MPI_Test(&rq[0], &flag, &st[0]);
	done_at_post = flag;
	if (!flag)
		ok &= MPI_Wait(&rq[0], &st[0]) == MPI_SUCCESS;
	MPI_Get_count(&st[0], MPI_BYTE, &n);
	ok &= n == BIG;
	memset(back, 0, BIG);
	ok &= MPI_File_iread_at(fh, base, back, BIG, MPI_BYTE, &rq[0]) == MPI_SUCCESS;
	ok &= MPI_Wait(&rq[0], &st[0]) == MPI_SUCCESS;
	MPI_Get_count(&st[0], MPI_BYTE, &n);
	ok &= n == BIG && memcmp(buf, back, BIG) == 0;
	if (rank == 0)
		printf("# iwrite_at of 8 MiB %s at post time\n",
		       done_at_post ? "was already complete" : "was still running (overlapping)");
	check(ok, "iwrite_at / iread_at 8 MiB, MPI_Test then MPI_Wait");

	/* strided, individual file pointer, two requests in flight */
	MPI_Type_vector(NB, BLK, BLK * nprocs, MPI_BYTE, &ft);
	MPI_Type_commit(&ft);
	MPI_File_set_view(fh, (MPI_Offset)nprocs * BIG + (MPI_Offset)rank * BLK, MPI_BYTE, ft,
			  "native", MPI_INFO_NULL);
	ok = MPI_File_iwrite(fh, buf, BLK * NB / 2, MPI_BYTE, &rq[0]) == MPI_SUCCESS;
	ok &= MPI_File_iwrite(fh, buf + BLK * NB / 2, BLK * NB / 2, MPI_BYTE, &rq[1]) == MPI_SUCCESS;
	ok &= MPI_Waitall(2, rq, st) == MPI_SUCCESS;
	MPI_File_get_position(fh, &pos);
	ok &= pos == (MPI_Offset)BLK * NB / 2 * 2;
	memset(back, 0, BIG);
	ok &= MPI_File_iread_at(fh, 0, back, BLK * NB, MPI_BYTE, &rq[0]) == MPI_SUCCESS;
	ok &= MPI_Wait(&rq[0], &st[0]) == MPI_SUCCESS;
	MPI_Get_count(&st[0], MPI_BYTE, &n);
	ok &= n == BLK * NB && memcmp(buf, back, (size_t)BLK * NB) == 0;
	check(ok, "iwrite x2 (individual pointer) / iread_at through a vector view");

	/* nonblocking collectives */
	memset(back, 0, BIG);
	ok = MPI_File_iwrite_at_all(fh, 0, buf + 7, BLK * NB, MPI_BYTE, &rq[0]) == MPI_SUCCESS;
	ok &= MPI_Wait(&rq[0], &st[0]) == MPI_SUCCESS;
	ok &= MPI_File_iread_at_all(fh, 0, back, BLK * NB, MPI_BYTE, &rq[0]) == MPI_SUCCESS;
	ok &= MPI_Wait(&rq[0], &st[0]) == MPI_SUCCESS;
	ok &= memcmp(buf + 7, back, (size_t)BLK * NB) == 0;
	check(ok, "iwrite_at_all / iread_at_all through a vector view");
	MPI_File_close(&fh);
	MPI_Type_free(&ft);
	free(buf); free(back);
}

static int info_int(MPI_Info info, const char *key)
{
	char v[MPI_MAX_INFO_VAL + 1];
	int flag = 0;

	MPI_Info_get(info, key, MPI_MAX_INFO_VAL, v, &flag);
	return flag ? atoi(v) : -1;
}

/* hints applied and reported; bad hints refused; atomic mode refused;
 * shared file pointers refused; sizes; preallocate; delete. */
static void test_hints_and_refusals(void)
{
	char fname[600], v[MPI_MAX_INFO_VAL + 1];
	MPI_File fh;
	MPI_Info info, got;
	MPI_Status st;
	MPI_Offset size = -1;
	int ok = 1, rc, cls, flag, sf, su, cb, buf[4] = { 1, 2, 3, 4 };

	info = striped_info(3);
	MPI_Info_set(info, "cb_buffer_size", "1048576");
	MPI_Info_set(info, "romio_cb_write", "enable");
	ok &= open_file("hinted", MPI_MODE_CREATE | MPI_MODE_WRONLY, info, &fh, fname) == MPI_SUCCESS;
	ok &= MPI_File_get_info(fh, &got) == MPI_SUCCESS;
	sf = info_int(got, "striping_factor");
	su = info_int(got, "striping_unit");
	cb = info_int(got, "cb_nodes");
	ok &= sf == 3 && su == STRIPE && info_int(got, "cb_buffer_size") == 1048576;
	MPI_Info_get(got, "romio_cb_write", MPI_MAX_INFO_VAL, v, &flag);
	ok &= flag && !strcmp(v, "enable");
	MPI_Info_get(got, "romio_ds_write", MPI_MAX_INFO_VAL, v, &flag);
	ok &= flag && !strcmp(v, "disable");
	if (rank == 0)
		printf("# %s: striping_factor=%d striping_unit=%d cb_nodes=%d\n", fname, sf, su, cb);
	check(ok, "MPI_File_get_info reports striping_factor=3, striping_unit, cb_* hints");
	/* default aggregator count: a multiple or a divisor of the stripe count */
	check(cb >= 1 && cb <= nprocs && (cb % 3 == 0 || 3 % cb == 0),
	      "cb_nodes a multiple or divisor of the stripe count");
	MPI_Info_free(&got);
	/* a write-only handle still does two-phase (which may read holes) */
	ok = MPI_File_write_at_all(fh, (MPI_Offset)rank * 100, buf, 4, MPI_INT, &st) == MPI_SUCCESS;
	check(ok, "collective write on a write-only handle");

	/* atomic mode refused with a clear error, file stays nonatomic */
	rc = MPI_File_set_atomicity(fh, 1);
	MPI_Error_class(rc, &cls);
	MPI_File_get_atomicity(fh, &flag);
	if (rank == 0 && rc != MPI_SUCCESS) {
		char msg[MPI_MAX_ERROR_STRING];
		int len;
		MPI_Error_string(rc, msg, &len);
		printf("# set_atomicity(1): %s\n", msg);
	}
	check(rc != MPI_SUCCESS && cls == MPI_ERR_UNSUPPORTED_OPERATION && flag == 0,
	      "atomic mode refused (MPI_ERR_UNSUPPORTED_OPERATION), stays nonatomic");
	/* shared file pointers: unsupported, an error and no hang */
	rc = MPI_File_write_shared(fh, buf, 1, MPI_INT, &st);
	check(rc != MPI_SUCCESS, "shared file pointer refused");
	MPI_File_sync(fh);
	MPI_File_close(&fh);
	MPI_Info_free(&info);

	/* cb_nodes from the user is applied */
	MPI_Info_create(&info);
	MPI_Info_set(info, "cb_nodes", "1");
	ok = open_file("hinted", MPI_MODE_RDWR, info, &fh, fname) == MPI_SUCCESS;
	MPI_File_get_info(fh, &got);
	ok &= info_int(got, "cb_nodes") == 1 && info_int(got, "striping_factor") == 3;
	MPI_Info_free(&got);
	MPI_File_close(&fh);
	MPI_Info_free(&info);
	check(ok, "cb_nodes=1 applied; existing file reports its own layout");

	/* refused hints fail the open with the reason */
	MPI_Info_create(&info);
	MPI_Info_set(info, "pfs_no_such_hint", "1");
	rc = open_file("refused", MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh, fname);
	MPI_Error_class(rc, &cls);
	if (rc == MPI_SUCCESS)
		MPI_File_close(&fh);
	check(rc != MPI_SUCCESS && cls == MPI_ERR_INFO_VALUE, "unknown pfs_* hint refused");
	MPI_Info_free(&info);
	MPI_Info_create(&info);
	MPI_Info_set(info, "striping_unit", "1000");
	rc = open_file("refused", MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh, fname);
	if (rc == MPI_SUCCESS)
		MPI_File_close(&fh);
	check(rc != MPI_SUCCESS, "striping_unit=1000 (not a 4 KiB multiple) refused");
	MPI_Info_free(&info);

	/* sizes: set_size shrinks/extends, preallocate only extends */
	ok = open_file("sized", MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh, fname) == MPI_SUCCESS;
	ok &= MPI_File_set_size(fh, 1000000) == MPI_SUCCESS;
	MPI_Barrier(MPI_COMM_WORLD);
	ok &= MPI_File_get_size(fh, &size) == MPI_SUCCESS && size == 1000000;
	ok &= MPI_File_set_size(fh, 4097) == MPI_SUCCESS;
	MPI_Barrier(MPI_COMM_WORLD);
	ok &= MPI_File_get_size(fh, &size) == MPI_SUCCESS && size == 4097;
	ok &= MPI_File_preallocate(fh, 3000) == MPI_SUCCESS;
	MPI_Barrier(MPI_COMM_WORLD);
	ok &= MPI_File_get_size(fh, &size) == MPI_SUCCESS && size == 4097;
	ok &= MPI_File_preallocate(fh, 200000) == MPI_SUCCESS;
	MPI_Barrier(MPI_COMM_WORLD);
	ok &= MPI_File_get_size(fh, &size) == MPI_SUCCESS && size == 200000;
	check(ok, "set_size shrinks and extends, preallocate extends only");

	/* beyond 4 GiB: a sparse write at 5 GiB + 3 */
	{
		MPI_Offset big = ((MPI_Offset)5 << 30) + 3 + (MPI_Offset)rank * 4096;
		int w[1024], r[1024];
		for (int i = 0; i < 1024; i++)
			w[i] = i ^ rank;
		ok = MPI_File_write_at(fh, big, w, 1024, MPI_INT, &st) == MPI_SUCCESS;
		ok &= MPI_File_read_at(fh, big, r, 1024, MPI_INT, &st) == MPI_SUCCESS;
		ok &= memcmp(w, r, sizeof(w)) == 0;
		MPI_Barrier(MPI_COMM_WORLD);
		ok &= MPI_File_get_size(fh, &size) == MPI_SUCCESS &&
			size == ((MPI_Offset)5 << 30) + 3 + (MPI_Offset)(nprocs - 1) * 4096 + 4096;
	}
	check(ok, "write and read beyond 4 GiB (sparse)");
	MPI_File_close(&fh);

	/* delete; open of a missing file is MPI_ERR_NO_SUCH_FILE */
	MPI_Barrier(MPI_COMM_WORLD);
	rc = rank == 0 ? MPI_File_delete(fname, MPI_INFO_NULL) : MPI_SUCCESS;
	MPI_Barrier(MPI_COMM_WORLD);
	ok = rc == MPI_SUCCESS;
	rc = MPI_File_open(MPI_COMM_WORLD, fname, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
	MPI_Error_class(rc, &cls);
	ok &= rc != MPI_SUCCESS && cls == MPI_ERR_NO_SUCH_FILE;
	check(ok, "delete, then open fails with MPI_ERR_NO_SUCH_FILE");
	/* exclusive create of an existing file */
	rc = open_file("hinted", MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_RDWR, MPI_INFO_NULL,
		       &fh, fname);
	MPI_Error_class(rc, &cls);
	if (rc == MPI_SUCCESS)
		MPI_File_close(&fh);
	check(rc != MPI_SUCCESS && cls == MPI_ERR_FILE_EXISTS, "MPI_MODE_EXCL on an existing file");
	/* delete on close */
	ok = open_file("doc", MPI_MODE_CREATE | MPI_MODE_RDWR | MPI_MODE_DELETE_ON_CLOSE,
		       MPI_INFO_NULL, &fh, fname) == MPI_SUCCESS;
	ok &= MPI_File_close(&fh) == MPI_SUCCESS;
	MPI_Barrier(MPI_COMM_WORLD);
	rc = MPI_File_open(MPI_COMM_WORLD, fname, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
	ok &= rc != MPI_SUCCESS;
	check(ok, "MPI_MODE_DELETE_ON_CLOSE removes the file");
}

int main(int argc, char **argv)
{
	static char who[32];

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nprocs);
	snprintf(who, sizeof(who), "rank %d", rank);
	t_name(who);
	if (argc != 2) {
		if (rank == 0)
			fprintf(stderr, "usage: %s pfs:/DIR\n", argv[0]);
		MPI_Finalize();
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	MPI_File_set_errhandler(MPI_FILE_NULL, MPI_ERRORS_RETURN);

	test_vector();
	test_subarray();
	test_indexed();
	test_struct();
	test_edges();
	test_many_pieces();
	test_nonblocking();
	test_hints_and_refusals();

	if (rank == 0)
		printf("%s: every check held\n", argv[0]);
	MPI_Finalize();
	return 0;
}
