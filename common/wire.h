/* wire.h - the pfs wire protocol: frame header, opcodes and every message.
 * Little-endian, versioned; decoders check every length, count and enum and
 * return -EPROTO (or -EINVAL) instead of trusting the peer. */
#ifndef PFS_WIRE_H
#define PFS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "layout.h"
#include "proto.h"

#define WIRE_MAGIC 0x31534650u  /* "PFS1" little-endian */
#define WIRE_VERSION 3  /* 3: OBJ_WRITE segments carry their own CRC */
#define WIRE_HDR_LEN 32
#define WIRE_FLAG_REPLY 0x1u

#define WIRE_MSG_MAX (64 * 1024)    /* largest frame, header included */
#define WIRE_INLINE_MAX (32 * 1024) /* I/O at most this size rides in the message */
#define WIRE_BULK_MAX (4u << 20)    /* most bytes one object RPC moves */
#define WIRE_MAX_EXTENTS 256        /* object extents in one I/O RPC */
#define WIRE_MAX_SEGS 256           /* client memory segments in one I/O RPC */
#define WIRE_ADDR_MAX 256           /* raw libfabric address bytes */
#define WIRE_MAX_TARGETS PROTO_MAX_TARGETS
#define WIRE_READDIR_MAX 128        /* entries in one readdir reply */

enum wire_op {
	/* to the MDS */
	WIRE_OP_PING = 1,
	WIRE_OP_TARGET_REGISTER,
	WIRE_OP_TARGET_LIST,
	WIRE_OP_LOOKUP,
	WIRE_OP_OPEN,
	WIRE_OP_MKDIR,
	WIRE_OP_RMDIR,
	WIRE_OP_UNLINK,
	WIRE_OP_RENAME,
	WIRE_OP_READDIR,
	WIRE_OP_SET_LAYOUT,
	WIRE_OP_SET_SIZE,
	WIRE_OP_REPLACE_TARGET,            /* a rebuilt stripe moves to a new target */
	/* to an OSS */
	WIRE_OP_OBJ_WRITE = 32,
	WIRE_OP_OBJ_READ,
	WIRE_OP_OBJ_PUNCH,
	WIRE_OP_OBJ_GLIMPSE,
	WIRE_OP_OBJ_SYNC,
	WIRE_OP_OBJ_DESTROY,
	WIRE_OP_OSS_STATFS,
	/* checksums and compression at rest (39..47) */
	WIRE_OP_OBJ_SCRUB = 39,
	WIRE_OP_OSS_LIST = 40,
	WIRE_OP_OBJ_STAT = 41,
	WIRE_OP_OBJ_WRITE_CHUNKS = 42,
	WIRE_OP_OBJ_LOCK = 48,             /* EC row locks, served by the target */
	WIRE_OP_OBJ_UNLOCK,                /* of the file's first parity stripe */
	WIRE_OP_MAX
};

/* Fixed frame header; the sender's raw address (src_len bytes) follows it in
 * requests so that a server can answer peers it has never seen, then the
 * payload (payload_len bytes). */
struct wire_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t opcode;
	uint32_t flags;
	int32_t status;        /* replies: 0 or -errno */
	uint64_t reqid;
	uint32_t payload_len;
	uint16_t src_len;
	uint16_t ttl_ms;       /* requests: how long the caller waits for this
	                        * attempt (0: not said; WIRE_TTL_MAX: that or
	                        * more), so a server skips what nobody awaits */
};

#define WIRE_TTL_MAX 65535u

/* A cursor over a byte buffer. Any overflow sets err (sticky) and further
 * puts/gets do nothing, so codecs check once at the end. */
struct wire_buf {
	uint8_t *p;
	size_t cap;
	size_t pos;
	int err;
};

void wire_buf_init(struct wire_buf *b, void *p, size_t cap);
void wire_put_u8(struct wire_buf *b, uint8_t v);
void wire_put_u16(struct wire_buf *b, uint16_t v);
void wire_put_u32(struct wire_buf *b, uint32_t v);
void wire_put_u64(struct wire_buf *b, uint64_t v);
void wire_put_bytes(struct wire_buf *b, const void *p, size_t n);
void wire_put_str(struct wire_buf *b, const char *s);  /* u16 length + bytes */
uint8_t wire_get_u8(struct wire_buf *b);
uint16_t wire_get_u16(struct wire_buf *b);
uint32_t wire_get_u32(struct wire_buf *b);
uint64_t wire_get_u64(struct wire_buf *b);
/* Points *out into the buffer (no copy); n bytes must be there. */
const void *wire_get_bytes(struct wire_buf *b, size_t n);
/* Copies a u16-length string into out (NUL-terminated); fails if it does not
 * fit in outlen, contains a NUL, or is empty when nonempty is set. */
