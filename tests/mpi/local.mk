# mpi - what the tests/mpi MPI programs add to their rules in mpiio/local.mk:
# the harness (pfs_test.h); included from the top Makefile.am after it.

if HAVE_OPENMPI
# mpi_test.h includes ../lib/pfs_test.h by its relative path.
tests_mpi_mpi_views_LDADD = $(TEST_LIBS)
tests_mpi_mpi_misc_LDADD = $(TEST_LIBS)
tests_mpi_mpi_hints_LDADD = $(TEST_LIBS)
tests_mpi_mpi_async_LDADD = $(TEST_LIBS)
tests_mpi_mpi_open_LDADD = $(TEST_LIBS)
tests_mpi_mpi_atomic_LDADD = $(TEST_LIBS)
endif
