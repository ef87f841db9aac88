/* ad_pfs_delete.c - MPI_File_delete: unlink the name; the MDS destroys the
 * stripe objects in the background. */
#include "ad_pfs.h"

void ADIOI_PFS_Delete(const char *filename, int *error_code)
{
	static char myname[] = "ADIOI_PFS_DELETE";
	char buf[PFS_PATH_MAX + 1];
	pfs_fs_t *fs;
	int rc;

	fs = ADIOI_PFS_Connect(myname, error_code);
	if (!fs)
		return;
	rc = pfs_unlink(fs, ADIOI_PFS_Path(filename, buf));
	*error_code = rc < 0 ? ADIOI_PFS_Error(myname, filename, rc) : MPI_SUCCESS;
}