void wire_get_str(struct wire_buf *b, char *out, size_t outlen);

int wire_hdr_encode(const struct wire_hdr *h, void *buf, size_t len);
/* Decodes and validates a frame header against the frame length. */
int wire_hdr_decode(struct wire_hdr *h, const void *buf, size_t len);

/* ---- shared pieces ---- */


struct wire_attr {
	uint64_t ino;
	uint32_t mode;
	uint32_t nlink;
	uint64_t size_hint;        /* last size the MDS learned; objects are truth */
	int64_t mtime_ns;
	int64_t ctime_ns;
	struct wire_layout layout; /* files: the layout; dirs: the default */
};

void wire_put_layout(struct wire_buf *b, const struct wire_layout *l);
/* Checks pattern, counts and target ids are in range. */
void wire_get_layout(struct wire_buf *b, struct wire_layout *l);
void wire_put_attr(struct wire_buf *b, const struct wire_attr *a);
void wire_get_attr(struct wire_buf *b, struct wire_attr *a);

/* ---- MDS messages ---- */

struct wire_target_register {      /* OSS -> MDS */
	uint32_t target_id;
	uint16_t addr_len;
	uint8_t addr[WIRE_ADDR_MAX];
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t objects;
};

struct wire_target_info {
	uint32_t id;
	uint32_t up;
	uint16_t addr_len;
	uint8_t addr[WIRE_ADDR_MAX];
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t objects;
};

struct wire_target_list {          /* TARGET_LIST reply */
	uint32_t count;
	struct wire_target_info t[WIRE_MAX_TARGETS];
};

struct wire_path {                 /* LOOKUP, RMDIR, UNLINK requests */
	char path[PROTO_PATH_MAX];
};

struct wire_open {                 /* OPEN request */
	char path[PROTO_PATH_MAX];
	uint32_t flags;                /* O_CREAT, O_EXCL, O_TRUNC, O_ACCMODE bits */
	uint32_t mode;
	uint32_t has_layout;
	struct wire_layout layout;     /* request: 0/-1 fields mean default */
};
/* OPEN, LOOKUP, MKDIR, SET_LAYOUT replies carry one wire_attr. */

struct wire_mkdir {
	char path[PROTO_PATH_MAX];
	uint32_t mode;
};

struct wire_rename {
	char from[PROTO_PATH_MAX];
	char to[PROTO_PATH_MAX];
};

struct wire_readdir {              /* entries with names > after, in order */
	char path[PROTO_PATH_MAX];
	char after[PROTO_NAME_MAX + 1];  /* "" for the start */
	uint32_t max;
};

struct wire_dirent {
	uint64_t ino;
	uint32_t mode;
	char name[PROTO_NAME_MAX + 1];
};

struct wire_readdir_rep {
	uint32_t count;
	uint32_t eof;
	struct wire_dirent ent[WIRE_READDIR_MAX];
};

struct wire_set_layout {
	char path[PROTO_PATH_MAX];
	struct wire_layout layout;
};

/* REPLACE_TARGET: stripe of file ino moves from old_target to new_target
 * (after a rebuild wrote its object there). Reply: the new wire_attr. */
struct wire_replace_target {
	uint64_t ino;
	uint32_t stripe;
	uint32_t old_target;
	uint32_t new_target;
};

#define WIRE_SIZE_GROW 1u           /* set_size: only ever raise the hint */

struct wire_set_size {
	uint64_t ino;
	uint64_t size;
	uint32_t flags;                /* WIRE_SIZE_* */
};

/* ---- OSS messages ---- */

struct wire_extent {
	uint64_t off;                  /* offset within the object */
	uint64_t len;
};

struct wire_seg {                  /* registered client memory for RMA */
	uint64_t addr;
	uint64_t len;
	uint64_t key;
	uint32_t crc;                  /* OBJ_WRITE: CRC32C of this segment's bytes */
};

/* OBJ_WRITE / OBJ_READ request. Data moves inline (inline_len == total
 * extent length) or by RMA over segs (sum of seg lengths == total extent
 * length): the server pulls segs for a write and pushes into them for a read.
 * A read with neither returns the data inline in the reply. An OBJ_WRITE
 * over segs is checked segment by segment (seg[i].crc), so the server can
 * store each one while it pulls the next; crc then goes unused. */
