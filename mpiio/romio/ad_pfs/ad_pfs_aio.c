/* ad_pfs_aio.c - nonblocking I/O: a libpfs asynchronous list call
 * (pfs_aio_*) behind an MPI generalized request whose poll and wait
 * functions finish it, so the transfer overlaps the caller's work. */
#include "ad_pfs.h"
#include "mpiu_greq.h"

/* One nonblocking transfer in flight. */
struct adpfs_aio {
	pfs_aio_t *op;          /* NULL once finished */
	MPI_Request req;        /* the generalized request */
	ssize_t result;         /* bytes moved, or a negative libpfs error */
	char *filename;         /* for the error message */
};

/* The request class, created at the first nonblocking call (documented
 * static state; ROMIO serialises its calls). */
static MPIX_Grequest_class adpfs_greq_class;
static int adpfs_greq_class_made;

static void adpfs_aio_finish(struct adpfs_aio *a, ssize_t result)
{
	a->result = result;
	a->op = NULL;
	MPI_Grequest_complete(a->req);
}

static int adpfs_aio_poll_fn(void *state, MPI_Status *status)
{
	struct adpfs_aio *a = state;
	ssize_t r;

	(void)status;
	if (a->op && pfs_aio_test(a->op, &r) == 1)
		adpfs_aio_finish(a, pfs_aio_wait(a->op));   /* finished: frees at once */
	return MPI_SUCCESS;
}

static int adpfs_aio_wait_fn(int count, void **states, double timeout, MPI_Status *status)
{
	(void)timeout; (void)status;
	for (int i = 0; i < count; i++) {
		struct adpfs_aio *a = states[i];

		if (a->op)
			adpfs_aio_finish(a, pfs_aio_wait(a->op));  /* sleeps, no spinning */
	}
	return MPI_SUCCESS;
}

static int adpfs_aio_query_fn(void *state, MPI_Status *status)
{
	struct adpfs_aio *a = state;

	MPI_Status_set_elements_x(status, MPI_BYTE, a->result > 0 ? a->result : 0);
	MPI_Status_set_cancelled(status, 0);
	status->MPI_SOURCE = MPI_UNDEFINED;
	status->MPI_TAG = MPI_UNDEFINED;
	return a->result < 0 ? ADIOI_PFS_Error("ADIOI_PFS_AIO", a->filename, (int)a->result) :
		MPI_SUCCESS;
}

static int adpfs_aio_free_fn(void *state)
{
	struct adpfs_aio *a = state;

	if (a->op)              /* never waited for: finish it before freeing */
		pfs_aio_wait(a->op);
	ADIOI_Free(a->filename);
	ADIOI_Free(a);
	return MPI_SUCCESS;
}

void ADIOI_PFS_Request(ADIO_File fd, pfs_aio_t *op, ADIO_Offset nbytes,
		       ADIO_Request *request, int *error_code)
{
	struct adpfs_aio *a;

	if (!op) {   /* done already (or failed): a completed request */
		MPIO_Completed_request_create(&fd, nbytes, error_code, request);
		return;
	}
	if (!adpfs_greq_class_made) {
		MPIX_Grequest_class_create(adpfs_aio_query_fn, adpfs_aio_free_fn,
					   MPIU_Greq_cancel_fn, adpfs_aio_poll_fn,
					   adpfs_aio_wait_fn, &adpfs_greq_class);
		adpfs_greq_class_made = 1;
	}
	a = ADIOI_Calloc(1, sizeof(*a));
	a->op = op;
	a->filename = ADIOI_Strdup(fd->filename);
	MPIX_Grequest_class_allocate(adpfs_greq_class, a, request);
	a->req = *request;
	*error_code = MPI_SUCCESS;
}

static void adpfs_icontig(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			  int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			  int *error_code, int is_write)
{
	const char *myname = is_write ? "ADIOI_PFS_IWRITECONTIG" : "ADIOI_PFS_IREADCONTIG";
	struct adpfs_file *pf = fd->fs_ptr;
	pfs_aio_t *op = NULL;
	struct iovec iov;
	struct pfs_extent ext;
	MPI_Count size;
	ADIO_Offset len;
	int rc;

	*error_code = MPI_SUCCESS;
	MPI_Type_size_x(datatype, &size);
	len = (ADIO_Offset)size * count;
	if (file_ptr_type == ADIO_INDIVIDUAL)
		offset = fd->fp_ind;
	if (!pf || !pf->file) {
		*error_code = MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE, myname,
						   __LINE__, MPI_ERR_IO, "**io", "**io %s",
						   "pfs: file is not open on this rank");
	} else if (len > 0) {
		iov.iov_base = buf;
		iov.iov_len = (size_t)len;
		ext.off = (uint64_t)offset;
		ext.len = (uint64_t)len;
		rc = is_write ? pfs_aio_writelist(pf->file, &iov, 1, &ext, 1, &op)
			      : pfs_aio_readlist(pf->file, &iov, 1, &ext, 1, &op);
		if (rc < 0) {
			op = NULL;
			*error_code = ADIOI_PFS_Error(myname, fd->filename, rc);
		} else if (is_write) {
			fd->dirty_write = 1;
		}
	}
	/* like ROMIO's own aio: the individual pointer moves at post time */
	if (*error_code == MPI_SUCCESS && file_ptr_type == ADIO_INDIVIDUAL)
		fd->fp_ind += len;
	fd->fp_sys_posn = -1;
	ADIOI_PFS_Request(fd, op, 0, request, error_code);
}

void ADIOI_PFS_IreadContig(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			   int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			   int *error_code)
{
	adpfs_icontig(fd, buf, count, datatype, file_ptr_type, offset, request, error_code, 0);
}

void ADIOI_PFS_IwriteContig(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			    int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			    int *error_code)
{
	adpfs_icontig(fd, (void *)buf, count, datatype, file_ptr_type, offset, request,
		      error_code, 1);
}
