#!/bin/bash
# Packs the initramfs of one guest: static busybox, /init and the runner
# (test/vm/guest/), the test list, the arch's expectations, and the static
# binaries of a build dir (stripped). An uncompressed newc cpio: the guest
# kernel needs no time to unpack it under TCG.
#
#   test/vm/mkinitramfs.sh ARCH BUILD_DIR BUSYBOX OUT.cpio
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ARCH=$1 BUILD=$2 BB=$3 OUT=$4

case $ARCH in
x86_64) STRIP="strip" ;;
ppc64le) STRIP=powerpc64le-linux-gnu-strip ;;
s390x) STRIP=s390x-linux-gnu-strip ;;
esac

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w"/{bin,proc,sys,dev,tmp,vm/bin,vm/unit,vm/zdtm,vm/fixtures}
cp "$BB" "$w/bin/busybox"
cp "$HERE/guest/init" "$w/init"
cp "$HERE/guest/runner.sh" "$HERE/tests.list" "$w/vm/"
cp "$HERE/expect/$ARCH" "$w/vm/expect"
cp "$ROOT"/test/unit/fixtures/* "$w/vm/fixtures/"
chmod 755 "$w/init" "$w/vm/runner.sh"

add() { # SRC DEST: a stripped copy; a missing program is left out
	[ -x "$1" ] || return 0
	$STRIP -o "$2" "$1"
}
add "$BUILD/criu-lite" "$w/vm/bin/criu-lite"
add "$BUILD/vm-zero-probe" "$w/vm/bin/zero-probe"
for t in $(grep -v '^#' "$HERE/unit.list"); do
	add "$BUILD/test/unit/$t" "$w/vm/unit/$t"
done
for t in dirty_torture $("$HERE/tests-for.sh" "$ARCH"); do
	add "$BUILD/test/zdtm/tests/$t" "$w/vm/zdtm/$t"
done
[ -x "$w/vm/bin/criu-lite" ] || {
	echo "mkinitramfs: no criu-lite in $BUILD" >&2
	exit 1
}
(cd "$w" && find . | cpio -o -H newc --quiet) >"$OUT"
