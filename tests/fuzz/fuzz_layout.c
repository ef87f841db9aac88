/* fuzz_layout.c - libFuzzer target for the layout checks (layout_check,
 * layout_check_request) and, for layouts that pass, the striping math:
 * every mapped piece lies in one stripe and maps back to its file offset,
 * and object sizes agree with the file size they imply.
 * Input: a wire_layout (as wire_put_layout lays it out, targets always
 * present) followed by up to three u64 (offset, length, file size). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "layout_api.h"
#include "wire.h"

#define FUZZ_FILE_MAX (1ull << 62)

static void fuzz_fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_layout: %s (%llu, %llu)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	abort();
}

static void fuzz_math(const struct wire_layout *l, uint64_t off, uint64_t len, uint64_t size)
{
	uint64_t end, max = 0;
	int rounds = 0;

	off %= FUZZ_FILE_MAX;
	len %= FUZZ_FILE_MAX - off;
	len = len ? len : 1;
	end = off + len;
	/* Walk at most a few stripes: pieces are contiguous and map back. */
	while (off < end && rounds++ < 3 * (int)l->stripe_count + 3) {
		struct layout_piece p;

		layout_map(l, off, end - off, &p);
		if (p.len == 0 || p.len > end - off || p.len > l->stripe_size)
			fuzz_fail("bad piece length", off, p.len);
		if (p.stripe >= l->stripe_count)
			fuzz_fail("bad stripe", off, p.stripe);
		if (p.file_off != off)
			fuzz_fail("piece does not start at off", off, p.file_off);
		if (layout_file_offset(l, p.stripe, p.obj_off) != off)
			fuzz_fail("object offset does not map back", off, p.obj_off);
		if (layout_file_offset(l, p.stripe, p.obj_off + p.len - 1) != off + p.len - 1)
			fuzz_fail("piece end does not map back", off, p.len);
		off += p.len;
	}
	/* Object sizes for a file size imply that file size, at most. */
	size %= FUZZ_FILE_MAX;
	for (uint32_t s = 0; s < l->stripe_count; s++) {
		uint64_t obj = layout_obj_size(l, s, size);
		uint64_t implied = layout_file_size_from_obj(l, s, obj);

		if (implied > size)
			fuzz_fail("object size implies a larger file", size, implied);
		if (implied > max)
			max = implied;
	}
	if (max != size)
		fuzz_fail("object sizes do not imply the file size", size, max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_layout l, back;
	struct pfs_layout pub;
	struct wire_buf b;
	uint64_t arg[3] = { 0, 0, 0 };
	int full, req;

	memset(&l, 0, sizeof(l));
	wire_buf_init(&b, (void *)data, size);
	l.pattern = wire_get_u32(&b);
	l.stripe_count = wire_get_u32(&b);
	l.stripe_size = wire_get_u64(&b);
	l.first_target = (int32_t)wire_get_u32(&b);
	l.fid = wire_get_u64(&b);
	for (uint32_t i = 0; i < l.stripe_count && i < PFS_MAX_STRIPES; i++)
		l.targets[i] = wire_get_u32(&b);
	if (b.err)
		return 0;
	for (int i = 0; i < 3 && b.pos + 8 <= size; i++)
		arg[i] = wire_get_u64(&b);

	full = layout_check(&l);
	req = layout_check_request(&l);
	if (!full && req && l.first_target >= -1 && l.first_target < WIRE_MAX_TARGETS)
		fuzz_fail("a complete layout fails the request check", l.stripe_count, l.stripe_size);
	layout_to_public(&l, &pub);
	layout_from_public(&pub, &back);
	if (l.stripe_count <= PFS_MAX_STRIPES && memcmp(&l, &back, sizeof(l)))
		fuzz_fail("public layout round trip differs", l.stripe_count, 0);
	if (full)
		return 0;
	fuzz_math(&l, arg[0], arg[1], arg[2]);
	return 0;
}
