# --freeze-cgroup: a tree alone in a freezer cgroup (v1, and cgroup2 where
# it has cgroup.freeze) is frozen through it and seized. After dump -R the
# cgroup is THAWED and the tree runs on with its memory intact; a plain dump
# restores; a dump whose tool group is SIGKILLed while the cgroup is frozen
# leaves it THAWED (the keeper) and the tree running; a cgroup holding a
# process outside the tree is refused, and left thawed.
. "$(dirname "$0")/lib.sh"
crl_need_root

FZ=""
cleanup_fz() {
	local i
	crl_cleanup
	[ -n "$FZ" ] && [ -d "$FZ" ] || return 0
	echo THAWED >"$FZ/freezer.state" 2>/dev/null
	[ -f "$FZ/cgroup.freeze" ] && echo 0 >"$FZ/cgroup.freeze"
	for i in $(seq 40); do
		kill -KILL $(cat "$FZ/cgroup.procs") 2>/dev/null
		rmdir "$FZ" 2>/dev/null && break
		sleep 0.05
	done
}
trap cleanup_fz EXIT

# start_in DIR RES: dump-mem with a child, started inside cgroup DIR; sets TPID.
start_in() {
	rm -f "$2"*
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		echo $BASHPID >"$1/cgroup.procs"
		exec setsid "$CRL_TARGETS/dump-mem" "$2" -c </dev/null >/dev/null 2>&1
	) &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$2.ready" 10 || fail "target did not get ready"
}

# thawed DIR: the cgroup is not frozen (v1 state THAWED, cgroup2 cgroup.freeze 0).
thawed() {
	if [ -f "$1/freezer.state" ]; then
		[ "$(cat "$1/freezer.state")" = THAWED ]
	else
		[ "$(cat "$1/cgroup.freeze")" = 0 ]
	fi
}

run_case() { # DIR LABEL
	local d=$1 l=$2 res="$CRL_TMP/res-$2" c
	start_in "$d" "$res"
	"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/$l-r" -R --freeze-cgroup "$d" -v3 \
		-o "$CRL_TMP/$l-r.log" || fail "$l: dump -R: $(grep Error "$CRL_TMP/$l-r.log")"
	grep -q "frozen (cgroup)" "$CRL_TMP/$l-r.log" || fail "$l: the log does not say the cgroup froze it"
	thawed "$d" || fail "$l: cgroup left frozen after dump -R"
	crl_check_alive "$TPID"
	crl_check_memory "$TPID" "$res"
	ok "$l: dump -R --freeze-cgroup, cgroup thawed, tree intact"

	# killed: SIGKILL to the tool's whole process group while the cgroup is frozen
	rm -f "$CRL_TMP/err"
	CRL_DUMP_PAUSE_AT=seize-frozen setsid "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/$l-k" -R \
		--freeze-cgroup "$d" 2>"$CRL_TMP/err" &
	crl_wait_file "$CRL_TMP/err" 10 || fail "$l: tool never paused"
	grep -q "paused at seize-frozen" "$CRL_TMP/err" || fail "$l: $(cat "$CRL_TMP/err")"
	thawed "$d" && fail "$l: the cgroup is not frozen at the pause"
	kill -KILL -- -"$(ps -o pgid= -p $! | tr -d ' ')"
	for c in $(seq 100); do thawed "$d" && break; sleep 0.05; done
	thawed "$d" || fail "$l: a killed dump left the cgroup frozen"
	crl_wait_untraced "$TPID" || fail "$l: target still traced after the kill"
	crl_check_alive "$TPID"
	crl_check_memory "$TPID" "$res"
	ok "$l: killed dump: cgroup thawed by the keeper, tree intact"

	# a process of the cgroup outside the tree: refused, thawed, the tree runs on
	(echo $BASHPID >"$d/cgroup.procs"; exec sleep 1000) </dev/null >/dev/null 2>&1 &
	c=$!
	sleep 0.2
	"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/$l-x" -R --freeze-cgroup "$d" 2>"$CRL_TMP/err" &&
		fail "$l: dump of a cgroup with a stranger succeeded"
	grep -q "pid $c is in the freezer cgroup .* but not in the tree" "$CRL_TMP/err" ||
		fail "$l: refusal: $(cat "$CRL_TMP/err")"
	kill -KILL $c
	thawed "$d" || fail "$l: refused dump left the cgroup frozen"
	crl_check_alive "$TPID"
	ok "$l: a stranger in the cgroup is refused by pid"

	# plain dump (the tree dies), restore: the restored tree checks itself
	"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/$l-d" --freeze-cgroup "$d" ||
		fail "$l: plain dump failed"
	thawed "$d" || fail "$l: cgroup left frozen after the dump"
	for c in $(seq 100); do [ -d /proc/$TPID ] || break; sleep 0.05; done
	"$CRL_BIN" restore -D "$CRL_TMP/$l-d" -d || fail "$l: restore failed"
	crl_check_alive "$TPID"
	crl_check_memory "$TPID" "$res"
	grep -q "^[0-9]*:freezer:.*" /proc/$TPID/cgroup
	kill -KILL "$TPID" $(cat /proc/$TPID/task/*/children 2>/dev/null)
	ok "$l: dump --freeze-cgroup and restore"
}

if [ -d /sys/fs/cgroup/freezer ]; then
	FZ=/sys/fs/cgroup/freezer/crl-fz-$$
	mkdir "$FZ" || fail "mkdir $FZ"
	run_case "$FZ" v1
	sleep 0.2
	rmdir "$FZ" && FZ=""
fi
U=/sys/fs/cgroup/unified
[ -d /sys/fs/cgroup/unified ] || U=/sys/fs/cgroup
if [ -f "$U/cgroup.procs" ] && grep -q cgroup2 /proc/mounts; then
	FZ=$U/crl-fz-$$
	mkdir "$FZ" || fail "mkdir $FZ"
	if [ -f "$FZ/cgroup.freeze" ]; then
		run_case "$FZ" v2
	else
		echo "cgroup2 without cgroup.freeze: v2 case skipped"
	fi
	sleep 0.2
	rmdir "$FZ" && FZ=""
fi
exit 0
