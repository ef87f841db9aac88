/* ad_pfs_hints.c - hints of a pfs file: ROMIO's generic hints plus the
 * layout and pfs_* hints (shared parser in mpiio.c), each applied or refused,
 * and the values in effect reported through MPI_File_get_info. */
#include "ad_pfs.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int adpfs_info_set(void *ctx, const char *key, const char *val)
{
	ADIOI_Info_set(*(MPI_Info *)ctx, key, val);
	return 0;
}

void ADIOI_PFS_Report_hints(ADIO_File fd)
{
	struct adpfs_file *pf = fd->fs_ptr;

	if (!pf || fd->info == MPI_INFO_NULL)
		return;
	/* romio_cb_* as ROMIO holds them (its hints drive two-phase) */
	pf->hints.cb_write = fd->hints->cb_write == ADIOI_HINT_ENABLE ? MPIIO_CB_ENABLE :
		fd->hints->cb_write == ADIOI_HINT_DISABLE ? MPIIO_CB_DISABLE : MPIIO_CB_AUTOMATIC;
	pf->hints.cb_read = fd->hints->cb_read == ADIOI_HINT_ENABLE ? MPIIO_CB_ENABLE :
		fd->hints->cb_read == ADIOI_HINT_DISABLE ? MPIIO_CB_DISABLE : MPIIO_CB_AUTOMATIC;
	if (pf->layout.stripe_count)
		mpiio_hints_report(&pf->hints, &pf->layout, fd->hints->cb_nodes,
				   (uint64_t)fd->hints->cb_buffer_size, NULL, adpfs_info_set,
				   &fd->info);
	/* no data sieving, ever: strided I/O is one libpfs list call */
	ADIOI_Info_set(fd->info, "romio_ds_read", "disable");
	ADIOI_Info_set(fd->info, "romio_ds_write", "disable");
}

/* Hints are examined on every rank with the same info (MPI requires the
 * same values at open); a refused pfs hint fails the open with the reason. */
void ADIOI_PFS_SetInfo(ADIO_File fd, MPI_Info users_info, int *error_code)
{
	static char myname[] = "ADIOI_PFS_SETINFO";
	struct adpfs_file *pf = fd->fs_ptr;
	char key[MPI_MAX_INFO_KEY + 1], *val, msg[MPIIO_MSG_MAX];
	int at_open = fd->info == MPI_INFO_NULL;
	int nkeys = 0, i, flag, rc;

	*error_code = MPI_SUCCESS;
	if (!pf) {
		pf = ADIOI_Calloc(1, sizeof(*pf));
		mpiio_hints_init(&pf->hints);
		fd->fs_ptr = pf;
	}
	ADIOI_GEN_SetInfo(fd, users_info, error_code);
	if (*error_code != MPI_SUCCESS)
		return;

	val = ADIOI_Malloc(MPI_MAX_INFO_VAL + 1);
	if (users_info != MPI_INFO_NULL)
		MPI_Info_get_nkeys(users_info, &nkeys);
	for (i = 0; i < nkeys; i++) {
		MPI_Info_get_nthkey(users_info, i, key);
		ADIOI_Info_get(users_info, key, MPI_MAX_INFO_VAL, val, &flag);
		if (!flag)
			continue;
		if (!at_open && (!strcmp(key, "striping_factor") || !strcmp(key, "striping_unit") ||
				 !strcmp(key, "pfs_first_target")))
			continue;   /* the layout of an open file is fixed: keep reporting it */
		if (!strcmp(key, "pfs_svr_buf"))
			continue;   /* ROMIO's hint for Intel's long-gone PFS: not ours */
		if ((!strcmp(key, "striping_factor") || !strcmp(key, "striping_unit")) &&
		    !strcmp(val, "0"))
			continue;   /* ROMIO's convention: 0 = the file system's default */
		if (!strcmp(key, "start_iodevice")) {
			/* ROMIO's generic name for the first target */
			if (!at_open || atoi(val) < 0)
				continue;
			rc = mpiio_hint_apply(&pf->hints, "pfs_first_target", val, msg,
					      sizeof(msg));
		} else {
			rc = mpiio_hint_apply(&pf->hints, key, val, msg, sizeof(msg));
		}
		if (rc == -EINVAL) {
			*error_code = MPIO_Err_create_code(MPI_SUCCESS, MPIR_ERR_RECOVERABLE, myname,
							   __LINE__, MPI_ERR_INFO_VALUE, "**io",
							   "**io %s", msg);
			break;
		}
		if (rc == 1 && !strcmp(key, "cb_nodes"))
			pf->user_cb_nodes = pf->hints.cb_nodes;
		if (!strcmp(key, "cb_config_list"))
			pf->user_cb_config = 1;
		if (!strncmp(key, "pfs_", 4) && rc == 1)
			ADIOI_Info_set(fd->info, key, val);
	}
	ADIOI_Free(val);
	if (*error_code != MPI_SUCCESS) {
		if (at_open)
			pf->refused = *error_code;
		return;
	}

	if (at_open && !pf->user_cb_config && fd->hints->cb_config_list) {
		/* any rank may aggregate (the default, "*:1", allows one per node);
		 * OpenColl then keeps a stripe-aligned number of them */
		ADIOI_Free(fd->hints->cb_config_list);
		fd->hints->cb_config_list = ADIOI_Strdup("*:*");
		ADIOI_Info_set(fd->info, "cb_config_list", "*:*");
	}
	/* strided I/O never sieves; collective I/O never sieves in the domains */
	fd->hints->ds_read = ADIOI_HINT_DISABLE;
	fd->hints->ds_write = ADIOI_HINT_DISABLE;
	fd->hints->deferred_open = 0;
	if (!at_open)
		ADIOI_PFS_Report_hints(fd);
	else {
		ADIOI_Info_set(fd->info, "romio_ds_read", "disable");
		ADIOI_Info_set(fd->info, "romio_ds_write", "disable");
	}
}
