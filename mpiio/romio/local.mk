# romio - build rules for mpiio/romio/ (included from the top Makefile.am).
