# python3 -m http.server serving a directory, under a curl loop: after every
# restore it answers with the file's contents again, and serves a file
# written after the restore.
. "$(dirname "$0")/lib.sh"
apps_need python3 curl
APP_NAME=python-http
APP_PROGRESS=answers
# A thread per request (ThreadingHTTPServer): one in the image may be done.
APPS_STABLE_THREADS=0
URL=http://$APPS_ADDR:8000
WWW=$CRL_TMP/www

app_start() {
	mkdir -p "$WWW"
	echo "page $$" >"$WWW/page.txt"
	apps_spawn "$CRL_TMP/http.log" python3 -m http.server 8000 --bind "$APPS_ADDR" \
		--directory "$WWW"
	apps_wait_for 20 in_client curl -sf -m 2 "$URL/page.txt" || apps_fail "http.server does not answer"
}

# One line per correct answer.
app_client() {
	[ "$(in_client curl -sf -m 5 "$URL/page.txt")" = "page $$" ] && echo ok >>"$APP_LOG"
	sleep 0.05
}

app_check() {
	local v
	echo "new $APPS_STEP" >"$WWW/new-$APPS_STEP.txt"
	v=$(in_client curl -sf -m 5 "$URL/new-$APPS_STEP.txt")
	[ "$v" = "new $APPS_STEP" ] || apps_fail "GET /new-$APPS_STEP.txt answers '$v'"
	grep -q '^python' "/proc/$APP_PID/comm" || apps_fail "pid $APP_PID is '$(cat /proc/$APP_PID/comm)'"
}

apps_run_steps
