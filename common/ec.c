/* ec.c - Reed-Solomon k+m over GF(2^8) with ISA-L: encoding a row's parity
 * and decoding lost cells by inverting the rows of the survivors. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <isa-l/erasure_code.h>
#include "ec.h"
#include "proto.h"

/* ec_encode_data takes an int length: longer cells go in pieces. */
#define EC_PIECE_MAX (1u << 30)

int ec_codec_init(struct ec_codec *c, uint32_t k, uint32_t m)
{
	memset(c, 0, sizeof(*c));
	if (k < 1 || k > PROTO_EC_K_MAX || m < 1 || m > PROTO_EC_M_MAX)
		return -EINVAL;
	c->k = k;
	c->m = m;
	c->matrix = malloc((size_t)(k + m) * k);
	c->tables = malloc((size_t)32 * k * m);
	if (!c->matrix || !c->tables) {
		ec_codec_fini(c);
		return -ENOMEM;
	}
	/* Cauchy rather than Vandermonde: every k x k submatrix of a Cauchy
	 * matrix is invertible, for every k and m, so any k cells decode. */
	gf_gen_cauchy1_matrix(c->matrix, (int)(k + m), (int)k);
	ec_init_tables((int)k, (int)m, c->matrix + (size_t)k * k, c->tables);
	return 0;
}

void ec_codec_fini(struct ec_codec *c)
{
	free(c->matrix);
	free(c->tables);
	c->matrix = c->tables = NULL;
}

/* Runs ec_encode_data over len bytes in int-sized pieces. */
static void ec_run(size_t len, int k, int rows, uint8_t *tables, uint8_t *const *in,
		   uint8_t *const *out)
{
	uint8_t *src[PROTO_EC_K_MAX], *dst[PROTO_EC_K_MAX + PROTO_EC_M_MAX];

	for (size_t off = 0; off < len; off += EC_PIECE_MAX) {
		size_t n = len - off < EC_PIECE_MAX ? len - off : EC_PIECE_MAX;

		for (int i = 0; i < k; i++)
			src[i] = in[i] + off;
		for (int i = 0; i < rows; i++)
			dst[i] = out[i] + off;
		ec_encode_data((int)n, k, rows, tables, src, dst);
	}
}

void ec_encode(const struct ec_codec *c, size_t len, uint8_t *const *data, uint8_t *const *parity)
{
	ec_run(len, (int)c->k, (int)c->m, c->tables, data, parity);
}

int ec_reconstruct(const struct ec_codec *c, size_t len, uint8_t *const *cells, const uint8_t *lost)
{
	uint32_t k = c->k, n = c->k + c->m, nlost = 0, ns = 0;
	uint32_t surv[PROTO_EC_K_MAX], gone[PROTO_EC_M_MAX];
	uint8_t *b = NULL, *inv = NULL, *coef = NULL, *tables = NULL;
	uint8_t *src[PROTO_EC_K_MAX], *dst[PROTO_EC_M_MAX];
	int rc = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!lost[i]) {
			if (ns < k)
				surv[ns++] = i;
		} else if (nlost < c->m) {
			gone[nlost++] = i;
		} else {
			return -EIO;
		}
	}
	if (nlost == 0)
		return 0;
	b = malloc((size_t)k * k);
	inv = malloc((size_t)k * k);
	coef = malloc((size_t)k * nlost);
	tables = malloc((size_t)32 * k * nlost);
	if (!b || !inv || !coef || !tables) {
		rc = -ENOMEM;
		goto out;
	}
	/* The survivors' rows of the encoding matrix map the data to them;
	 * their inverse maps them back to the data. */
	for (uint32_t i = 0; i < k; i++)
		memcpy(b + (size_t)i * k, c->matrix + (size_t)surv[i] * k, k);
	if (gf_invert_matrix(b, inv, (int)k) < 0) {
		rc = -EIO;
		goto out;
	}
	/* A lost data cell is its row of the inverse; a lost parity cell is its
	 * encoding row applied to the recovered data (row x inverse). */
	for (uint32_t e = 0; e < nlost; e++) {
		uint8_t *row = coef + (size_t)e * k;

		if (gone[e] < k) {
			memcpy(row, inv + (size_t)gone[e] * k, k);
			continue;
		}
		for (uint32_t j = 0; j < k; j++) {
			uint8_t s = 0;

			for (uint32_t t = 0; t < k; t++)
				s ^= gf_mul(c->matrix[(size_t)gone[e] * k + t], inv[(size_t)t * k + j]);
			row[j] = s;
		}
	}
	ec_init_tables((int)k, (int)nlost, coef, tables);
	for (uint32_t i = 0; i < k; i++)
		src[i] = cells[surv[i]];
	for (uint32_t e = 0; e < nlost; e++)
		dst[e] = cells[gone[e]];
	ec_run(len, (int)k, (int)nlost, tables, src, dst);
out:
	free(b);
	free(inv);
	free(coef);
	free(tables);
	return rc;
}
