#!/bin/bash
# Runs the default test suite (unit tests and the zdtm suite) through CTest.
# Extra arguments go to ctest, e.g. `scripts/test.sh -L pre`.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/criu-lite ]; then
	echo "test.sh: build/criu-lite is missing; run scripts/setup.sh first" >&2
	exit 1
fi
cmake --build build || exit 1
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300 "$@"
