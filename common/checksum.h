/* checksum.h - CRC32C (Castagnoli) of bulk data, computed with ISA-L. */
#ifndef PFS_CHECKSUM_H
#define PFS_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc over p[0..n): start with crc = 0. */
uint32_t checksum_crc32c(uint32_t crc, const void *p, size_t n);

#endif /* PFS_CHECKSUM_H */
