/* ad_pfs_rwstrided.c - noncontiguous (strided) read and write, blocking and
 * nonblocking: the memory type and the file view are flattened and walked
 * together into (memory, file offset, length) pieces, handed to libpfs as ONE
 * list I/O call (pfs_readlist/pfs_writelist, or pfs_aio_* for the nonblocking
 * ones) per batch. No data sieving, no locks. */
#include "ad_pfs.h"
#include <string.h>

/* Pieces per list call; a request with more pieces takes several calls. */
#define ADPFS_BATCH (256 * 1024)

/* The file side: blocks of the flattened filetype, tiled from disp. */
struct adpfs_fwalk {
	ADIOI_Flatlist_node *flat;      /* NULL: contiguous filetype */
	ADIO_Offset disp, extent;
	ADIO_Offset n;                  /* filetype instance */
	MPI_Count idx;                  /* block in the filetype */
	ADIO_Offset off;                /* current absolute file offset */
	ADIO_Offset left;               /* bytes left in the current block */
};

/* The memory side: blocks of the flattened buffer type, count times. */
struct adpfs_mwalk {
	ADIOI_Flatlist_node *flat;      /* NULL: contiguous buffer */
	char *buf;
	MPI_Aint extent;
	ADIO_Offset b;                  /* buffer type instance */
	MPI_Count idx;
	char *ptr;
	ADIO_Offset left;
};

static void adpfs_fnext(struct adpfs_fwalk *w)
{
	if (++w->idx >= w->flat->count) {
		w->idx = 0;
		w->n++;
	}
	w->off = w->disp + w->flat->indices[w->idx] + w->n * w->extent;
	w->left = w->flat->blocklens[w->idx];
}

static void adpfs_mnext(struct adpfs_mwalk *w)
{
	if (++w->idx >= w->flat->count) {
		w->idx = 0;
		w->b++;
	}
	w->ptr = w->buf + w->b * (ADIO_Offset)w->extent + w->flat->indices[w->idx];
	w->left = w->flat->blocklens[w->idx];
}

/* Positions the file walk at the request's start, as ROMIO's strided
 * routines do: an absolute byte offset for the individual file pointer, an
 * offset in etypes into the view for explicit offsets. */
static void adpfs_fstart(ADIO_File fd, struct adpfs_fwalk *w, int file_ptr_type,
			 ADIO_Offset offset, MPI_Count bufsize)
{
	MPI_Count filetype_size, i;
	MPI_Aint lb, extent;
	ADIO_Offset etype_size = fd->etype_size, n_etypes, size_in, sum = 0, start;
	int contig;

	memset(w, 0, sizeof(*w));
	ADIOI_Datatype_iscontig(fd->filetype, &contig);
	w->disp = fd->disp;
	if (contig) {
		w->flat = NULL;
		w->off = file_ptr_type == ADIO_INDIVIDUAL ? fd->fp_ind : fd->disp + etype_size * offset;
		w->left = bufsize;
		return;
	}
	w->flat = ADIOI_Flatten_and_find(fd->filetype);
	MPI_Type_size_x(fd->filetype, &filetype_size);
	MPI_Type_get_extent(fd->filetype, &lb, &extent);
	w->extent = extent;
	if (file_ptr_type == ADIO_INDIVIDUAL) {
		start = fd->fp_ind;
		for (w->n = 0;; w->n++) {
			for (i = 0; i < w->flat->count; i++) {
				ADIO_Offset end = w->disp + w->flat->indices[i] + w->n * w->extent +
					w->flat->blocklens[i];
				if (end >= start) {
					w->idx = i;
					w->off = start;
					w->left = end - start;
					return;
				}
			}
		}
	}
	n_etypes = filetype_size / etype_size;
	w->n = offset / n_etypes;
	size_in = (offset % n_etypes) * etype_size;
	for (i = 0; i < w->flat->count; i++) {
		sum += w->flat->blocklens[i];
		if (sum > size_in) {
			w->idx = i;
			w->left = sum - size_in;
			w->off = w->disp + w->n * w->extent + w->flat->indices[i] +
				size_in - (sum - w->flat->blocklens[i]);
			return;
		}
	}
	/* not reached: filetype_size > 0 means some block holds data */
	w->idx = 0;
	w->off = w->disp + w->n * w->extent + w->flat->indices[0];
	w->left = w->flat->blocklens[0];
}

/* The strided engine. With aio non-NULL and a request that fits one list
 * call, the call is only started (*aio set, the file pointer already moved)
 * and the caller completes it; otherwise the I/O is done here (*aio stays
 * NULL) and *nbytes says how much moved. */
