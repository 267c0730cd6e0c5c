# --empty-ns net (what runc always sends, as RPC empty_ns = CLONE_NEWNET):
# a process in its own network namespace, with lo up and an extra address,
# is dumped without its network namespace (no netns image) and restored in
# a new one with only lo, up: not the tool's, and without the extra address.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
command -v unshare >/dev/null && command -v nsenter >/dev/null && command -v ip >/dev/null ||
	{ echo "SKIP: needs unshare, nsenter (util-linux) and ip (iproute2)"; exit 77; }

setsid unshare -n sh -c 'ip link set lo up && ip addr add 10.79.0.1/32 dev lo &&
	exec sleep 1000' </dev/null >/dev/null 2>&1 &
pid=$!
CRL_PIDS="$CRL_PIDS $pid"
for i in $(seq 100); do
	nsenter -t "$pid" -n ip -4 addr show dev lo 2>/dev/null | grep -q 10.79.0.1 && break
	sleep 0.05
done
[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] ||
	fail "the target is not in a network namespace of its own"

"$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img" --empty-ns net -o dump.log ||
	fail "dump --empty-ns net: $(tail -3 "$CRL_TMP/img/dump.log")"
ls "$CRL_TMP"/img/netns-*.img >/dev/null 2>&1 && fail "dump --empty-ns net wrote a netns image"
ok "dumped without its network namespace"

"$CRL_BIN" restore -D "$CRL_TMP/img" --empty-ns net -d --pidfile "$CRL_TMP/rpid" -o rst.log ||
	fail "restore --empty-ns net: $(tail -3 "$CRL_TMP/img/rst.log")"
rpid=$(cat "$CRL_TMP/rpid")
CRL_PIDS="$CRL_PIDS $rpid"
crl_check_alive "$rpid"
[ "$(readlink /proc/$rpid/ns/net)" != "$(readlink /proc/self/ns/net)" ] ||
	fail "restored into the tool's network namespace"
links=$(nsenter -t "$rpid" -n ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
[ "$links" = "lo " ] || fail "the new network namespace has links '$links', want only lo"
nsenter -t "$rpid" -n ip -o link show lo | grep -q '<LOOPBACK,UP' || fail "lo is not up"
nsenter -t "$rpid" -n ip -4 addr show dev lo | grep -q 10.79.0.1 &&
	fail "the extra address came back: the namespace is not empty"
nsenter -t "$rpid" -n ip -4 addr show dev lo | grep -q 127.0.0.1 || fail "lo has no 127.0.0.1"
ok "restored in a new network namespace with only lo, up"
exit 0
