#!/bin/bash
# A tree round trip: root (session leader) with a zombie child exited 7, and a
# child A that leads its own session with a child B. After restore the root
# checks pids, parents, sessions, groups and reaps the zombie (DIR/result).
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
setsid "$CRL_TARGETS/restore_tree" "$T" </dev/null >/dev/null 2>&1 &
TPID=$!
CRL_PIDS="$TPID"
crl_wait_file "$T/ready" 10 || fail "target did not get ready"
PIDS=$TPID
kids=$(cat /proc/$TPID/task/*/children)
for k in $kids; do PIDS="$PIDS $k $(cat /proc/$k/task/*/children 2>/dev/null)"; done
CRL_PIDS=$PIDS
"$CRL_BIN" dump -t "$TPID" -D "$T/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
for p in $PIDS; do # the dump killed the tree; orphans are reaped asynchronously
	for _ in $(seq 100); do [ -d /proc/$p ] || break; sleep 0.05; done
	[ -d /proc/$p ] && fail "pid $p still exists after the dump: $(cat /proc/$p/status | head -3)"
done
"$CRL_BIN" restore -D "$T/img" -d --pidfile "$T/pid" || fail "restore failed"
[ "$(cat "$T/pid")" = "$TPID" ] || fail "pidfile has $(cat "$T/pid"), want $TPID"
for p in $PIDS; do
	[ -d /proc/$p ] || fail "pid $p was not restored"
	[ "$(awk '/^TracerPid:/ {print $2}' /proc/$p/status)" = 0 ] || fail "pid $p still traced"
done
touch "$T/check"
crl_wait_file "$T/result" 10 || fail "restored root did not report"
[ "$(cat "$T/result")" = PASS ] || fail "restored tree: $(cat "$T/result")"
ok "tree with sessions, groups and a zombie: PASS"
exit 0
