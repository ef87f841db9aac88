# mpiio - build rules for mpiio/ (included from the top Makefile.am): the code the
# MPI-IO drivers share, the OMPIO components for Open MPI, the MPI examples and tests.

# ---- shared by the ROMIO and OMPIO drivers ----
noinst_LTLIBRARIES += mpiio/libpfsmpiio.la
mpiio_libpfsmpiio_la_SOURCES = mpiio/common/mpiio.c mpiio/common/mpiio.h
mpiio_libpfsmpiio_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mpiio/common

check_PROGRAMS += tests/mpi/test_mpiio_common
tests_mpi_test_mpiio_common_SOURCES = tests/mpi/test_mpiio_common.c
tests_mpi_test_mpiio_common_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mpiio/common \
	-I$(top_srcdir)/tests/lib
tests_mpi_test_mpiio_common_LDADD = mpiio/libpfsmpiio.la $(TEST_LIBS)
TESTS += tests/mpi/test_mpiio_common

EXTRA_DIST += tests/mpi/run-mpi-tests.sh tests/mpi/mpi_test.h tests/mpi/hdf5_pfs.c \
	tests/mpi/pnetcdf_pfs.c tests/mpi/run-romio-ompi.sh
TESTS += tests/mpi/run-mpi-tests.sh
# ROMIO's test programs under Open MPI: skips (77) without Open MPI or
# without the ROMIO test sources of a `make mpich` tree.
TESTS += tests/mpi/run-romio-ompi.sh

if HAVE_OPENMPI
# Open MPI's compile and link flags, asked from its wrapper when the
# commands run (backquotes: no configure check needed).
OMPI_INC_FLAGS = `$(OMPI_CC) --showme:incdirs | $(SED) -e 's/^/ /' -e 's/ \([^ ]\)/ -isystem \1/g'`
OMPI_LIB_FLAGS = `$(OMPI_CC) --showme:libdirs | $(SED) -e 's/^/ /' -e 's/ \([^ ]\)/ -L\1/g'`
OMPI_COMPILE_FLAGS = `$(OMPI_CC) --showme:compile`
OMPI_LINK_FLAGS = `$(OMPI_CC) --showme:link`

# ---- OMPIO components: fs, fbtl and fcoll "pfs" ----
# Installed under $(libdir)/pfs/openmpi; add that directory AFTER Open MPI's
# own to OMPI_MCA_mca_base_component_path (see the README).
pfsompidir = $(libdir)/pfs/openmpi
pfsompi_LTLIBRARIES = mpiio/ompio/mca_fs_pfs.la mpiio/ompio/mca_fbtl_pfs.la \
	mpiio/ompio/mca_fcoll_pfs.la
OMPIO_PFS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mpiio/common -I$(top_srcdir)/mpiio/ompio \
	$(OMPI_INC_FLAGS)
OMPIO_PFS_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
OMPIO_PFS_LIBADD = libpfs.la mpiio/libpfsmpiio.la -lmpi -lopen-pal
OMPIO_PFS_LDFLAGS = -module -avoid-version -shared $(OMPI_LIB_FLAGS)

mpiio_ompio_mca_fs_pfs_la_SOURCES = mpiio/ompio/fs_pfs.c mpiio/ompio/ompio_pfs.h
mpiio_ompio_mca_fs_pfs_la_CPPFLAGS = $(OMPIO_PFS_CPPFLAGS)
mpiio_ompio_mca_fs_pfs_la_CFLAGS = $(OMPIO_PFS_CFLAGS)
mpiio_ompio_mca_fs_pfs_la_LIBADD = $(OMPIO_PFS_LIBADD)
mpiio_ompio_mca_fs_pfs_la_LDFLAGS = $(OMPIO_PFS_LDFLAGS) \
	-export-symbols-regex '^mca_fs_pfs_component$$'

mpiio_ompio_mca_fbtl_pfs_la_SOURCES = mpiio/ompio/fbtl_pfs.c mpiio/ompio/ompio_pfs.h
mpiio_ompio_mca_fbtl_pfs_la_CPPFLAGS = $(OMPIO_PFS_CPPFLAGS)
mpiio_ompio_mca_fbtl_pfs_la_CFLAGS = $(OMPIO_PFS_CFLAGS)
mpiio_ompio_mca_fbtl_pfs_la_LIBADD = $(OMPIO_PFS_LIBADD)
mpiio_ompio_mca_fbtl_pfs_la_LDFLAGS = $(OMPIO_PFS_LDFLAGS) \
	-export-symbols-regex '^mca_fbtl_pfs_component$$'

