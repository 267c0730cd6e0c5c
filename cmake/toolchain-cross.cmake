# What the cross toolchain files (toolchain-ppc64le.cmake, toolchain-s390x.cmake)
# share; each sets CRL_CROSS_ARCH (CMake's processor name, also qemu's) and
# CRL_CROSS_TRIPLET (Debian's gcc-<triplet>) and includes this file.
# Cross compiler from Debian (gcc-<triplet>, its own libc in /usr/<triplet>);
# the target's library packages live in a sysroot of their own, passed as
# -idirafter/-L so the cross libc's headers keep precedence. protoc-c is the host's.
if(NOT CRL_CROSS_ARCH OR NOT CRL_CROSS_TRIPLET)
	message(FATAL_ERROR "toolchain-cross.cmake: set CRL_CROSS_ARCH and CRL_CROSS_TRIPLET first")
endif()
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${CRL_CROSS_ARCH})
set(CMAKE_C_COMPILER ${CRL_CROSS_TRIPLET}-gcc)
set(CMAKE_AR ${CRL_CROSS_TRIPLET}-ar)
set(CMAKE_RANLIB ${CRL_CROSS_TRIPLET}-ranlib)
# The sysroot: $CRL_CROSS_SYSROOT, else the one scripts/cross-build.sh fetched.
if(DEFINED ENV{CRL_CROSS_SYSROOT})
	set(CRL_CROSS_SYSROOT $ENV{CRL_CROSS_SYSROOT})
else()
	get_filename_component(CRL_CROSS_SYSROOT
		${CMAKE_CURRENT_LIST_DIR}/../build-${CRL_CROSS_ARCH}/sysroot ABSOLUTE)
endif()
set(CMAKE_C_FLAGS_INIT "-idirafter ${CRL_CROSS_SYSROOT}/usr/include")
# Debian puts some archives under /lib (libnl-3.a), others under /usr/lib.
set(CMAKE_EXE_LINKER_FLAGS_INIT
	"-L${CRL_CROSS_SYSROOT}/usr/lib/${CRL_CROSS_TRIPLET} -L${CRL_CROSS_SYSROOT}/lib/${CRL_CROSS_TRIPLET}")
set(ENV{PKG_CONFIG_LIBDIR}
	"${CRL_CROSS_SYSROOT}/usr/lib/${CRL_CROSS_TRIPLET}/pkgconfig:${CRL_CROSS_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CRL_CROSS_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH /usr/${CRL_CROSS_TRIPLET} ${CRL_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# Tests run under qemu-user through CTest too.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-${CRL_CROSS_ARCH}-static)
