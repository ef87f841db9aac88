/* fuzz_wire.c - libFuzzer target for every wire decoder and the frame header.
 * The first input byte picks the decoder (fuzz_common.h lists them); the rest
 * is the payload. A payload that decodes must re-encode, and the re-encoded
 * bytes must decode to the same message (decode . encode . decode = decode). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire.h"
#include "fuzz_common.h"

#define FUZZ_ENC_MAX (4 * WIRE_MSG_MAX)

static void fuzz_fail(const char *what, int idx)
{
	fprintf(stderr, "fuzz_wire: %s (decoder %d: %s)\n", what, idx, fuzz_codecs[idx].name);
	abort();
}

/* Inline data pointers differ between two decodes: compare what they point
 * at, then clear them so the structs can be compared bytewise. */
static void fuzz_inline(int idx, void *a, void *b)
{
	const uint8_t **pa = NULL, **pb = NULL;
	uint32_t la = 0, lb = 0;

	if (fuzz_codecs[idx].dec == fuzz_dec_obj_io) {
		struct wire_obj_io *x = a, *y = b;

		pa = &x->inline_data, pb = &y->inline_data, la = x->inline_len, lb = y->inline_len;
	} else if (fuzz_codecs[idx].dec == fuzz_dec_obj_chunks) {
		struct wire_obj_chunks *x = a, *y = b;

		pa = &x->io.inline_data, pb = &y->io.inline_data;
		la = x->io.inline_len, lb = y->io.inline_len;
	} else if (fuzz_codecs[idx].dec == fuzz_dec_obj_io_rep) {
		struct wire_obj_io_rep *x = a, *y = b;

		pa = &x->inline_data, pb = &y->inline_data, la = x->inline_len, lb = y->inline_len;
	} else {
		return;
	}
	if (la != lb || (la && memcmp(*pa, *pb, la)))
		fuzz_fail("inline data changed in a round trip", idx);
	*pa = *pb = NULL;
}

static void fuzz_header(const uint8_t *data, size_t size)
{
	struct wire_hdr h;
	uint8_t enc[WIRE_HDR_LEN];

	memset(&h, 0, sizeof(h));
	if (wire_hdr_decode(&h, data, size))
		return;
	if (wire_hdr_encode(&h, enc, sizeof(enc)) != WIRE_HDR_LEN)
		fuzz_fail("a decoded header does not encode", 0);
	if (memcmp(enc, data, WIRE_HDR_LEN))
		fuzz_fail("header round trip differs", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *enc;
	const struct fuzz_codec *c;
	void *m1, *m2;
	size_t msize;
	int idx, n;

	if (size < 1)
		return 0;
	idx = data[0] % FUZZ_NCODECS;
	data++;
	size--;
	if (idx == 0) {
		fuzz_header(data, size);
		return 0;
	}
	if (!enc && !(enc = malloc(FUZZ_ENC_MAX)))
		return 0;
	c = &fuzz_codecs[idx];
	msize = c->size;
	m1 = calloc(1, msize);
	m2 = calloc(1, msize);
	if (!m1 || !m2)
		goto out;
	if (c->dec(data, size, m1))
		goto out;
	n = c->enc(enc, FUZZ_ENC_MAX, m1);
	if (n < 0)
		fuzz_fail("a decoded message does not encode", idx);
	if (c->dec(enc, (size_t)n, m2))
		fuzz_fail("a re-encoded message does not decode", idx);
	fuzz_inline(idx, m1, m2);
	if (memcmp(m1, m2, msize))
		fuzz_fail("decode(encode(m)) != m", idx);
out:
	free(m1);
	free(m2);
	return 0;
}
