# limits - build rules for tests/limits/ (resource limits: many open files,
# a full target, a huge directory, thousands of concurrent requests);
# included from the top Makefile.am.

LIMITS_TESTS = tests/limits/test_manyopen tests/limits/test_enospc \
	tests/limits/test_readdir tests/limits/test_concurrency tests/limits/test_mds_grace
check_PROGRAMS += $(LIMITS_TESTS)
LIMITS_COMMON = tests/limits/limits_util.h $(CLUSTER_SOURCES)
tests_limits_test_manyopen_SOURCES = tests/limits/test_manyopen.c $(LIMITS_COMMON)
tests_limits_test_manyopen_CPPFLAGS = $(TEST_CPPFLAGS)
tests_limits_test_manyopen_LDADD = libpfs.la $(TEST_LIBS)
tests_limits_test_enospc_SOURCES = tests/limits/test_enospc.c $(LIMITS_COMMON)
tests_limits_test_enospc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_limits_test_enospc_LDADD = libpfs.la $(TEST_LIBS)
tests_limits_test_readdir_SOURCES = tests/limits/test_readdir.c $(LIMITS_COMMON)
tests_limits_test_readdir_CPPFLAGS = $(TEST_CPPFLAGS)
tests_limits_test_readdir_LDADD = libpfs.la $(TEST_LIBS) $(PTHREAD_LIBS)
tests_limits_test_concurrency_SOURCES = tests/limits/test_concurrency.c $(LIMITS_COMMON)
tests_limits_test_concurrency_CPPFLAGS = $(TEST_CPPFLAGS)
tests_limits_test_concurrency_LDADD = libpfs.la $(TEST_LIBS) $(PTHREAD_LIBS)
tests_limits_test_mds_grace_SOURCES = tests/limits/test_mds_grace.c $(LIMITS_COMMON)
tests_limits_test_mds_grace_CPPFLAGS = $(TEST_CPPFLAGS)
tests_limits_test_mds_grace_LDADD = libpfs.la $(TEST_LIBS)
TESTS += $(LIMITS_TESTS)
