#!/bin/bash
# Runs the cross-built unit tests (scripts/cross-build.sh ARCH) under
# qemu-ARCH-static and prints "N passed, N failed, N skipped".
#
#   scripts/cross-test.sh ppc64le|s390x [TEST-NAME...]
#
# qemu-user emulates the CPU, not the kernel: ptrace answers ENOSYS (tests
# needing it exit 77 = skipped), /proc shows the host kernel's view, and the
# page size is the emulated one (4 KiB even for ppc64le, whose Debian
# kernels use 64 KiB). Tests that probe kernel memory interfaces of the
# process itself (pagemap, userfaultfd, PAGEMAP_SCAN) therefore only mean
# something in a real guest; they are listed in CROSS_TEST_HOST_ONLY and
# counted as skipped here. Environment: CROSS_BUILD_DIR, CROSS_TEST_TIMEOUT
# (seconds per test, default 120), CROSS_TEST_HOST_ONLY (space-separated),
# CROSS_TEST_NO_BUILD=1 (run what is built), CROSS_JOBS (default 1).
set -uo pipefail
cd "$(dirname "$0")/.."

ARCH=${1:-}
case "$ARCH" in
ppc64le | s390x) ;;
*)
	echo "usage: $0 ppc64le|s390x [TEST-NAME...]" >&2
	exit 2
	;;
esac
shift
BUILD=${CROSS_BUILD_DIR:-build-$ARCH}
QEMU=qemu-$ARCH-static
TIMEOUT=${CROSS_TEST_TIMEOUT:-120}
HOST_ONLY=${CROSS_TEST_HOST_ONLY-"test-uffd test-pagemap-scan test-pagemap test-proc-live test-inject test-tracker-validate"}

command -v "$QEMU" >/dev/null || {
	echo "cross-test $ARCH: $QEMU not found (scripts/cross-build.sh installs qemu-user-static)" >&2
	exit 2
}
[ -d "$BUILD/test/unit" ] || {
	echo "cross-test $ARCH: no $BUILD/test/unit: run scripts/cross-build.sh $ARCH first" >&2
	exit 2
}

# Bring the build up to date (new test files are globbed in); targets of
# other files that do not build for this arch show up as "not built" below.
if [ -z "${CROSS_TEST_NO_BUILD:-}" ]; then
	nice -n 10 ninja -C "$BUILD" -k 0 -j "${CROSS_JOBS:-1}" >"$BUILD/cross-test-build.log" 2>&1 ||
		echo "cross-test $ARCH: some targets failed to build, see $BUILD/cross-test-build.log"
fi

if [ $# -gt 0 ]; then
	tests=("$@")
	HOST_ONLY=""
else
	tests=()
	for t in test/unit/test-*.c; do
		tests+=("$(basename "$t" .c)")
	done
fi

export CRL_FIXTURES=$PWD/test/unit/fixtures
log=$BUILD/cross-test.log
: >"$log"
pass=0 fail=0 skipped=0 failed_names=()
for t in "${tests[@]}"; do
	bin=$BUILD/test/unit/$t
	if [[ " $HOST_ONLY " == *" $t "* ]]; then
		echo "SKIP $t (kernel-interface test: needs a real $ARCH kernel)"
		skipped=$((skipped + 1))
		continue
	fi
	if [ ! -x "$bin" ]; then
		echo "FAIL $t (not built: see the build log of $BUILD)"
		fail=$((fail + 1))
		failed_names+=("$t")
		continue
	fi
	echo "=== $t" >>"$log"
	timeout "$TIMEOUT" "$QEMU" "$bin" >>"$log" 2>&1
	rc=$?
	case $rc in
	0)
		echo "PASS $t"
		pass=$((pass + 1))
		;;
	77)
		echo "SKIP $t ($(grep -m1 -i 'skip' "$log" | tail -c 100))"
		skipped=$((skipped + 1))
		;;
	*)
		echo "FAIL $t (exit $rc; TAP in $log)"
		fail=$((fail + 1))
		failed_names+=("$t")
		;;
	esac
done
echo "cross-test $ARCH: $pass passed, $fail failed, $skipped skipped${failed_names[*]:+ (failed: ${failed_names[*]})}"
[ "$fail" -eq 0 ]
