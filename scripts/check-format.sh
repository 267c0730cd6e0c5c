#!/bin/bash
# Fails when clang-format (.clang-format: kernel layout) would change any
# tracked C file; with --fix, reformats them in place instead.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format missing (scripts/setup.sh installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = --fix ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		n=$(clang-format "$f" | diff "$f" - | grep -c '^>')
		echo "check-format: $f: $n line(s) differ from clang-format (scripts/check-format.sh --fix)"
		bad=$((bad + 1))
	fi
done
echo "check-format: ${#files[@]} files, $bad not formatted"
[ "$bad" = 0 ]
