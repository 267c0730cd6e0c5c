#!/bin/bash
# Runs every fuzz target of BUILD_DIR for SECONDS each, starting from the
# committed corpus (copied: the tree is not written), and fails on the first
# crash, leak, timeout or sanitizer report. CI runs it with a short time.
#
#   test/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
secs=${2:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(img show restore-read page-server)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CRL_FUZZ_TMP=$work # the targets' scratch directories go with it

for t in "${targets[@]}"; do
	mkdir -p "$work/$t/corpus" "$work/$t/crash"
	cp "$here/corpus/$t"/* "$work/$t/corpus/"
	# -close_fd_mask=3: the readers log every refused input to stderr.
	if ! "$build/test/fuzz/fuzz-$t" -max_total_time="$secs" -close_fd_mask=3 \
		-timeout=10 -max_len=16384 -print_final_stats=1 \
		-artifact_prefix="$work/$t/crash/" "$work/$t/corpus" >"$work/$t/log" 2>&1; then
		tail -n 60 "$work/$t/log"
		for f in "$work/$t/crash"/*; do
			[ -e "$f" ] && echo "fuzz-$t: reproducer $(basename "$f"):" && base64 "$f"
		done
		echo "run.sh: fuzz-$t failed" >&2
		exit 1
	fi
	echo "fuzz-$t: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$t/log" |
		awk '{print $2}') executions in ${secs} s, no crash"
done
