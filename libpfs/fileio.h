/* fileio.h - the single entry to an open file's data: every operation on an
 * open file's bytes or size comes here, which lets the write-behind and
 * read-ahead cache (stream.c) make way as the operation needs, then calls
 * the file's layout engine (engine.h). */
#ifndef PFS_FILEIO_H
#define PFS_FILEIO_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "client.h"

/* Chooses f's engine from its layout and sets up its cache (sizes in MiB,
 * 0 = off). */
int fileio_open(pfs_file_t *f, int write_behind_mib, int read_ahead_mib);
/* Drains and frees the cache: the first failure of a buffered write not
 * reported yet, else 0. */
int fileio_close(pfs_file_t *f);
/* Replaces the cache (pfs_file_set_cache). */
int fileio_set_cache(pfs_file_t *f, int write_behind_mib, int read_ahead_mib);

/* List I/O (pfs_readlist/pfs_writelist). */
ssize_t fileio_list(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		    const struct pfs_extent *ext, size_t extcnt);
/* Contiguous I/O at off (pfs_pread/pfs_pwrite and the v forms): the cache
 * may take it. */
ssize_t fileio_at(pfs_file_t *f, int write, const struct iovec *iov, int iovcnt, uint64_t off);
/* Nonblocking list I/O (pfs_aio_*). */
int fileio_start(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		 const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **op);
int fileio_truncate(pfs_file_t *f, uint64_t size);
/* Buffered writes to the servers, then every object to stable storage. */
int fileio_sync(pfs_file_t *f);
/* The file's size as this handle must see it. */
int fileio_size(pfs_file_t *f, uint64_t *size);
/* Buffered writes to the servers, so that another process (an importer of
 * the handle) sees them. */
void fileio_settle(pfs_file_t *f);

#endif /* PFS_FILEIO_H */
