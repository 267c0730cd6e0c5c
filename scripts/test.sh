#!/bin/bash
# Runs the default test suite (unit tests and the zdtm suite) through CTest.
# Extra arguments go to ctest, e.g. `scripts/test.sh -L pre`. The real
# programs (label apps, test/apps) are left out unless the arguments select
# labels or tests themselves (`scripts/test.sh -L apps`, `-R apps/redis`).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/criu-lite ]; then
	echo "test.sh: build/criu-lite is missing; run scripts/setup.sh first" >&2
	exit 1
fi
cmake --build build || exit 1
labels=(-LE "apps|containers")
for a in "$@"; do
	case $a in
	-L | -LE | -L?* | --label-regex* | --label-exclude* | -R | --tests-regex*) labels=() ;;
	esac
done
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300 "${labels[@]}" "$@"
