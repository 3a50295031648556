# Every dependency comes from a Debian package and is found with pkg-config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SOFIA REQUIRED IMPORTED_TARGET sofia-sip-ua)
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET
  libevent>=2.1 libevent_openssl>=2.1 libevent_pthreads>=2.1)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET openssl>=3.0)
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
pkg_check_modules(SRTP REQUIRED IMPORTED_TARGET libsrtp2)
pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)
