# A chain of dumps with write tracking: --track-mem starts it, the next dump
# with --prev-images-dir writes only changed pages (the rest are PE_PARENT
# entries), a last dump without --track-mem ends it and leaves no tracker fd
# in the target; the target runs on intact throughout.
. "$(dirname "$0")/lib.sh"
crl_need_root

crl_start_target dump-mem "$CRL_TMP/res" -m 32
img=$CRL_TMP/chain
mkdir -p "$img"
if ! "$CRL_BIN" dump -t "$TPID" -D "$img/d1" --leave-running --track-mem 2>"$CRL_TMP/err"; then
	grep -q "no write tracker" "$CRL_TMP/err" && { echo "SKIP: $(cat "$CRL_TMP/err")"; exit 77; }
	fail "first dump: $(cat "$CRL_TMP/err")"
fi
crl_check_alive "$TPID"
"$CRL_BIN" dump -t "$TPID" -D "$img/d2" --leave-running --track-mem --prev-images-dir ../d1 ||
	fail "second dump"
[ "$(readlink "$img/d2/parent")" = ../d1 ] || fail "no parent link"
crl_check_images "$img/d2"
crl_crit_has "$img/d2/pagemap-$TPID.img" 'PE_PARENT' || fail "no PE_PARENT entries"
$CRIT show "$img/d2/stats-dump" >"$CRL_TMP/st.json"
/usr/bin/python3 - "$CRL_TMP/st.json" <<'PY' || fail "incremental page counts"
import json, sys
d = json.load(open(sys.argv[1]))["entries"][0]["dump"]
assert d["pages_skipped_parent"] >= 8192, d
assert d["pages_written"] < d["pages_skipped_parent"] / 10, d
PY
ok "incremental dump: $(grep -o '"pages_written": [0-9]*' "$CRL_TMP/st.json")"
"$CRL_BIN" dump -t "$TPID" -D "$img/d3" --leave-running --prev-images-dir ../d2 || fail "last dump"
crl_check_alive "$TPID"
ls -l /proc/$TPID/fd | grep -q userfaultfd && fail "tracker fd left in the target"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "chain ended, no tracker left, target intact"
kill -TERM "$TPID"
exit 0
