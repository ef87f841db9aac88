/* ad_pfs_fcntl.c - file control: size (a glimpse of the objects),
 * preallocation (extend with a sparse truncate) and atomic mode (refused:
 * pfs has no byte-range locks, and pfs never pretends to be atomic). */
#include "ad_pfs.h"

void ADIOI_PFS_Fcntl(ADIO_File fd, int flag, ADIO_Fcntl_t *fcntl_struct, int *error_code)
{
	static char myname[] = "ADIOI_PFS_FCNTL";
	struct adpfs_file *pf = fd->fs_ptr;
	struct pfs_stat st;
	int rc;

	*error_code = MPI_SUCCESS;
	switch (flag) {
	case ADIO_FCNTL_GET_FSIZE:
		rc = pf && pf->file ? pfs_fstat(pf->file, &st) : -EBADF;
		if (rc < 0) {
			*error_code = ADIOI_PFS_Error(myname, fd->filename, rc);
			return;
		}
		fcntl_struct->fsize = (ADIO_Offset)st.size;
		return;
	case ADIO_FCNTL_SET_DISKSPACE:
		/* MPI_File_preallocate calls this on one rank: the file becomes at
		 * least that long (pfs allocates object space as it is written) */
		rc = pf && pf->file ? pfs_fstat(pf->file, &st) : -EBADF;
		if (rc == 0 && (uint64_t)fcntl_struct->diskspace > st.size)
			rc = pfs_ftruncate(pf->file, (uint64_t)fcntl_struct->diskspace);
		if (rc < 0)
			*error_code = ADIOI_PFS_Error(myname, fd->filename, rc);
		return;
	case ADIO_FCNTL_SET_ATOMICITY:
		if (fcntl_struct->atomicity) {
			*error_code = MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE,
							   myname, __LINE__,
							   MPI_ERR_UNSUPPORTED_OPERATION, "**io",
							   "**io %s",
							   "pfs: atomic mode is not supported (pfs "
							   "has no byte-range locks); the file stays "
							   "in nonatomic mode");
			return;
		}
		fd->atomicity = 0;
		return;
	default:
		*error_code = MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE, myname,
						   __LINE__, MPI_ERR_ARG, "**flag", "**flag %d", flag);
	}
}
