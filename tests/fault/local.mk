# fault - build rules for tests/fault/ (servers killed or stopped under a
# writer, then the data verified); included from the top Makefile.am.
#   make fault   the kill harness, long mode: PFS_FAULT_KILLS kill points
#                (default 60); PFS_TEST_SEED repeats a schedule;
#                PFS_FAULT_STRICT=0 reports a client that does not recover
#                as a warning instead of a failure (exploration only)

# ---- kill -9 of servers under a writer, then verify ----
check_PROGRAMS += tests/fault/test_fault
tests_fault_test_fault_SOURCES = tests/fault/test_fault.c $(CLUSTER_SOURCES)
tests_fault_test_fault_CPPFLAGS = $(TEST_CPPFLAGS)
tests_fault_test_fault_LDADD = libpfs.la $(TEST_LIBS) $(PTHREAD_LIBS)
TESTS += tests/fault/test_fault
# ---- a hung (SIGSTOP) server: errors within the budget, service after SIGCONT ----
check_PROGRAMS += tests/fault/test_thaw
tests_fault_test_thaw_SOURCES = tests/fault/test_thaw.c $(CLUSTER_SOURCES)
tests_fault_test_thaw_CPPFLAGS = $(TEST_CPPFLAGS)
tests_fault_test_thaw_LDADD = libpfs.la $(TEST_LIBS) $(PTHREAD_LIBS)
TESTS += tests/fault/test_thaw

fault: tests/fault/test_fault
	PFS_BUILDDIR=$(abs_top_builddir) PFS_FAULT_KILLS=$${PFS_FAULT_KILLS:-60} \
		tests/fault/test_fault
.PHONY: fault
