# bench - build rules for tests/bench/ (included from the top Makefile.am).
# pfs_bench starts its own cluster and compares every pfs figure with a
# baseline measured in the same run; `make bench` (full), `make bench-quick`
# (about a minute); `make check` runs only a seconds-long smoke of it.
check_PROGRAMS += tests/bench/pfs_bench
tests_bench_pfs_bench_SOURCES = tests/bench/pfs_bench.c tests/bench/bench.h \
	tests/bench/bench_suite.h tests/bench/bench_table.c tests/bench/bench_work.c \
	tests/bench/bench_util.c tests/bench/bench_fabric.c \
	tests/integration/cluster.c tests/integration/cluster.h
tests_bench_pfs_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/integration
tests_bench_pfs_bench_LDADD = libpfs.la $(FABRIC_LIBS) $(PTHREAD_LIBS)

TESTS += tests/bench/bench_smoke.sh
EXTRA_DIST += tests/bench/bench_smoke.sh tests/bench/bench_mpiio.sh

# The MPI-IO row's program (run by pfs_bench through bench_mpiio.sh).
if HAVE_OPENMPI
check_PROGRAMS += tests/bench/bench_mpiio
tests_bench_bench_mpiio_SOURCES = tests/bench/bench_mpiio.c
tests_bench_bench_mpiio_CFLAGS = $(AM_CFLAGS) $(OMPI_COMPILE_FLAGS)
tests_bench_bench_mpiio_LDFLAGS = $(OMPI_LINK_FLAGS)
tests_bench_bench_mpiio_LDADD = libpfs.la
endif

BENCH_ENV = PFS_BUILDDIR=$(abs_top_builddir); export PFS_BUILDDIR; \
	PFS_SRCDIR=$(abs_top_srcdir); export PFS_SRCDIR;
BENCH_DEPS = tests/bench/pfs_bench$(EXEEXT) servers/pfs-mds$(EXEEXT) servers/pfs-oss$(EXEEXT) \
	$(BENCH_MPI_DEPS)
if HAVE_OPENMPI
BENCH_MPI_DEPS = tests/bench/bench_mpiio$(EXEEXT)
endif

bench: $(BENCH_DEPS)
	$(BENCH_ENV) ./tests/bench/pfs_bench --full --json bench-results.json

bench-quick: $(BENCH_DEPS)
	$(BENCH_ENV) ./tests/bench/pfs_bench --quick --json bench-results.json

.PHONY: bench bench-quick
CLEANFILES += bench-results.json bench-smoke.json
