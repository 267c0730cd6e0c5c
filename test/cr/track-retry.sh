# A pre-dump that fails after its tracker looked (and re-protected what it
# found) must not make the retry against the same parent miss those writes:
# chain p1, round 1 of writes, p2 interrupted, p2 retried, round 2, final
# dump, restore: every page holds its last round. Also a last dump that
# fails is retried and restores right.
. "$(dirname "$0")/lib.sh"
crl_need_root

round() { # round N: the target runs its round N of writes
	kill -USR1 "$TPID"
	local i=0
	until [ "$(cat "$CRL_TMP/res.round" 2>/dev/null)" = "$1" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "target did not run round $1"
		sleep 0.05
	done
}

interrupted() { # interrupted ARGS...: the tool stopped by SIGTERM before it reads pages
	rm -f "$CRL_TMP/err"
	CRL_DUMP_PAUSE_AT=pages-chunk "$CRL_BIN" "$@" 2>"$CRL_TMP/err" &
	local tool=$!
	crl_wait_file "$CRL_TMP/err" 10 || fail "tool never paused"
	grep -q "paused at pages-chunk" "$CRL_TMP/err" || fail "tool did not pause: $(cat "$CRL_TMP/err")"
	kill -TERM $tool
	wait $tool && fail "interrupted $1 exited 0"
	crl_wait_untraced "$TPID" || fail "target still traced"
}

crl_start_target track_rounds "$CRL_TMP/res"
img=$CRL_TMP/chain
mkdir -p "$img"
if ! "$CRL_BIN" pre-dump -t "$TPID" -D "$img/p1" 2>"$CRL_TMP/err"; then
	grep -q "no write tracker" "$CRL_TMP/err" && { echo "SKIP: $(cat "$CRL_TMP/err")"; exit 77; }
	fail "pre-dump p1: $(cat "$CRL_TMP/err")"
fi
round 1
interrupted pre-dump -t "$TPID" -D "$img/p2x" --prev-images-dir ../p1
"$CRL_BIN" pre-dump -t "$TPID" -D "$img/p2" --prev-images-dir ../p1 || fail "pre-dump p2 retry"
ok "pre-dump retried after a failure"
round 2
interrupted dump -t "$TPID" -D "$img/dx" --prev-images-dir ../p2
round 3
"$CRL_BIN" dump -t "$TPID" -D "$img/d" --prev-images-dir ../p2 || fail "final dump"
crl_wait_gone() { local i=0; while [ -d "/proc/$1" ]; do i=$((i + 1)); [ $i -gt 200 ] && return 1; sleep 0.05; done; }
crl_wait_gone "$TPID" || fail "target not killed by the dump"
"$CRL_BIN" restore -D "$img/d" -d || fail "restore"
rm -f "$CRL_TMP/res"
kill -USR2 "$TPID"
crl_wait_file "$CRL_TMP/res" 10 || fail "restored target did not answer"
grep -q '^PASS' "$CRL_TMP/res" || fail "restored memory: $(cat "$CRL_TMP/res")"
ok "restored: every page holds its last round"
kill -KILL "$TPID"
exit 0
