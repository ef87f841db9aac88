# netns - build rules for tests/netns/ (servers and client in separate
# network namespaces, links cut mid-transfer); included from the top
# Makefile.am.

check_PROGRAMS += tests/netns/netns_client
tests_netns_netns_client_SOURCES = tests/netns/netns_client.c
tests_netns_netns_client_CPPFLAGS = $(TEST_CPPFLAGS)
tests_netns_netns_client_LDADD = libpfs.la $(TEST_LIBS)
TESTS += tests/netns/test_netns.sh
EXTRA_DIST += tests/netns/test_netns.sh
