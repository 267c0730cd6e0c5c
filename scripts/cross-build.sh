#!/bin/bash
# Cross-builds criu-lite and its unit tests for another architecture, linked
# statically (the binaries run from a busybox initramfs or under qemu-user).
#
#   scripts/cross-build.sh ppc64le|s390x
#
# Host side: Debian's cross compilers (gcc-<triplet>, libc6-dev-<arch>-cross).
# Target side: the -dev packages of protobuf-c, libnl-3 and libcap for the
# target architecture, fetched with apt into a PRIVATE state dir (the host's
# dpkg architecture list is never changed) and unpacked with dpkg-deb -x into
# build-ARCH/sysroot. protoc-c stays the host's. CMake toolchain:
# cmake/toolchain-ARCH.cmake (names the triplet; the rest is in
# cmake/toolchain-cross.cmake). Idempotent: a second run only
# rebuilds. Environment: CROSS_JOBS (default 1), CROSS_BUILD_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

ARCH=${1:-}
case "$ARCH" in
ppc64le) DEBARCH=ppc64el; TRIPLET=powerpc64le-linux-gnu ;;
s390x) DEBARCH=s390x; TRIPLET=s390x-linux-gnu ;;
*)
	echo "usage: $0 ppc64le|s390x" >&2
	exit 2
	;;
esac
BUILD=${CROSS_BUILD_DIR:-$ROOT/build-$ARCH}
SYSROOT=$BUILD/sysroot
APTDIR=$BUILD/apt
TOOLCHAIN=$ROOT/cmake/toolchain-$ARCH.cmake
JOBS=${CROSS_JOBS:-1}

say() { echo "cross-build $ARCH: $*"; }
die() {
	echo "cross-build $ARCH: $*" >&2
	exit 1
}

# Target libraries: -dev packages for headers, static archives and .pc files;
# runtime packages because the -dev packages' .so links point into them.
TARGET_PKGS=(libprotobuf-c-dev libprotobuf-c1 libnl-3-dev libnl-3-200
	libnl-route-3-dev libnl-route-3-200 libcap-dev libcap2)

install_host_tools() {
	local pkgs=(gcc-$TRIPLET libc6-dev-$DEBARCH-cross qemu-user-static binfmt-support
		protobuf-c-compiler cmake ninja-build pkg-config) missing=()

	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing host packages (${missing[*]}): run as root"
	say "installing host packages: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends "${missing[@]}" >"$BUILD/apt-host.log" 2>&1 ||
		die "apt-get install failed, see $BUILD/apt-host.log"
}

# apt options for a private state of the target architecture: its own lists,
# cache and (empty) dpkg status; nothing of the host's dpkg state is touched.
apt_opts() {
	echo "-o APT::Architecture=$DEBARCH -o APT::Architectures::=$DEBARCH" \
		"-o Dir::State::Lists=$APTDIR/lists -o Dir::Cache=$APTDIR/cache" \
		"-o Dir::State::status=$APTDIR/status -o Debug::NoLocking=1"
}

fetch_sysroot() {
	local stamp=$SYSROOT/.fetched O deb

	[ -f "$stamp" ] && return 0
	O=$(apt_opts)
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/debs" "$SYSROOT"
	touch "$APTDIR/status"
	say "apt update (private state in $APTDIR)"
	# A foreign security index can fail mid-sync; bookworm main is enough.
	# shellcheck disable=SC2086
	apt-get $O update -qq >"$APTDIR/update.log" 2>&1 || say "apt update had errors (see $APTDIR/update.log)"
	say "downloading ${TARGET_PKGS[*]}"
	# shellcheck disable=SC2086
	(cd "$APTDIR/debs" && apt-get $O download -qq "${TARGET_PKGS[@]/%/:$DEBARCH}") \
		>"$APTDIR/download.log" 2>&1 || die "download failed, see $APTDIR/download.log"
	for deb in "$APTDIR"/debs/*.deb; do
		dpkg-deb -x "$deb" "$SYSROOT"
	done
	touch "$stamp"
}

mkdir -p "$BUILD"
install_host_tools
fetch_sysroot
[ -f "$TOOLCHAIN" ] || die "no toolchain file $TOOLCHAIN"
say "configure"
# Every executable static (tool and unit tests): no target libc needed at run time.
export CRL_CROSS_SYSROOT=$SYSROOT
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCRIU_LITE_STATIC=ON \
	-DCMAKE_EXE_LINKER_FLAGS="-static -L$SYSROOT/usr/lib/$TRIPLET -L$SYSROOT/lib/$TRIPLET" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" ||
	die "configure failed, see $BUILD/configure.log"
say "build (-j$JOBS)"
nice -n 10 ninja -C "$BUILD" -j "$JOBS"
say "built $BUILD/criu-lite ($(file -b "$BUILD/criu-lite" | cut -d, -f1-2))"