struct wire_obj_io {
	uint64_t fid;
	uint32_t stripe;               /* stripe index of the object */
	uint32_t crc;                  /* write: CRC32C of the data, in order */
	uint32_t next;
	struct wire_extent ext[WIRE_MAX_EXTENTS];
	uint32_t nseg;
	struct wire_seg seg[WIRE_MAX_SEGS];
	uint32_t inline_len;
	const uint8_t *inline_data;    /* points into the decoded frame */
};

/* OBJ_READ / OBJ_WRITE reply. Holes and bytes past the object's end read as
 * zeros; obj_size lets the client find end of file. */
struct wire_obj_io_rep {
	uint64_t obj_size;
	uint32_t crc;                  /* read: CRC32C of the data sent */
	uint32_t inline_len;
	const uint8_t *inline_data;
};

struct wire_obj {                  /* GLIMPSE, SYNC, DESTROY requests */
	uint64_t fid;
	uint32_t stripe;
};

struct wire_obj_punch {            /* truncate the object to size */
	uint64_t fid;
	uint32_t stripe;
	uint64_t size;
};

struct wire_obj_size {             /* GLIMPSE, PUNCH replies */
	uint64_t size;
};

#define WIRE_LOCK_LEASE_MAX_MS 600000u

/* OBJ_LOCK / OBJ_UNLOCK: rows [row, row + nrows) of file fid, held by owner
 * (a random id the client draws per lock) for at most lease_ms. */
struct wire_obj_lock {
	uint64_t fid;
	uint64_t row;
	uint64_t nrows;
	uint64_t owner;
	uint32_t lease_ms;
};

struct wire_statfs_rep {
	uint32_t target_id;
	uint64_t total_bytes;
	uint64_t free_bytes;
	uint64_t objects;
};

/* OBJ_SCRUB: verify the object's stored checksums from off (rounded down to
 * 4 KiB) for about budget bytes (the server caps it); the client calls
 * again from next until next == size. */
struct wire_obj_scrub {
	uint64_t fid;
	uint32_t stripe;
	uint64_t off;
	uint64_t budget;
};

struct wire_obj_scrub_rep {
	uint64_t size;                 /* object size (0: missing) */
	uint64_t next;                 /* first byte not verified yet */
	uint64_t blocks;               /* 4 KiB blocks verified by this call */
	uint64_t bad;                  /* of which failed their checksum */
	uint64_t first_bad;            /* object offset of the first, or UINT64_MAX */
};

/* OSS_LIST: the target's objects strictly after the cursor (bucket, fid,
 * stripe; first = 1 starts at the beginning), in the store's order. */
#define WIRE_OSS_LIST_MAX 2048
struct wire_oss_list {
	uint32_t bucket;
	uint64_t fid;
	uint32_t stripe;
	uint32_t first;
	uint32_t max;                  /* 1..WIRE_OSS_LIST_MAX */
};

struct wire_oss_list_rep {
	uint32_t bucket;               /* cursor after the last object returned */
	uint64_t fid;
	uint32_t stripe;
	uint32_t eof;
	uint32_t count;
	struct wire_obj obj[WIRE_OSS_LIST_MAX];
};

/* OBJ_STAT reply: logical size and bytes allocated on disk. */
struct wire_obj_stat {
	uint64_t size;
	uint64_t stored;
};

/* OBJ_WRITE_CHUNKS: whole compression chunks of a compressed file. Extent i
 * is chunk slot i: off = its object offset (a multiple of chunk_size), len =
 * the bytes stored (the data), codec[i] how: PROTO_COMPRESS_LZ4/ZSTD
 * (compressed, len <= chunk_size, decompressing to chunk_size bytes) or
 * PROTO_COMPRESS_NONE (raw, len == chunk_size). crc covers the stored bytes.
 * The reply is a wire_obj_io_rep (obj_size). */
struct wire_obj_chunks {
	uint32_t chunk_size;           /* power of two, 4 KiB..4 MiB */
	uint32_t codec[WIRE_MAX_EXTENTS];
	struct wire_obj_io io;
};

/* Encoders return the payload length written, or a negative error; decoders
 * return 0 or -EPROTO / -EINVAL and never read outside [buf, buf+len). */
