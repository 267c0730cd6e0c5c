# redis-server under a redis-cli loop (INCR, then SET k:VALUE): the counter
# continues from the checkpoint after every restore, the key of the last
# value seen before the dump is there, a key written at the start keeps its
# value, and INFO names the restored pid. A long-lived connection from the
# client's namespace survives the dumps that kill the tree and the migration
# (pconn_check).
. "$(dirname "$0")/lib.sh"
apps_need redis-server redis-cli
APP_NAME=redis
APP_PROGRESS=counter
PCONN=$CRL_TMP/pconn.log

rcli() {
	in_client timeout 5 redis-cli -h "$APPS_ADDR" "$@"
}

app_start() {
	apps_spawn "$CRL_TMP/redis.log" redis-server --port 6379 --bind "$APPS_ADDR" \
		--protected-mode no --save '' --appendonly no --daemonize no \
		--dir "$CRL_TMP" --logfile ''
	apps_wait_for 10 rcli ping || apps_fail "redis-server does not answer"
	rcli set marker "m-$$" >/dev/null
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		exec ip netns exec "$NS_C" /usr/bin/python3 "$(dirname "$0")/progs/resp-conn.py" \
			"$APPS_ADDR" 6379 "$PCONN" 400
	) </dev/null >/dev/null 2>&1 &
	disown $!
	apps_wait_for 10 grep -q '^1$' "$PCONN" || apps_fail "the long-lived connection gets no answer"
}

# The long-lived connection (progs/resp-conn.py) from C: its answers since
# the step began.
app_step_begin() {
	PCONN_MARK=$(wc -l <"$PCONN")
}

# Where the tree died (dump, migration) the connection survives: no
# reconnect and its counter goes on one by one, nothing lost or repeated.
# Where the original was killed it breaks, and reconnects to the restored
# copy. Either way it answers after the restore.
pconn_has() {
	[ "$(wc -l <"$PCONN")" -ge "$1" ]
}

pconn_check() {
	local n since
	n=$(wc -l <"$PCONN")
	apps_wait_for 10 pconn_has $((n + 3)) ||
		apps_fail "the long-lived connection gets no answer after restore: $(tail -2 "$PCONN")"
	since=$(tail -n +$((PCONN_MARK + 1)) "$PCONN")
	case $APPS_STEP in
	leave-running | older-checkpoint) since=$(echo "$since" | sed -n '/reconnect/,$p' | grep -v reconnect) ;;
	*) echo "$since" | grep -q reconnect &&
		apps_fail "the long-lived connection broke: $(echo "$since" | tr '\n' ' ')" ;;
	esac
	echo "$since" | awk 'NR > 1 && $1 != p + 1 {exit 1} {p = $1}' ||
		apps_fail "the long-lived connection's counter jumps: $(echo "$since" | tr '\n' ' ')"
}


app_client() {
	local v
	# Logged once both answered: a logged value's key is set.
	v=$(rcli incr counter) && [ -n "$v" ] && [ "$(rcli set "k:$v" "$v")" = OK ] &&
		echo "$v" >>"$APP_LOG"
	sleep 0.05
}

app_check() {
	local v k
	pconn_check
	[ "$(rcli get marker)" = "m-$$" ] || apps_fail "key marker is '$(rcli get marker)'"
	k=$APPS_LO
	v=$(rcli get "k:$k")
	[ "$v" = "$k" ] || apps_fail "key k:$k (set before the checkpoint) is '$v'"
	if [ "$APPS_STEP" = older-checkpoint ]; then
		# k:LAST was set by the original after the first checkpoint: gone
		# with it, as long as the restored counter has not reached LAST.
		v=$(rcli exists "k:$APPS_LAST")
		[ "$v" = 0 ] || [ "$(rcli get counter)" -ge "$APPS_LAST" ] ||
			apps_fail "key k:$APPS_LAST, set after the first checkpoint, is there"
	fi
	v=$(rcli info server | tr -d '\r' | awk -F: '/^process_id:/ {print $2}')
	[ "$v" = "$APP_PID" ] || apps_fail "INFO process_id is '$v', not $APP_PID"
}

apps_run_steps
