#!/bin/bash
# The network lock inside the tree's own network namespace (issue 19 item
# 3). The echo server runs in namespace A, whose veth's other end is in B,
# in a bridge that holds the peer's address; the tool and the peer run in B.
# The dump takes the lock inside A (the connection's peer is outside the
# tree) and kills the tree; A is then let go (its name removed: nothing else
# holds it), so the veth pair goes with it. The restore makes a new A, its
# lock first (before the veth, the addresses and the sockets), the veth's
# outer end again in the bridge (--external veth[IN]:OUT@BRIDGE), repairs the
# connection, and releases the lock from inside the new namespace: the peer,
# which retransmitted all along, finds every byte echoed in order. First a
# dump -R: the lock is taken and released inside A, the tree streams on.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
T=$CRL_TMP
BR=crlbr$$

command -v nsenter >/dev/null && command -v ip >/dev/null ||
	{ echo "SKIP: needs ip (iproute2) and nsenter (util-linux)"; exit 77; }
ip netns add "$NSA" && ip netns add "$NSB" || fail "cannot make network namespaces"
ip link add "nla$$" type veth peer name "nlb$$" || fail "cannot make a veth pair"
ip link set "nla$$" netns "$NSA" && ip link set "nlb$$" netns "$NSB" || fail "veth"
ip -n "$NSA" addr add 10.77.0.1/24 dev "nla$$"
ip -n "$NSB" link add "$BR" type bridge || fail "bridge"
ip -n "$NSB" addr add 10.77.0.2/24 dev "$BR"
ip -n "$NSB" link set "nlb$$" master "$BR" || fail "veth into the bridge"
for ns in "$NSA" "$NSB"; do
	ip -n "$ns" link set lo up
done
ip -n "$NSB" link set "$BR" up && ip -n "$NSA" link set "nla$$" up &&
	ip -n "$NSB" link set "nlb$$" up || fail "links up"

# dump -R: the lock taken inside A is released inside A, the tree goes on
nl_need nftables
nl_server "$T/d-R"
rm -f "$T/pR"
nl_peer stream 10.77.0.1 3 "$T/pR"
nl_wait_conn 1
sleep 0.3
in_b "$CRL_BIN" dump -R -t "$TPID" -D "$T/img-R" -o "$T/dump-R.log" -v4 --network-lock nftables ||
	fail "-R: dump: $(grep -i error "$T/dump-R.log")"
grep -q "network lock: nftables '.*' released" "$T/dump-R.log" ||
	fail "-R: the lock was not released: $(grep -i 'network lock' "$T/dump-R.log")"
nl_no_rules "-R"
r=$(nl_result "$T/pR")
case "$r" in
PASS*) ok "-R: locked and released inside the tree's namespace; $r" ;;
*) fail "-R: peer: $r" ;;
esac
kill -KILL "$TPID" 2>/dev/null

for method in nftables iptables; do
	nl_need $method
	# the tree's namespace, made again for each method
	if [ "$method" = iptables ]; then
		ip netns add "$NSA" || fail "namespace A again"
		ip link add "nla$$" type veth peer name "nlb$$" || fail "veth again"
		ip link set "nla$$" netns "$NSA" && ip link set "nlb$$" netns "$NSB" || fail "veth"
		ip -n "$NSA" addr add 10.77.0.1/24 dev "nla$$"
		ip -n "$NSB" link set "nlb$$" master "$BR" || fail "veth into the bridge"
		ip -n "$NSA" link set lo up && ip -n "$NSA" link set "nla$$" up &&
			ip -n "$NSB" link set "nlb$$" up || fail "links up"
	fi
	nl_server "$T/d-$method"
	rm -f "$T/p4"
	nl_peer stream 10.77.0.1 6 "$T/p4"
	nl_wait_conn 1
	sleep 0.5
	in_b "$CRL_BIN" dump -t "$TPID" -D "$T/img-$method" -o "$T/dump-$method.log" -v4 \
		--network-lock $method || fail "$method: dump: $(grep -i error "$T/dump-$method.log")"
	[ -d /proc/$TPID ] && fail "$method: the dumped tree still runs"
	nl_rules | grep -qE "CRIU-$TPID|CRLITE-$TPID" ||
		fail "$method: no lock held inside the tree's namespace after the dump"
	in_b nft list ruleset 2>/dev/null | grep -qE "CRIU-|CRLITE-" &&
		fail "$method: a lock in the tool's namespace"
	# nothing holds A now: it goes, with the veth pair
	ip netns del "$NSA"
	for i in $(seq 100); do
		ip -n "$NSB" link show "nlb$$" >/dev/null 2>&1 || break
		sleep 0.05
	done
	ip -n "$NSB" link show "nlb$$" >/dev/null 2>&1 && fail "$method: the veth outlived A"
	sleep 1
	in_b "$CRL_BIN" restore -D "$T/img-$method" -d -o "$T/rst-$method.log" -v4 \
		--pidfile "$T/pid-$method" --external "veth[nla$$]:nlb$$@$BR" ||
		fail "$method: restore: $(grep -i error "$T/rst-$method.log")"
	RPID=$(cat "$T/pid-$method")
	CRL_PIDS="$CRL_PIDS $RPID"
	grep -q "network lock: .* taken" "$T/rst-$method.log" ||
		fail "$method: the restore took no lock in the new namespace"
	nsenter --net="/proc/$RPID/ns/net" nft list ruleset 2>/dev/null |
		grep -E "CRIU-|CRLITE-" && fail "$method: the lock was left in the restored namespace"
	r4=$(nl_result "$T/p4")
	case "$r4" in
	PASS*) ;;
	*) fail "$method: peer: $r4" ;;
	esac
	ok "$method: locked inside the tree's namespace across dump and restore; $r4"
	kill -KILL "$RPID" 2>/dev/null
	for i in $(seq 100); do
		ip -n "$NSB" link show "nlb$$" >/dev/null 2>&1 || break
		sleep 0.05
	done
done
exit 0
