/* ad_pfs.h - ROMIO ADIO driver for pfs: the per-file state, the process-wide
 * libpfs connection and the prototypes of every ADIOI_PFS_* operation. */
#ifndef AD_PFS_H_INCLUDED
#define AD_PFS_H_INCLUDED

#include "adio.h"
#include "pfs.h"
#include "mpiio.h"

/* What fd->fs_ptr points at (allocated by SetInfo at open, freed by Close). */
struct adpfs_file {
	pfs_file_t *file;               /* NULL until this rank has opened */
	struct pfs_layout layout;       /* the file's layout (broadcast at open) */
	struct mpiio_hints hints;       /* the pfs hints as parsed */
	int user_cb_nodes;              /* cb_nodes given by the user, 0 if not */
	int user_cb_config;             /* the user gave cb_config_list */
	int refused;                    /* MPI error of a hint refused at open
					 * (ADIO_Open ignores SetInfo's error:
					 * OpenColl fails the open with it) */
};

/* The libpfs connection of this process: made at the first open or delete,
 * closed at MPI_Finalize (an attribute on MPI_COMM_SELF). NULL with
 * *error_code set when the file system cannot be reached. */
pfs_fs_t *ADIOI_PFS_Connect(const char *myname, int *error_code);
/* An MPI error code for a negative libpfs return code. */
int ADIOI_PFS_Error(const char *myname, const char *filename, int rc);
/* The absolute pfs path for a file name ROMIO hands over ("pfs:" already
 * stripped; a relative name is taken from the root). buf holds PFS_PATH_MAX+1. */
const char *ADIOI_PFS_Path(const char *filename, char *buf);
/* Stores the hints in effect into fd->info (after open and set_info). */
void ADIOI_PFS_Report_hints(ADIO_File fd);

void ADIOI_PFS_Open(ADIO_File fd, int *error_code);
void ADIOI_PFS_OpenColl(ADIO_File fd, int rank, int access_mode, int *error_code);
void ADIOI_PFS_Close(ADIO_File fd, int *error_code);
void ADIOI_PFS_ReadContig(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			  int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			  int *error_code);
void ADIOI_PFS_WriteContig(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			   int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			   int *error_code);
void ADIOI_PFS_ReadStrided(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			   int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			   int *error_code);
void ADIOI_PFS_WriteStrided(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			    int file_ptr_type, ADIO_Offset offset, ADIO_Status *status,
			    int *error_code);
void ADIOI_PFS_IreadContig(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			   int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			   int *error_code);
void ADIOI_PFS_IwriteContig(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			    int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			    int *error_code);
void ADIOI_PFS_IreadStrided(ADIO_File fd, void *buf, int count, MPI_Datatype datatype,
			    int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			    int *error_code);
void ADIOI_PFS_IwriteStrided(ADIO_File fd, const void *buf, int count, MPI_Datatype datatype,
			     int file_ptr_type, ADIO_Offset offset, ADIO_Request *request,
			     int *error_code);
/* Hands a started pfs_aio transfer to MPI as a generalized request (or,
 * with op NULL, a request completed with nbytes and *error_code). */
void ADIOI_PFS_Request(ADIO_File fd, pfs_aio_t *op, ADIO_Offset nbytes,
		       ADIO_Request *request, int *error_code);
void ADIOI_PFS_SetInfo(ADIO_File fd, MPI_Info users_info, int *error_code);
void ADIOI_PFS_Fcntl(ADIO_File fd, int flag, ADIO_Fcntl_t *fcntl_struct, int *error_code);
void ADIOI_PFS_Resize(ADIO_File fd, ADIO_Offset size, int *error_code);
void ADIOI_PFS_Flush(ADIO_File fd, int *error_code);
void ADIOI_PFS_Delete(const char *filename, int *error_code);
int ADIOI_PFS_Feature(ADIO_File fd, int flag);
int ADIOI_PFS_SetLock(ADIO_File fd, int cmd, int type, ADIO_Offset offset, int whence,
		      ADIO_Offset len);

#endif /* AD_PFS_H_INCLUDED */
