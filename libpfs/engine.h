/* engine.h - layout engines: how a file's bytes map onto its objects (RAID0
 * striping, erasure coding, compressed chunks), one table of operations each,
 * chosen once when a file is opened. */
#ifndef PFS_ENGINE_H
#define PFS_ENGINE_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "client.h"

/* What every engine does. The per-file operations are called only through
 * fileio.c (or, below the cache, by aio.c and stream.c), so that the
 * write-behind cache has made way first. */
struct engine_ops {
	const char *name;
	/* pfs_readlist/pfs_writelist with arguments checked (engine_list_io):
	 * total is the byte count of both lists, > 0. Returns the bytes moved
	 * (a read stops at end of file) or an error. */
	ssize_t (*list_io)(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
			   const struct pfs_extent *ext, size_t extcnt, uint64_t total);
	/* The file cut or extended to size bytes; the MDS told when the engine
	 * keeps its size hint exact. */
	int (*truncate)(pfs_file_t *f, uint64_t size);
	/* The size of a file with layout l from its objects; hint is what the
	 * MDS last learned (used where objects cannot all be reached). */
	int (*glimpse)(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint,
		       uint64_t *size);
	/* The smallest aligned write that needs no read-modify-write: one
	 * stripe unit, or one EC row. Caches size their buffers by it. */
	uint64_t (*unit)(const struct wire_layout *l);
	/* Stripes that may be lost without loss of data. */
	uint32_t (*redundancy)(const struct wire_layout *l);
};

extern const struct engine_ops engine_raid0;
extern const struct engine_ops engine_compressed;
extern const struct engine_ops engine_ec;

/* The engine of a checked layout. */
const struct engine_ops *engine_of(const struct wire_layout *l);

/* List I/O on f through its engine, below the cache: the access mode and
 * the lists checked (-EBADF, -EINVAL, -EFAULT, -EFBIG), nothing done for 0
 * bytes. */
ssize_t engine_list_io(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		       const struct pfs_extent *ext, size_t extcnt);
/* The size of a file with layout l, from its objects. */
int engine_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t *size);

/* Shared by engines: bytes of the extents, in list order, before the
 * first byte at or past size (what a read returns once end of file is
 * known). */
uint64_t engine_eof_prefix(const struct pfs_extent *ext, size_t extcnt, uint64_t size);

/* The RAID0 operations the compressed engine reuses as they are. */
ssize_t raid0_list_io(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		      const struct pfs_extent *ext, size_t extcnt, uint64_t total);
int raid0_truncate(pfs_file_t *f, uint64_t size);
int raid0_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t *size);
uint64_t raid0_unit(const struct wire_layout *l);
uint32_t raid0_redundancy(const struct wire_layout *l);

#endif /* PFS_ENGINE_H */
