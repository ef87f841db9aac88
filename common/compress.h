/* compress.h - chunk compression codecs (lz4, zstd) shared by the client,
 * which compresses full chunks, and the OSS, which decompresses them. */
#ifndef PFS_COMPRESS_H
#define PFS_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

/* Per-thread codec state (zstd contexts); one per I/O call or worker. */
struct compress_ctx;

int compress_ctx_new(struct compress_ctx **ctx);
void compress_ctx_free(struct compress_ctx *ctx);

/* Compresses src[0..n) with codec (PROTO_COMPRESS_LZ4 or _ZSTD, level 0 =
 * default) into dst (cap bytes). Returns the compressed length, 0 when the
 * result would not fit in cap (the caller stores the chunk raw), or a
 * negative errno. */
int64_t compress_chunk(struct compress_ctx *ctx, uint32_t codec, int level,
		       const void *src, size_t n, void *dst, size_t cap);
/* Decompresses src[0..n) into exactly dstlen bytes of dst. 0, or -EIO when
 * the input is not a valid stream of that codec and length. */
int compress_decode(struct compress_ctx *ctx, uint32_t codec, const void *src, size_t n,
		    void *dst, size_t dstlen);

#endif /* PFS_COMPRESS_H */
