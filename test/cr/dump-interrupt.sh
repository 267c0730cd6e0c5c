# The tool is stopped by SIGTERM/SIGINT (it cleans up) or SIGKILL (the kernel
# detaches it) at several points of a dump; every time the target must run
# on, untraced, with its memory intact. CRL_DUMP_PAUSE_AT makes the tool wait
# at a named point so the signal lands there.
. "$(dirname "$0")/lib.sh"
crl_need_root

crl_start_target dump-mem "$CRL_TMP/res" -c
crl_wait_file "$CRL_TMP/res.ready"
n=0
for point in seize seized core mm pages files written; do
	for sig in TERM INT KILL; do
		n=$((n + 1))
		rm -f "$CRL_TMP/err"
		CRL_DUMP_PAUSE_AT=$point "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img$n" \
			--leave-running 2>"$CRL_TMP/err" &
		tool=$!
		crl_wait_file "$CRL_TMP/err" 10 || fail "tool never reached $point"
		grep -q "paused at $point" "$CRL_TMP/err" || fail "tool did not pause: $(cat "$CRL_TMP/err")"
		kill -$sig $tool
		wait $tool && fail "dump interrupted at $point by SIG$sig exited 0"
		crl_check_alive "$TPID"
		for c in $(cat /proc/$TPID/task/*/children); do
			crl_check_alive "$c"
		done
		crl_check_memory "$TPID" "$CRL_TMP/res"
		ok "SIG$sig at $point: target intact"
	done
done
kill -TERM "$TPID"
crl_wait_file "$CRL_TMP/res.child" 5 || fail "child did not answer"
grep -q PASS "$CRL_TMP/res.child" || fail "child: $(cat "$CRL_TMP/res.child")"
ok "child intact"
exit 0
