# A dump that fails after reading a pty pair's queued bytes out of the frozen
# tree (here: a post-dump action script that fails) puts them back before the
# tree runs on: the zdtm pty_pair and pty_lock programs, left running, then
# find termios, queues (canonical line marks included), lock and foreground
# group as they set them, and PASS.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
ZT=$CRL_TARGETS/../../zdtm/tests
for prog in pty_pair pty_lock; do
	[ -x "$ZT/$prog" ] || fail "$ZT/$prog is not built"
	mkdir -p "$CRL_TMP/$prog"
	(cd "$CRL_TMP/$prog" && "$ZT/$prog" --pidfile "$CRL_TMP/$prog/pid" --outfile "$CRL_TMP/$prog/out") \
		</dev/null >/dev/null 2>&1 || fail "$prog did not start: $(cat "$CRL_TMP/$prog/out")"
	TPID=$(cat "$CRL_TMP/$prog/pid")
	CRL_PIDS="$CRL_PIDS $TPID"
	out=$("$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/$prog/img" -o "$CRL_TMP/$prog/dump.log" -v4 \
		--action-script '[ "$CRTOOLS_SCRIPT_ACTION" != post-dump ]' 2>&1) &&
		fail "$prog: dump with a failing post-dump script succeeded"
	grep -q "bytes queued to the master" "$CRL_TMP/$prog/dump.log" ||
		fail "$prog: the dump did not get to the pty's queues: $out"
	crl_check_alive "$TPID"
	kill -TERM "$TPID"
	for i in $(seq 100); do [ -d "/proc/$TPID" ] || break; sleep 0.1; done
	! grep -q FAIL "$CRL_TMP/$prog/out" && grep -q '^PASS' "$CRL_TMP/$prog/out" || fail "$prog after the failed dump: $(cat "$CRL_TMP/$prog/out")"
	ok "$prog: failed dump ($(echo "$out" | grep -o 'failed at post-dump' | head -1)), queues put back, PASS"
done
exit 0
