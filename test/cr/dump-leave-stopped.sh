# dump --leave-stopped of a two-process tree with threads: every thread is
# left group-stopped (state T) and untraced, nothing of it runs (a signal
# sent meanwhile is not handled), SIGCONT resumes it with its memory intact,
# and the images restore. Also: --leave-stopped with --leave-running is
# refused.
. "$(dirname "$0")/lib.sh"
crl_need_root

# all_threads_state PID...: the states of every thread of the given pids
all_threads_state() {
	local p t
	for p in "$@"; do
		for t in /proc/$p/task/*; do
			awk '{ print $3 }' "$t/stat"
		done
	done | sort -u | tr -d '\n'
}

crl_start_target dump-mem "$CRL_TMP/res" -c
sleep 0.2
CPID=$(cat /proc/$TPID/task/*/children | awk '{ print $1; exit }')
[ -n "$CPID" ] || fail "the target has no child"
CRL_PIDS="$CRL_PIDS $CPID"

"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/bad" --leave-stopped --leave-running 2>"$CRL_TMP/err" &&
	fail "--leave-stopped with --leave-running accepted"
grep -q "exclude each other" "$CRL_TMP/err" || fail "no clear error: $(cat "$CRL_TMP/err")"
ok "--leave-stopped with --leave-running refused"

"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --leave-stopped || fail "dump exited with $?"
ok "dump --leave-stopped exit 0"

st=$(all_threads_state "$TPID" "$CPID")
[ "$st" = T ] || fail "thread states after dump: '$st', want only T"
for p in $TPID $CPID; do
	for t in /proc/$p/task/*; do
		[ "$(awk '/^TracerPid:/ {print $2}' "$t/status")" = 0 ] ||
			fail "thread ${t##*/} of $p is still traced"
	done
done
ok "every thread of both processes stopped and untraced"

# Nothing runs: CPU times stay put and a signal is not handled while stopped.
cpu() { cat /proc/$TPID/task/*/stat /proc/$CPID/task/*/stat | awk '{ s += $14 + $15 } END { print s }'; }
c0=$(cpu)
rm -f "$CRL_TMP/res" "$CRL_TMP/res.child"
kill -USR1 "$TPID" # the target forwards it to its child
sleep 1
[ -e "$CRL_TMP/res" ] && fail "the stopped target handled SIGUSR1: $(cat "$CRL_TMP/res")"
[ "$(cpu)" = "$c0" ] || fail "the stopped tree used CPU time ($c0 -> $(cpu) ticks)"
st=$(all_threads_state "$TPID" "$CPID")
[ "$st" = T ] || fail "thread states a second later: '$st'"
ok "nothing ran while stopped (signal pending, CPU time unchanged)"

crl_check_images "$CRL_TMP/img"
ok "images decode"

kill -CONT "$TPID" "$CPID"
crl_wait_file "$CRL_TMP/res" 10 || fail "the pending SIGUSR1 was not handled after SIGCONT"
grep -q '^PASS' "$CRL_TMP/res" || fail "target self-check after SIGCONT: $(cat "$CRL_TMP/res")"
crl_wait_file "$CRL_TMP/res.child" 10 || fail "the child did not check itself after SIGCONT"
grep -q '^PASS' "$CRL_TMP/res.child" || fail "child self-check: $(cat "$CRL_TMP/res.child")"
crl_check_alive "$TPID"
crl_check_alive "$CPID"
ok "SIGCONT resumes the tree; memory and threads intact"

# The images are complete: kill the tree, restore it, let it check itself.
kill -KILL "$TPID" "$CPID"
for _ in $(seq 100); do
	[ -e "/proc/$TPID" ] || [ -e "/proc/$CPID" ] || break
	wait "$TPID" 2>/dev/null
	sleep 0.05
done
"$CRL_BIN" restore -D "$CRL_TMP/img" -d -o restore.log || fail "restore failed: $(tail -3 "$CRL_TMP/img/restore.log")"
rm -f "$CRL_TMP/res.child"
crl_check_memory "$TPID" "$CRL_TMP/res"
crl_wait_file "$CRL_TMP/res.child" 10 || fail "the restored child did not check itself"
grep -q '^PASS' "$CRL_TMP/res.child" || fail "restored child: $(cat "$CRL_TMP/res.child")"
ok "the images restore and the restored tree checks itself"
exit 0
