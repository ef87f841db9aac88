/* fbtl_pfs.c - the OMPIO fbtl component "pfs" (mca_fbtl_pfs.so): the data
 * path of pfs files, each f_io_array as one libpfs list I/O call, blocking
 * or (ipreadv/ipwritev) nonblocking on libpfs's I/O threads; no I/O at all on
 * a handle in atomic mode. */
#include "ompio_pfs.h"
#include <stdlib.h>
#include "ompi/mca/fbtl/fbtl.h"
#include "ompi/mca/fbtl/base/base.h"
#include "ompi/mca/common/ompio/common_ompio_request.h"

/* ---- atomic mode ----
 * pfs writes are not atomic across stripes and there are no locks: a handle
 * in atomic mode (fh->f_atomicity) does no I/O rather than non-atomic I/O.
 * The fs component normally refuses MPI_File_set_atomicity(1) before it gets
 * here (see fs_pfs.c); this covers any way around that. Only nonblocking
 * requests carry the error to the program (MPI_ERR_UNSUPPORTED_OPERATION):
 * io/ompio 4.1.4 drops fbtl errors in blocking calls (measured: write_at
 * returns success with a count of 0; write_at_all through dynamic_gen2
 * returns success with the full count). Hence the refusal at set_atomicity,
 * and the message here, which says nothing was transferred.
 * Static state: the once-only message flag. */
static int fbtl_pfs_atomic_said;

static bool fbtl_pfs_atomic(ompio_file_t *fh)
{
	if (!fh->f_atomicity)
		return false;
	if (!__atomic_exchange_n(&fbtl_pfs_atomic_said, 1, __ATOMIC_RELAXED))
		opal_output(0, "fbtl/pfs: %s: I/O refused in atomic mode, nothing read or "
			    "written (MPI_ERR_UNSUPPORTED_OPERATION where Open MPI passes it "
			    "on): pfs has no locks and its writes are not atomic across "
			    "stripes; call MPI_File_set_atomicity(fh, 0)",
			    fh->f_filename ? fh->f_filename : "file");
	return true;
}

/* A negative errno as the MPI error class a request completes with. */
static int fbtl_pfs_err(ssize_t rc)
{
	return rc == -ENOTSUP ? MPI_ERR_UNSUPPORTED_OPERATION : ompio_pfs_mpi_err((int)rc);
}

/* f_io_array as list I/O arguments (*iov and *ext malloc'd, freed by the
 * caller even on error). Returns the byte count or a negative errno. */
static ssize_t fbtl_pfs_list(ompio_file_t *fh, struct iovec **iov, size_t *niov,
			     struct pfs_extent **ext, size_t *next)
{
	struct mpiio_piece *pieces;
	size_t n;

	*iov = NULL;
	*ext = NULL;
	*niov = *next = 0;
	if (fh->f_num_of_io_entries <= 0 || !fh->f_io_array)
		return 0;
	n = (size_t)fh->f_num_of_io_entries;
	pieces = malloc(n * sizeof(*pieces));
	*iov = malloc(n * sizeof(**iov));
	*ext = malloc(n * sizeof(**ext));
	if (!pieces || !*iov || !*ext) {
		free(pieces);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		OMPI_MPI_OFFSET_TYPE off = (OMPI_MPI_OFFSET_TYPE)(intptr_t)fh->f_io_array[i].offset;

		if (off < 0) {
			free(pieces);
			return -EINVAL;
		}
		pieces[i].mem = fh->f_io_array[i].memory_address;
		pieces[i].off = (uint64_t)off;
		pieces[i].len = fh->f_io_array[i].length;
	}
	n = (size_t)mpiio_pieces_to_list(pieces, n, *iov, niov, *ext, next);
	free(pieces);
	return (ssize_t)n;
}

/* Blocking: returns bytes or a negative errno. */
static ssize_t fbtl_pfs_io(ompio_file_t *fh, int write)
{
	struct ompio_pfs_file *pf = ompio_pfs_of(fh);
	struct pfs_extent *ext;
	struct iovec *iov;
	size_t niov, next;
	ssize_t rc;

	if (!pf)
		return -EBADF;
	if (fbtl_pfs_atomic(fh))
		return -ENOTSUP;
	rc = fbtl_pfs_list(fh, &iov, &niov, &ext, &next);
	if (rc > 0)
		rc = write ? pfs_writelist(pf->file, iov, niov, ext, next)
			   : pfs_readlist(pf->file, iov, niov, ext, next);
	free(iov);
	free(ext);
	return rc;
}

static ssize_t fbtl_pfs_preadv(ompio_file_t *fh)
{
	ssize_t rc = fbtl_pfs_io(fh, 0);

	return rc < 0 ? OMPI_ERROR : rc;
}

static ssize_t fbtl_pfs_pwritev(ompio_file_t *fh)
{
	ssize_t rc = fbtl_pfs_io(fh, 1);

	return rc < 0 ? OMPI_ERROR : rc;
}

/* ---- nonblocking ----
 * ipreadv/ipwritev start one pfs_aio list I/O and hang it on the OMPIO
 * request (req_data). OMPIO's progress function (registered with
 * opal_progress by the common code) polls fbtl_pfs_progress, which
 * completes the request once libpfs says the transfer is done. OMPIO
 * ignores what ipreadv/ipwritev return and frees f_io_array right after:
 * libpfs copies the lists, and an error at post time is kept in the
 * request and reported when it completes (on the file's error handler). */
