/* stream.h - write-behind and read-ahead of one open file's contiguous I/O
 * (pfs_pwrite/pfs_pread and the v forms), when the config or
 * pfs_file_set_cache asks for them. Only fileio.c calls it: the cache sits
 * above every engine at that single entry point. */
#ifndef PFS_STREAM_H
#define PFS_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "client.h"

/* What an uncached operation on the file needs of the cache first. */
enum stream_need {
	STREAM_READ,    /* buffered writes on the servers; their errors stay
			 * for the next write, fsync or close */
	STREAM_WRITE,   /* that, read-ahead dropped, and an earlier buffered
			 * write's failure returned */
};

/* Sets up f->stream with the two cache sizes in MiB (f->stream is NULL
 * when both are 0). Returns 0 or -ENOMEM. */
int stream_open(pfs_file_t *f, int write_behind_mib, int read_ahead_mib);
/* Drains everything (as STREAM_WRITE) and frees f->stream. Returns the
 * first failure of a buffered write not yet reported, else 0. */
int stream_close(pfs_file_t *f);
/* Before an uncached operation: see enum stream_need. Returns 0 or the
 * failure of a buffered write (STREAM_WRITE only). */
int stream_before(pfs_file_t *f, enum stream_need need);

/* Each returns 1 when it did the operation (its result in *done), 0 when
 * the caller is to do it without the cache (after the cache made way for
 * it). len is the iovecs' total, already checked. */
int stream_write(pfs_file_t *f, const struct iovec *iov, int iovcnt, uint64_t off,
		 size_t len, ssize_t *done);
int stream_read(pfs_file_t *f, const struct iovec *iov, int iovcnt, uint64_t off,
		size_t len, ssize_t *done);

#endif /* PFS_STREAM_H */
