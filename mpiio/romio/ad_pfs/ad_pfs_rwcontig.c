/* ad_pfs_rwcontig.c - contiguous read and write: one libpfs call each,
 * striped over every target at once. */
#include "ad_pfs.h"

static int adpfs_not_open(ADIO_File fd, const char *myname)
{
	return MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE, myname, __LINE__,
				    MPI_ERR_IO, "**io", "**io %s",
				    fd->fs_ptr ? "pfs: file is not open on this rank" :
				    "pfs: no driver state");
}

/* One contiguous transfer at offset (or the individual file pointer), with
 * ROMIO's file pointer and status bookkeeping. */
static void adpfs_rwcontig(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			   int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			   int *error_code, int write, const char *myname)
{
	struct adpfs_file *pf = fd->fs_ptr;
	MPI_Count size;
	ADIO_Offset len;
	ssize_t rc = 0;

	if (!pf || !pf->file) {
		*error_code = adpfs_not_open(fd, myname);
		return;
	}
	MPI_Type_size_x(datatype, &size);
	len = (ADIO_Offset)size * count;
	if (file_ptr_type == ADIO_INDIVIDUAL)
		offset = fd->fp_ind;
	if (len > 0) {
		rc = write ? pfs_pwrite(pf->file, buf, (size_t)len, (uint64_t)offset)
			   : pfs_pread(pf->file, buf, (size_t)len, (uint64_t)offset);
		if (rc < 0) {
			*error_code = ADIOI_PFS_Error(myname, fd->filename, (int)rc);
			return;
		}
		if (write)
			fd->dirty_write = 1;
	}
	fd->fp_sys_posn = offset + rc;
	if (file_ptr_type == ADIO_INDIVIDUAL)
		fd->fp_ind += rc;
#ifdef HAVE_STATUS_SET_BYTES
	MPIR_Status_set_bytes(status, datatype, rc);
#endif
	*error_code = MPI_SUCCESS;
}

void ADIOI_PFS_ReadContig(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			  int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			  int *error_code)
{
	adpfs_rwcontig(fd, buf, count, datatype, file_ptr_type, offset, status, error_code, 0,
		       "ADIOI_PFS_READCONTIG");
}

void ADIOI_PFS_WriteContig(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			   int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			   int *error_code)
{
	/* the buffer is only read: pfs_pwrite takes it as const */
	adpfs_rwcontig(fd, (void *)buf, count, datatype, file_ptr_type, offset, status,
		       error_code, 1, "ADIOI_PFS_WRITECONTIG");
}
