/* ad_pfs_open.c - open of a pfs file: the per-rank libpfs open and the
 * collective open (one rank opens or creates with the layout from the hints
 * and broadcasts its handle; the others import it without asking the MDS). */
#include "ad_pfs.h"
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* The driver's per-file state (SetInfo allocates it at open; be safe). */
static struct adpfs_file *adpfs_state(ADIO_File fd)
{
	struct adpfs_file *pf = fd->fs_ptr;

	if (!pf) {
		pf = ADIOI_Calloc(1, sizeof(*pf));
		mpiio_hints_init(&pf->hints);
		fd->fs_ptr = pf;
	}
	return pf;
}

/* Read-write unless read-only: two-phase collective writes read back the
 * holes of an aggregator's buffer (read-modify-write). */
static int adpfs_access(const ADIO_File fd)
{
	return (fd->access_mode & ADIO_RDONLY) ? O_RDONLY : O_RDWR;
}

/* The open handle's layout, or the error (handle closed). */
static void adpfs_opened(ADIO_File fd, const char *myname, int rc, int *error_code)
{
	struct adpfs_file *pf = fd->fs_ptr;

	if (rc == 0)
		rc = pfs_get_layout(pf->file, &pf->layout);
	if (rc < 0) {
		if (pf->file)
			pfs_close(pf->file);
		pf->file = NULL;
		*error_code = ADIOI_PFS_Error(myname, fd->filename, rc);
		return;
	}
	fd->fd_sys = -1;
	fd->fd_direct = -1;
	*error_code = MPI_SUCCESS;
}

/* Opens this rank's handle from another rank's exported one. */
static void adpfs_import(ADIO_File fd, const void *handle, int len, int *error_code)
{
	static char myname[] = "ADIOI_PFS_IMPORT";
	struct adpfs_file *pf;
	pfs_fs_t *fs;
	int rc;

	fs = ADIOI_PFS_Connect(myname, error_code);
	if (!fs)
		return;
	pf = adpfs_state(fd);
	rc = pfs_file_import(fs, handle, (size_t)len, adpfs_access(fd), &pf->file);
	if (rc < 0)
		pf->file = NULL;
	adpfs_opened(fd, myname, rc, error_code);
}

/* Opens the file on this rank with fd->access_mode. At create, the layout
 * comes from the striping hints (none given: the directory default). */
void ADIOI_PFS_Open(ADIO_File fd, int *error_code)
{
	static char myname[] = "ADIOI_PFS_OPEN";
	struct adpfs_file *pf;
	struct pfs_layout want, *lp = NULL;
	char buf[PFS_PATH_MAX + 1];
	pfs_fs_t *fs;
	mode_t perm, old_mask;
	int flags, rc;

	fs = ADIOI_PFS_Connect(myname, error_code);
	if (!fs)
		return;
	pf = adpfs_state(fd);
	if (fd->perm == ADIO_PERM_NULL) {
		old_mask = umask(022);
		umask(old_mask);
		perm = old_mask ^ 0666;
	} else {
		perm = fd->perm;
	}
	flags = adpfs_access(fd);
	if (fd->access_mode & ADIO_CREATE) {
		flags |= O_CREAT;
		if (mpiio_hints_layout(&pf->hints, &want))
			lp = &want;
	}
	if (fd->access_mode & ADIO_EXCL)
		flags |= O_EXCL;
	/* ADIO_APPEND: ROMIO moves the file pointers to the end itself */
	rc = pfs_open(fs, ADIOI_PFS_Path(fd->filename, buf), flags, perm, lp, &pf->file);
	if (rc < 0)
		pf->file = NULL;
	adpfs_opened(fd, myname, rc, error_code);
}

/* Aggregators for two-phase I/O: ROMIO built hints->ranklist (cb_nodes
 * long) before the layout was known; keep a prefix of it whose length is a
 * multiple or a divisor of the stripe count (or what the user asked for). */
