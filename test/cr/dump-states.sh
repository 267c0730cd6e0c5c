# A tree with a zombie and a stopped child: dump --leave-running records
# their states (Dead with its exit code, Stopped) and leaves them as they were.
. "$(dirname "$0")/lib.sh"
crl_need_root

crl_start_target dump-states "$CRL_TMP/res"
read zpid spid <"$CRL_TMP/res.ready"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --leave-running || fail "dump exited with $?"
ok "dump exit 0"
img=$CRL_TMP/img
crl_check_images "$img"
crl_crit_has "$img/pstree.img" "\"pid\": $zpid" || fail "zombie not in pstree"
crl_crit_has "$img/pstree.img" "\"pid\": $spid" || fail "stopped child not in pstree"
# CRIU's values: TASK_DEAD 2, TASK_STOPPED 3 (Debian's crit labels 3 "Zombie").
crl_crit_has "$img/core-$zpid.img" '"task_state": (2|"Dead")' || fail "zombie state"
# exit_code is the wait status (exit 7 -> 7 << 8), as /proc/PID/stat shows it.
crl_crit_has "$img/core-$zpid.img" '"exit_code": 1792' || fail "zombie exit code"
crl_crit_has "$img/core-$spid.img" '"task_state": (3|"Zombie"|"Stopped")' || fail "stopped state"
crl_crit_has "$img/core-$TPID.img" '"task_state": "Alive"' || fail "parent state"
ok "states recorded: Alive, Dead (exit 7), Stopped"
crl_check_alive "$TPID"
grep -q '^State:.*Z' /proc/$zpid/status || fail "zombie changed"
grep -q '^State:.*T' /proc/$spid/status || fail "stopped child was resumed"
[ "$(awk '/^TracerPid:/ {print $2}' /proc/$spid/status)" = 0 ] || fail "stopped child traced"
ok "zombie still a zombie, stopped child still stopped and untraced"
kill -TERM "$TPID"
exit 0