mpiio_ompio_mca_fcoll_pfs_la_SOURCES = mpiio/ompio/fcoll_pfs.c mpiio/ompio/ompio_pfs.h
mpiio_ompio_mca_fcoll_pfs_la_CPPFLAGS = $(OMPIO_PFS_CPPFLAGS)
mpiio_ompio_mca_fcoll_pfs_la_CFLAGS = $(OMPIO_PFS_CFLAGS)
mpiio_ompio_mca_fcoll_pfs_la_LIBADD = $(OMPIO_PFS_LIBADD)
mpiio_ompio_mca_fcoll_pfs_la_LDFLAGS = $(OMPIO_PFS_LDFLAGS) \
	-export-symbols-regex '^mca_fcoll_pfs_component$$'

# ---- MPI examples (plain MPI programs: no libpfs, files named pfs:/...) ----
noinst_PROGRAMS += examples/mpi-checkpoint
examples_mpi_checkpoint_SOURCES = examples/mpi_checkpoint.c
examples_mpi_checkpoint_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
examples_mpi_checkpoint_LDFLAGS = $(OMPI_LINK_FLAGS)
examples_mpi_checkpoint_LDADD = -lm

# The HDF5 variant: parallel HDF5's flags asked from pkg-config when the
# commands run (no configure check); without it the program is built as a
# stub that says so and exits 77.
HDF5_PC = hdf5-openmpi
noinst_PROGRAMS += examples/hdf5-checkpoint
examples_hdf5_checkpoint_SOURCES = examples/hdf5_checkpoint.c
examples_hdf5_checkpoint_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS) \
	`pkg-config --cflags $(HDF5_PC) 2>/dev/null || echo -DPFS_NO_HDF5`
examples_hdf5_checkpoint_LDFLAGS = $(OMPI_LINK_FLAGS) `pkg-config --libs $(HDF5_PC) 2>/dev/null`

# ---- MPI tests (run by tests/mpi/run-mpi-tests.sh under mpirun.openmpi) ----
MPI_TEST_PROGS = tests/mpi/mpi_views tests/mpi/mpi_misc tests/mpi/mpi_hints \
	tests/mpi/mpi_async tests/mpi/mpi_open tests/mpi/mpi_atomic
check_PROGRAMS += $(MPI_TEST_PROGS)
tests_mpi_mpi_views_SOURCES = tests/mpi/mpi_views.c tests/mpi/mpi_test.h
tests_mpi_mpi_views_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
tests_mpi_mpi_views_LDFLAGS = $(OMPI_LINK_FLAGS)
tests_mpi_mpi_misc_SOURCES = tests/mpi/mpi_misc.c tests/mpi/mpi_test.h
tests_mpi_mpi_misc_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
tests_mpi_mpi_misc_LDFLAGS = $(OMPI_LINK_FLAGS)
tests_mpi_mpi_hints_SOURCES = tests/mpi/mpi_hints.c tests/mpi/mpi_test.h
tests_mpi_mpi_hints_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
tests_mpi_mpi_hints_LDFLAGS = $(OMPI_LINK_FLAGS)
tests_mpi_mpi_async_SOURCES = tests/mpi/mpi_async.c tests/mpi/mpi_test.h
tests_mpi_mpi_async_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
tests_mpi_mpi_async_LDFLAGS = $(OMPI_LINK_FLAGS)
tests_mpi_mpi_open_SOURCES = tests/mpi/mpi_open.c tests/mpi/mpi_test.h
tests_mpi_mpi_open_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
tests_mpi_mpi_open_LDFLAGS = $(OMPI_LINK_FLAGS)
tests_mpi_mpi_atomic_SOURCES = tests/mpi/mpi_atomic.c tests/mpi/mpi_test.h
tests_mpi_mpi_atomic_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
tests_mpi_mpi_atomic_LDFLAGS = $(OMPI_LINK_FLAGS)
endif

AM_TESTS_ENVIRONMENT += OMPI_RUN='$(OMPI_RUN)'; export OMPI_RUN;
