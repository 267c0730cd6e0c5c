# The root of the tree (-t) exits: the dump fails, naming it, instead of
# writing an image of a dead task and exiting 0. A zombie root is refused;
# a root SIGKILLed while frozen (at varying points of the dump) makes the
# dump fail within seconds with one first line naming the process, never
# "Connection timed out" after the 10 s injection timeout.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

# 1. a zombie root: its parent (the subshell, by then sleep) never reaps it.
(
	sh -c 'sleep 0.3; exit 3' &
	echo $! >"$CRL_TMP/zpid"
	exec sleep 60
) </dev/null >/dev/null 2>&1 &
CRL_PIDS="$CRL_PIDS $!"
crl_wait_file "$CRL_TMP/zpid" 5 || fail "no zombie"
z=$(cat "$CRL_TMP/zpid")
i=0
while [ "$(awk '{print $3}' "/proc/$z/stat" 2>/dev/null)" != Z ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "pid $z did not become a zombie"
	sleep 0.05
done
"$CRL_BIN" dump -t "$z" -D "$CRL_TMP/zimg" >"$CRL_TMP/out" 2>&1 && fail "dumped zombie $z, exit 0"
grep -q "dump: pid $z (-t) has exited: there is no process to dump" "$CRL_TMP/out" ||
	fail "unclear refusal of a zombie root: $(cat "$CRL_TMP/out")"
ok "zombie root refused: $(head -1 "$CRL_TMP/out")"

# 2. the root is SIGKILLed once the tree is frozen, after a varying delay.
for delay in 0 0.01 0.02 0.05 0.1; do
	crl_start_target dump-mem "$CRL_TMP/res" -m 64
	pid=$TPID
	rm -f "$CRL_TMP/log"
	"$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img-$delay" -v4 -o "$CRL_TMP/log" \
		2>"$CRL_TMP/err" &
	dpid=$!
	i=0
	until grep -q 'processes stopped' "$CRL_TMP/log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 500 ] && fail "the dump never froze the tree"
		sleep 0.01
	done
	sleep "$delay"
	kill -KILL "$pid"
	t0=$SECONDS
	wait "$dpid"
	rc=$?
	wait "$pid" 2>/dev/null
	[ $((SECONDS - t0)) -le 5 ] || fail "delay $delay: the dump took $((SECONDS - t0)) s to notice"
	grep -q 'timed out' "$CRL_TMP/err" && fail "delay $delay: $(cat "$CRL_TMP/err")"
	if [ $rc = 0 ]; then
		# Killed after the images were written: they must show it alive.
		"$CRL_BIN" show "$CRL_TMP/img-$delay/core-$pid.img" | grep -q 'task_state: 1$' ||
			fail "delay $delay: exit 0 with the root not alive in its image"
		ok "delay $delay: killed after the dump"
		continue
	fi
	# Whatever failed first, the last line says which process went away.
	tail -1 "$CRL_TMP/err" | grep -q "process $pid exited during the dump" ||
		fail "delay $delay: the summary does not name $pid: $(cat "$CRL_TMP/err")"
	ok "delay $delay: exit $rc, $(tail -1 "$CRL_TMP/err")"
done
exit 0
