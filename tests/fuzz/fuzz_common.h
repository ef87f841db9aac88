/* fuzz_common.h - the table of wire codecs the wire fuzzer dispatches over
 * (input byte 0 picks one) and the corpus generator writes seeds for. */
#ifndef PFS_FUZZ_COMMON_H
#define PFS_FUZZ_COMMON_H

#include <stddef.h>
#include "wire.h"

typedef int (*fuzz_dec_fn)(const void *buf, size_t len, void *m);
typedef int (*fuzz_enc_fn)(void *buf, size_t len, const void *m);

struct fuzz_codec {
	const char *name;
	fuzz_dec_fn dec;
	fuzz_enc_fn enc;
	size_t size;
};

/* Typed wrappers, so that no call goes through a mismatched pointer type. */
#define FUZZ_WRAP(x, type)                                                         \
	static inline int fuzz_dec_##x(const void *buf, size_t len, void *m)       \
	{                                                                          \
		return wire_dec_##x(buf, len, (struct type *)m);                   \
	}                                                                          \
	static inline int fuzz_enc_##x(void *buf, size_t len, const void *m)       \
	{                                                                          \
		return wire_enc_##x(buf, len, (const struct type *)m);             \
	}

FUZZ_WRAP(target_register, wire_target_register)
FUZZ_WRAP(target_list, wire_target_list)
FUZZ_WRAP(path, wire_path)
FUZZ_WRAP(open, wire_open)
FUZZ_WRAP(mkdir, wire_mkdir)
FUZZ_WRAP(rename, wire_rename)
FUZZ_WRAP(readdir, wire_readdir)
FUZZ_WRAP(readdir_rep, wire_readdir_rep)
FUZZ_WRAP(set_layout, wire_set_layout)
FUZZ_WRAP(set_size, wire_set_size)
FUZZ_WRAP(replace_target, wire_replace_target)
FUZZ_WRAP(obj_lock, wire_obj_lock)
FUZZ_WRAP(attr, wire_attr)
FUZZ_WRAP(obj_io, wire_obj_io)
FUZZ_WRAP(obj_io_rep, wire_obj_io_rep)
FUZZ_WRAP(obj, wire_obj)
FUZZ_WRAP(obj_punch, wire_obj_punch)
FUZZ_WRAP(obj_size, wire_obj_size)
FUZZ_WRAP(statfs_rep, wire_statfs_rep)
FUZZ_WRAP(obj_scrub, wire_obj_scrub)
FUZZ_WRAP(obj_scrub_rep, wire_obj_scrub_rep)
FUZZ_WRAP(oss_list, wire_oss_list)
FUZZ_WRAP(oss_list_rep, wire_oss_list_rep)
FUZZ_WRAP(obj_stat, wire_obj_stat)
FUZZ_WRAP(obj_chunks, wire_obj_chunks)

#define FUZZ_CODEC(x, type) { #x, fuzz_dec_##x, fuzz_enc_##x, sizeof(struct type) }

/* Index 0 is the frame header (wire_hdr_decode), handled apart. */
static const struct fuzz_codec fuzz_codecs[] = {
	{ "hdr", NULL, NULL, sizeof(struct wire_hdr) },
	FUZZ_CODEC(target_register, wire_target_register),
	FUZZ_CODEC(target_list, wire_target_list),
	FUZZ_CODEC(path, wire_path),
	FUZZ_CODEC(open, wire_open),
	FUZZ_CODEC(mkdir, wire_mkdir),
	FUZZ_CODEC(rename, wire_rename),
	FUZZ_CODEC(readdir, wire_readdir),
	FUZZ_CODEC(readdir_rep, wire_readdir_rep),
	FUZZ_CODEC(set_layout, wire_set_layout),
	FUZZ_CODEC(set_size, wire_set_size),
	FUZZ_CODEC(replace_target, wire_replace_target),
	FUZZ_CODEC(obj_lock, wire_obj_lock),
	FUZZ_CODEC(attr, wire_attr),
	FUZZ_CODEC(obj_io, wire_obj_io),
	FUZZ_CODEC(obj_io_rep, wire_obj_io_rep),
	FUZZ_CODEC(obj, wire_obj),
	FUZZ_CODEC(obj_punch, wire_obj_punch),
	FUZZ_CODEC(obj_size, wire_obj_size),
	FUZZ_CODEC(statfs_rep, wire_statfs_rep),
	FUZZ_CODEC(obj_scrub, wire_obj_scrub),
	FUZZ_CODEC(obj_scrub_rep, wire_obj_scrub_rep),
	FUZZ_CODEC(oss_list, wire_oss_list),
	FUZZ_CODEC(oss_list_rep, wire_oss_list_rep),
	FUZZ_CODEC(obj_stat, wire_obj_stat),
	FUZZ_CODEC(obj_chunks, wire_obj_chunks),
};

#define FUZZ_NCODECS ((int)(sizeof(fuzz_codecs) / sizeof(fuzz_codecs[0])))

#endif /* PFS_FUZZ_COMMON_H */