struct fbtl_pfs_req {
	pfs_aio_t *op;          /* the transfer, NULL once finished or never started */
	ssize_t result;         /* bytes, or a negative errno, when op is NULL */
};

static bool fbtl_pfs_progress(struct mca_ompio_request_t *req)
{
	struct fbtl_pfs_req *d = req->req_data;
	ssize_t res;

	if (!d) {
		res = -ENOMEM;
	} else {
		if (d->op) {
			if (pfs_aio_test(d->op, NULL) == 0)
				return false;
			d->result = pfs_aio_wait(d->op);        /* done: returns at once */
			d->op = NULL;
		}
		res = d->result;
	}
	req->req_ompi.req_status.MPI_ERROR = res < 0 ? fbtl_pfs_err(res) : OMPI_SUCCESS;
	req->req_ompi.req_status._ucount = res < 0 ? 0 : (size_t)res;
	return true;
}

/* OMPIO's request free (and destructor, which free()s req_data itself when
 * it is not NULL). A request freed while in flight (MPI_Request_free) waits
 * for its transfer: libpfs must be done with the buffer. */
static void fbtl_pfs_request_free(struct mca_ompio_request_t *req)
{
	struct fbtl_pfs_req *d = req->req_data;

	if (!d)
		return;
	if (d->op)
		pfs_aio_wait(d->op);
	free(d);
	req->req_data = NULL;
}

static ssize_t fbtl_pfs_ipost(ompio_file_t *fh, ompi_request_t *request, int write)
{
	mca_ompio_request_t *req = (mca_ompio_request_t *)request;
	struct ompio_pfs_file *pf = ompio_pfs_of(fh);
	struct fbtl_pfs_req *d;
	struct pfs_extent *ext = NULL;
	struct iovec *iov = NULL;
	size_t niov = 0, next = 0;
	ssize_t rc;

	/* OMPIO leaves the request's MPI object unset; an error status makes
	 * MPI_Wait/MPI_Test invoke the file's error handler through it. */
	req->req_ompi.req_mpi_object.file = fh->f_fh;
	req->req_progress_fn = fbtl_pfs_progress;
	req->req_free_fn = fbtl_pfs_request_free;
	d = calloc(1, sizeof(*d));
	req->req_data = d;
	if (!d)
		return OMPI_SUCCESS;    /* completes with MPI_ERR_NO_MEM */
	if (!pf)
		rc = -EBADF;
	else if (fbtl_pfs_atomic(fh))
		rc = -ENOTSUP;
	else
		rc = fbtl_pfs_list(fh, &iov, &niov, &ext, &next);
	if (rc > 0) {
		pfs_aio_t *op = NULL;
		int err = write ? pfs_aio_writelist(pf->file, iov, niov, ext, next, &op)
				: pfs_aio_readlist(pf->file, iov, niov, ext, next, &op);

		if (err < 0)
			rc = err;
		else
			d->op = op;
	}
	d->result = rc;
	free(iov);
	free(ext);
	return OMPI_SUCCESS;
}

static ssize_t fbtl_pfs_ipreadv(ompio_file_t *fh, ompi_request_t *request)
{
	return fbtl_pfs_ipost(fh, request, 0);
}

static ssize_t fbtl_pfs_ipwritev(ompio_file_t *fh, ompi_request_t *request)
{
	return fbtl_pfs_ipost(fh, request, 1);
}

static int fbtl_pfs_module_init(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

static int fbtl_pfs_module_finalize(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

static mca_fbtl_base_module_1_0_0_t fbtl_pfs_module = {
	.fbtl_module_init = fbtl_pfs_module_init,
	.fbtl_module_finalize = fbtl_pfs_module_finalize,
	.fbtl_preadv = fbtl_pfs_preadv,
	.fbtl_ipreadv = fbtl_pfs_ipreadv,
	.fbtl_pwritev = fbtl_pfs_pwritev,
	.fbtl_ipwritev = fbtl_pfs_ipwritev,
	.fbtl_progress = fbtl_pfs_progress,
	.fbtl_request_free = fbtl_pfs_request_free,
};
static int fbtl_pfs_init_query(bool enable_progress_threads, bool enable_mpi_threads)
{
	return ompio_pfs_version_check("fbtl/pfs");
}

/* Runs after the fs selection: claims the files the pfs fs component took. */
static struct mca_fbtl_base_module_1_0_0_t *fbtl_pfs_file_query(ompio_file_t *fh, int *priority)
{
	*priority = OMPIO_PFS_PRIORITY;
	if (!fh || fh->f_fstype != OMPIO_PFS_FSTYPE)
		return NULL;
	return &fbtl_pfs_module;
}

static int fbtl_pfs_file_unquery(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

OMPIO_PFS_EXPORT mca_fbtl_base_component_2_0_0_t mca_fbtl_pfs_component = {
	.fbtlm_version = {
		MCA_FBTL_BASE_VERSION_2_0_0,
		.mca_component_name = "pfs",
		MCA_BASE_MAKE_VERSION(component, OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION,
				      OMPI_RELEASE_VERSION),
	},
	.fbtlm_data = {
		MCA_BASE_METADATA_PARAM_CHECKPOINT
	},
	.fbtlm_init_query = fbtl_pfs_init_query,
	.fbtlm_file_query = fbtl_pfs_file_query,
	.fbtlm_file_unquery = fbtl_pfs_file_unquery,
};
