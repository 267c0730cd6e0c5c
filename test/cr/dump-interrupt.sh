# The tool is stopped by SIGTERM/SIGINT or SIGKILL at several points of a
# dump (its dump worker then resumes the tree); every time the target must
# run on, untraced, with its memory intact. CRL_DUMP_PAUSE_AT makes the tool
# wait at a named point so the signal lands there; a second round kills it
# at random moments of a dump of a bigger target.
. "$(dirname "$0")/lib.sh"
crl_need_root

crl_start_target dump-mem "$CRL_TMP/res" -c
crl_wait_file "$CRL_TMP/res.ready"
n=0
for point in seize seized core mm pages-chunk pages files written; do
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
		crl_wait_untraced "$TPID" || fail "target still traced after SIG$sig at $point"
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

# Random moments: a 128 MiB target, the tool killed 0-300 ms into the dump.
rm -f "$CRL_TMP/res"*
crl_start_target dump-mem "$CRL_TMP/res" -m 128
for i in $(seq 12); do
	sig=KILL
	[ $((i % 3)) = 0 ] && sig=TERM
	delay=$(printf '0.%03d' $((RANDOM % 300)))
	rm -rf "$CRL_TMP/rimg"
	"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/rimg" --leave-running 2>/dev/null &
	tool=$!
	sleep "$delay"
	kill -$sig $tool 2>/dev/null
	wait $tool
	crl_wait_untraced "$TPID" || fail "target still traced after SIG$sig at +${delay}s"
	crl_check_alive "$TPID"
	crl_check_memory "$TPID" "$CRL_TMP/res"
	ok "SIG$sig at +${delay}s: target intact"
done
kill -TERM "$TPID"
exit 0
