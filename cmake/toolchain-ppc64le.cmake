# Cross build for ppc64le (scripts/cross-build.sh ppc64le); the rest is in toolchain-cross.cmake.
set(CRL_CROSS_ARCH ppc64le)
set(CRL_CROSS_TRIPLET powerpc64le-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-cross.cmake)
