#!/bin/bash
# restore --lazy-pages with every process of the tool killed at once: the
# restore command and the lazy-pages server and its guard (their own session)
# get SIGKILL together, by process group, during the restore, right after it
# returned, and later. lazy_checker (a process and its child, 128 MiB each)
# checks every word of its memory from the end backwards while the server
# pushes from the start. Every process must then either report PASS or be
# killed: never CORRUPT (a zero page where contents were), never hang. Before
# the processes kept their own uffd and alarm pipe (restore-lazy-keep.c) the
# kernel released the uffds with the helpers and the checkers read zeros.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
MIB=${LAZY_KILL_MIB:-128}
CAUGHT=0

alive() {
	[ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# helper LOG N: the pid the restore logged for the server (1) or the guard (2).
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

# trial NAME WHEN: kill the whole tool WHEN seconds after restore returned, or "during" it.
trial() {
	local name=$1 when=$2 d=$T/$1 pids rpid gpid p res n_pass=0 n_dead=0 i
	mkdir -p "$d"
	setsid "$CRL_TARGETS/lazy_checker" "$d" "$MIB" </dev/null >/dev/null 2>&1 &
	TPID=$!
	disown "$TPID"
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$d/ready" 30 && crl_wait_file "$d/ready2" 30 || fail "$name: target not ready"
	pids="$TPID $(cat /proc/$TPID/task/*/children)"
	"$CRL_BIN" dump -t "$TPID" -D "$d/img" || fail "$name: dump failed"
	# the restore in its own process group, so that one kill reaches all of it
	setsid "$CRL_BIN" restore -D "$d/img" -d --lazy-pages -o "$d/restore.log" -v4 </dev/null &
	rpid=$!
	gpid=$(helper "$d/restore.log" 2) || fail "$name: the restore never named its helpers"
	CRL_PIDS="$CRL_PIDS $(helper "$d/restore.log" 1) $gpid"
	# the helpers' process group (lz_detach: setsid in their first ancestor)
	hpg=$(awk '{print $5}' "/proc/$gpid/stat" 2>/dev/null)
	[ -n "$hpg" ] || fail "$name: the guard is gone before the kill"
	if [ "$when" = during ]; then
		kill -KILL -- "-$rpid" "-$hpg" 2>/dev/null
		wait "$rpid" 2>/dev/null
	else
		wait "$rpid" || fail "$name: restore --lazy-pages failed: $(grep Error "$d/restore.log")"
		touch "$d/go"
		sleep "$when"
		kill -KILL -- "-$hpg" 2>/dev/null
	fi
	touch "$d/go"
	grep -q "every page is in" "$d/restore.log" || CAUGHT=$((CAUGHT + 1))
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
	ok "$name: $n_pass process(es) completed, $n_dead killed, none ran on with wrong memory"
}

trial during during
trial at-once 0
trial after-50ms 0.05
trial after-300ms 0.3
trial after-1s 1
# the kills must have hit lazy restores in progress, or this proved nothing
[ "$CAUGHT" -ge 3 ] || fail "only $CAUGHT trial(s) caught a lazy restore in progress"
ok "the whole tool killed at once never left a process on zero-filled memory"
