# redis-server under a redis-cli loop (INCR, then SET of the value): the
# counter continues from the checkpoint after every restore, the keys set
# before it are there, and a key written at the start keeps its value.
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
	v=$(rcli incr counter) && [ -n "$v" ] && echo "$v" >>"$APP_LOG" &&
		rcli set "k:$v" "$v" >/dev/null
	sleep 0.05
}

app_check() {
	local v k
	[ "$(rcli get marker)" = "m-$$" ] || apps_fail "key marker is '$(rcli get marker)'"
	k=$((APPS_FIRST - 1))
	v=$(rcli get "k:$k")
	[ "$v" = "$k" ] || apps_fail "key k:$k (set before the checkpoint) is '$v'"
	v=$(rcli info server | tr -d '\r' | awk -F: '/^process_id:/ {print $2}')
	[ "$v" = "$APP_PID" ] || apps_fail "INFO process_id is '$v', not $APP_PID"
}

apps_run_steps
