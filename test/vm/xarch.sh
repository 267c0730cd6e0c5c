#!/bin/bash
# Images dumped on one architecture must be refused by a restore on another,
# with a clear error and before any process is created. Host side: dump a
# zdtm program with the x86_64 criu-lite on this machine, then hand the
# images to the ppc64le and s390x binaries under qemu-user (no ptrace there,
# which does not matter: the refusal comes from reading the images).
#
#   test/vm/xarch.sh X86_BUILD ARCH=BUILD...     e.g. ppc64le=build-vm-ppc64le
#
# Prints one line per check and "N passed, N failed"; exit 0 when all pass.
set -uo pipefail
X86=$(cd "$1" && pwd)
shift
pass=0 fail=0
w=$(mktemp -d /tmp/vm-xarch.XXXXXX)
tpid=
cleanup() {
	[ -n "$tpid" ] && kill -9 "$tpid" 2>/dev/null
	rm -rf "$w"
}
trap cleanup EXIT
res() { # PASS|FAIL NAME WHY
	echo "$1 xarch/$2: $3"
	if [ "$1" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

# An x86_64 image dir from a live process.
(cd "$w" && "$X86/test/zdtm/tests/env_argv" --pidfile "$w/test.pid" --outfile "$w/test.out") ||
	{ res FAIL dump "env_argv did not start"; echo "$pass passed, $fail failed"; exit 1; }
tpid=$(cut -d' ' -f1 "$w/test.pid")
mkdir -p "$w/img"
if "$X86/criu-lite" dump -t "$tpid" -D "$w/img" -o "$w/dump.log" >"$w/dump.out" 2>&1; then
	res PASS dump "x86_64 images of env_argv ($(ls "$w/img" | wc -l) files)"
	tpid=
else
	res FAIL dump "$(tail -n 3 "$w/dump.out" "$w/img/dump.log" 2>/dev/null | tr '\n' ' ')"
	echo "$pass passed, $fail failed"
	exit 1
fi

for ab in "$@"; do
	arch=${ab%%=*} bin=$(cd "${ab#*=}" && pwd)/criu-lite
	out=$w/restore-$arch.out
	timeout 120 "qemu-$arch-static" "$bin" restore -D "$w/img" -d --pidfile "$w/r-$arch.pid" \
		>"$out" 2>&1
	rc=$?
	msg=$(grep -m1 -E 'another architecture|page size' "$out")
	if [ $rc -ne 0 ] && [ -n "$msg" ] && [ ! -s "$w/r-$arch.pid" ]; then
		res PASS "$arch" "refused (exit $rc): $msg"
	else
		res FAIL "$arch" "exit $rc, pidfile '$(cat "$w/r-$arch.pid" 2>/dev/null)': $(tail -n 3 "$out" | tr '\n' ' ')"
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
