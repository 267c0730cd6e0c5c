#!/bin/bash
# dump/pre-dump --page-server: the memory images written by the server are
# byte-identical to a local dump's, the server serves one dump and exits, a
# dump sent through it restores (also as a pre-dump chain with parent links
# made by the server), a page server killed mid-transfer fails the pre-dump
# with the target intact and nothing visible on the server's side, and a dump
# to a port where nobody listens fails cleanly.
. "$(dirname "$0")/lib.sh"
crl_need_root

PSPID=""
# pgsrv DIR: a page server daemon on a free loopback port; sets PORT, PSPID.
pgsrv() {
	local out
	for _ in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 20000))
		out=$("$CRL_BIN" page-server -D "$1" --address 127.0.0.1 --port $PORT --daemon \
			--pidfile "$CRL_TMP/ps.pid" 2>"$CRL_TMP/ps.err") && break
		grep -q "in use" "$CRL_TMP/ps.err" || fail "page-server: $(cat "$CRL_TMP/ps.err")"
	done
	PSPID=$(cat "$CRL_TMP/ps.pid")
	CRL_PIDS="$CRL_PIDS $PSPID"
}
PS() { echo --page-server --address 127.0.0.1 --port $PORT; }
wait_gone() { # PID SECONDS
	for _ in $(seq $(( $2 * 20 ))); do [ -d "/proc/$1" ] || return 0; sleep 0.05; done
	return 1
}
tree_of() { # PID: it and its descendants
	local c
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree_of "$c"; done
}
wait_tree_gone() { # PIDS...: a killed tree's orphans are reaped asynchronously
	local p
	for p in "$@"; do wait_gone "$p" 5 || fail "pid $p still exists after the dump"; done
}

crl_start_target dump-mem "$CRL_TMP/res" -m 32 -c

# Is dump --page-server wired in this build? (memory must not land locally)
pgsrv "$CRL_TMP/probe"
sleep 1000 &
CRL_PIDS="$CRL_PIDS $!"
"$CRL_BIN" pre-dump -t $! -D "$CRL_TMP/probe-src" $(PS) >/dev/null 2>&1
if ! ls "$CRL_TMP/probe" | grep -q '^pagemap-'; then
	echo "SKIP: pre-dump --page-server does not send memory to the page server in this build"
	exit 77
fi

# 1. Same images as a local dump.
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/local" --leave-running || fail "local dump"
pgsrv "$CRL_TMP/srv"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/remote" --leave-running $(PS) || fail "dump --page-server"
crl_check_alive "$TPID"
ls "$CRL_TMP/remote" | grep -Eq '^(pagemap|pages)-' && fail "memory images written locally too"
for f in "$CRL_TMP"/local/pagemap-*.img; do
	cmp -s "$f" "$CRL_TMP/srv/${f##*/}" || fail "${f##*/} differs from the local dump"
done
for f in "$CRL_TMP"/local/pages-*.img; do
	[ "$(stat -c %s "$f")" = "$(stat -c %s "$CRL_TMP/srv/${f##*/}")" ] ||
		fail "${f##*/}: size differs from the local dump"
done
ok "pagemaps byte-identical to a local dump, pages files of the same sizes"
wait_gone "$PSPID" 5 || fail "page server still runs after its dump"
ok "page server exited after serving its dump"
cp "$CRL_TMP"/srv/* "$CRL_TMP/remote/"
crl_check_images "$CRL_TMP/remote"
ok "remote images decode (crit) and pagemaps match pages"

# 2. Round trip: page server and dump share -D (as criu's zdtm does).
pgsrv "$CRL_TMP/rt"
TREE=$(tree_of "$TPID")
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/rt" $(PS) || fail "dump --page-server (kill)"
wait_tree_gone $TREE
"$CRL_BIN" restore -D "$CRL_TMP/rt" -d --pidfile "$CRL_TMP/rt.pid" || fail "restore"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "dump through the page server restores, memory intact"

# 3. pre-dump chain: the server makes the parent link of the second iteration.
C=$CRL_TMP/chain
mkdir -p "$C/src" "$C/dst"
pgsrv "$C/dst/1"
"$CRL_BIN" pre-dump -t "$TPID" -D "$C/src/1" --track-mem $(PS) 2>"$CRL_TMP/err" || {
	grep -q "no write tracker" "$CRL_TMP/err" && { echo "SKIP: $(cat "$CRL_TMP/err")"; exit 77; }
	fail "pre-dump 1: $(cat "$CRL_TMP/err")"
}
pgsrv "$C/dst/2"
TREE=$(tree_of "$TPID")
"$CRL_BIN" dump -t "$TPID" -D "$C/src/2" --prev-images-dir ../1 --track-mem $(PS) ||
	fail "dump 2"
wait_tree_gone $TREE
[ "$(readlink "$C/dst/2/parent")" = ../1 ] || fail "no parent link on the server side"
crl_crit_has "$C/dst/2/pagemap-$TPID.img" PE_PARENT || fail "no PE_PARENT entries"
(cd "$C/src/2" && cp $(ls | grep -Ev '^(pagemap|pages)-|^parent$') "$C/dst/2/")
"$CRL_BIN" restore -D "$C/dst/2" -d --pidfile "$CRL_TMP/c.pid" || fail "restore of the chain"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "pre-dump + dump chain through page servers restores"
kill -TERM "$TPID"

# 4. The page server dies mid-transfer.
crl_start_target dump-mem "$CRL_TMP/res2" -m 512
pgsrv "$CRL_TMP/k"
"$CRL_BIN" pre-dump -t "$TPID" -D "$CRL_TMP/kl" $(PS) 2>"$CRL_TMP/k.err" &
DPID=$!
killed=0
for _ in $(seq 400); do
	sz=$(stat -c %s "$CRL_TMP"/k/.pgsrv-*/pages-*.img 2>/dev/null | sort -n | tail -1)
	if [ "${sz:-0}" -gt $((8 << 20)) ]; then
		kill -KILL "$PSPID"
		killed=1
		break
	fi
	sleep 0.01
done
wait $DPID && fail "pre-dump succeeded although its page server was killed"
[ $killed = 1 ] || fail "never saw the transfer in progress"
crl_wait_untraced "$TPID" 5 || fail "target still traced"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res2"
ls "$CRL_TMP/k" | grep -Eq '^(pagemap|pages)-' && fail "partial images visible on the server"
ok "page server killed after ${sz} bytes: pre-dump failed ($(tail -1 "$CRL_TMP/k.err")), target intact, nothing visible"
pgsrv "$CRL_TMP/k"
ls -a "$CRL_TMP/k" | grep -q '^\.pgsrv-' && fail "stale staging dir kept by the next server"
kill -TERM "$PSPID"
ok "next server on that dir removed the dead one's staging dir"

wait_gone "$PSPID" 5 || fail "page server ignores SIGTERM"
# 5. Nobody listens.
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/none" --leave-running $(PS) 2>"$CRL_TMP/n.err" &&
	fail "dump to a closed port succeeded"
crl_check_alive "$TPID"
ok "dump to a closed port fails: $(head -1 "$CRL_TMP/n.err")"
kill -TERM "$TPID"
echo PASS
