# PFS_CHECK_OPENMPI: find Debian's Open MPI (mpicc.openmpi) for the OMPIO
# components and the MPI tests. Optional: without it those parts are skipped.
AC_DEFUN([PFS_CHECK_OPENMPI], [
  AC_ARG_WITH([openmpi],
    [AS_HELP_STRING([--with-openmpi=MPICC], [Open MPI compiler wrapper (default: mpicc.openmpi)])],
    [], [with_openmpi=check])
  have_openmpi=no
  AS_IF([test "x$with_openmpi" != xno], [
    AS_IF([test "x$with_openmpi" = xcheck -o "x$with_openmpi" = xyes],
      [AC_PATH_PROG([OMPI_CC], [mpicc.openmpi])], [OMPI_CC=$with_openmpi])
    AS_IF([test -n "$OMPI_CC" && test -x "$OMPI_CC"], [
      have_openmpi=yes
      OMPI_RUN=`dirname $OMPI_CC`/mpirun.openmpi
      AS_IF([test -x "$OMPI_RUN"], [], [OMPI_RUN=mpirun.openmpi])
    ])
    AS_IF([test "x$with_openmpi" != xcheck -a "x$have_openmpi" = xno],
      [AC_MSG_ERROR([Open MPI requested but not found: apt-get install -y libopenmpi-dev openmpi-bin])])
  ])
  AC_SUBST([OMPI_CC])
  AC_SUBST([OMPI_RUN])
  AM_CONDITIONAL([HAVE_OPENMPI], [test "x$have_openmpi" = xyes])
])
