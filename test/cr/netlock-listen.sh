#!/bin/bash
# A TCP listener with connections arriving during the dump (nftables lock).
# 1. Clients connect while the tree is frozen (from a post-dump action
#    script): the lock drops their SYNs, they retry, and after the restore
#    every one is served. Without the lock their handshakes would complete
#    into the frozen listener's queue and die with the tree.
# 2. A program slow to accept (150 ms each) with connections queued when
#    the dump starts: the dump waits for it to accept them (up to 1 s) and
#    succeeds (-R), and every client is served.
# 3. A program that never accepts: the dump is refused with one line
#    naming the listener's port, the count and --skip-in-flight; the tree
#    runs on and no rule is left; --skip-in-flight dumps it with a warning.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
nl_setup
nl_need nftables
T=$CRL_TMP

nl_server "$T/d"
cat >"$T/burst.sh" <<EOS
[ "\$CRTOOLS_SCRIPT_ACTION" = post-dump ] || exit 0
nsenter --net=/run/netns/$NSB /usr/bin/python3 $PEER burst 10.77.0.1 $PORT 20 $T/b \
	</dev/null >/dev/null 2>&1 &
echo \$! >$T/burst.pid
# their SYNs go unanswered (held at the lock): wait until all 20 are trying
for i in \$(seq 200); do
	n=\$(nsenter --net=/run/netns/$NSB ss -Htn state syn-sent "dport = :$PORT" | wc -l)
	[ \$n -ge 20 ] && break
	sleep 0.05
done
echo \$n >$T/synsent
sleep 0.3
EOS
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img" -o "$T/dump.log" -v4 --network-lock nftables \
	--action-script "sh $T/burst.sh" || fail "dump: $(grep -i error "$T/dump.log")"
CRL_PIDS="$CRL_PIDS $(cat "$T/burst.pid")"
[ "$(cat "$T/synsent")" -ge 20 ] ||
	fail "only $(cat "$T/synsent") of 20 clients were kept waiting during the freeze"
sleep 1
in_a "$CRL_BIN" restore -D "$T/img" -d -o "$T/rst.log" -v4 ||
	fail "restore: $(grep -i error "$T/rst.log")"
r=$(nl_result "$T/b")
case "$r" in PASS*) ;; *) fail "clients that connected during the dump: $r" ;; esac
nl_no_rules "after the restore"
ok "20 clients connecting while the tree was frozen were all served after the restore ($r)"
kill -KILL "$TPID"

nl_server "$T/d" slow
nl_peer burst 10.77.0.1 3 "$T/b2"
for i in $(seq 100); do
	q=$(in_a ss -Hltn "sport = :$PORT" | awk '{print $2}')
	[ "${q:-0}" -gt 0 ] && break
	sleep 0.01
done
[ "${q:-0}" -gt 0 ] || fail "no connection ever waited in the slow server's queue"
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img2" -o "$T/dump2.log" -v4 -R --network-lock nftables ||
	fail "dump with $q queued connections: $(grep -i error "$T/dump2.log")"
grep -q "wait to be accepted" "$T/dump2.log" || fail "the dump did not wait for the queue"
crl_check_alive "$TPID"
r=$(nl_result "$T/b2")
case "$r" in PASS*) ;; *) fail "slow server's clients: $r" ;; esac
ok "$q connection(s) queued at the start: accepted within the bounded wait, dump -R done ($r)"
kill -KILL "$TPID"

nl_server "$T/d" noaccept
nl_peer fill 10.77.0.1 5 "$T/f"
crl_wait_file "$T/f" 10 || fail "the clients did not connect"
if in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img3" --network-lock nftables 2>"$T/err"; then
	fail "dump of a listener with 5 connections never accepted succeeded"
fi
grep -q "port $PORT with 5 connection(s) still waiting to be accepted.*--skip-in-flight" \
	"$T/err" || fail "unclear refusal: $(cat "$T/err")"
crl_check_alive "$TPID"
nl_no_rules "after the refused dump"
ok "never accepted: refused ($(grep -o 'unsupported fd.*port [0-9]*' "$T/err")...), tree runs, no rule left"
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img4" -R --skip-in-flight -o "$T/dump4.log" -v4 ||
	fail "dump --skip-in-flight: $(grep -i error "$T/dump4.log")"
grep -q "left out (--skip-in-flight)" "$T/dump4.log" || fail "--skip-in-flight said nothing"
crl_check_alive "$TPID"
nl_no_rules "after dump -R --skip-in-flight"
ok "--skip-in-flight: the queued connections are left out with a warning"
exit 0
