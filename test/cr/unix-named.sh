# Named unix sockets. Dump refuses, with one line naming the fd, the pid and
# why, and leaves the target running and intact: a listener with a connection
# from outside the tree not yet accepted, a socket whose peer is outside the
# tree (with --ext-unix-sk too, for a stream). Restore of a
# listener refuses to replace what is not a stale socket file at its path (a
# regular file, a live socket) and leaves it alone; a pair whose listener was
# closed is rebuilt through a temporary listener that leaves no file behind.
. "$(dirname "$0")/lib.sh"
crl_need_root

T=$CRL_TMP

# dump_refused NAME REGEX: dump (with and without --leave-running) fails with REGEX.
dump_refused() {
	local lr
	for lr in --leave-running ""; do
		rm -rf "$T/img-$1"
		if "$CRL_BIN" dump -t "$TPID" -D "$T/img-$1" $lr 2>"$T/err"; then
			fail "$1: dump $lr succeeded"
		fi
		grep -Eq "$2" "$T/err" || fail "$1: unclear error: $(cat "$T/err")"
		crl_check_alive "$TPID"
		crl_check_memory "$TPID" "$T/res-$1"
	done
	ok "$1: $(grep -Eo "$2" "$T/err" | head -1); target intact"
}

# 1. A connection from outside the tree waiting in the listener's queue (one
# from the tree itself is dumped: zdtm/unix_accept_queue).
crl_start_target unix_named "$T/res-pending" alone
/usr/bin/python3 -c '
import socket, sys, time
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
open(sys.argv[1] + ".conn", "w").write("ready"); time.sleep(60)' "$T/res-pending.sock" &
CRL_PIDS="$CRL_PIDS $!"
crl_wait_file "$T/res-pending.sock.conn" 10 || fail "outside client did not connect"
dump_refused pending "unsupported fd [0-9]+ of $TPID: listening unix socket '$T/res-pending.sock' with 1 connection\(s\) from outside the dumped tree waiting to be accepted"
kill -TERM "$TPID"

# 2. A peer outside the tree: a listener of another process (python).
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").write("ready")
c, _ = s.accept(); time.sleep(60)' "$T/outside.sock" &
CRL_PIDS="$CRL_PIDS $!"
crl_wait_file "$T/outside.sock.ready" 10 || fail "outside listener did not start"
crl_start_target unix_named "$T/res-outside" outside "$T/outside.sock"
dump_refused outside "unsupported fd [0-9]+ of $TPID: unix socket '\(unnamed\)' connected to '$T/outside.sock' \(inode [0-9]+\) outside the dumped tree; --ext-unix-sk"
# --ext-unix-sk does not make a stream connection to the outside possible.
rm -rf "$T/img-ext"
"$CRL_BIN" dump -t "$TPID" -D "$T/img-ext" --leave-running --ext-unix-sk 2>"$T/err" &&
	fail "dump --ext-unix-sk of a stream connection to the outside succeeded"
grep -q "a stream connection to a process outside the tree cannot be made again" "$T/err" ||
	fail "unclear error: $(cat "$T/err")"
crl_check_alive "$TPID"
ok "stream peer outside, --ext-unix-sk: still refused"
kill -TERM "$TPID"

# 2b. A datagram socket connected to a socket outside the tree (/dev/log's
# case): refused without --ext-unix-sk, dumped with it and connected to the
# outside peer's name again at restore.
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").write("ready")
while True:
    d = s.recv(100)
    with open(sys.argv[1] + ".got", "a") as f: f.write(d.decode() + "\n")' "$T/log.sock" &
