/* ad_pfs.c - the ADIO_PFS_operations table, the process-wide libpfs
 * connection and the error/path helpers every ad_pfs operation uses. */
#include "ad_pfs.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Designated initializers: the table's field order changes between ROMIO
 * versions (and a positional table is easy to misalign). Nonblocking I/O is
 * libpfs's asynchronous list I/O behind MPI generalized requests; their
 * poll/wait functions finish it, so ReadDone..WriteComplete are unused. */
struct ADIOI_Fns_struct ADIO_PFS_operations = {
	.ADIOI_xxx_Open = ADIOI_PFS_Open,
	.ADIOI_xxx_OpenColl = ADIOI_PFS_OpenColl,
	.ADIOI_xxx_ReadContig = ADIOI_PFS_ReadContig,
	.ADIOI_xxx_WriteContig = ADIOI_PFS_WriteContig,
	.ADIOI_xxx_ReadStridedColl = ADIOI_GEN_ReadStridedColl,
	.ADIOI_xxx_WriteStridedColl = ADIOI_GEN_WriteStridedColl,
	.ADIOI_xxx_SeekIndividual = ADIOI_GEN_SeekIndividual,
	.ADIOI_xxx_Fcntl = ADIOI_PFS_Fcntl,
	.ADIOI_xxx_SetInfo = ADIOI_PFS_SetInfo,
	.ADIOI_xxx_ReadStrided = ADIOI_PFS_ReadStrided,
	.ADIOI_xxx_WriteStrided = ADIOI_PFS_WriteStrided,
	.ADIOI_xxx_Close = ADIOI_PFS_Close,
	.ADIOI_xxx_IreadContig = ADIOI_PFS_IreadContig,
	.ADIOI_xxx_IwriteContig = ADIOI_PFS_IwriteContig,
	.ADIOI_xxx_ReadDone = ADIOI_FAKE_IODone,
	.ADIOI_xxx_WriteDone = ADIOI_FAKE_IODone,
	.ADIOI_xxx_ReadComplete = ADIOI_FAKE_IOComplete,
	.ADIOI_xxx_WriteComplete = ADIOI_FAKE_IOComplete,
	.ADIOI_xxx_IreadStrided = ADIOI_PFS_IreadStrided,
	.ADIOI_xxx_IwriteStrided = ADIOI_PFS_IwriteStrided,
	.ADIOI_xxx_Flush = ADIOI_PFS_Flush,
	.ADIOI_xxx_Resize = ADIOI_PFS_Resize,
	.ADIOI_xxx_Delete = ADIOI_PFS_Delete,
	.ADIOI_xxx_Feature = ADIOI_PFS_Feature,
	.fsname = "PFS: pfs parallel file system (libpfs)",
	.ADIOI_xxx_IreadStridedColl = ADIOI_GEN_IreadStridedColl,
	.ADIOI_xxx_IwriteStridedColl = ADIOI_GEN_IwriteStridedColl,
	.ADIOI_xxx_SetLock = ADIOI_PFS_SetLock,
};

/* The one connection of this process (documented static state): ROMIO
 * serialises its calls with its own critical section, so no lock here. */
static pfs_fs_t *adpfs_fs;
static int adpfs_keyval = MPI_KEYVAL_INVALID;

static int adpfs_disconnect(MPI_Comm comm, int keyval, void *attr, void *extra)
{
	(void)comm; (void)keyval; (void)attr; (void)extra;
	if (adpfs_fs)
		pfs_disconnect(adpfs_fs);
	adpfs_fs = NULL;
	return MPI_SUCCESS;
}

pfs_fs_t *ADIOI_PFS_Connect(const char *myname, int *error_code)
{
	char where[PFS_PATH_MAX], msg[PFS_PATH_MAX + 128];
	int rc;

	*error_code = MPI_SUCCESS;
	if (adpfs_fs)
		return adpfs_fs;
	rc = pfs_connect(NULL, &adpfs_fs);
	if (rc < 0) {
		adpfs_fs = NULL;
		if (pfs_config_path(where, sizeof(where)) < 0)
			strcpy(where, "none found: set PFS_CONFIG");
		snprintf(msg, sizeof(msg), "pfs: cannot connect to the file system: %s (config %s)",
			 pfs_strerror(rc), where);
		*error_code = MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE, myname,
						   __LINE__, MPI_ERR_IO, "**io", "**io %s", msg);
		return NULL;
	}
	/* disconnect at MPI_Finalize: MPI_COMM_SELF's attributes go first */
	if (adpfs_keyval == MPI_KEYVAL_INVALID &&
	    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, adpfs_disconnect, &adpfs_keyval,
				   NULL) == MPI_SUCCESS)
		MPI_Comm_set_attr(MPI_COMM_SELF, adpfs_keyval, NULL);
	return adpfs_fs;
}

int ADIOI_PFS_Error(const char *myname, const char *filename, int rc)
{
	if (rc >= 0)
		return MPI_SUCCESS;
	switch (-rc) {
	case ENOENT: case EEXIST: case EACCES: case EPERM: case ENOSPC: case EDQUOT:
	case ENAMETOOLONG: case EROFS: case EISDIR: case ENOTDIR: case EBUSY: case ENOTEMPTY:
		/* ROMIO maps these to the MPI error classes */
		return ADIOI_Err_create_code((char *)myname, filename, -rc);
	default:
		return MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE, myname, __LINE__,
					    MPI_ERR_IO, "**io", "**io %s", pfs_strerror(rc));
	}
}

const char *ADIOI_PFS_Path(const char *filename, char *buf)
{
	const char *p = mpiio_path(filename);

	if (p[0] == '/')
		return p;
	buf[0] = '/';
	strncpy(buf + 1, p, PFS_PATH_MAX - 1);
	buf[PFS_PATH_MAX] = '\0';
	return buf;
}
