#!/bin/sh
# tests-for.sh ARCH: the zdtm programs of test/vm/tests.list for ARCH.
awk -v arch="$1" '!/^#/ && NF >= 3 && ($3 == "all" || index("," $3 ",", "," arch ",")) {print $1}' \
	"$(dirname "$0")/tests.list"
