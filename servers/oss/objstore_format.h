/* objstore_format.h - the OSS object store's durable records, byte for byte:
 * the format record DIR/format, the CRC sidecar record and the chunk map header. */
#ifndef PFS_OBJSTORE_FORMAT_H
#define PFS_OBJSTORE_FORMAT_H

/*
 * A store directory holds
 *   DIR/format          struct os_format_rec (below), written at first start
 *   DIR/target.id       the target id as decimal text and a newline
 *   DIR/clean           present after a clean stop (empty)
 *   DIR/objects/xx/<fid>.<stripe>      object data, as the client wrote it
 *   DIR/objects/xx/<fid>.<stripe>.crc  sidecar: struct os_rec per 4 KiB block
 *   DIR/objects/xx/<fid>.<stripe>.cmp  chunk map: struct os_map_hdr, then
 *                                      struct os_rec per chunk (formats)
 * Every record is little-endian, fixed-width, with explicit padding (pad
 * fields written as zero) and a _Static_assert'ed size.
 *
 * DIR/format names the version of everything above; it is checked at every
 * open: a version outside OS_FORMAT_MIN..OS_FORMAT_CUR is refused with a
 * message naming both. Directories written before format records existed
 * (up to commit e930b77) have target.id but no format file; their files are
 * exactly format 1, so they are read as they are and the format file is
 * added (written to a temporary name, synced, renamed, directory synced): a
 * crash leaves either no format file (the next start detects the same old
 * directory again) or a complete one, and no object is rewritten.
 */

#include <stdint.h>

#define OS_FORMAT_FILE "format"
#define OS_FORMAT_TMP "format.tmp"
#define OS_FORMAT_MAGIC 0x4f534650u    /* "PFSO" as little-endian bytes */
#define OS_FORMAT_MIN 1u               /* oldest version this build reads */
#define OS_FORMAT_CUR 1u               /* version this build writes */

struct os_format_rec {
	uint32_t magic;
	uint32_t version;
	uint32_t target;        /* the target id (target.id stays the authority) */
	uint32_t legacy;        /* 1: added to a directory that predates it */
	int64_t created_ns;     /* when it was written (CLOCK_REALTIME) */
};
_Static_assert(sizeof(struct os_format_rec) == 24, "os_format_rec is 24 bytes");

/* One 4 KiB block's record in a sidecar (at offset 8 * block), or one
 * chunk's formats in a chunk map: cur and prev, little-endian. */
struct os_rec {
	uint32_t cur;
	uint32_t prev;
};
_Static_assert(sizeof(struct os_rec) == 8, "os_rec is 8 bytes");

#define OS_MAP_MAGIC 0x43534650u       /* "PFSC" */
#define OS_MAP_VERSION 1u

/* The chunk map's header; entries follow at OS_MAP_HDR + 8 * chunk. */
struct os_map_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t csize;         /* chunk size: a power of two, 4 KiB..4 MiB */
	uint32_t pad;
};
_Static_assert(sizeof(struct os_map_hdr) == 16, "os_map_hdr is 16 bytes");

#endif /* PFS_OBJSTORE_FORMAT_H */
