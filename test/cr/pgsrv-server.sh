#!/bin/bash
# page-server command: --daemon prints the ready line and writes --pidfile
# while already listening; --status-fd gets the ready line; stale staging
# dirs of dead servers are removed at start; garbage on the socket is refused
# without killing the server; a busy port is an error; SIGTERM stops it.
. "$(dirname "$0")/lib.sh"

SRV="$CRL_TMP/srv"

# pgsrv_start ARGS...: a daemon on a free loopback port; sets PORT and SPID.
pgsrv_start() {
	local out
	for _ in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 20000))
		out=$("$CRL_BIN" page-server -D "$SRV" --address 127.0.0.1 --port $PORT \
			--daemon --pidfile "$CRL_TMP/ps.pid" "$@" 2>"$CRL_TMP/ps.err") && break
		grep -q "in use" "$CRL_TMP/ps.err" || fail "page-server: $(cat "$CRL_TMP/ps.err")"
	done
	[ "$out" = "page-server: listening on 127.0.0.1:$PORT" ] || fail "ready line: '$out'"
	SPID=$(cat "$CRL_TMP/ps.pid")
	CRL_PIDS="$CRL_PIDS $SPID"
}

mkdir -p "$SRV/.pgsrv-999999999-old-abcdef"
echo junk >"$SRV/.pgsrv-999999999-old-abcdef/pages-1.img"
pgsrv_start
ok "daemon printed the ready line"
[ -d "/proc/$SPID" ] && grep -q criu-lite "/proc/$SPID/cmdline" || fail "pidfile pid $SPID is not the server"
ss -ltn "sport = :$PORT" | grep -q LISTEN || fail "nothing listens on $PORT"
ok "pidfile names the daemon, which listens"
[ ! -e "$SRV/.pgsrv-999999999-old-abcdef" ] || fail "stale staging dir kept"
ok "stale staging dir of a dead server removed"

# Garbage: the server answers an ERROR frame (magic CLPX) and closes.
exec 3<>/dev/tcp/127.0.0.1/$PORT
printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
reply=$(timeout 5 cat <&3 | head -c 200 | tr -d '\0')
exec 3<&-
case "$reply" in
*"bad magic"*) ok "garbage refused with an error frame" ;;
*) fail "garbage reply: '$reply'" ;;
esac
[ -d "/proc/$SPID" ] || fail "server died on garbage"
ls -A "$SRV" | grep -q . && fail "something left in $SRV: $(ls -A "$SRV")"
ok "server survives garbage, nothing left in its dir"

out=$("$CRL_BIN" page-server -D "$SRV" --address 127.0.0.1 --port $PORT 2>&1) &&
	fail "second server on a busy port succeeded"
echo "$out" | grep -q "in use" || fail "busy port message: $out"
ok "busy port refused: $out"

kill -TERM "$SPID"
for _ in $(seq 50); do [ -d "/proc/$SPID" ] || break; sleep 0.1; done
[ -d "/proc/$SPID" ] && fail "server ignores SIGTERM"
ok "SIGTERM stops the server"

# Foreground with --status-fd.
PORT=$((20000 + RANDOM % 20000))
"$CRL_BIN" page-server -D "$SRV" --address 127.0.0.1 --port $PORT --status-fd 5 \
	5>"$CRL_TMP/status" >"$CRL_TMP/stdout" 2>&1 &
FPID=$!
CRL_PIDS="$CRL_PIDS $FPID"
crl_wait_file "$CRL_TMP/status" 5 || fail "nothing on the status fd"
grep -qx "page-server: listening on 127.0.0.1:$PORT" "$CRL_TMP/status" || fail "status: $(cat "$CRL_TMP/status")"
ss -ltn "sport = :$PORT" | grep -q LISTEN || fail "status written before listening"
ok "--status-fd gets the ready line once listening"
kill -INT $FPID
wait $FPID
echo "PASS"
