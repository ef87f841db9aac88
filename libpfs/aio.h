/* aio.h - the I/O threads of one connection, which run nonblocking list
 * I/O (pfs_aio_*) in the background. */
#ifndef PFS_AIO_H
#define PFS_AIO_H

#include <stddef.h>
#include <sys/uio.h>
#include "pfs.h"

struct aio_pool;

/* Stops the threads after the queued operations have run; frees the pool.
 * NULL is allowed (no nonblocking I/O was ever started). */
void aio_pool_destroy(struct aio_pool *pool);

/* Starts list I/O on the connection's threads, below the write-behind
 * cache (engine_list_io): fileio.c calls it for pfs_aio_* once the cache
 * made way, stream.c for its own background operations. */
int aio_submit(pfs_file_t *file, int write, const struct iovec *mem, size_t memcnt,
	       const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **op);

#endif /* PFS_AIO_H */
