/* proto.h - the limits and enumerations of the pfs protocol and stores,
 * shared by client and servers (the public pfs.h repeats them; libpfs checks
 * at compile time that both agree). */
#ifndef PFS_PROTO_H
#define PFS_PROTO_H

#include <stdint.h>

#define PROTO_NAME_MAX 255          /* longest name of one directory entry */
#define PROTO_PATH_MAX 4096         /* longest absolute path, NUL included */
#define PROTO_MAX_STRIPES 64        /* most targets one file stripes over */
#define PROTO_MAX_TARGETS 256       /* targets in one file system */

#define PROTO_PATTERN_RAID0 1       /* plain striping */
#define PROTO_PATTERN_EC 2          /* Reed-Solomon k data + m parity */
#define PROTO_EC_K_MAX 32
#define PROTO_EC_M_MAX 8

#define PROTO_COMPRESS_NONE 1
#define PROTO_COMPRESS_LZ4 2
#define PROTO_COMPRESS_ZSTD 3
#define PROTO_CHUNK_DEFAULT (64u << 10)
#define PROTO_STRIPE_ALL UINT32_MAX /* stripe_count: every target that is up */

#endif /* PFS_PROTO_H */
