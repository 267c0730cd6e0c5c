# Images the kernel cannot take are refused before any process exists, in one
# line naming the image, the count and the limit: more supplementary groups
# than NGROUPS_MAX, more mappings than vm.max_map_count. A group list that is
# within the limit but larger than restore's scratch area restores. An images
# dir without inventory.img is named an incomplete dump (or no dump at all).
# The images are edited with crit (decode, change the JSON, encode).
. "$(dirname "$0")/lib.sh"
crl_need_root
PY=/usr/bin/python3

crl_start_target dump-mem "$CRL_TMP/res"
pid=$TPID
"$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img" 2>"$CRL_TMP/err" || fail "dump: $(cat "$CRL_TMP/err")"
wait "$pid" 2>/dev/null

# edit IMAGE PYTHON: a copy of the images in $CRL_TMP/try with IMAGE changed by
# PYTHON, which gets the decoded image as `d`.
edit() {
	rm -rf "$CRL_TMP/try"
	cp -r "$CRL_TMP/img" "$CRL_TMP/try"
	$CRIT decode -i "$CRL_TMP/img/$1" -o "$CRL_TMP/img.json" || fail "crit decode $1"
	$PY -c "import json, sys
d = json.load(open(sys.argv[1]))
$2
json.dump(d, open(sys.argv[1], 'w'))" "$CRL_TMP/img.json" || fail "editing $1"
	$CRIT encode -i "$CRL_TMP/img.json" -o "$CRL_TMP/try/$1" || fail "crit encode $1"
}

# refused MESSAGE: restore of $CRL_TMP/try fails with MESSAGE and creates nothing.
refused() {
	local t0=$SECONDS
	"$CRL_BIN" restore -D "$CRL_TMP/try" -d >"$CRL_TMP/out" 2>&1 && fail "restored: $1"
	grep -qF "$1" "$CRL_TMP/out" || fail "unclear refusal (want '$1'): $(cat "$CRL_TMP/out")"
	[ -d "/proc/$pid" ] && fail "a refused restore created pid $pid"
	[ $((SECONDS - t0)) -le 5 ] || fail "the refusal took $((SECONDS - t0)) s"
	ok "refused: $(head -1 "$CRL_TMP/out")"
}

ngmax=$(getconf NGROUPS_MAX)
edit "core-$pid.img" "d['entries'][0]['thread_core']['creds']['groups'] = list(range($ngmax + 1))"
refused "core-$pid.img in '$CRL_TMP/try': $((ngmax + 1)) supplementary groups, more than the kernel's limit of $ngmax (NGROUPS_MAX)"

maxmap=$(cat /proc/sys/vm/max_map_count)
edit "mm-$pid.img" "v = d['entries'][0]['vmas']
d['entries'][0]['vmas'] = (v * ($maxmap // len(v) + 2))[:$maxmap + 1]"
refused "mm-$pid.img in '$CRL_TMP/try': $((maxmap + 1)) mappings, more than this kernel allows a process (vm.max_map_count $maxmap)"

# Within the limit but more than fits in restore's scratch area (64 KiB).
edit "core-$pid.img" "d['entries'][0]['thread_core']['creds']['groups'] = list(range(1000, 21000))"
"$CRL_BIN" restore -D "$CRL_TMP/try" -d 2>"$CRL_TMP/err" || fail "restore with 20000 groups: $(cat "$CRL_TMP/err")"
CRL_PIDS="$CRL_PIDS $pid"
n=$(awk '/^Groups:/ {print NF - 1}' "/proc/$pid/status")
[ "$n" = 20000 ] || fail "the restored process has $n groups, not 20000"
crl_check_memory "$pid" "$CRL_TMP/res"
ok "20000 groups restored"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
while [ -d "/proc/$pid" ]; do sleep 0.05; done

# No inventory: an incomplete dump, or no dump at all.
rm -rf "$CRL_TMP/try"
cp -r "$CRL_TMP/img" "$CRL_TMP/try"
rm "$CRL_TMP/try/inventory.img"
refused "the dump in '$CRL_TMP/try' is incomplete (no inventory.img): "
rm -rf "$CRL_TMP/try"
mkdir "$CRL_TMP/try"
refused "'$CRL_TMP/try' holds no dump (no inventory.img): "
exit 0
