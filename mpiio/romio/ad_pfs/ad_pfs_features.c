/* ad_pfs_features.c - what pfs offers ROMIO (unlike ADIOI_GEN_Feature: no
 * fcntl locks, so no shared file pointers, no atomic mode and no
 * data-sieving writes), and the lock hook that must never be used. */
#include "ad_pfs.h"

int ADIOI_PFS_Feature(ADIO_File fd, int flag)
{
	(void)fd;
	switch (flag) {
	case ADIO_SCALABLE_OPEN:        /* OpenColl: one rank creates, layout broadcast */
	case ADIO_SCALABLE_RESIZE:      /* one rank truncates every object */
	case ADIO_TWO_PHASE:            /* ROMIO's two-phase, stripe-aligned domains */
		return 1;
	case ADIO_UNLINK_AFTER_CLOSE:   /* unlink destroys the objects at once */
	case ADIO_LOCKS:
	case ADIO_SHARED_FP:
	case ADIO_ATOMIC_MODE:
	case ADIO_DATA_SIEVING_WRITES:
	case ADIO_IMMEDIATELY_VISIBLE:
	default:
		return 0;
	}
}

/* Only reached through ADIOI_WRITE_LOCK and friends, which ROMIO uses for
 * atomic mode and data-sieving writes; both are refused above. */
int ADIOI_PFS_SetLock(ADIO_File fd, int cmd, int type, ADIO_Offset offset, int whence,
		      ADIO_Offset len)
{
	(void)fd; (void)cmd; (void)type; (void)offset; (void)whence; (void)len;
	return MPI_ERR_UNSUPPORTED_OPERATION;
}
