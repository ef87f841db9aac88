/* engine.c - the choice of a file's layout engine, and the argument checks
 * every engine's list I/O shares. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include "engine.h"

const struct engine_ops *engine_of(const struct wire_layout *l)
{
	if (l->pattern == PFS_PATTERN_EC)
		return &engine_ec;
	if (l->compress == PFS_COMPRESS_LZ4 || l->compress == PFS_COMPRESS_ZSTD)
		return &engine_compressed;
	return &engine_raid0;
}

int engine_glimpse(pfs_fs_t *fs, const struct wire_layout *l, uint64_t hint, uint64_t *size)
{
	return engine_of(l)->glimpse(fs, l, hint, size);
}

/* Sums the iovecs: memory behind every nonempty one. */
static int engine_mem_total(const struct iovec *iov, size_t cnt, uint64_t *total)
{
	uint64_t sum = 0;

	if (cnt && !iov)
		return -EINVAL;
	for (size_t i = 0; i < cnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (!iov[i].iov_base)
			return -EFAULT;
		sum += iov[i].iov_len;
		if (sum > (uint64_t)SSIZE_MAX)
			return -EINVAL;
	}
	*total = sum;
	return 0;
}

/* Sums the extents; each must end inside the file space. */
static int engine_ext_total(const struct pfs_extent *ext, size_t extcnt, uint64_t *total)
{
	uint64_t sum = 0;

	if (extcnt && !ext)
		return -EINVAL;
	for (size_t i = 0; i < extcnt; i++) {
		if (ext[i].len > CLIENT_FILE_MAX || ext[i].off > CLIENT_FILE_MAX - ext[i].len)
			return -EFBIG;
		sum += ext[i].len;
		if (sum > (uint64_t)SSIZE_MAX)
			return -EINVAL;
	}
	*total = sum;
	return 0;
}

ssize_t engine_list_io(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		       const struct pfs_extent *ext, size_t extcnt)
{
	uint64_t mtotal = 0, etotal = 0;
	int acc, rc;

	if (!f)
		return -EINVAL;
	acc = f->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	rc = engine_mem_total(mem, memcnt, &mtotal);
	if (!rc)
		rc = engine_ext_total(ext, extcnt, &etotal);
	if (!rc && mtotal != etotal)
		rc = -EINVAL;
	if (rc)
		return rc;
	if (etotal == 0)
		return 0;
	return f->engine->list_io(f, write, mem, memcnt, ext, extcnt, etotal);
}

uint64_t engine_eof_prefix(const struct pfs_extent *ext, size_t extcnt, uint64_t size)
{
	uint64_t n = 0;

	for (size_t i = 0; i < extcnt; i++) {
		if (ext[i].off + ext[i].len <= size) {
			n += ext[i].len;
			continue;
		}
		if (ext[i].off < size)
			n += size - ext[i].off;
		break;
	}
	return n;
}
