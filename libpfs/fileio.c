/* fileio.c - the single entry to an open file's data (fileio.h): each
 * operation states once, in fileio_need, what it needs of the cache. */
#include <errno.h>
#include <limits.h>
#include "aio.h"
#include "engine.h"
#include "fileio.h"
#include "stream.h"

/* What each operation needs of the cache before it goes below it. */
enum fileio_op {
	FILEIO_READ,
	FILEIO_WRITE,
	FILEIO_TRUNCATE,
	FILEIO_SYNC,
	FILEIO_SIZE,
	FILEIO_SETTLE,
};

static const enum stream_need fileio_need[] = {
	[FILEIO_READ] = STREAM_READ,         /* see buffered writes */
	[FILEIO_WRITE] = STREAM_WRITE,       /* and drop what was read ahead */
	[FILEIO_TRUNCATE] = STREAM_WRITE,
	[FILEIO_SYNC] = STREAM_WRITE,
	[FILEIO_SIZE] = STREAM_READ,
	[FILEIO_SETTLE] = STREAM_READ,
};

/* Lets the cache make way for op: 0, or (for the operations that change
 * the file) the failure of a buffered write not reported yet. */
static int fileio_enter(pfs_file_t *f, enum fileio_op op)
{
	return stream_before(f, fileio_need[op]);
}

int fileio_open(pfs_file_t *f, int write_behind_mib, int read_ahead_mib)
{
	f->engine = engine_of(&f->attr.layout);
	return stream_open(f, write_behind_mib, read_ahead_mib);
}

int fileio_close(pfs_file_t *f)
{
	return stream_close(f);
}

int fileio_set_cache(pfs_file_t *f, int write_behind_mib, int read_ahead_mib)
{
	int rc, orc;

	rc = stream_close(f);
	orc = stream_open(f, write_behind_mib, read_ahead_mib);
	return rc ? rc : orc;
}

ssize_t fileio_list(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		    const struct pfs_extent *ext, size_t extcnt)
{
	int rc = fileio_enter(f, write ? FILEIO_WRITE : FILEIO_READ);

	return rc ? rc : engine_list_io(f, write, mem, memcnt, ext, extcnt);
}

ssize_t fileio_at(pfs_file_t *f, int write, const struct iovec *iov, int iovcnt, uint64_t off)
{
	struct pfs_extent e = { .off = off, .len = 0 };
	ssize_t done;

	if (!f || iovcnt < 0 || (iovcnt && !iov))
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - e.len)
			return -EINVAL;
		e.len += iov[i].iov_len;
	}
	/* The cache takes what it can; what it gives back it has made way
	 * for already (stream.h). */
	if (write ? stream_write(f, iov, iovcnt, off, e.len, &done)
		  : stream_read(f, iov, iovcnt, off, e.len, &done))
		return done;
	return engine_list_io(f, write, iov, (size_t)iovcnt, &e, 1);
}

int fileio_start(pfs_file_t *f, int write, const struct iovec *mem, size_t memcnt,
		 const struct pfs_extent *ext, size_t extcnt, pfs_aio_t **op)
{
	int rc = fileio_enter(f, write ? FILEIO_WRITE : FILEIO_READ);

	return rc ? rc : aio_submit(f, write, mem, memcnt, ext, extcnt, op);
}

int fileio_truncate(pfs_file_t *f, uint64_t size)
{
	int rc = fileio_enter(f, FILEIO_TRUNCATE);

	return rc ? rc : f->engine->truncate(f, size);
}

int fileio_sync(pfs_file_t *f)
{
	int wrc = fileio_enter(f, FILEIO_SYNC);
	int rc = client_obj_fanout(f->fs, &f->attr.layout, WIRE_OP_OBJ_SYNC, NULL, NULL);

	return wrc ? wrc : rc;
}

int fileio_size(pfs_file_t *f, uint64_t *size)
{
	fileio_enter(f, FILEIO_SIZE);
	return f->engine->glimpse(f->fs, &f->attr.layout, 0, size);
}

void fileio_settle(pfs_file_t *f)
{
	fileio_enter(f, FILEIO_SETTLE);
}
