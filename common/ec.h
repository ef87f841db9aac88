/* ec.h - Reed-Solomon k+m coding of one stripe row with ISA-L: parity cells
 * from data cells, and lost cells back from any k that survive. */
#ifndef PFS_EC_H
#define PFS_EC_H

#include <stddef.h>
#include <stdint.h>

/* A code's matrices: the (k+m) x k Cauchy encoding matrix (identity on top,
 * so data cells are stored as they are) and its expanded parity tables. */
struct ec_codec {
	uint32_t k, m;
	uint8_t *matrix;        /* (k + m) * k */
	uint8_t *tables;        /* 32 * k * m, for ec_encode_data */
};

/* 1 <= k <= PROTO_EC_K_MAX, 1 <= m <= PROTO_EC_M_MAX; -EINVAL or -ENOMEM. */
int ec_codec_init(struct ec_codec *c, uint32_t k, uint32_t m);
void ec_codec_fini(struct ec_codec *c);

/* parity[0..m) = the code of data[0..k), len bytes each. */
void ec_encode(const struct ec_codec *c, size_t len, uint8_t *const *data, uint8_t *const *parity);

/* cells[0..k+m) hold one row (data then parity), len bytes each; lost[i]
 * marks a cell whose content is gone. Rebuilds every lost cell in place
 * from k that are not. -EIO when more than m are lost, -ENOMEM. */
int ec_reconstruct(const struct ec_codec *c, size_t len, uint8_t *const *cells, const uint8_t *lost);

#endif /* PFS_EC_H */
