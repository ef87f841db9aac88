/* ec_rows.h - the row machinery of EC files (ec_rows.c) shared by the EC
 * engine (engine_ec.c: reads, writes, truncate) and rebuild.c. */
#ifndef PFS_EC_ROWS_H
#define PFS_EC_ROWS_H

#include <stdint.h>
#include "client.h"
#include "ec.h"
#include "objio.h"

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
	struct objio_span *p;
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
/* Stripes whose status in rw is an error. */
uint32_t ec_nlost(const struct ec_ctx *c, const struct ec_rows *rw);
/* Rows marked in rw->need: read whole from the stripes whose status is 0,
 * lost cells rebuilt. -EIO when more than m stripes are lost. */
int ec_rebuild_rows(struct ec_ctx *c, struct ec_rows *rw);
/* Bytes of cell j of row r inside a file of size bytes; the row's parity
 * length (its longest cell). */
uint64_t ec_cell_used(const struct ec_ctx *c, uint64_t size, uint64_t r, uint32_t j);
uint64_t ec_row_used(const struct ec_ctx *c, uint64_t size, uint64_t r);
/* What the MDS knows of the file's size: the hint read at open, or what
 * this handle told it since. */
uint64_t ec_size_hint(pfs_file_t *f);
/* The stripes a read should not ask now (they did not answer lately), and
 * the noting of those that failed in transport in a batch's status. */
uint64_t ec_lost_get(pfs_file_t *f);
void ec_lost_note(pfs_file_t *f, const int *status, uint32_t n);
/* File size of an EC layout from its data objects, not asking the stripes
 * in skip (known lost); when some cannot be reached, the largest the others
 * imply and hint (the MDS's size) give. */
int ec_glimpse_skip(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t skip,
		    uint64_t *size);
int ec_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t *size);

#endif /* PFS_EC_ROWS_H */
