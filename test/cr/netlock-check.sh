#!/bin/bash
# check --feature network_lock_nftables (and nftables) probes for real: a
# lock made and removed, here in a network namespace of the script's own;
# without CAP_NET_ADMIN the probe fails and says why. A dump whose lock
# cannot be taken (nftables without CAP_NET_ADMIN) fails with one line
# naming the lock and the other --network-lock choices, leaves the tree
# running and no rule behind.
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

nl_server "$T/d"
if in_a capsh --drop=cap_net_admin -- -c "$CRL_BIN dump -t $TPID -D $T/img --network-lock nftables" \
	2>"$T/err"; then
	fail "a dump succeeded without its lock"
fi
grep -q "network lock (nftables): .*use --network-lock iptables or --network-lock skip" "$T/err" ||
	fail "unclear error: $(cat "$T/err")"
crl_check_alive "$TPID"
nl_no_rules "after the failed dump"
ok "lock not taken: $(grep -o 'network lock.*' "$T/err" | head -1); the tree runs"
exit 0
