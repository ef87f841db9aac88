# mpiio - build rules for mpiio/ (included from the top Makefile.am).
