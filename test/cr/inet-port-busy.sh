# inet sockets: restore binds each socket to its recorded port. When that
# port is taken by someone else, restore fails with a message naming the
# socket and the port, before any process exists; once the port is free
# again the same images restore and the listener still works (zdtm's
# inet_listen checks itself on SIGTERM).
. "$(dirname "$0")/lib.sh"
crl_need_root
ZDTM_BIN="$CRL_TARGETS/../../zdtm/tests/inet_listen"
[ -x "$ZDTM_BIN" ] || { echo "SKIP: $ZDTM_BIN not built"; exit 77; }
cd "$CRL_TMP" || exit 1

"$ZDTM_BIN" --pidfile "$CRL_TMP/pid" --outfile "$CRL_TMP/out" </dev/null >/dev/null 2>&1 ||
	fail "inet_listen did not start: $(cat "$CRL_TMP/out")"
TPID=$(cat "$CRL_TMP/pid")
CRL_PIDS="$CRL_PIDS $TPID"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" -o "$CRL_TMP/dump.log" -v4 ||
	fail "dump failed: $(grep Error "$CRL_TMP/dump.log")"
for i in $(seq 100); do [ -d "/proc/$TPID" ] || break; sleep 0.05; done
$CRIT show "$CRL_TMP/img/files.img" >"$CRL_TMP/files.json" || fail "crit cannot decode files.img"
PORT=$(/usr/bin/python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    if e["type"] == "INETSK" and e["isk"]["state"] == "LISTEN" and e["isk"]["family"] == "INET":
        print(e["isk"]["src_port"])' "$CRL_TMP/files.json")
[ -n "$PORT" ] || fail "no IPv4 listener in files.img"
ok "dump: IPv4 listener on port $PORT recorded"

# Someone else listens on the port now.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
open(sys.argv[2], "w").write("up")
time.sleep(60)' "$PORT" "$CRL_TMP/blocker" &
BLOCKER=$!
CRL_PIDS="$CRL_PIDS $BLOCKER"
crl_wait_file "$CRL_TMP/blocker" 10 || fail "the blocker did not start"
if "$CRL_BIN" restore -D "$CRL_TMP/img" -d 2>"$CRL_TMP/err"; then
	fail "restore succeeded with port $PORT taken"
fi
grep -q "inet socket .*:$PORT): bind: Address already in use (another socket here holds that port: free it and restore again)" "$CRL_TMP/err" ||
	fail "unclear error: $(cat "$CRL_TMP/err")"
[ -d "/proc/$TPID" ] && fail "a failed restore left pid $TPID behind"
ok "port taken: $(grep -o 'inet socket.*' "$CRL_TMP/err" | head -1); nothing left behind"

kill "$BLOCKER"
wait "$BLOCKER" 2>/dev/null
"$CRL_BIN" restore -D "$CRL_TMP/img" -d -o "$CRL_TMP/rst.log" -v4 ||
	fail "restore failed once the port was free: $(grep Error "$CRL_TMP/rst.log")"
crl_check_alive "$TPID"
kill -TERM "$TPID"
for i in $(seq 200); do [ -d "/proc/$TPID" ] || break; sleep 0.05; done
grep -q PASS "$CRL_TMP/out" || fail "restored inet_listen: $(cat "$CRL_TMP/out")"
ok "port free again: restored, the listener accepts and the test PASSes"
exit 0
