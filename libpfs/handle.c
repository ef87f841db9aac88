/* handle.c - an open file's identity and layout as bytes, so that one
 * process opens and many import (collective opens in MPI-IO drivers). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "client.h"
#include "fileio.h"
#include "layout.h"
#include "wire.h"

#define HANDLE_MAGIC 0x48534650u   /* "PFSH" */
#define HANDLE_VERSION 1

int pfs_file_export(pfs_file_t *file, void *buf, size_t len)
{
	struct wire_buf b;

	if (!file || !buf)
		return -EINVAL;
	fileio_settle(file);            /* importers see what was written */
	wire_buf_init(&b, buf, len < PFS_HANDLE_MAX ? len : PFS_HANDLE_MAX);
	wire_put_u32(&b, HANDLE_MAGIC);
	wire_put_u32(&b, HANDLE_VERSION);
	wire_put_attr(&b, &file->attr);
	return b.err ? -ENOSPC : (int)b.pos;
}

int pfs_file_import(pfs_fs_t *fs, const void *buf, size_t len, int flags, pfs_file_t **out)
{
	struct wire_buf b;
	pfs_file_t *f;

	if (!fs || !buf || !out || (flags & ~O_ACCMODE) || (flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	wire_buf_init(&b, (void *)buf, len);
	if (wire_get_u32(&b) != HANDLE_MAGIC || wire_get_u32(&b) != HANDLE_VERSION)
		b.err = -EINVAL;
	wire_get_attr(&b, &f->attr);
	if (b.err || b.pos != len || !S_ISREG(f->attr.mode) || layout_check(&f->attr.layout)) {
		free(f);
		return -EINVAL;
	}
	f->fs = fs;
	f->flags = flags;
	if (fileio_open(f, fs->cfg.write_behind_mib, fs->cfg.read_ahead_mib)) {
		free(f);
		return -ENOMEM;
	}
	pthread_mutex_init(&f->lock, NULL);
	*out = f;
	return 0;
}
