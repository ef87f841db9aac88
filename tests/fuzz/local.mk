# fuzz - build rules for tests/fuzz/ (libFuzzer targets); included from the
# top Makefile.am.
#
# The fuzzers are built with clang directly from the codec sources (not the
# libtool objects: those are built by $(CC) without -fsanitize=fuzzer). When
# clang or its libFuzzer runtime (Debian: libclang-rt-14-dev) is missing, the
# rules build nothing and the fuzz test skips (exit 77).
#   make check        each target for 6 s (FUZZ_SECONDS) over the corpus
#   make fuzz         each target for FUZZ_SECONDS (default 60) s
#   make fuzz-corpus  regenerates the generated seeds in the source tree

FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -I$(top_srcdir)/include -I$(top_srcdir)/common \
	-I$(top_srcdir)/libpfs -D_GNU_SOURCE
FUZZ_LIBSRC = $(top_srcdir)/common/wire.c $(top_srcdir)/common/wire_oss.c \
	$(top_srcdir)/common/layout.c \
	$(top_srcdir)/common/log.c $(top_srcdir)/libpfs/config.c \
	$(top_srcdir)/libpfs/layout_api.c
FUZZ_DEPS = $(FUZZ_LIBSRC) $(top_srcdir)/common/wire.h $(top_srcdir)/common/layout.h \
	$(top_srcdir)/common/proto.h $(top_srcdir)/libpfs/config.h \
	$(top_srcdir)/libpfs/layout_api.h $(top_srcdir)/include/pfs.h \
	$(top_srcdir)/tests/fuzz/fuzz_common.h
FUZZ_BINS = tests/fuzz/fuzz_wire tests/fuzz/fuzz_config tests/fuzz/fuzz_layout
# Succeeds when clang can link a libFuzzer program with the sanitizers.
FUZZ_PROBE = printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' | \
	$(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined -o tests/fuzz/probe.out - >/dev/null 2>&1
FUZZ_BUILD = $(MKDIR_P) tests/fuzz && \
	if $(FUZZ_PROBE); then rm -f tests/fuzz/probe.out; \
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(top_srcdir)/$@.c $(FUZZ_LIBSRC); \
	else echo "fuzz: $(FUZZ_CC) cannot link -fsanitize=fuzzer (install libclang-rt-14-dev); $@ not built"; fi

tests/fuzz/fuzz_wire: $(top_srcdir)/tests/fuzz/fuzz_wire.c $(FUZZ_DEPS)
	$(AM_V_GEN)$(FUZZ_BUILD)
tests/fuzz/fuzz_config: $(top_srcdir)/tests/fuzz/fuzz_config.c $(FUZZ_DEPS)
	$(AM_V_GEN)$(FUZZ_BUILD)
tests/fuzz/fuzz_layout: $(top_srcdir)/tests/fuzz/fuzz_layout.c $(FUZZ_DEPS)
	$(AM_V_GEN)$(FUZZ_BUILD)
tests/fuzz/gen_corpus: $(top_srcdir)/tests/fuzz/gen_corpus.c $(FUZZ_DEPS)
	$(AM_V_GEN)$(MKDIR_P) tests/fuzz && $(CC) -std=gnu11 -I$(top_srcdir)/include \
		-I$(top_srcdir)/common -D_GNU_SOURCE -o $@ $(top_srcdir)/tests/fuzz/gen_corpus.c \
		$(top_srcdir)/common/wire.c $(top_srcdir)/common/wire_oss.c $(top_srcdir)/common/layout.c

fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	PFS_BUILDDIR=$(abs_top_builddir) PFS_SRCDIR=$(abs_top_srcdir) \
		bash $(top_srcdir)/tests/fuzz/run_fuzz.sh $${FUZZ_SECONDS:-60}
fuzz-corpus: tests/fuzz/gen_corpus
	tests/fuzz/gen_corpus $(top_srcdir)/tests/fuzz/corpus
.PHONY: fuzz fuzz-build fuzz-corpus

# In `make check`: the fuzz test needs the fuzzers built first.
TESTS += tests/fuzz/run_fuzz.sh
tests/fuzz/run_fuzz.log: $(FUZZ_BINS)
CLEANFILES += $(FUZZ_BINS) tests/fuzz/gen_corpus tests/fuzz/probe.out
EXTRA_DIST += tests/fuzz/run_fuzz.sh tests/fuzz/fuzz_common.h tests/fuzz/fuzz_wire.c \
	tests/fuzz/fuzz_config.c tests/fuzz/fuzz_layout.c tests/fuzz/gen_corpus.c \
	tests/fuzz/corpus

