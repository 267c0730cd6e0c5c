#!/bin/bash
# Boots one guest under qemu TCG with an initramfs and writes its serial
# console to a log; qemu always runs under `timeout`, with -no-reboot and
# panic=-1, at a low CPU priority (the machine is shared).
#
#   test/vm/boot.sh ARCH KERNEL INITRD LOG
#
# x86_64: q35, 4 KiB pages. ppc64le: pseries with -cpu POWER8 (hash MMU,
# 64 KiB pages in Debian's kernel; THP of 16 MiB allowed by
# cap-hpt-max-page-size). s390x: s390-ccw-virtio. Environment: VM_TIMEOUT
# (seconds, default 900), VM_MEM (MiB, default 1024), VM_APPEND (extra
# kernel command line). Exit status: qemu's (124 = timed out).
set -uo pipefail
ARCH=$1 KERNEL=$2 INITRD=$3 LOG=$4
TIMEOUT=${VM_TIMEOUT:-900}
MEM=${VM_MEM:-1024}
APPEND="panic=-1 quiet ${VM_APPEND:-}"

case $ARCH in
x86_64)
	QEMU=(qemu-system-x86_64 -M q35 -cpu max)
	CONSOLE=ttyS0
	;;
ppc64le)
	# shellcheck disable=SC2054 # commas belong to the -M value
	QEMU=(qemu-system-ppc64 -M pseries,cap-hpt-max-page-size=16M -cpu POWER8)
	CONSOLE=hvc0
	;;
s390x)
	QEMU=(qemu-system-s390x -M s390-ccw-virtio -cpu max)
	CONSOLE=ttysclp0
	;;
*)
	echo "boot.sh: unknown arch '$ARCH'" >&2
	exit 2
	;;
esac

t0=$(date +%s.%N)
nice -n 15 timeout --kill-after=10 "$TIMEOUT" "${QEMU[@]}" -accel tcg -smp 1 -m "$MEM" \
	-nographic -no-reboot -kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=$CONSOLE $APPEND" </dev/null >"$LOG" 2>&1
rc=$?
echo "VMT qemu rc=$rc wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s" >>"$LOG"
exit $rc
