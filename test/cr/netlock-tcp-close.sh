#!/bin/bash
# --tcp-close, as criu's. At dump: connections are neither locked nor read
# (no tcp-stream image, no rule for them: the lock holds only new
# connections to the listener); the tree dies and the peer sees its
# connection end. At restore (of that dump, or of an ordinary one): the
# connections come back closed (no connection is established again), the
# listener serves new clients, and a lock the dump left is released.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
nl_setup
nl_need iptables
T=$CRL_TMP

established() { in_a ss -Htn state established "sport = :$PORT" | wc -l; }

nl_server "$T/d"
nl_peer stream 10.77.0.1 2 "$T/p"
nl_wait_conn 1
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img" -o "$T/dump.log" -v4 --tcp-close ||
	fail "dump --tcp-close: $(grep -i error "$T/dump.log")"
ls "$T/img" | grep -q tcp-stream && fail "dump --tcp-close read a connection"
nl_rules | grep -q "CRLITE-$TPID-i.*--dport $PORT.*SYN" || fail "the listener is not held"
nl_rules | grep -q "10.77.0.2" && fail "dump --tcp-close locked the connection"
r=$(nl_result "$T/p")
case "$r" in FAIL:*) ;; *) fail "the peer's connection should have ended with the tree: $r" ;; esac
in_a "$CRL_BIN" restore -D "$T/img" -d -o "$T/rst.log" -v4 ||
	fail "restore: $(grep -i error "$T/rst.log")"
[ "$(established)" = 0 ] || fail "a connection came back established"
nl_no_rules "after the restore"
nl_peer burst 10.77.0.1 3 "$T/b"
r2=$(nl_result "$T/b")
case "$r2" in PASS*) ;; *) fail "the restored listener: $r2" ;; esac
ok "dump --tcp-close: nothing locked or read; restored closed, the listener serves ($r2)"
kill -KILL "$TPID"

rm -f "$T/p" "$T/b"
nl_server "$T/d"
nl_peer stream 10.77.0.1 3 "$T/p"
nl_wait_conn 1
sleep 0.2
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img2" -o "$T/dump2.log" -v4 ||
	fail "dump: $(grep -i error "$T/dump2.log")"
ls "$T/img2" | grep -q tcp-stream || fail "an ordinary dump did not read the connection"
in_a "$CRL_BIN" restore -D "$T/img2" -d --tcp-close -o "$T/rst2.log" -v4 ||
	fail "restore --tcp-close: $(grep -i error "$T/rst2.log")"
nl_no_rules "after restore --tcp-close"
[ "$(established)" = 0 ] || fail "restore --tcp-close: a connection came back established"
nl_peer burst 10.77.0.1 3 "$T/b"
r2=$(nl_result "$T/b")
case "$r2" in PASS*) ;; *) fail "the listener restored with --tcp-close: $r2" ;; esac
r=$(nl_result "$T/p")
case "$r" in FAIL:*) ;; *) fail "the peer of a connection restored closed: $r" ;; esac
ok "restore --tcp-close: the lock released, the connection closed ($r), new clients served"
exit 0
