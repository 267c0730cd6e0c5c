#!/bin/bash
# The VM test suite: criu-lite inside real Debian 12 kernels (6.1, soft-dirty
# built in) of x86_64, ppc64le (POWER8, hash MMU, 64 KiB pages) and s390x
# under qemu TCG, plus a host-side check that images from another
# architecture are refused. See docs/vm-tests.md.
#
#   scripts/vm-test.sh            all three guests
#   ARCHES="ppc64le" scripts/vm-test.sh
#
# Steps: host packages (apt), kernels + busybox (test/vm/fetch.sh, cached in
# test/vm/cache/), static builds (test/vm/build.sh: build-vm-ARCH/),
# initramfs per arch, the cross-arch refusal (test/vm/xarch.sh), the guests
# (test/vm/boot.sh, VM_PARALLEL at a time). Results come back from each
# guest's serial console (test/vm/cache/logs/ARCH.log). The last line is
# "N passed, N failed[, N skipped]"; exit 0 only when nothing failed.
# Environment: ARCHES, VM_PARALLEL (default 2), VM_TIMEOUT (seconds per
# guest, default 900), VM_JOBS (build jobs, default 2).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
VM=$ROOT/test/vm
CACHE=$VM/cache
LOGS=$CACHE/logs
ARCHES=${ARCHES:-"x86_64 ppc64le s390x"}
PARALLEL=${VM_PARALLEL:-2}
export VM_TIMEOUT=${VM_TIMEOUT:-900}
mkdir -p "$LOGS"
T0=$(date +%s)
say() { echo "[vm-test $(($(date +%s) - T0))s] $*"; }
die() {
	say "FATAL: $*"
	echo "0 passed, 1 failed"
	exit 1
}

# ---- 1. host packages (qemu for each guest, busybox for the x86 initramfs;
# scripts/cross-build.sh installs the cross compilers and qemu-user itself)
pkgs=(busybox-static cpio file qemu-user-static)
for a in $ARCHES; do
	case $a in
	x86_64) pkgs+=(qemu-system-x86) ;;
	ppc64le) pkgs+=(qemu-system-ppc) ;;
	s390x) pkgs+=(qemu-system-misc) ;;
	*) die "unknown arch '$a' (x86_64, ppc64le, s390x)" ;;
	esac
done
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "apt-get install ${missing[*]}"
	inst() {
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends "${missing[@]}" >>"$LOGS/apt-host.log" 2>&1
	}
	inst || { apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$LOGS/apt-host.log" 2>&1 && inst; } ||
		die "apt-get install failed (see $LOGS/apt-host.log)"
fi

# ---- 2. kernels and busybox (network; in parallel)
say "fetch kernels: $ARCHES"
for a in $ARCHES; do
	"$VM/fetch.sh" "$a" >"$LOGS/fetch-$a.log" 2>&1 &
done
wait
for a in $ARCHES; do
	[ -s "$CACHE/$a/KERNEL" ] || die "kernel fetch for $a failed: $(tail -n 3 "$LOGS/fetch-$a.log")"
	say "  $a: $(cat "$CACHE/$a/PKG")"
done

# ---- 3. static builds and initramfs (CPU; one arch at a time). An arch
# that does not build counts as one failure and boots no guest.
declare -A BUILD
pass=0 fail=0 skip=0
GUESTS=""
for a in $ARCHES; do
	say "build $a"
	b=$("$VM/build.sh" "$a" 2>"$LOGS/build-$a.log" | tail -n 1)
	if [ -z "$b" ] || [ ! -x "$b/criu-lite" ]; then
		say "FAIL build $a:"
		grep -E 'error|FAILED' "$LOGS/build-$a.log" | head -n 5 | sed 's/^/    /'
		fail=$((fail + 1))
		continue
	fi
	BUILD[$a]=$b
	if "$VM/mkinitramfs.sh" "$a" "$b" "$(cat "$CACHE/$a/BUSYBOX")" "$CACHE/$a/initrd.cpio"; then
		GUESTS="$GUESTS $a"
	else
		say "FAIL initramfs $a"
		fail=$((fail + 1))
	fi
done
say "builds ready:$GUESTS"

count() { # "N passed, N failed[, N skipped]"
	local s=$1 n
	n=${s%% passed*}
	pass=$((pass + n))
	s=${s#*passed, }
	n=${s%% failed*}
	fail=$((fail + n))
	case $s in *skipped*)
		s=${s#*failed, }
		skip=$((skip + ${s%% skipped*}))
		;;
	esac
}

# ---- 4. images from another arch are refused (host, qemu-user)
xa=()
for a in $GUESTS; do [ "$a" = x86_64 ] || xa+=("$a=${BUILD[$a]}"); done
if [ -n "${BUILD[x86_64]:-}" ] && [ ${#xa[@]} -gt 0 ]; then
	say "cross-arch refusal (host, qemu-user)"
	"$VM/xarch.sh" "${BUILD[x86_64]}" "${xa[@]}" >"$LOGS/xarch.log" 2>&1
	sed -n 's/^\(PASS\|FAIL\) /  \1 /p' "$LOGS/xarch.log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS/xarch.log" | tail -n 1)
	if [ -n "$line" ]; then count "$line"; else fail=$((fail + 1)); fi
fi

# ---- 5. the guests
say "boot guests ($PARALLEL at a time):$GUESTS"
pids=()
for a in $GUESTS; do
	# a free slot first: poll the running guests (no `wait -n`, which can
	# return for jobs that ended before this loop)
	while [ ${#pids[@]} -ge "$PARALLEL" ]; do
		sleep 1
		left=()
		for p in "${pids[@]}"; do
			if kill -0 "$p" 2>/dev/null; then left+=("$p"); else wait "$p"; fi
		done
		pids=("${left[@]}")
	done
	"$VM/boot.sh" "$a" "$(cat "$CACHE/$a/KERNEL")" "$CACHE/$a/initrd.cpio" "$LOGS/$a.log" &
	pids+=($!)
done
wait

for a in $GUESTS; do
	log=$LOGS/$a.log
	line=$(grep -a '^VMT RESULT ' "$log" | tr -d '\r' | tail -n 1)
	line=${line#VMT RESULT }
	wall=$(grep -a '^VMT qemu ' "$log" | tr -d '\r' | tail -n 1)
	say "guest $a: ${line:-NO RESULT} (${wall#VMT })"
	grep -a '^VMT start\|^VMT check: --tracker=auto\|^VMT check: soft-dirty\|^VMT info:\|^VMT time ' "$log" |
		tr -d '\r' | sed 's/^VMT /    /'
	grep -a '^VMT \(FAIL\|SKIP\|PASS torture\|PASS refuse\|PASS check\)' "$log" | tr -d '\r' |
		sed 's/^VMT /  /'
	if [ -n "$line" ]; then count "$line"; else fail=$((fail + 1)); fi
done

say "done; logs in $LOGS"
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail = 0 ]
