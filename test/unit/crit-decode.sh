#!/bin/bash
# Writes one image of every kind with criu-lite's image layer, then checks
# that CRIU's crit decodes each of them and that `criu-lite show` prints them.
# Exit 77 (skip) when crit is not installed.
set -u
writer=$1
tool=$2
dir=$(mktemp -d /tmp/crl-crit.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$writer" --write "$dir" || { echo "not ok - writing images failed"; exit 1; }

fail=0 n=0
for f in "$dir"/*; do
	name=$(basename "$f")
	n=$((n + 1))
	if ! "$tool" show "$f" > /dev/null; then
		echo "not ok $n - criu-lite show $name"; fail=1; continue
	fi
	if ! "$tool" show --json "$f" | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)'; then
		echo "not ok $n - criu-lite show --json $name is not JSON"; fail=1; continue
	fi
	echo "ok $n - criu-lite show $name"
done

if [ ! -x /usr/bin/crit ] || ! /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null; then
	echo "# SKIP crit (Debian package criu, python3-protobuf) not installed"
	[ $fail = 0 ] && exit 77 || exit 1
fi
for f in "$dir"/*; do
	name=$(basename "$f")
	case $name in pages-*) continue ;; esac
	n=$((n + 1))
	if out=$(/usr/bin/python3 /usr/bin/crit show "$f" 2>&1); then
		echo "ok $n - crit decodes $name"
	else
		echo "not ok $n - crit decodes $name: $(echo "$out" | tail -1)"; fail=1
	fi
done
# Spot-check values through crit, not just the absence of errors.
/usr/bin/python3 /usr/bin/crit show "$dir/core-42.img" | grep -q '"comm": "zdtm-test"' ||
	{ echo "not ok - crit sees the comm field"; fail=1; }
/usr/bin/python3 /usr/bin/crit show "$dir/pstree.img" | grep -q '"pid": 42' ||
	{ echo "not ok - crit sees the pid field"; fail=1; }
echo "1..$n"
exit $fail
