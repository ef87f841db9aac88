/* compress.c - chunk compression codecs: lz4 (fast) and zstd (with a level),
 * one-shot on whole chunks, with reusable zstd contexts. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <lz4.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "compress.h"
#include "proto.h"

#define COMPRESS_ZSTD_DEFAULT 3

struct compress_ctx {
	ZSTD_CCtx *c;          /* created on first use */
	ZSTD_DCtx *d;
};

int compress_ctx_new(struct compress_ctx **ctx)
{
	*ctx = calloc(1, sizeof(**ctx));
	return *ctx ? 0 : -ENOMEM;
}

void compress_ctx_free(struct compress_ctx *ctx)
{
	if (!ctx)
		return;
	ZSTD_freeCCtx(ctx->c);
	ZSTD_freeDCtx(ctx->d);
	free(ctx);
}

int64_t compress_chunk(struct compress_ctx *ctx, uint32_t codec, int level,
		       const void *src, size_t n, void *dst, size_t cap)
{
	size_t r;
	int k;

	if (n > INT_MAX || cap > INT_MAX)
		return -EINVAL;
	switch (codec) {
	case PROTO_COMPRESS_LZ4:
		k = LZ4_compress_default(src, dst, (int)n, (int)cap);
		return k > 0 ? k : 0;
	case PROTO_COMPRESS_ZSTD:
		if (!ctx->c && !(ctx->c = ZSTD_createCCtx()))
			return -ENOMEM;
		r = ZSTD_compressCCtx(ctx->c, dst, cap, src, n,
				      level > 0 ? level : COMPRESS_ZSTD_DEFAULT);
		if (ZSTD_isError(r))
			return ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall ? 0 : -EIO;
		return (int64_t)r;
	default:
		return -EINVAL;
	}
}

int compress_decode(struct compress_ctx *ctx, uint32_t codec, const void *src, size_t n,
		    void *dst, size_t dstlen)
{
	size_t r;
	int k;

	if (n > INT_MAX || dstlen > INT_MAX)
		return -EIO;
	switch (codec) {
	case PROTO_COMPRESS_LZ4:
		k = LZ4_decompress_safe(src, dst, (int)n, (int)dstlen);
		return k == (int)dstlen ? 0 : -EIO;
	case PROTO_COMPRESS_ZSTD:
		if (!ctx->d && !(ctx->d = ZSTD_createDCtx()))
			return -ENOMEM;
		r = ZSTD_decompressDCtx(ctx->d, dst, dstlen, src, n);
		return !ZSTD_isError(r) && r == dstlen ? 0 : -EIO;
	default:
		return -EIO;
	}
}
