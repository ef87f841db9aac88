# bench - build rules for tests/bench/ (included from the top Makefile.am).
