/* ec_rows.h - the row machinery of EC files shared by ec_io.c (reads,
 * writes, truncate) and ec_rebuild.c (health, rebuild): internal only. */
#ifndef PFS_EC_ROWS_H
#define PFS_EC_ROWS_H

#include <stdint.h>
#include "client.h"
#include "ec.h"
#include "io.h"

/* One call's view of an EC file. */
struct ec_ctx {
	pfs_file_t *f;
	const struct wire_layout *l;
	struct wire_layout dview;    /* the data objects as RAID0 over k */
	struct ec_codec codec;
	uint32_t k, m, n;
	uint64_t S, rowbytes;        /* cell size, data bytes per row */
	int write;                   /* a write call: every stripe is needed */
	uint64_t batch_rows;
};

/* A growable piece list. */
struct ec_pieces {
	struct io_obj_piece *p;
	size_t n, cap;
};

/* Reads and rebuilds rows: the state of one batch's read. */
struct ec_rows {
	uint8_t *buf;                /* batch_rows x n cells */
	uint64_t r0, r1;
	int status[PFS_MAX_STRIPES]; /* first error per stripe */
	uint64_t obj_size[PFS_MAX_STRIPES];
	uint8_t *need;               /* per row: a lost cell is needed */
};

int ec_ctx_init(struct ec_ctx *c, pfs_file_t *f, const struct wire_layout *l);
void ec_ctx_fini(struct ec_ctx *c);
/* Cell j of row r in a batch buffer that starts at row r0. */
uint8_t *ec_cell(const struct ec_ctx *c, uint8_t *buf, uint64_t r0, uint64_t r, uint32_t j);
int ec_piece(struct ec_pieces *v, uint32_t stripe, uint64_t obj_off, uint64_t len, uint8_t *ptr);
/* Row locks [r0, r1) at the first parity stripe's server (waits while
 * another writer holds them); ec_unlock is best effort. */
int ec_lock(struct ec_ctx *c, uint64_t r0, uint64_t r1, struct wire_obj_lock *m);
void ec_unlock(struct ec_ctx *c, const struct wire_obj_lock *m);
/* Rows marked in rw->need: read whole from the stripes whose status is 0,
 * lost cells rebuilt. -EIO when more than m stripes are lost. */
int ec_rebuild_rows(struct ec_ctx *c, struct ec_rows *rw);
/* Bytes of cell j of row r inside a file of size bytes; the row's parity
 * length (its longest cell). */
uint64_t ec_cell_used(const struct ec_ctx *c, uint64_t size, uint64_t r, uint32_t j);
uint64_t ec_row_used(const struct ec_ctx *c, uint64_t size, uint64_t r);
/* What the MDS knows of the file's size (see ec_io.c). */
uint64_t ec_size_hint(pfs_file_t *f);

#endif /* PFS_EC_ROWS_H */
