# Cross build for s390x (scripts/cross-build.sh s390x); the rest is in toolchain-cross.cmake.
set(CRL_CROSS_ARCH s390x)
set(CRL_CROSS_TRIPLET s390x-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-cross.cmake)
