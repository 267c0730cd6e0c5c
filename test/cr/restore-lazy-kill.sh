#!/bin/bash
# restore --lazy-pages under SIGKILL. lazy_checker (a process and its child,
# 128 MiB each) checks every word of its memory from the end backwards as soon
# as it runs, while the lazy-pages server pushes from the start. The server or
# its guard is SIGKILLed at several moments: during the restore, right after
# it, and later. Every process must then either report PASS (all its pages
# came in) or be killed; none may report CORRUPT (a zero page where contents
# were missing) nor hang, and no helper may be left.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
MIB=${LAZY_KILL_MIB:-128}
KILLED=0

alive() {
	[ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# helper NAME LOG: the pid the server logged for NAME (server, guard), waiting for it.
helper() {
	local i=0 p
	while :; do
		p=$(sed -n "s/.*lazy restore: server pid \([0-9]*\), guard pid \([0-9]*\).*/\\$2/p" "$1" 2>/dev/null | head -1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		i=$((i + 1))
		[ $i -gt 1000 ] && return 1
		sleep 0.01
	done
}

# trial NAME WHO WHEN: SIGKILL the server (WHO=1) or the guard (WHO=2) WHEN
# seconds after restore returned, or "during" the restore.
trial() {
	local name=$1 who=$2 when=$3 d=$T/$1 pids victim rpid p res n_pass=0 n_dead=0 i
	mkdir -p "$d"
	setsid "$CRL_TARGETS/lazy_checker" "$d" "$MIB" </dev/null >/dev/null 2>&1 &
	TPID=$!
	disown "$TPID"
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$d/ready" 30 && crl_wait_file "$d/ready2" 30 || fail "$name: target not ready"
	pids="$TPID $(cat /proc/$TPID/task/*/children)"
	"$CRL_BIN" dump -t "$TPID" -D "$d/img" || fail "$name: dump failed"
	"$CRL_BIN" restore -D "$d/img" -d --lazy-pages -o "$d/restore.log" -v4 &
	rpid=$!
	victim=$(helper "$d/restore.log" "$who") || fail "$name: the server never said its pid"
	CRL_PIDS="$CRL_PIDS $victim"
	if [ "$when" = during ]; then
		kill -KILL "$victim"
		wait "$rpid"
	else
		wait "$rpid" || fail "$name: restore --lazy-pages failed: $(grep Error "$d/restore.log")"
		touch "$d/go"
		sleep "$when"
		kill -KILL "$victim" 2>/dev/null
	fi
	touch "$d/go"
	# every process: a result, or gone (killed) - within 30 s, never hanging
	for p in $pids; do
		for ((i = 0; i < 600; i++)); do
			[ -s "$d/result.$p" ] && ! alive "$p" && break
			alive "$p" || break
			sleep 0.05
		done
		res=$(cat "$d/result.$p" 2>/dev/null)
		case "$res" in
		PASS) n_pass=$((n_pass + 1)) ;;
		"") alive "$p" && fail "$name: pid $p neither finished nor was killed in 30 s"
		    n_dead=$((n_dead + 1)) ;;
		*) fail "$name: pid $p ran on with wrong memory: $res" ;;
		esac
	done
	# and no helper is left
	for p in $(helper "$d/restore.log" 1) $(helper "$d/restore.log" 2); do
		for ((i = 0; i < 200; i++)); do alive "$p" || break; sleep 0.05; done
		alive "$p" && fail "$name: lazy-pages helper $p is still there"
	done
	[ "$n_dead" -gt 0 ] && KILLED=$((KILLED + 1))
	ok "$name: $n_pass process(es) completed, $n_dead killed, none ran on with wrong memory"
}

trial server-during 1 during
trial server-at-once 1 0
trial server-50ms 1 0.05
trial server-300ms 1 0.3
trial guard-at-once 2 0
trial guard-200ms 2 0.2
trial server-late 1 5
# restore --lazy-pages --page-server: the page server itself SIGKILLed while
# the tree is served from it; the lazy-pages server cannot fetch and kills it.
d=$T/ps
PSPORT=$((28000 + $$ % 1000))
mkdir -p "$d"
setsid "$CRL_TARGETS/lazy_checker" "$d" "$MIB" </dev/null >/dev/null 2>&1 &
TPID=$!
disown "$TPID"
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$d/ready" 30 && crl_wait_file "$d/ready2" 30 || fail "ps: target not ready"
pids="$TPID $(cat /proc/$TPID/task/*/children)"
"$CRL_BIN" dump -t "$TPID" -D "$d/img" || fail "ps: dump failed"
mkdir "$d/local" && cp "$d"/img/*.img "$d/local/" && rm "$d"/local/pages-*.img
"$CRL_BIN" page-server -D "$d/img" --address 127.0.0.1 --port "$PSPORT" -d --pidfile "$d/ps.pid" \
	-o "$d/ps.log" -v4 >/dev/null || fail "ps: no page server"
"$CRL_BIN" restore -D "$d/local" -d --lazy-pages --page-server --address 127.0.0.1 --port "$PSPORT" \
	-o "$d/restore.log" -v4 || fail "ps: restore failed: $(grep Error "$d/restore.log")"
kill -KILL "$(cat "$d/ps.pid")"
touch "$d/go"
for p in $pids; do
	for ((i = 0; i < 600; i++)); do alive "$p" && [ ! -s "$d/result.$p" ] || break; sleep 0.05; done
	res=$(cat "$d/result.$p" 2>/dev/null)
	case "$res" in
	PASS | "") alive "$p" && [ -z "$res" ] && fail "ps: pid $p neither finished nor was killed" ;;
	*) fail "ps: pid $p ran on with wrong memory: $res" ;;
	esac
done
grep -q "killing the restored tree" "$d/restore.log" || fail "ps: the lazy-pages server did not kill the tree"
KILLED=$((KILLED + 1))
ok "page server killed during a lazy restore from it: the tree was killed"

# the kills must have hit lazy restores in progress, or this proved nothing
[ "$KILLED" -ge 3 ] || fail "only $KILLED trial(s) caught a restore in progress"
ok "SIGKILL of the lazy-pages server or its guard never left a process on zero-filled memory"
