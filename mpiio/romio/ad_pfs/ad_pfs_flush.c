/* ad_pfs_flush.c - MPI_File_sync: pfs_fsync makes this rank's writes
 * durable on every target of the file. */
#include "ad_pfs.h"

void ADIOI_PFS_Flush(ADIO_File fd, int *error_code)
{
	static char myname[] = "ADIOI_PFS_FLUSH";
	struct adpfs_file *pf = fd->fs_ptr;
	int rc;

	rc = pf && pf->file ? pfs_fsync(pf->file) : -EBADF;
	*error_code = rc < 0 ? ADIOI_PFS_Error(myname, fd->filename, rc) : MPI_SUCCESS;
}