static void adpfs_set_aggregators(ADIO_File fd, int rank)
{
	struct adpfs_file *pf = fd->fs_ptr;
	uint32_t stripes = mpiio_domain_stripes(&pf->layout);
	int eligible = fd->hints->cb_nodes, n, i;

	if (pf->user_cb_nodes > 0)
		n = mpiio_aggregators(stripes, eligible, pf->user_cb_nodes);
	else
		n = mpiio_aggregators(stripes, eligible < (int)stripes ? eligible : (int)stripes, 0);
	if (n < 1)
		n = 1;
	fd->hints->cb_nodes = n;
	fd->is_agg = 0;
	for (i = 0; i < n; i++)
		if (fd->hints->ranklist[i] == rank)
			fd->is_agg = 1;
	fd->my_cb_nodes_index = -2;
}

/* ADIO_Open does not close a rank whose OpenColl failed: drop its state. */
static void adpfs_open_failed(ADIO_File fd, int *error_code, int err)
{
	struct adpfs_file *pf = fd->fs_ptr;

	if (pf) {
		if (pf->file)
			pfs_close(pf->file);
		ADIOI_Free(pf);
		fd->fs_ptr = NULL;
	}
	*error_code = err;
}

void ADIOI_PFS_OpenColl(ADIO_File fd, int rank, int access_mode, int *error_code)
{
	struct adpfs_file *pf;
	int root = fd->hints->ranklist[0];
	int err = MPI_SUCCESS;
	struct {
		int err;
		int len;
		unsigned char handle[PFS_HANDLE_MAX];
	} msg;

	/* 0. a hint refused at open fails the open on every rank */
	pf = fd->fs_ptr;
	err = pf ? pf->refused : MPI_SUCCESS;
	{
		int bad = err != MPI_SUCCESS, any;

		MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, fd->comm);
		if (any) {
			adpfs_open_failed(fd, error_code, bad ? err :
				MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE,
						     "ADIOI_PFS_OPENCOLL", __LINE__,
						     MPI_ERR_INFO_VALUE, "**io", "**io %s",
						     "pfs: a hint was refused on another rank"));
			return;
		}
	}

	/* 1. the root opens (and creates, with the layout from the hints) */
	memset(&msg, 0, sizeof(msg));
	if (rank == root) {
		fd->access_mode = access_mode;
		ADIOI_PFS_Open(fd, &err);
		if (err == MPI_SUCCESS) {
			msg.len = pfs_file_export(((struct adpfs_file *)fd->fs_ptr)->file,
						  msg.handle, sizeof(msg.handle));
			if (msg.len < 0)
				err = ADIOI_PFS_Error("ADIOI_PFS_OPENCOLL", fd->filename, msg.len);
		}
		msg.err = err;
	}
	/* 2. the handle (or the error) goes to everyone */
	MPI_Bcast(&msg, sizeof(msg), MPI_BYTE, root, fd->comm);
	if (msg.err != MPI_SUCCESS) {
		fd->access_mode = access_mode;
		adpfs_open_failed(fd, error_code, rank == root ? err : msg.err);
		return;
	}
	/* 3. the others import the root's handle: no MDS request per rank */
	if (rank != root) {
		fd->access_mode = access_mode;
		adpfs_import(fd, msg.handle, msg.len, &err);
	}
	/* 4. all or none: ADIO_Open closes (ADIOI_PFS_Close, which is
	 * collective) only the ranks that succeeded, so fail everywhere */
	{
		int bad = err != MPI_SUCCESS, any;

		MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, fd->comm);
		if (any) {
			adpfs_open_failed(fd, error_code, bad ? err :
				MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE,
						     "ADIOI_PFS_OPENCOLL", __LINE__, MPI_ERR_IO,
						     "**io", "**io %s",
						     "pfs: the open failed on another rank"));
			return;
		}
	}
	pf = fd->fs_ptr;

	/* two-phase file domains aligned to stripes, or to EC rows
	 * (ADIOI_Calc_file_domains) */
	fd->hints->striping_unit = mpiio_domain_unit(&pf->layout) > INT32_MAX ?
		0 : (int)mpiio_domain_unit(&pf->layout);
	fd->hints->striping_factor = (int)pf->layout.stripe_count;
	fd->hints->start_iodevice = pf->layout.stripe_count ? (int)pf->layout.targets[0] : -1;
	fd->blksize = (long)pf->layout.stripe_size;
	adpfs_set_aggregators(fd, rank);
	ADIOI_PFS_Report_hints(fd);

	fd->is_open = 1;
	fd->dirty_write = 0;
	*error_code = MPI_SUCCESS;
}
