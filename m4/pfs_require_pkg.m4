# PFS_REQUIRE_PKG(VAR, MODULE, DEBIAN-PACKAGE)
# Like PKG_CHECK_MODULES, but a missing dependency stops configure with the
# Debian package that provides it.
AC_DEFUN([PFS_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found: install the Debian package '$3' (apt-get install -y $3)])])
])

# AX_PTHREAD_SIMPLE: POSIX threads, which every pfs component uses.
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  AC_CHECK_LIB([pthread], [pthread_create], [PTHREAD_LIBS=-lpthread],
    [AC_MSG_ERROR([POSIX threads not found])])
  AC_SUBST([PTHREAD_LIBS])
])
