##
## ad_pfs - ROMIO driver for the pfs parallel file system (over libpfs).
## Synced into src/mpi/romio/adio/ad_pfs/ by pfs's mpiio/romio/build-mpich.
##

if BUILD_AD_PFS

noinst_HEADERS += adio/ad_pfs/ad_pfs.h adio/ad_pfs/mpiio.h

romio_other_sources +=                  \
    adio/ad_pfs/ad_pfs.c                \
    adio/ad_pfs/ad_pfs_open.c           \
    adio/ad_pfs/ad_pfs_close.c          \
    adio/ad_pfs/ad_pfs_rwcontig.c       \
    adio/ad_pfs/ad_pfs_rwstrided.c      \
    adio/ad_pfs/ad_pfs_aio.c            \
    adio/ad_pfs/ad_pfs_hints.c          \
    adio/ad_pfs/ad_pfs_fcntl.c          \
    adio/ad_pfs/ad_pfs_resize.c         \
    adio/ad_pfs/ad_pfs_flush.c          \
    adio/ad_pfs/ad_pfs_delete.c         \
    adio/ad_pfs/ad_pfs_features.c       \
    adio/ad_pfs/mpiio.c

endif BUILD_AD_PFS
