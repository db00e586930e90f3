# The Debian package of the command for the servers being migrated (ci/package):
# the binary and the example config only. Depends come from dpkg-shlibdeps, so
# they name exactly the runtime libraries the binary links (libpqxx, libpq,
# hiredis, Boost.URL, libstdc++...), never a server, a browser or a -dev package.
install(FILES ${PROJECT_SOURCE_DIR}/ci/examples/real-servers.json ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION share/doc/cutover)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cutover)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "cutover maintainers <cutover@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Measures PostgreSQL and Redis latency over an SSH tunnel versus a private network, checks the\n migration plan's acceptance criteria and writes a go/no-go report (exit 0 GO, 1 NO-GO, 2 could not\n run, 3 INCONCLUSIVE).")
# Packaging installs the command only: it must not build the tests and benchmarks first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
