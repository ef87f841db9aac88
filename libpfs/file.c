/* file.c - libpfs open files: open (O_TRUNC through the engine), close (the
 * size hint to the MDS), fsync, ftruncate, fstat, get_layout and the cache
 * sizes; everything that touches the data goes through fileio.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "engine.h"
#include "file.h"
#include "fileio.h"
#include "layout_api.h"

/* Flags the library accepts; others that only matter to a kernel are
 * ignored, O_APPEND is refused (no shared file offset to append at). */
#define FILE_IGNORED_FLAGS (O_CLOEXEC | O_LARGEFILE | O_NOCTTY | O_NOFOLLOW)
#define FILE_WIRE_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC)

static int file_check_flags(int flags)
{
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (flags & O_APPEND)
		return -EINVAL;
	if (flags & ~(FILE_WIRE_FLAGS | FILE_IGNORED_FLAGS))
		return -EINVAL;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	return 0;
}

static int file_open_rpc(pfs_fs_t *fs, const char *path, int flags, mode_t mode,
			 const struct pfs_layout *layout, struct wire_attr *attr)
{
	struct wire_open *m;
	uint8_t *req;
	int rc, len;

	m = calloc(1, sizeof(*m));
	req = malloc(CLIENT_REQ_MAX);
	if (!m || !req) {
		rc = -ENOMEM;
		goto out;
	}
	rc = client_path_norm(path, m->path);
	if (rc)
		goto out;
	m->flags = (uint32_t)(flags & FILE_WIRE_FLAGS);
	m->mode = (uint32_t)(mode & 07777);
	if (layout) {
		m->has_layout = 1;
		layout_from_public(layout, &m->layout);
		rc = layout_check_request(&m->layout);
		if (rc)
			goto out;
	}
	len = wire_enc_open(req, CLIENT_REQ_MAX, m);
	/* An open that cannot create, or creates without O_EXCL, may be sent
	 * twice: the second finds what the first made. */
	rc = len < 0 ? len : client_mds_attr_rpc(fs, WIRE_OP_OPEN, !(flags & O_EXCL), req,
						 (size_t)len, attr);
out:
	free(req);
	free(m);
	return rc;
}

int file_open(pfs_fs_t *fs, const char *path, int flags, mode_t mode,
	      const struct pfs_layout *layout, pfs_file_t **out)
{
	pfs_file_t *f;
	int rc;

	if (!fs || !out)
		return -EINVAL;
	*out = NULL;
	rc = file_check_flags(flags);
	if (rc)
		return rc;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fs = fs;
	f->flags = flags;
	pthread_mutex_init(&f->lock, NULL);
	rc = file_open_rpc(fs, path, flags, mode, layout, &f->attr);
	if (rc)
		goto out;
	if (!S_ISREG(f->attr.mode) || layout_check(&f->attr.layout)) {
		rc = S_ISDIR(f->attr.mode) ? -EISDIR : -EPROTO;
		goto out;
	}
	rc = fileio_open(f, fs->cfg.write_behind_mib, fs->cfg.read_ahead_mib);
	if (!rc && (flags & O_TRUNC))
		rc = fileio_truncate(f, 0);
	if (rc)
		fileio_close(f);
out:
	if (rc) {
		pthread_mutex_destroy(&f->lock);
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

int pfs_open(pfs_fs_t *fs, const char *path, int flags, mode_t mode,
	     const struct pfs_layout *layout, pfs_file_t **out)
{
	return file_open(fs, path, flags, mode, layout, out);
}

/* Tells the MDS the size the objects now imply; best effort. */
static void file_send_size_hint(pfs_file_t *f)
{
	uint64_t size;

	if (f->engine->glimpse(f->fs, &f->attr.layout, 0, &size) == 0)
		client_set_size(f->fs, f->attr.ino, size, 0);
}

int file_close(pfs_file_t *f)
{
	int rc;

	if (!f)
		return -EINVAL;
	rc = fileio_close(f);
	if (f->dirty)
		file_send_size_hint(f);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return rc;
}

/* Returns a buffered write's failure that no call reported yet; the
 * handle is freed either way. */
int pfs_close(pfs_file_t *f)
{
	return file_close(f);
}

int pfs_fsync(pfs_file_t *f)
{
	return f ? fileio_sync(f) : -EINVAL;
}

int pfs_ftruncate(pfs_file_t *f, uint64_t size)
{
	if (!f)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (size > CLIENT_FILE_MAX)
		return -EFBIG;
	return fileio_truncate(f, size);
}

int pfs_fstat(pfs_file_t *f, struct pfs_stat *st)
{
	uint64_t size;
	int rc;

	if (!f || !st)
		return -EINVAL;
	rc = fileio_size(f, &size);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->ino = f->attr.ino;
	st->mode = f->attr.mode;
	st->nlink = f->attr.nlink;
	st->size = size;
	st->mtime_ns = f->attr.mtime_ns;
	st->ctime_ns = f->attr.ctime_ns;
	return 0;
}

int pfs_file_set_cache(pfs_file_t *f, unsigned write_behind_mib, unsigned read_ahead_mib)
{
	if (!f || write_behind_mib > CONFIG_CACHE_MIB_MAX || read_ahead_mib > CONFIG_CACHE_MIB_MAX)
		return -EINVAL;
	return fileio_set_cache(f, (int)write_behind_mib, (int)read_ahead_mib);
}

int pfs_get_layout(pfs_file_t *f, struct pfs_layout *layout)
{
	if (!f || !layout)
		return -EINVAL;
	layout_to_public(&f->attr.layout, layout);
	return 0;
}