int wire_enc_target_register(void *buf, size_t len, const struct wire_target_register *m);
int wire_dec_target_register(const void *buf, size_t len, struct wire_target_register *m);
int wire_enc_target_list(void *buf, size_t len, const struct wire_target_list *m);
int wire_dec_target_list(const void *buf, size_t len, struct wire_target_list *m);
int wire_enc_path(void *buf, size_t len, const struct wire_path *m);
int wire_dec_path(const void *buf, size_t len, struct wire_path *m);
int wire_enc_open(void *buf, size_t len, const struct wire_open *m);
int wire_dec_open(const void *buf, size_t len, struct wire_open *m);
int wire_enc_mkdir(void *buf, size_t len, const struct wire_mkdir *m);
int wire_dec_mkdir(const void *buf, size_t len, struct wire_mkdir *m);
int wire_enc_rename(void *buf, size_t len, const struct wire_rename *m);
int wire_dec_rename(const void *buf, size_t len, struct wire_rename *m);
int wire_enc_readdir(void *buf, size_t len, const struct wire_readdir *m);
int wire_dec_readdir(const void *buf, size_t len, struct wire_readdir *m);
int wire_enc_readdir_rep(void *buf, size_t len, const struct wire_readdir_rep *m);
int wire_dec_readdir_rep(const void *buf, size_t len, struct wire_readdir_rep *m);
int wire_enc_set_layout(void *buf, size_t len, const struct wire_set_layout *m);
int wire_dec_set_layout(const void *buf, size_t len, struct wire_set_layout *m);
int wire_enc_set_size(void *buf, size_t len, const struct wire_set_size *m);
int wire_dec_set_size(const void *buf, size_t len, struct wire_set_size *m);
int wire_enc_replace_target(void *buf, size_t len, const struct wire_replace_target *m);
int wire_dec_replace_target(const void *buf, size_t len, struct wire_replace_target *m);
int wire_enc_attr(void *buf, size_t len, const struct wire_attr *m);
int wire_dec_attr(const void *buf, size_t len, struct wire_attr *m);

int wire_enc_obj_io(void *buf, size_t len, const struct wire_obj_io *m);
int wire_dec_obj_io(const void *buf, size_t len, struct wire_obj_io *m);
int wire_enc_obj_io_rep(void *buf, size_t len, const struct wire_obj_io_rep *m);
int wire_dec_obj_io_rep(const void *buf, size_t len, struct wire_obj_io_rep *m);
int wire_enc_obj(void *buf, size_t len, const struct wire_obj *m);
int wire_dec_obj(const void *buf, size_t len, struct wire_obj *m);
int wire_enc_obj_punch(void *buf, size_t len, const struct wire_obj_punch *m);
int wire_dec_obj_punch(const void *buf, size_t len, struct wire_obj_punch *m);
int wire_enc_obj_size(void *buf, size_t len, const struct wire_obj_size *m);
int wire_dec_obj_size(const void *buf, size_t len, struct wire_obj_size *m);
int wire_enc_obj_lock(void *buf, size_t len, const struct wire_obj_lock *m);
int wire_dec_obj_lock(const void *buf, size_t len, struct wire_obj_lock *m);
int wire_enc_statfs_rep(void *buf, size_t len, const struct wire_statfs_rep *m);
int wire_dec_statfs_rep(const void *buf, size_t len, struct wire_statfs_rep *m);

int wire_enc_obj_scrub(void *buf, size_t len, const struct wire_obj_scrub *m);
int wire_dec_obj_scrub(const void *buf, size_t len, struct wire_obj_scrub *m);
int wire_enc_obj_scrub_rep(void *buf, size_t len, const struct wire_obj_scrub_rep *m);
int wire_dec_obj_scrub_rep(const void *buf, size_t len, struct wire_obj_scrub_rep *m);
int wire_enc_oss_list(void *buf, size_t len, const struct wire_oss_list *m);
int wire_dec_oss_list(const void *buf, size_t len, struct wire_oss_list *m);
int wire_enc_oss_list_rep(void *buf, size_t len, const struct wire_oss_list_rep *m);
int wire_dec_oss_list_rep(const void *buf, size_t len, struct wire_oss_list_rep *m);
int wire_enc_obj_chunks(void *buf, size_t len, const struct wire_obj_chunks *m);
int wire_dec_obj_chunks(const void *buf, size_t len, struct wire_obj_chunks *m);
int wire_enc_obj_stat(void *buf, size_t len, const struct wire_obj_stat *m);
int wire_dec_obj_stat(const void *buf, size_t len, struct wire_obj_stat *m);

/* Total bytes an I/O request moves (sum of extent lengths). */
uint64_t wire_obj_io_bytes(const struct wire_obj_io *m);

#endif /* PFS_WIRE_H */
