/* ec_io.h - I/O on erasure-coded files: degraded reads, row-locked
 * read-modify-write of data and parity, truncate, the size (ec_io.c). */
#ifndef PFS_EC_IO_H
#define PFS_EC_IO_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "client.h"

/* pfs_readlist/pfs_writelist on an EC file (arguments already checked:
 * total is the byte count of both lists, > 0). */
ssize_t ec_io_list(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		   const struct pfs_extent *ext, size_t extcnt, uint64_t total);
/* pfs_ftruncate on an EC file. */
int ec_truncate(pfs_file_t *f, uint64_t size);
/* File size of an EC layout from its data objects; when some cannot be
 * reached, the largest the others imply and hint (the MDS's size) give. */
int ec_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t *size);
/* The same without asking the stripes in skip (known lost). */
int ec_glimpse_skip(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t skip,
		    uint64_t *size);

#endif /* PFS_EC_IO_H */
