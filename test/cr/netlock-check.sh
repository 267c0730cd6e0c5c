#!/bin/bash
# check --feature network_lock_nftables (and nftables) probes for real: a
# lock made and removed, here in a network namespace of the script's own;
# without CAP_NET_ADMIN the probe fails and says why. A dump whose lock
# cannot be taken (nftables without CAP_NET_ADMIN) fails with one line
# naming the lock and the other --network-lock choices, leaves the tree
# running and no rule behind; so does one whose iptables-restore is missing.
# A pre-dump takes no lock.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
command -v capsh >/dev/null || { echo "SKIP: needs capsh (libcap2-bin)"; exit 77; }
nl_setup
nl_need nftables
T=$CRL_TMP

for f in network_lock_nftables nftables; do
	out=$(in_a "$CRL_BIN" check --feature $f) || fail "$f: $out"
	[ "$out" = "$f is supported" ] || fail "$f: $out"
done
nl_no_rules "after the probes"
ok "network_lock_nftables and nftables: supported (a probe lock made and removed)"
if out=$(in_a capsh --drop=cap_net_admin -- -c "$CRL_BIN check --feature network_lock_nftables"); then
	fail "the probe succeeded without CAP_NET_ADMIN: $out"
fi
case "$out" in
"network_lock_nftables is not supported: "*"Operation not permitted"*) ;;
*) fail "probe without CAP_NET_ADMIN: $out" ;;
esac
ok "without CAP_NET_ADMIN: $out"

# A pre-dump takes no lock, even with a listener and a peer outside.
nl_server "$T/d"
nl_peer fill 10.77.0.1 1 "$T/f"
crl_wait_file "$T/f" 10 || fail "the idle peer did not connect"
nl_wait_conn 1
in_a "$CRL_BIN" pre-dump -t "$TPID" -D "$T/pre" -o "$T/pre.log" -v4 --network-lock nftables ||
	fail "pre-dump: $(grep -i error "$T/pre.log")"
grep -qE "network lock: |network lock \(" "$T/pre.log" && fail "pre-dump: $(grep "network lock" "$T/pre.log")"
crl_check_alive "$TPID"
nl_no_rules "after a pre-dump"
ok "pre-dump: no lock taken"

if in_a capsh --drop=cap_net_admin -- -c "$CRL_BIN dump -t $TPID -D $T/img --network-lock nftables" \
	2>"$T/err"; then
	fail "a dump succeeded without its lock"
fi
grep -q "network lock (nftables): .*use --network-lock iptables or --network-lock skip" "$T/err" ||
	fail "unclear error: $(cat "$T/err")"
crl_check_alive "$TPID"
nl_no_rules "after the failed dump"
ok "lock not taken: $(grep -o 'network lock.*' "$T/err" | head -1); the tree runs"
kill -KILL "$TPID"

# The default method (iptables) with its tools missing: /usr/sbin (and /sbin)
# hidden in a mount namespace holding the tool and a listening target.
rm -rf "$T/d2"
mkdir -p "$T/d2"
in_a unshare -m sh -c '
	mount -t tmpfs none /usr/sbin || exit 9
	[ -L /sbin ] || mount -t tmpfs none /sbin || exit 9
	"$1" "$2" 7001 </dev/null >/dev/null 2>&1 &
	p=$!
	for i in $(seq 100); do [ -s "$2/ready" ] && break; sleep 0.02; done
	"$3" dump -t $p -D "$2/img" -R 2>"$2/err"
	rc=$?
	kill -0 $p && echo alive >"$2/alive"
	kill -KILL $p
	exit $rc' sh "$CRL_TARGETS/tcp_echo_srv" "$T/d2" "$CRL_BIN"
rc=$?
[ $rc = 9 ] && { echo "SKIP: cannot hide /usr/sbin"; exit 77; }
[ $rc = 0 ] && fail "a dump without iptables-restore succeeded"
[ "$(wc -l <"$T/d2/err")" -le 2 ] &&
	grep -q "network lock (iptables): iptables-restore not found: install it, or use --network-lock nftables or --network-lock skip" \
		"$T/d2/err" || fail "unclear error without iptables: $(cat "$T/d2/err")"
[ -e "$T/d2/alive" ] || fail "the target did not survive the refused dump"
ok "iptables missing: $(head -1 "$T/d2/err" | sed 's/^Error: //'); the target runs on"
exit 0
