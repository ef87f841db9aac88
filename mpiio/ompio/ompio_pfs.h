/* ompio_pfs.h - what the OMPIO pfs components (fs, fbtl, fcoll) share: the
 * private fs type, the per-file state the fs component hangs on f_fs_ptr,
 * the Open MPI version check and the errno to MPI error mapping. */
#ifndef OMPIO_PFS_H
#define OMPIO_PFS_H

#include "ompi_config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "mpi.h"
#include "ompi/mca/common/ompio/common_ompio.h"
#include "opal/util/output.h"
#include "pfs.h"
#include "mpiio.h"

#define OMPIO_PFS_EXPORT __attribute__((visibility("default")))

/* f_fstype has no slot for new file systems: a private value, far from
 * Open MPI's own (0..6), marks pfs files for the fbtl and fcoll queries. */
#define OMPIO_PFS_FSTYPE ((enum ompio_fs_type)0x706673)
#define OMPIO_PFS_MAGIC 0x70667366u
#define OMPIO_PFS_PRIORITY 50           /* above ufs (10/20) and posix (10) */
#define OMPIO_PFS_FCOLL_PRIORITY 60     /* above vulcan's 50 boost */

/* Per open file, on f_fs_ptr. */
struct ompio_pfs_file {
	uint32_t magic;
	pfs_file_t *file;
	struct pfs_layout layout;
	struct mpiio_hints hints;
};

static inline struct ompio_pfs_file *ompio_pfs_of(const ompio_file_t *fh)
{
	struct ompio_pfs_file *pf;

	if (!fh || fh->f_fstype != OMPIO_PFS_FSTYPE)
		return NULL;
	pf = fh->f_fs_ptr;
	return pf && pf->magic == OMPIO_PFS_MAGIC ? pf : NULL;
}

/* The components are built against one Open MPI major.minor (struct
 * layouts are stable within 4.1.x; 5.0 changed the fbtl module). Refuse to
 * run inside any other, saying so once. */
static inline int ompio_pfs_version_check(const char *what)
{
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int len = 0, major = 0, minor = 0;

	if (MPI_Get_library_version(lib, &len) != MPI_SUCCESS ||
	    sscanf(lib, "Open MPI v%d.%d", &major, &minor) != 2 ||
	    major != OMPI_MAJOR_VERSION || minor != OMPI_MINOR_VERSION) {
		opal_output(0, "%s: built for Open MPI %d.%d, refusing to run in \"%.40s\"",
			    what, OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION, lib);
		return OMPI_ERROR;
	}
	return OMPI_SUCCESS;
}

/* A negative errno from libpfs as an MPI error class. */
static inline int ompio_pfs_mpi_err(int rc)
{
	switch (-rc) {
	case 0: return MPI_SUCCESS;
	case ENOENT: case ENOTDIR: return MPI_ERR_NO_SUCH_FILE;
	case EEXIST: return MPI_ERR_FILE_EXISTS;
	case EACCES: case EPERM: return MPI_ERR_ACCESS;
	case ENOSPC: case EDQUOT: return MPI_ERR_NO_SPACE;
	case EROFS: return MPI_ERR_READ_ONLY;
	case ENAMETOOLONG: case EISDIR: return MPI_ERR_BAD_FILE;
	case EBADF: return MPI_ERR_ACCESS;
	case EINVAL: return MPI_ERR_ARG;
	case ENOMEM: return MPI_ERR_NO_MEM;
	default: return MPI_ERR_IO;
	}
}

#endif /* OMPIO_PFS_H */
