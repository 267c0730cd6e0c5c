#!/bin/bash
# Fetches what a guest of one architecture boots: Debian 12's 6.1 kernel
# (CONFIG_MEM_SOFT_DIRTY=y) and, for foreign architectures, busybox-static of
# that architecture. Foreign packages go through a PRIVATE apt state dir
# (own lists, cache and empty dpkg status): the host's dpkg architecture
# list is never changed. The versioned kernel package is resolved from the
# metapackage, since Debian bumps its ABI name (6.1.0-50, -56, ...).
#
#   test/vm/fetch.sh x86_64|ppc64le|s390x
#
# Result under test/vm/cache/ARCH/: root/ (unpacked .debs), KERNEL (path of
# the kernel image), BUSYBOX (path of a static busybox), PKG (package name).
# A second run with the same kernel package does nothing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ARCH=${1:?usage: fetch.sh x86_64|ppc64le|s390x}
CACHE=${VM_CACHE:-$HERE/cache}
OUT=$CACHE/$ARCH

case $ARCH in
x86_64) DEBARCH=amd64 META=linux-image-cloud-amd64 ;; # cloud: fastest boot
ppc64le) DEBARCH=ppc64el META=linux-image-powerpc64le ;;
s390x) DEBARCH=s390x META=linux-image-s390x ;;
*)
	echo "fetch.sh: unknown arch '$ARCH'" >&2
	exit 2
	;;
esac

die() {
	echo "vm fetch $ARCH: $*" >&2
	exit 1
}

if [ -s "$OUT/KERNEL" ] && [ -f "$(cat "$OUT/KERNEL")" ] && [ -x "$(cat "$OUT/BUSYBOX")" ]; then
	echo "vm fetch $ARCH: cached $(cat "$OUT/PKG")"
	exit 0
fi

APT=$CACHE/apt-$DEBARCH
mkdir -p "$OUT/debs" "$APT/lists/partial" "$APT/cache/archives/partial"
touch "$APT/status"
# The host's apt knows its own architecture already; foreign ones get a
# private state that only this script reads and writes.
O=()
if [ "$DEBARCH" != amd64 ]; then
	O=(-o "APT::Architecture=$DEBARCH" -o "APT::Architectures::=$DEBARCH"
		-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
		-o "Dir::State::status=$APT/status" -o Debug::NoLocking=1)
	# A foreign security index can fail mid-sync; bookworm main is enough.
	apt-get "${O[@]}" update -qq >"$APT/update.log" 2>&1 ||
		echo "vm fetch $ARCH: apt update had errors (see $APT/update.log)"
fi
pkg=$(apt-cache "${O[@]}" depends "$META" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || die "cannot resolve $META to a versioned kernel package"

want=("$pkg:$DEBARCH")
[ "$DEBARCH" = amd64 ] || want+=("busybox-static:$DEBARCH")
rm -f "$OUT"/debs/*.deb
(cd "$OUT/debs" && apt-get "${O[@]}" download -qq "${want[@]}") >"$OUT/download.log" 2>&1 ||
	die "download of ${want[*]} failed (see $OUT/download.log)"
rm -rf "$OUT/root"
mkdir -p "$OUT/root"
for d in "$OUT"/debs/*.deb; do
	dpkg-deb -x "$d" "$OUT/root"
done

kern=$(ls "$OUT"/root/boot/vmlinu[xz]-* 2>/dev/null | head -1)
[ -n "$kern" ] || die "no kernel image in $pkg"
grep -q '^CONFIG_MEM_SOFT_DIRTY=y' "$OUT"/root/boot/config-* ||
	die "$pkg lacks CONFIG_MEM_SOFT_DIRTY=y"
if [ "$DEBARCH" = amd64 ]; then
	bb=/bin/busybox # host's busybox-static (scripts/vm-test.sh installs it)
else
	bb=$OUT/root/bin/busybox
fi
[ -x "$bb" ] || die "no static busybox at $bb"
# The module tree is not needed (the initramfs loads no modules): drop it.
rm -rf "$OUT/root/lib/modules" "$OUT/root/usr/lib/modules"
echo "$kern" >"$OUT/KERNEL"
echo "$bb" >"$OUT/BUSYBOX"
echo "$pkg" >"$OUT/PKG"
echo "vm fetch $ARCH: $pkg ($(du -sh "$OUT/debs" | cut -f1) downloaded)"
