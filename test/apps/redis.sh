# redis-server under a redis-cli loop (INCR, then SET k:VALUE): the counter
# continues from the checkpoint after every restore, the key of the last
# value seen before the dump is there, a key written at the start keeps its
# value, and INFO names the restored pid.
. "$(dirname "$0")/lib.sh"
apps_need redis-server redis-cli
APP_NAME=redis
APP_PROGRESS=counter

rcli() {
	in_client timeout 5 redis-cli -h "$APPS_ADDR" "$@"
}

app_start() {
	apps_spawn "$CRL_TMP/redis.log" redis-server --port 6379 --bind "$APPS_ADDR" \
		--protected-mode no --save '' --appendonly no --daemonize no \
		--dir "$CRL_TMP" --logfile ''
	apps_wait_for 10 rcli ping || apps_fail "redis-server does not answer"
	rcli set marker "m-$$" >/dev/null
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