static void adpfs_strided(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			  int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			  int *error_code, int is_write, pfs_aio_t **aio, ADIO_Offset *nbytes)
{
	const char *myname = is_write ? "ADIOI_PFS_WRITESTRIDED" : "ADIOI_PFS_READSTRIDED";
	struct adpfs_file *pf = fd->fs_ptr;
	struct adpfs_fwalk fw;
	struct adpfs_mwalk mw;
	struct mpiio_piece *pieces = NULL;
	struct iovec *iov = NULL;
	struct pfs_extent *ext = NULL;
	MPI_Count filetype_size, buftype_size, bufsize, remaining;
	MPI_Aint lb;
	ADIO_Offset done = 0;
	size_t np = 0, niov, next, cap;
	int contig, async = 0;

	*error_code = MPI_SUCCESS;
	if (!pf || !pf->file) {
		*error_code = MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE, myname,
						   __LINE__, MPI_ERR_IO, "**io", "**io %s",
						   "pfs: file is not open on this rank");
		return;
	}
	MPI_Type_size_x(fd->filetype, &filetype_size);
	MPI_Type_size_x(datatype, &buftype_size);
	bufsize = buftype_size * (MPI_Count)count;
	if (filetype_size == 0 || bufsize == 0)
		goto out;

	adpfs_fstart(fd, &fw, file_ptr_type, offset, bufsize);
	memset(&mw, 0, sizeof(mw));
	mw.buf = buf;
	ADIOI_Datatype_iscontig(datatype, &contig);
	if (contig) {
		mw.ptr = buf;
		mw.left = bufsize;
	} else {
		mw.flat = ADIOI_Flatten_and_find(datatype);
		MPI_Type_get_extent(datatype, &lb, &mw.extent);
		mw.ptr = mw.buf + mw.flat->indices[0];
		mw.left = mw.flat->blocklens[0];
	}

	/* pieces <= memory blocks + file blocks touched: size the batch to it */
	{
		MPI_Count est = mw.flat ? (MPI_Count)count * mw.flat->count : 1;

		est += fw.flat ? (bufsize / filetype_size + 2) * fw.flat->count : 1;
		cap = est < ADPFS_BATCH ? (size_t)est : ADPFS_BATCH;
		async = aio != NULL && est <= ADPFS_BATCH;   /* one call takes it all */
	}
	pieces = ADIOI_Malloc(cap * sizeof(*pieces));
	iov = ADIOI_Malloc(cap * sizeof(*iov));
	ext = ADIOI_Malloc(cap * sizeof(*ext));
	remaining = bufsize;
	while (remaining > 0 || np > 0) {
		if (remaining > 0 && np < cap) {
			ADIO_Offset len;

			while (fw.left == 0)
				adpfs_fnext(&fw);
			while (mw.left == 0)
				adpfs_mnext(&mw);
			len = fw.left < mw.left ? fw.left : mw.left;
			if (len > remaining)
				len = remaining;
			pieces[np].mem = mw.ptr;
			pieces[np].off = (uint64_t)fw.off;
			pieces[np].len = (uint64_t)len;
			np++;
			mw.ptr += len;
			mw.left -= len;
			fw.off += len;
			fw.left -= len;
			remaining -= len;
			continue;
		}
		/* a full batch, or the end: one list call */
		{
			uint64_t total = mpiio_pieces_to_list(pieces, np, iov, &niov, ext, &next);
			ssize_t rc;

			if (async) {   /* pfs_aio copies the lists */
				rc = is_write ?
					pfs_aio_writelist(pf->file, iov, niov, ext, next, aio) :
					pfs_aio_readlist(pf->file, iov, niov, ext, next, aio);
				if (rc < 0) {
					*aio = NULL;
					*error_code = ADIOI_PFS_Error(myname, fd->filename, (int)rc);
					goto out_free;
				}
				done = (ADIO_Offset)total;
				break;
			}
			if (is_write)
				rc = pfs_writelist(pf->file, iov, niov, ext, next);
			else
				rc = pfs_readlist(pf->file, iov, niov, ext, next);
			if (rc < 0) {
				*error_code = ADIOI_PFS_Error(myname, fd->filename, (int)rc);
				goto out_free;
			}
			done += rc;
			np = 0;
			if ((uint64_t)rc < total)     /* a read reached the end of file */
				break;
		}
	}
	if (is_write && done > 0)
		fd->dirty_write = 1;
	fd->fp_sys_posn = -1;   /* no system file pointer */
	if (file_ptr_type == ADIO_INDIVIDUAL)
		fd->fp_ind = fw.off;
  out_free:
	ADIOI_Free(pieces);
	ADIOI_Free(iov);
	ADIOI_Free(ext);
	if (*error_code != MPI_SUCCESS)
		return;
  out:
	if (nbytes)
		*nbytes = done;
	if (status) {
#ifdef HAVE_STATUS_SET_BYTES
		MPIR_Status_set_bytes(status, datatype, done);
#endif
	}
	return;
}

void ADIOI_PFS_ReadStrided(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			   int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			   int *error_code)
{
	adpfs_strided(fd, buf, count, datatype, file_ptr_type, offset, status, error_code, 0,
		      NULL, NULL);
}

void ADIOI_PFS_WriteStrided(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			    int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			    int *error_code)
{
	adpfs_strided(fd, (void *)buf, count, datatype, file_ptr_type, offset, status,
		      error_code, 1, NULL, NULL);
}

void ADIOI_PFS_IreadStrided(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			    int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			    int *error_code)
{
	pfs_aio_t *op = NULL;
	ADIO_Offset n = 0;

	adpfs_strided(fd, buf, count, datatype, file_ptr_type, offset, NULL, error_code, 0,
		      &op, &n);
	ADIOI_PFS_Request(fd, op, n, request, error_code);
}

void ADIOI_PFS_IwriteStrided(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			     int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			     int *error_code)
{
	pfs_aio_t *op = NULL;
	ADIO_Offset n = 0;

	adpfs_strided(fd, (void *)buf, count, datatype, file_ptr_type, offset, NULL,
		      error_code, 1, &op, &n);
	ADIOI_PFS_Request(fd, op, n, request, error_code);
}
