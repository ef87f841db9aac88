# romio - build rules for mpiio/romio/ (included from the top Makefile.am): the ROMIO
# driver ad_pfs, built into MPICH 4.0.2 from Debian's source by `make mpich`, and its tests.

ROMIO_PFS_FILES = \
	mpiio/romio/build-mpich mpiio/romio/romio-pfs.patch \
	mpiio/romio/ad_pfs/Makefile.mk mpiio/romio/ad_pfs/ad_pfs.h \
	mpiio/romio/ad_pfs/ad_pfs.c mpiio/romio/ad_pfs/ad_pfs_open.c \
	mpiio/romio/ad_pfs/ad_pfs_close.c mpiio/romio/ad_pfs/ad_pfs_rwcontig.c \
	mpiio/romio/ad_pfs/ad_pfs_rwstrided.c mpiio/romio/ad_pfs/ad_pfs_aio.c \
	mpiio/romio/ad_pfs/ad_pfs_hints.c \
	mpiio/romio/ad_pfs/ad_pfs_fcntl.c mpiio/romio/ad_pfs/ad_pfs_resize.c \
	mpiio/romio/ad_pfs/ad_pfs_flush.c mpiio/romio/ad_pfs/ad_pfs_delete.c \
	mpiio/romio/ad_pfs/ad_pfs_features.c
EXTRA_DIST += $(ROMIO_PFS_FILES) tests/romio/test_romio.sh tests/romio/mpiio_pfs.c \
	tests/romio/h5_pfs.c

# MPICH (ch3:nemesis, hydra, no Fortran/C++) with ROMIO's ufs+pfs drivers, installed in
# $(abs_top_builddir)/mpich-prefix; libmpich.so.12 keeps Debian's ABI. Incremental:
# only changed driver files are copied into the MPICH tree and rebuilt.
# MPICH_JOBS sets make's parallelism for MPICH (default 2).
MPICH_JOBS = 2
.PHONY: mpich
mpich: libpfs.la
	$(SHELL) $(srcdir)/mpiio/romio/build-mpich --srcdir $(abs_top_srcdir) \
		--builddir $(abs_top_builddir) --jobs $(MPICH_JOBS)

# Runs only when `make mpich` has built the prefix (else skips with 77).
TESTS += tests/romio/test_romio.sh
