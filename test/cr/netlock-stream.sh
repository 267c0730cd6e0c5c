#!/bin/bash
# The network lock (--network-lock nftables and iptables): a peer outside
# the tree (another network namespace) streams counters over an IPv4 and an
# IPv6 connection to the tree's echo server. The dump kills the tree; while
# it is gone the lock is there and the peer's segments go unanswered; the
# restore releases it, the peer's retransmissions reach the restored
# sockets, and the peer finds every byte echoed in order, with no reset.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
nl_setup
T=$CRL_TMP

for method in nftables iptables; do
	nl_need $method
	nl_server "$T/d"
	rm -f "$T/p4" "$T/p6"
	nl_peer stream 10.77.0.1 5 "$T/p4"
	nl_peer stream fd77::1 5 "$T/p6"
	nl_wait_conn 2
	sleep 0.5
	in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img-$method" -o "$T/dump-$method.log" -v4 \
		--network-lock $method || fail "$method: dump: $(grep -i error "$T/dump-$method.log")"
	[ -d /proc/$TPID ] && fail "$method: the dumped tree still runs"
	nl_rules | grep -qE "CRIU-$TPID|CRLITE-$TPID" ||
		fail "$method: no lock held between dump and restore"
	sleep 2
	in_a "$CRL_BIN" restore -D "$T/img-$method" -d -o "$T/rst-$method.log" -v4 ||
		fail "$method: restore: $(grep -i error "$T/rst-$method.log")"
	nl_no_rules "$method: after the restore"
	r4=$(nl_result "$T/p4")
	r6=$(nl_result "$T/p6")
	case "$r4 $r6" in
	PASS*PASS*) ;;
	*) fail "$method: IPv4 peer: $r4; IPv6 peer: $r6" ;;
	esac
	ok "$method: locked during dump and restore, released after; IPv4 $r4, IPv6 $r6"
	kill -KILL "$TPID" 2>/dev/null
done
exit 0
