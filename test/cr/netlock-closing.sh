#!/bin/bash
# A connection to a peer outside the tree caught half closed by the peer
# (CLOSE_WAIT), dumped and restored under the network lock: the restore
# hands the socket the peer's FIN as a raw segment, which carries the lock's
# mark (0xC114) and passes the lock that holds this very connection; the
# connection comes back in CLOSE_WAIT, then the lock goes.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
nl_setup
T=$CRL_TMP

for method in nftables iptables; do
	nl_need $method
	rm -f "$T/h"
	nl_server "$T/d" halfclose
	nl_peer halfclose 10.77.0.1 x "$T/h"
	[ "$(nl_result "$T/h")" = PASS ] || fail "$method: the peer: $(cat "$T/h")"
	for i in $(seq 100); do
		in_a ss -Htn state close-wait "sport = :$PORT" | grep -q . && break
		sleep 0.02
	done
	in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img-$method" -o "$T/dump.log" -v4 \
		--network-lock $method || fail "$method: dump: $(grep -i error "$T/dump.log")"
	in_a "$CRL_BIN" restore -D "$T/img-$method" -d -o "$T/rst.log" -v4 ||
		fail "$method: restore through the lock: $(grep -i error "$T/rst.log")"
	in_a ss -Htn state close-wait "sport = :$PORT" | grep -q . ||
		fail "$method: the connection did not come back in CLOSE_WAIT"
	nl_no_rules "$method: after the restore"
	ok "$method: CLOSE_WAIT restored through the lock (the peer's FIN passed it), lock released"
	kill -KILL "$TPID"
done
exit 0
