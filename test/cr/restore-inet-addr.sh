# A listener bound to an address that only its own network namespace had:
# restored where that address is missing, the restore fails with one line
# naming the socket's address and what to do, and exits nonzero.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
command -v ip >/dev/null || { echo "SKIP: needs ip (iproute2)"; exit 77; }

NS=crl-inetaddr-$$
trap 'ip netns del $NS 2>/dev/null; crl_cleanup' EXIT
ip netns add $NS || { echo "SKIP: cannot make a network namespace"; exit 77; }
ip -n $NS link set lo up
ip -n $NS addr add 10.213.7.1/32 dev lo

ip netns exec $NS setsid /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("10.213.7.1", 7777))
s.listen()
open(sys.argv[1], "w").write("ready")
time.sleep(600)' "$CRL_TMP/ready" </dev/null >/dev/null 2>&1 &
crl_wait_file "$CRL_TMP/ready"
TPID=$(pgrep -f 'bind\(\("10.213.7.1"' | head -1)
[ -n "$TPID" ] || fail "no listener"
CRL_PIDS="$TPID"

ip netns exec $NS "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --network-lock skip ||
	fail "dump failed"
if "$CRL_BIN" restore -D "$CRL_TMP/img" -d 2>"$CRL_TMP/err"; then
	fail "restore without the address succeeded"
fi
grep -Eq "inet socket [0-9]+ \(inode [0-9]+, 10\.213\.7\.1:7777\): bind: Cannot assign requested address \(the address is not on this host or network namespace: restore where it is configured\)" "$CRL_TMP/err" ||
	fail "unclear error: $(cat "$CRL_TMP/err")"
ok "$(head -1 "$CRL_TMP/err")"

# Where the address is, the same image restores and the listener answers.
ip netns exec $NS "$CRL_BIN" restore -D "$CRL_TMP/img" -d --pidfile "$CRL_TMP/rpid" ||
	fail "restore in the namespace failed"
CRL_PIDS="$(cat "$CRL_TMP/rpid")"
ip netns exec $NS /usr/bin/python3 -c 'import socket; socket.create_connection(("10.213.7.1", 7777), 5)' ||
	fail "restored listener does not accept"
ok "restored in the namespace that has the address: the listener accepts"
exit 0
