# A process traced by a tracer outside the tree (strace here) cannot be
# dumped: the dump fails with one line naming the thread and its tracer and
# saying what to do, exits nonzero, and leaves the target running, still
# traced by its tracer, with its memory intact; once the tracer detaches, the
# target dumps normally.
. "$(dirname "$0")/lib.sh"
crl_need_root
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 77; }

crl_start_target dump-mem "$CRL_TMP/res"
strace -q -p "$TPID" -o /dev/null &
SPID=$!
CRL_PIDS="$CRL_PIDS $SPID"
for i in $(seq 100); do
	[ "$(awk '/^TracerPid:/ {print $2}' "/proc/$TPID/status")" = "$SPID" ] && break
	sleep 0.05
done
[ "$(awk '/^TracerPid:/ {print $2}' "/proc/$TPID/status")" = "$SPID" ] ||
	fail "strace did not attach to $TPID"

if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --leave-running 2>"$CRL_TMP/err"; then
	fail "dump of a traced process succeeded"
fi
grep -q "thread $TPID of pid $TPID is traced by pid $SPID: .*detach its tracer" "$CRL_TMP/err" ||
	fail "no 'is traced by' refusal: $(cat "$CRL_TMP/err")"
[ "$(grep -c 'Error' "$CRL_TMP/err")" -le 2 ] || fail "more than the refusal: $(cat "$CRL_TMP/err")"
[ "$(awk '/^TracerPid:/ {print $2}' "/proc/$TPID/status")" = "$SPID" ] ||
	fail "target no longer traced by its tracer $SPID"
ok "refused: $(grep -o 'pid [0-9]* is traced by.*' "$CRL_TMP/err")"

kill -INT "$SPID"
wait "$SPID" 2>/dev/null
crl_wait_untraced "$TPID" || fail "strace did not detach"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img2" --leave-running 2>"$CRL_TMP/err" ||
	fail "dump after the tracer left: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
ok "target intact; dumps once the tracer has gone"
kill -TERM "$TPID"
exit 0
