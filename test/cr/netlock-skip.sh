#!/bin/bash
# Why the network lock matters, and that it never outlives a dump whose
# tree goes on. --network-lock skip: while the tree is gone the peer's
# retransmissions meet no socket and the peer sees its connection reset. A
# dump that fails after the lock was taken (a post-dump action script
# refuses) and a dump with --leave-running both release the lock: no rule is
# left (nft list ruleset, iptables-save) and the connection carries on.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
nl_setup
nl_need iptables
T=$CRL_TMP

nl_server "$T/d"
nl_peer stream 10.77.0.1 3 "$T/p"
nl_wait_conn 1
sleep 0.5
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img" -o "$T/dump.log" -v4 --network-lock skip ||
	fail "skip: dump: $(grep -i error "$T/dump.log")"
nl_no_rules "skip: after the dump"
sleep 2
in_a "$CRL_BIN" restore -D "$T/img" -d -o "$T/rst.log" -v4 ||
	fail "skip: restore: $(grep -i error "$T/rst.log")"
r=$(nl_result "$T/p")
case "$r" in
FAIL:*reset*|FAIL:*closed*|FAIL:*timed\ out*) ;;
*) fail "skip: the peer should have lost its connection, it says: $r" ;;
esac
ok "skip: no lock, the peer lost its connection ($r)"
kill -KILL "$TPID" 2>/dev/null

# One streaming peer across a failed dump and a dump with -R (iptables, the default).
nl_server "$T/d"
rm -f "$T/p"
nl_peer stream 10.77.0.1 5 "$T/p"
nl_wait_conn 1
sleep 0.5
echo '[ "$CRTOOLS_SCRIPT_ACTION" = post-dump ] && exit 1; exit 0' >"$T/refuse.sh"
if in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img2" -o "$T/dump2.log" -v4 \
	--action-script "sh $T/refuse.sh"; then
	fail "the dump succeeded although post-dump refused"
fi
grep -q "network lock: iptables 'CRLITE-$TPID' taken" "$T/dump2.log" ||
	fail "the failed dump never took the lock: $(grep -i 'error\|lock' "$T/dump2.log")"
crl_check_alive "$TPID"
nl_no_rules "after a failed dump"
ok "a dump that failed after locking released the lock; the tree runs on"
sleep 0.5
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img3" -o "$T/dump3.log" -v4 -R ||
	fail "dump -R: $(grep -i error "$T/dump3.log")"
grep -q "network lock: iptables 'CRLITE-$TPID' released" "$T/dump3.log" ||
	fail "dump -R: the lock was not taken and released: $(grep -i lock "$T/dump3.log")"
crl_check_alive "$TPID"
nl_no_rules "after dump -R"
r=$(nl_result "$T/p")
case "$r" in PASS*) ;; *) fail "the connection broke across the failed dump and dump -R: $r" ;; esac
ok "--leave-running released the lock; the peer's stream went on intact ($r)"

# The worker killed while the lock holds an (idle) connection and the listener
# (the dump paused with its files done): the keeper releases the lock.
rm -f "$T/h" "$T/b"
nl_peer fill 10.77.0.1 1 "$T/h"
[ "$(nl_result "$T/h")" = up ] || fail "the idle peer: $(cat "$T/h")"
nl_wait_conn 1
CRL_DUMP_PAUSE_AT=files setsid nsenter --net="/run/netns/$NSA" "$CRL_BIN" dump -t "$TPID" \
	-D "$T/img4" -R >"$T/out4" 2>&1 &
tool=$!
CRL_PIDS="$CRL_PIDS $tool" # a failure below must not leave the paused dump behind
crl_wait_file "$T/out4" 10 || fail "the dump did not pause"
nl_rules | grep -q "CRLITE-$TPID-i.*10.77.0.2" || fail "the paused dump holds no connection"
kill -KILL "$(pgrep -P "$tool" | head -1)"
wait "$tool" 2>/dev/null
grep -q "worker was killed" "$T/out4" || fail "the worker was not the one killed: $(cat "$T/out4")"
crl_check_alive "$TPID"
nl_no_rules "after the worker was killed"
nl_peer burst 10.77.0.1 2 "$T/b"
r=$(nl_result "$T/b")
case "$r" in PASS*) ;; *) fail "the listener after the killed worker: $r" ;; esac
ok "worker killed with a connection locked: the keeper released the lock ($r)"
exit 0
