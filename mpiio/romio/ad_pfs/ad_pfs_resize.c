/* ad_pfs_resize.c - MPI_File_set_size: one rank truncates (pfs_ftruncate
 * resizes every stripe object), the result is broadcast. */
#include "ad_pfs.h"

void ADIOI_PFS_Resize(ADIO_File fd, ADIO_Offset size, int *error_code)
{
	static char myname[] = "ADIOI_PFS_RESIZE";
	struct adpfs_file *pf = fd->fs_ptr;
	int rank, rc = 0;

	MPI_Comm_rank(fd->comm, &rank);
	if (rank == fd->hints->ranklist[0]) {
		rc = pf && pf->file ? pfs_ftruncate(pf->file, (uint64_t)size) : -EBADF;
	}
	MPI_Bcast(&rc, 1, MPI_INT, fd->hints->ranklist[0], fd->comm);
	*error_code = rc < 0 ? ADIOI_PFS_Error(myname, fd->filename, rc) : MPI_SUCCESS;
}
