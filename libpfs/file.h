/* file.h - opening and closing files inside libpfs (file.c), for modules
 * that need a handle of their own (rebuild.c) without the public API. */
#ifndef PFS_FILE_H
#define PFS_FILE_H

#include <sys/types.h>
#include "client.h"

/* pfs_open and pfs_close. */
int file_open(pfs_fs_t *fs, const char *path, int flags, mode_t mode,
	      const struct pfs_layout *layout, pfs_file_t **out);
int file_close(pfs_file_t *f);

#endif /* PFS_FILE_H */
