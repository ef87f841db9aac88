/* fbtl_pfs.c - the OMPIO fbtl component "pfs" (mca_fbtl_pfs.so): the data
 * path of pfs files, each f_io_array as one libpfs list I/O call. */
#include "ompio_pfs.h"
#include <stdlib.h>
#include "ompi/mca/fbtl/fbtl.h"
#include "ompi/mca/fbtl/base/base.h"

/* f_io_array as list I/O arguments; returns bytes or a negative errno. */
static ssize_t fbtl_pfs_io(ompio_file_t *fh, int write)
{
	struct ompio_pfs_file *pf = ompio_pfs_of(fh);
	size_t n, niov = 0, next = 0;
	struct mpiio_piece *pieces = NULL;
	struct iovec *iov = NULL;
	struct pfs_extent *ext = NULL;
	ssize_t rc;

	if (!pf)
		return -EBADF;
	if (fh->f_num_of_io_entries <= 0 || !fh->f_io_array)
		return 0;
	n = (size_t)fh->f_num_of_io_entries;
	pieces = malloc(n * sizeof(*pieces));
	iov = malloc(n * sizeof(*iov));
	ext = malloc(n * sizeof(*ext));
	if (!pieces || !iov || !ext) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		OMPI_MPI_OFFSET_TYPE off = (OMPI_MPI_OFFSET_TYPE)(intptr_t)fh->f_io_array[i].offset;

		if (off < 0) {
			rc = -EINVAL;
			goto out;
		}
		pieces[i].mem = fh->f_io_array[i].memory_address;
		pieces[i].off = (uint64_t)off;
		pieces[i].len = fh->f_io_array[i].length;
	}
	if (mpiio_pieces_to_list(pieces, n, iov, &niov, ext, &next) == 0) {
		rc = 0;
		goto out;
	}
	rc = write ? pfs_writelist(pf->file, iov, niov, ext, next)
		   : pfs_readlist(pf->file, iov, niov, ext, next);
out:
	free(pieces);
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

static int fbtl_pfs_module_init(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

static int fbtl_pfs_module_finalize(ompio_file_t *fh)
{
	return OMPI_SUCCESS;
}

/* ipreadv/ipwritev are NULL: OMPIO then completes nonblocking requests
 * with the blocking calls (libpfs has no asynchronous interface yet). */
static mca_fbtl_base_module_1_0_0_t fbtl_pfs_module = {
	.fbtl_module_init = fbtl_pfs_module_init,
	.fbtl_module_finalize = fbtl_pfs_module_finalize,
	.fbtl_preadv = fbtl_pfs_preadv,
	.fbtl_ipreadv = NULL,
	.fbtl_pwritev = fbtl_pfs_pwritev,
	.fbtl_ipwritev = NULL,
	.fbtl_progress = NULL,
	.fbtl_request_free = NULL,
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
