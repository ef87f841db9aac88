/* checksum.c - CRC32C (Castagnoli) of bulk data, computed with ISA-L
 * (crc32_iscsi uses the SSE4.2 crc32 instruction where the CPU has it). */
#include <isa-l/crc.h>
#include "checksum.h"

uint32_t checksum_crc32c(uint32_t crc, const void *p, size_t n)
{
	/* ISA-L's iSCSI CRC takes and returns the inverted register. */
	return ~crc32_iscsi((unsigned char *)p, (int)n, ~crc);
}
