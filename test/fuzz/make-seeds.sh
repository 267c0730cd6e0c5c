#!/bin/bash
# Dumps small targets with the built tool and turns the images into seed
# corpora for the fuzz targets (docs/fuzzing.md):
#
#   test/fuzz/make-seeds.sh BUILD_DIR OUT_DIR
#
# writes OUT_DIR/{img,show,restore-read,page-server}/. BUILD_DIR is a normal
# build (its criu-lite dumps; test/cr/targets/dump-fds is used when built).
# Run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: make-seeds.sh BUILD_DIR OUT_DIR}" && pwd)
out=${2:?usage: make-seeds.sh BUILD_DIR OUT_DIR}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# dump NAME CMD...: starts CMD in its own session with stdio on /dev/null and
# dumps it (which kills it) into $tmp/NAME.
dump() {
	local name=$1
	shift
	setsid "$@" </dev/null >/dev/null 2>&1 &
	pids+=($!)
	local pid=$!
	sleep 0.5
	"$build/criu-lite" dump -t "$pid" -D "$tmp/$name"
	wait "$pid" 2>/dev/null || true # killed by the dump
}

dump sleep sleep 1000
if [ -x "$build/test/cr/targets/dump-fds" ]; then
	dump fds "$build/test/cr/targets/dump-fds" "$tmp/fds.res"
fi
mkdir -p "$out"
/usr/bin/python3 "$here/pack-seeds.py" "$out" "$tmp"/*/
echo "make-seeds.sh: seeds in $out"
