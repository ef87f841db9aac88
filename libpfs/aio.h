/* aio.h - the I/O threads of one connection, which run nonblocking list
 * I/O (pfs_aio_*) in the background. */
#ifndef PFS_AIO_H
#define PFS_AIO_H

struct aio_pool;

/* Stops the threads after the queued operations have run; frees the pool.
 * NULL is allowed (no nonblocking I/O was ever started). */
void aio_pool_destroy(struct aio_pool *pool);

#endif /* PFS_AIO_H */
