/* ad_pfs_close.c - close of a pfs file: every rank closes its handle, then
 * a barrier, so that data written before MPI_File_close is visible to any
 * rank that opens the file afterwards (ROMIO puts a barrier in
 * MPI_File_close only for drivers with shared file pointers). */
#include "ad_pfs.h"

void ADIOI_PFS_Close(ADIO_File fd, int *error_code)
{
	static char myname[] = "ADIOI_PFS_CLOSE";
	struct adpfs_file *pf = fd->fs_ptr;
	int rc = 0;

	if (pf) {
		if (pf->file)
			rc = pfs_close(pf->file);
		ADIOI_Free(pf);
		fd->fs_ptr = NULL;
	}
	/* collective: ADIO_Close runs on every rank of fd->comm (OpenColl
	 * makes a failed open fail on all ranks, so none closes alone) */
	MPI_Barrier(fd->comm);
	*error_code = rc < 0 ? ADIOI_PFS_Error(myname, fd->filename, rc) : MPI_SUCCESS;
}
