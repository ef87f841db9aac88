/* io.c - the public data calls of libpfs (pfs_pread/pwrite and the v forms,
 * list I/O, nonblocking list I/O): each enters fileio.c once. */
#include <errno.h>
#include "fileio.h"

ssize_t pfs_readlist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		     const struct pfs_extent *ext, size_t extcnt)
{
	return file ? fileio_list(file, 0, mem, memcnt, ext, extcnt) : -EINVAL;
}

ssize_t pfs_writelist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		      const struct pfs_extent *ext, size_t extcnt)
{
	return file ? fileio_list(file, 1, mem, memcnt, ext, extcnt) : -EINVAL;
}

int pfs_aio_readlist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		     const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **op)
{
	return file ? fileio_start(file, 0, mem, memcnt, ext, extcnt, op) : -EINVAL;
}

int pfs_aio_writelist(pfs_file_t *file, const struct iovec *mem, size_t memcnt,
		      const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **op)
{
	return file ? fileio_start(file, 1, mem, memcnt, ext, extcnt, op) : -EINVAL;
}

ssize_t pfs_pread(pfs_file_t *file, void *buf, size_t len, uint64_t off)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };

	return fileio_at(file, 0, &v, 1, off);
}

ssize_t pfs_pwrite(pfs_file_t *file, const void *buf, size_t len, uint64_t off)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };

	return fileio_at(file, 1, &v, 1, off);
}

ssize_t pfs_preadv(pfs_file_t *file, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return fileio_at(file, 0, iov, iovcnt, off);
}

ssize_t pfs_pwritev(pfs_file_t *file, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return fileio_at(file, 1, iov, iovcnt, off);
}