CRL_PIDS="$CRL_PIDS $!"
crl_wait_file "$T/log.sock.ready" 10 || fail "outside datagram socket did not start"
crl_start_target unix_named "$T/res-ext" dgram-out "$T/log.sock"
dump_refused ext "unsupported fd [0-9]+ of $TPID: unix socket '\(unnamed\)' connected to '$T/log.sock' \(inode [0-9]+\) outside the dumped tree; --ext-unix-sk"
"$CRL_BIN" dump -t "$TPID" -D "$T/img-ext-dgram" --ext-unix-sk 2>"$T/err" ||
	fail "dump --ext-unix-sk: $(cat "$T/err")"
crl_check_images "$T/img-ext-dgram"
"$CRL_BIN" restore -D "$T/img-ext-dgram" -d --pidfile "$T/pid" 2>"$T/err" ||
	fail "restore of the --ext-unix-sk dump: $(cat "$T/err")"
rm -f "$T/log.sock.got"
crl_check_memory "$TPID" "$T/res-ext"
crl_wait_file "$T/log.sock.got" 10 || fail "the outside peer got nothing after restore"
grep -q '^ext-ping$' "$T/log.sock.got" || fail "the outside peer got: $(cat "$T/log.sock.got")"
ok "--ext-unix-sk: datagram socket reconnected to '$T/log.sock' by name"
kill -TERM "$TPID"

# 3. Restore must not replace what is not a stale socket file.
crl_start_target unix_named "$T/res-listen" listen
sock=$T/res-listen.sock
"$CRL_BIN" dump -t "$TPID" -D "$T/img-listen" 2>"$T/err" || fail "dump: $(cat "$T/err")"
crl_check_images "$T/img-listen"
crl_crit_has "$T/img-listen/files.img" '"state": "LISTEN"' || fail "no listener in files.img"
rm -f "$sock"
echo precious >"$sock"
"$CRL_BIN" restore -D "$T/img-listen" -d --pidfile "$T/pid" 2>"$T/err" &&
	fail "restore replaced a regular file at '$sock'"
grep -q "'$sock' exists and is not a socket" "$T/err" || fail "unclear error: $(cat "$T/err")"
[ "$(cat "$sock")" = precious ] || fail "the regular file at '$sock' was changed"
ok "regular file at the path: $(grep -o "'$sock'.*" "$T/err" | head -1); file untouched"
rm -f "$sock"
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".live", "w").write("ready"); time.sleep(60)' "$sock" &
CRL_PIDS="$CRL_PIDS $!"
crl_wait_file "$sock.live" 10 || fail "live listener did not start"
"$CRL_BIN" restore -D "$T/img-listen" -d --pidfile "$T/pid" 2>"$T/err" &&
	fail "restore took over a live socket at '$sock'"
grep -q "'$sock' is in use by another socket" "$T/err" || fail "unclear error: $(cat "$T/err")"
[ -S "$sock" ] || fail "the live socket file at '$sock' was removed"
ok "live socket at the path: $(grep -o "'$sock'.*" "$T/err" | head -1)"
kill -KILL $! 2>/dev/null
wait $! 2>/dev/null
# Its socket file is stale now: restore replaces it.
"$CRL_BIN" restore -D "$T/img-listen" -d --pidfile "$T/pid" 2>"$T/err" ||
	fail "restore over a stale socket file: $(cat "$T/err")"
crl_check_memory "$TPID" "$T/res-listen"
ok "stale socket file replaced; the restored pair talks"
kill -TERM "$TPID"

# 4. The listener was closed after accept: a temporary one rebuilds the pair.
crl_start_target unix_named "$T/res-closed" closed
"$CRL_BIN" dump -t "$TPID" -D "$T/img-closed" 2>"$T/err" || fail "dump: $(cat "$T/err")"
"$CRL_BIN" restore -D "$T/img-closed" -d --pidfile "$T/pid" 2>"$T/err" ||
	fail "restore: $(cat "$T/err")"
crl_check_memory "$TPID" "$T/res-closed"
[ -e "$T/res-closed.sock" ] && fail "the temporary listener left '$T/res-closed.sock' behind"
ok "closed listener: pair rebuilt with its names, no socket file left"
exit 0
