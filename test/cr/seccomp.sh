# Seccomp: a round trip keeps every filter, its flags and which thread has
# which (dump, restore, dump again: the same seccomp.img and the same
# per-thread seccomp fields); a missing seccomp.img is refused before any
# process exists; a filter that notifies a listener, and any filtered task
# when the tool runs under seccomp itself (dump and pre-dump), are refused
# with the target left running.
. "$(dirname "$0")/lib.sh"
crl_need_root

# seccomp_of DIR: every thread's seccomp fields (core-TID.img by tid), then seccomp.img.
seccomp_of() {
	local f
	for f in "$1"/core-*.img; do
		printf '%s ' "${f##*/}"
		$CRIT show "$f" | /usr/bin/python3 -c '
import json, sys
tc = json.load(sys.stdin)["entries"][0].get("thread_core", {})
print(tc.get("seccomp_mode"), tc.get("seccomp_filter"))'
	done
	$CRIT show "$1/seccomp.img"
}

# 1. Round trip.
crl_start_target seccomp_target "$CRL_TMP/chain" chain
pid=$TPID
"$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img1" 2>"$CRL_TMP/err" || fail "dump: $(cat "$CRL_TMP/err")"
crl_check_images "$CRL_TMP/img1"
crl_crit_has "$CRL_TMP/img1/seccomp.img" '"flags": 2' || fail "no filter with SECCOMP_FILTER_FLAG_LOG"
seccomp_of "$CRL_TMP/img1" >"$CRL_TMP/sc1"
[ "$(grep -c '"filter":' "$CRL_TMP/sc1")" = 3 ] ||
	fail "expected 3 filters (2 shared, 1 the thread's own): $(cat "$CRL_TMP/sc1")"
grep -q "core-$pid.img filter 1" "$CRL_TMP/sc1" || fail "main thread's top filter: $(cat "$CRL_TMP/sc1")"
"$CRL_BIN" restore -D "$CRL_TMP/img1" -d 2>"$CRL_TMP/err" || fail "restore: $(cat "$CRL_TMP/err")"
crl_check_alive "$pid"
"$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img2" --leave-running 2>"$CRL_TMP/err" ||
	fail "dump after restore: $(cat "$CRL_TMP/err")"
seccomp_of "$CRL_TMP/img2" >"$CRL_TMP/sc2"
diff "$CRL_TMP/sc1" "$CRL_TMP/sc2" >"$CRL_TMP/diff" ||
	fail "seccomp state changed across restore: $(cat "$CRL_TMP/diff")"
crl_check_alive "$pid"
ok "round trip: 3 filters, flags and per-thread chains unchanged"

# 2. A thread's filter with no seccomp.img: refused before any process exists.
kill -KILL "$pid"
while [ -d "/proc/$pid" ]; do sleep 0.05; done
rm "$CRL_TMP/img2/seccomp.img"
if "$CRL_BIN" restore -D "$CRL_TMP/img2" -d 2>"$CRL_TMP/err"; then
	fail "restore without seccomp.img succeeded"
fi
grep -q "seccomp filter [0-9]* is not in seccomp.img" "$CRL_TMP/err" ||
	fail "unclear error: $(cat "$CRL_TMP/err")"
[ -d "/proc/$pid" ] && fail "pid $pid exists after the refused restore"
ok "missing seccomp.img: $(head -1 "$CRL_TMP/err")"

# 3. SECCOMP_RET_USER_NOTIF needs its listener: refused, target unharmed.
crl_start_target seccomp_target "$CRL_TMP/notif" notif
if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img3" 2>"$CRL_TMP/err"; then
	fail "dump of a filter with SECCOMP_RET_USER_NOTIF succeeded"
fi
grep -q "seccomp filter 0 of thread $TPID of pid $TPID notifies a listener" "$CRL_TMP/err" ||
	fail "unclear refusal: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
ok "$(head -1 "$CRL_TMP/err"); target running"

# 4. The tool itself under seccomp cannot suspend the target's filters.
wrap=$(dirname "$CRL_BIN")/test/unit/nouffd-wrap
if [ -x "$wrap" ]; then
	crl_start_target seccomp_target "$CRL_TMP/chain2" chain
	if "$wrap" "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img4" 2>"$CRL_TMP/err"; then
		fail "dump by a tool under seccomp succeeded"
	fi
	grep -q "runs under seccomp and the tool cannot suspend it" "$CRL_TMP/err" ||
		fail "unclear refusal: $(cat "$CRL_TMP/err")"
	crl_check_alive "$TPID"
	# pre-dump injects too (write tracking): refused at the freeze as well.
	if "$wrap" "$CRL_BIN" pre-dump -t "$TPID" -D "$CRL_TMP/img5" 2>"$CRL_TMP/err"; then
		fail "pre-dump by a tool under seccomp succeeded"
	fi
	grep -q "runs under seccomp and the tool cannot suspend it" "$CRL_TMP/err" ||
		fail "unclear pre-dump refusal: $(cat "$CRL_TMP/err")"
	crl_check_alive "$TPID"
	ok "tool under seccomp: dump and pre-dump refused, target running"
fi
exit 0
