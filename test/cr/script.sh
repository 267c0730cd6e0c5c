# script(1) (util-linux): it holds a pty master and copies what its child, a
# shell loop counting on the slave, writes into a typescript file. The tree
# is dumped (it dies) and restored: the typescript goes on growing, and the
# counter in it is one run 1, 2, 3... with nothing lost or repeated across
# the checkpoint (bytes queued in the pty come back). Refused on main
# ("unsupported fd ...: tty"). Skips without script.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
command -v script >/dev/null || { echo "SKIP: script (util-linux) is not installed"; exit 77; }
TS=$CRL_TMP/typescript
LOOP='i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done'

# The ticks in the typescript: "ok N" when they are exactly 1..N.
ticks() {
	tr -d '\r' <"$TS" | awk '/^tick [0-9]+$/ {n++; if ($2 != n) {print "gap at " n ": " $0; exit}}
		END {print "ok " n + 0}'
}

setsid script -q -f -c "$LOOP" "$TS" </dev/null >/dev/null 2>&1 &
SPID=$!
CRL_PIDS="$CRL_PIDS $SPID"
sleep 1
T0=$(ticks)
case "$T0" in "ok "[1-9]*) ;; *) fail "script does not record the loop: $T0" ;; esac
ok "script $SPID recording, $T0"

"$CRL_BIN" dump -t "$SPID" -D "$CRL_TMP/img" -o "$CRL_TMP/dump.log" -v4 ||
	fail "dump of script failed: $(grep Error "$CRL_TMP/dump.log")"
wait "$SPID" 2>/dev/null
T1=$(ticks)
"$CRL_BIN" restore -D "$CRL_TMP/img" -d -o "$CRL_TMP/rst.log" -v4 ||
	fail "restore failed: $(grep Error "$CRL_TMP/rst.log")"
sleep 1.5
T2=$(ticks)
[ "${T2%% *}" = ok ] || fail "the typescript after restore: $T2"
[ "${T2#ok }" -gt "${T1#ok }" ] || fail "the counter does not go on: $T1 at dump, $T2 after"
kill -TERM "$SPID" 2>/dev/null
ok "restored: the typescript goes on without a gap ($T1 at dump, $T2 now)"
exit 0
