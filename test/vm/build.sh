#!/bin/bash
# Builds, statically linked, what a guest of one architecture runs: criu-lite,
# the unit tests that apply in a real kernel, the zdtm programs of
# test/vm/tests.list and dirty_torture.
#
#   test/vm/build.sh x86_64|ppc64le|s390x
#
# x86_64: its own build dir configured with -DCRIU_LITE_STATIC=ON and
# -static for every executable, only the targets needed. ppc64le, s390x:
# scripts/cross-build.sh (toolchain, target sysroot, static everything) into
# its own build dir. The dir is $VM_BUILD_PREFIX-ARCH (default build-vm-ARCH
# in the source tree; build*/ is git-ignored). Prints the dir last.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ARCH=${1:?usage: build.sh x86_64|ppc64le|s390x}
BUILD=${VM_BUILD_PREFIX:-$ROOT/build-vm}-$ARCH
JOBS=${VM_JOBS:-2}

UNIT_TESTS=$(grep -v '^#' "$HERE/unit.list" | tr '\n' ' ')
# shellcheck disable=SC2046
ZDTM_TARGETS="zdtm-dirty_torture $("$HERE/tests-for.sh" "$ARCH" | sed 's/^/zdtm-/' | tr '\n' ' ')"

case $ARCH in
x86_64)
	if [ ! -f "$BUILD/build.ninja" ]; then
		mkdir -p "$BUILD"
		cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCRIU_LITE_STATIC=ON \
			-DCMAKE_EXE_LINKER_FLAGS=-static -DCMAKE_BUILD_TYPE=RelWithDebInfo \
			>"$BUILD/vm-configure.log" 2>&1 || {
			cat "$BUILD/vm-configure.log" >&2
			exit 1
		}
		rm -f "$BUILD/vm-configure.log"
	fi
	# shellcheck disable=SC2086
	nice -n 10 ninja -C "$BUILD" -j "$JOBS" criu-lite $UNIT_TESTS $ZDTM_TARGETS >&2
	;;
ppc64le | s390x)
	# cross-build.sh sets up the toolchain and sysroot and builds everything;
	# programs that do not apply to the arch (x86's fpu_regs.c) may fail
	# there, so what the guest needs is built again by name and must build.
	mkdir -p "$BUILD"
	CROSS_BUILD_DIR=$BUILD CROSS_JOBS=$JOBS "$ROOT/scripts/cross-build.sh" "$ARCH" \
		>"$BUILD/vm-cross-build.log" 2>&1 ||
		echo "vm build $ARCH: full cross build had errors (see $BUILD/vm-cross-build.log)" >&2
	[ -f "$BUILD/build.ninja" ] || {
		tail -n 20 "$BUILD/vm-cross-build.log" >&2
		exit 1
	}
	# shellcheck disable=SC2086
	nice -n 10 ninja -C "$BUILD" -j "$JOBS" criu-lite $UNIT_TESTS $ZDTM_TARGETS >&2
	;;
*)
	echo "build.sh: unknown arch '$ARCH'" >&2
	exit 2
	;;
esac
# The guest's diagnostic probe (not part of the CMake project).
case $ARCH in
x86_64) CC=gcc ;;
ppc64le) CC=powerpc64le-linux-gnu-gcc ;;
s390x) CC=s390x-linux-gnu-gcc ;;
esac
$CC -O2 -Wall -Wextra -static -o "$BUILD/vm-zero-probe" "$HERE/guest/zero_probe.c"
file -b "$BUILD/criu-lite" | grep -q 'statically linked' || {
	echo "build.sh: $BUILD/criu-lite is not statically linked" >&2
	exit 1
}
echo "$BUILD"
