/* mds_format.h - the MDS's durable records in LMDB, byte for byte: the format
 * record, inode, directory entry, target and destroy-queue records. */
#ifndef PFS_MDS_FORMAT_H
#define PFS_MDS_FORMAT_H

/*
 * Every record is a fixed-width struct with explicit padding (pad fields are
 * written as zero), its size pinned by a _Static_assert: a compiler or a
 * field change cannot move a byte silently. Integers are in host order; the
 * store is little-endian (x86-64, aarch64), and a big-endian host is caught
 * by the format record's magic reading wrong. No wire struct is embedded:
 * wire_layout may change with the protocol, the disk may not, so layouts
 * are copied field by field (mds_store.c: rec_layout_{get,put}).
 *
 * The format record (meta key "format") names the version of the records
 * below. It is written when a namespace is created and checked at every
 * open: a version outside MDS_FORMAT_MIN..MDS_FORMAT_CUR is refused with a
 * message naming both. Stores written before format records existed (up to
 * commit e930b77) have no such key but hold exactly the records of version 1
 * (the structs below were laid out to match the implicit padding those
 * builds used); they are read as they are and stamped version 1 in the
 * opening transaction. Nothing is rewritten: an upgrade costs one small
 * put, whatever the namespace's size, and a crash before the commit leaves
 * the store as it was.
 *
 * Layout of the named databases:
 *   inodes   be64 ino            -> struct mds_inode_rec (v1 records: shorter)
 *   dirents  be64 parent + name  -> struct mds_dent_rec (memcmp order = readdir order)
 *   meta     "next_ino"          -> u64
 *   meta     "format"            -> struct mds_format_rec
 *   targets  be32 id             -> struct mds_target_disk
 *   destroy  be64 fid            -> struct mds_destroy_disk
 */

#include <stddef.h>
#include <stdint.h>

#define MDS_FORMAT_MAGIC 0x4d534650u   /* "PFSM" read as a little-endian u32 */
#define MDS_FORMAT_MIN 1u              /* oldest version this build reads */
#define MDS_FORMAT_CUR 1u              /* version this build writes */
#define MDS_FORMAT_KEY "format"

/* The format record. A damaged record reads as a wrong magic or an unknown
 * version and is refused: never taken for another version. */
struct mds_format_rec {
	uint32_t magic;
	uint32_t version;
	uint32_t legacy;        /* 1: stamped on a store that predates the record */
	uint32_t pad;
	int64_t created_ns;     /* when the record was written (CLOCK_REALTIME) */
};
_Static_assert(sizeof(struct mds_format_rec) == 24, "mds_format_rec is 24 bytes");

#define MDS_REC_MAX_STRIPES 64         /* targets[] length (PROTO_MAX_STRIPES today) */

/* A file's layout or a directory's default, as stored. */
struct mds_layout_rec {
	uint32_t pattern;
	uint32_t stripe_count;
	uint64_t stripe_size;
	int32_t first_target;   /* -1: none */
	uint32_t pad0;
	uint64_t fid;
	uint32_t targets[MDS_REC_MAX_STRIPES];
	uint32_t ec_k;
	uint32_t ec_m;
	uint32_t compress;
	int32_t compress_level;
	uint32_t chunk_size;
	uint32_t pad1;
};
_Static_assert(sizeof(struct mds_layout_rec) == 312, "mds_layout_rec is 312 bytes");
_Static_assert(offsetof(struct mds_layout_rec, fid) == 24, "layout fid at 24");
_Static_assert(offsetof(struct mds_layout_rec, ec_k) == 288, "layout ec_k at 288");

/* Record versions of an inode (its first field). Version 1 (before erasure
 * coding and compression) ended after the layout's targets; it reads as
 * RAID0 without compression. Version 2 is the whole struct. */
#define MDS_INODE_V1 1u
#define MDS_INODE_V2 2u
#define MDS_INODE_V1_SIZE (offsetof(struct mds_inode_rec, layout) + \
			   offsetof(struct mds_layout_rec, ec_k))

struct mds_inode_rec {
	uint32_t version;
	uint32_t mode;
	uint32_t nlink;
	uint32_t pad;
	uint64_t size_hint;
	int64_t mtime_ns;
	int64_t ctime_ns;
	struct mds_layout_rec layout;  /* files: the layout; dirs: the default */
};
_Static_assert(sizeof(struct mds_inode_rec) == 352, "mds_inode_rec is 352 bytes");
_Static_assert(MDS_INODE_V1_SIZE == 328, "a version 1 inode is 328 bytes");

struct mds_dent_rec {
	uint64_t ino;
	uint32_t mode;
	uint32_t pad;
};
_Static_assert(sizeof(struct mds_dent_rec) == 16, "mds_dent_rec is 16 bytes");

#define MDS_REC_ADDR_MAX 256           /* addr[] length (WIRE_ADDR_MAX today) */

struct mds_target_disk {
	uint32_t id;
	uint16_t addr_len;
	uint8_t addr[MDS_REC_ADDR_MAX];
	uint16_t pad;
};
_Static_assert(sizeof(struct mds_target_disk) == 264, "mds_target_disk is 264 bytes");

/* done: bit i set once stripe i's object is gone. fid is also the key. */
struct mds_destroy_disk {
	uint64_t fid;
	uint32_t count;
	uint32_t pad;
	uint64_t done;
	uint32_t targets[MDS_REC_MAX_STRIPES];
};
_Static_assert(sizeof(struct mds_destroy_disk) == 280, "mds_destroy_disk is 280 bytes");

#endif /* PFS_MDS_FORMAT_H */
