# limits - build rules for tests/limits/ (resource limits: many open files,
# a full target, a huge directory, thousands of concurrent requests) and
# tests/netns/ (servers and client in separate network namespaces, links cut
# mid-transfer); included from the top Makefile.am.

# ---- tests/netns ----
check_PROGRAMS += tests/netns/netns_client
tests_netns_netns_client_SOURCES = tests/netns/netns_client.c
tests_netns_netns_client_LDADD = libpfs.la
TESTS += tests/netns/test_netns.sh
EXTRA_DIST += tests/netns/test_netns.sh

# ---- tests/limits ----
LIMITS_TESTS = tests/limits/test_manyopen tests/limits/test_enospc \
	tests/limits/test_readdir tests/limits/test_concurrency tests/limits/test_mds_grace
check_PROGRAMS += $(LIMITS_TESTS)
LIMITS_COMMON = tests/limits/limits_util.h tests/integration/cluster.c tests/integration/cluster.h
LIMITS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/integration
tests_limits_test_manyopen_SOURCES = tests/limits/test_manyopen.c $(LIMITS_COMMON)
tests_limits_test_manyopen_CPPFLAGS = $(LIMITS_CPPFLAGS)
tests_limits_test_manyopen_LDADD = libpfs.la
tests_limits_test_enospc_SOURCES = tests/limits/test_enospc.c $(LIMITS_COMMON)
tests_limits_test_enospc_CPPFLAGS = $(LIMITS_CPPFLAGS)
tests_limits_test_enospc_LDADD = libpfs.la
tests_limits_test_readdir_SOURCES = tests/limits/test_readdir.c $(LIMITS_COMMON)
tests_limits_test_readdir_CPPFLAGS = $(LIMITS_CPPFLAGS)
tests_limits_test_readdir_LDADD = libpfs.la $(PTHREAD_LIBS)
tests_limits_test_concurrency_SOURCES = tests/limits/test_concurrency.c $(LIMITS_COMMON)
tests_limits_test_concurrency_CPPFLAGS = $(LIMITS_CPPFLAGS)
tests_limits_test_concurrency_LDADD = libpfs.la $(PTHREAD_LIBS)
tests_limits_test_mds_grace_SOURCES = tests/limits/test_mds_grace.c $(LIMITS_COMMON)
tests_limits_test_mds_grace_CPPFLAGS = $(LIMITS_CPPFLAGS)
tests_limits_test_mds_grace_LDADD = libpfs.la
TESTS += $(LIMITS_TESTS)
