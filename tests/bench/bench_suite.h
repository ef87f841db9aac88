/* bench_suite.h - what pfs_bench's three parts share: the options of a
 * run, the result table (bench_table.c), the workloads the workers run
 * (bench_work.c) and the phases that drive them (pfs_bench.c). */
#ifndef PFS_BENCH_SUITE_H
#define PFS_BENCH_SUITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bench.h"

#define MiB (1024.0 * 1024.0)
#define GiB (1024.0 * 1024.0 * 1024.0)
#define BENCH_NOSS 4
#define BENCH_XFER (1u << 20)
#define BENCH_EC_K 2
#define BENCH_EC_M 1
#define BENCH_RUNS_MAX 16
#define BENCH_ROWS_MAX 128
#define BENCH_QD_MAX 16

/* ---- what to run ---- */

struct bench_opts {
	const char *mode;               /* smoke, quick, full */
	int runs;
	size_t stream_bytes;            /* 1 client */
	size_t multi_bytes;             /* 4 processes together */
	size_t rand_file;               /* file random I/O works in */
	double rand_secs;
	int md_files;
	double idle_secs;
	double soak_secs;               /* --soak: repeat the phases this long */
	int pingpongs;
	size_t fabric_bytes;
	int md_shm;                     /* metadata rows on shm too */
	int rand_shm;
	int multi_shm;                  /* EC, fpp and shared-file rows on shm too */
	const char *providers[2];
	int nprov;
	const char *json;
	const char *only;               /* comma-separated phases, NULL = all */
	char tmpfs[256];                /* baseline directory on tmpfs */
	const char *md_dir;             /* where the metadata rows' cluster lives */
	char md_store[128];             /* what kind of storage that is */
};

/* ---- result rows (bench_table.c) ---- */

struct bench_row {
	char name[64];
	char provider[8];
	char unit[16];
	double v[BENCH_RUNS_MAX];
	int n;
	char base[2][64];               /* baseline rows (the smaller median wins) */
	const char *storage;            /* server storage, when not tmpfs */
	char err[160];
};

struct bench_table {
	struct bench_row rows[BENCH_ROWS_MAX];
	int n;
	int errors;
};

struct bench_row *bench_row_get(struct bench_table *t, const char *name,
				const char *prov, const char *unit,
				const char *base0, const char *base1);
const char *bench_nm(char *buf, size_t len, const char *name, const char *prov);
void bench_add(struct bench_table *t, const char *name, const char *prov,
	       const char *unit, const char *base0, const char *base1, double v);
void bench_fail(struct bench_table *t, const char *name, const char *prov,
		const char *unit, const char *msg);
void bench_print(const struct bench_table *t, FILE *out);
int bench_write_json(const struct bench_table *t, const struct bench_opts *o,
		     const char *path);

/* ---- workloads (bench_work.c) ---- */

enum bench_kind { BK_WRITE, BK_READ, BK_UNLINK, BK_RAND, BK_CREATE, BK_STAT, BK_MDUNLINK,
		  BK_PING };

struct bench_wl {
	enum bench_kind kind;
	int pfs;                        /* else POSIX under root */
	const char *root;
	const char *file;               /* base name; ".<rank>" unless shared */
	int shared;                     /* one file, ranks interleaved */
	int ec;                         /* pfs: an EC 2+1 layout, 512 KiB cells */
	size_t bytes;                   /* per process */
	int rand_write;
	int qd;
	double secs;
	size_t file_bytes;
	int nfiles;                     /* per process */
	uint32_t compress;              /* layout codec (0: none) */
	int level;
	int text;                       /* compressible data (else random) */
};

/* The file of rank (its name under the workload's root). */
void bench_file_name(const struct bench_wl *w, int rank, char *buf, size_t len);
/* The bench_fn every phase forks: runs the workload arg points to. */
void bench_worker(int rank, int nproc, void *arg, struct bench_result *res);

#endif /* PFS_BENCH_SUITE_H */
