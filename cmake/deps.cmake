# Dependencies come from Debian; a missing one stops configure with the name
# of the package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
	message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' (scripts/setup.sh does)")
endif()

function(crl_require_pkg var module debpkg)
	pkg_check_modules(${var} QUIET ${module})
	if(NOT ${var}_FOUND)
		message(FATAL_ERROR "${module} not found: install the Debian package '${debpkg}' (scripts/setup.sh does)")
	endif()
	if(CRIU_LITE_STATIC)
		set(${var}_LINK ${${var}_STATIC_LIBRARIES} PARENT_SCOPE)
	else()
		set(${var}_LINK ${${var}_LIBRARIES} PARENT_SCOPE)
	endif()
	set(${var}_INCLUDE_DIRS ${${var}_INCLUDE_DIRS} PARENT_SCOPE)
	set(${var}_LIBRARY_DIRS ${${var}_LIBRARY_DIRS} PARENT_SCOPE)
endfunction()

crl_require_pkg(PROTOBUFC libprotobuf-c libprotobuf-c-dev)
# NETLINK_SOCK_DIAG (kernel-iface/sock-diag-nl.c). Statically linked, ld
# warns that libnl-3.a's addr.o and utils.o use getaddrinfo and
# getprotobyname (glibc NSS); sock_diag never calls them.
crl_require_pkg(LIBNL libnl-3.0 libnl-3-dev)
# Links, addresses and routes of a network namespace (kernel-iface/netlink-route.c).
crl_require_pkg(LIBNLROUTE libnl-route-3.0 libnl-route-3-dev)
crl_require_pkg(LIBCAP libcap libcap-dev)
# The nftables network lock (kernel-iface/nf-lock-nft.c). Debian ships no
# libnftables.a: a static build goes without it (--network-lock nftables
# then says so) and keeps the iptables lock.
if(CRIU_LITE_STATIC)
	pkg_check_modules(LIBNFTABLES QUIET libnftables)
	set(LIBNFTABLES_LINK "")
	set(LIBNFTABLES_FOUND OFF)
else()
	crl_require_pkg(LIBNFTABLES libnftables libnftables-dev)
	set(LIBNFTABLES_FOUND ON)
endif()

find_program(PROTOC_C protoc-c)
if(NOT PROTOC_C)
	message(FATAL_ERROR "protoc-c not found: install the Debian package 'protobuf-c-compiler' (scripts/setup.sh does)")
endif()

include_directories(SYSTEM ${PROTOBUFC_INCLUDE_DIRS} ${LIBNL_INCLUDE_DIRS} ${LIBNLROUTE_INCLUDE_DIRS} ${LIBCAP_INCLUDE_DIRS})
link_directories(${PROTOBUFC_LIBRARY_DIRS} ${LIBNL_LIBRARY_DIRS} ${LIBNLROUTE_LIBRARY_DIRS} ${LIBCAP_LIBRARY_DIRS})
set(CRL_DEP_LIBS ${PROTOBUFC_LINK} ${LIBNLROUTE_LINK} ${LIBNL_LINK} ${LIBCAP_LINK})
if(LIBNFTABLES_FOUND)
	include_directories(SYSTEM ${LIBNFTABLES_INCLUDE_DIRS})
	link_directories(${LIBNFTABLES_LIBRARY_DIRS})
	list(APPEND CRL_DEP_LIBS ${LIBNFTABLES_LINK})
endif()
