# node: an HTTP server counting requests in its heap, under a curl loop.
# After every restore the answers go on with the count continuing from the
# checkpoint.
. "$(dirname "$0")/lib.sh"
apps_need node curl
APP_NAME=node
APP_PROGRESS=counter
URL=http://$APPS_ADDR:8080

app_start() {
	apps_spawn "$CRL_TMP/node.log" node "$(dirname "$0")/progs/counter-server.js" "$APPS_ADDR"
	apps_wait_for 20 in_client curl -sf -m 2 "$URL/hello" || apps_fail "node does not answer"
}

app_client() {
	local v
	v=$(in_client curl -sf -m 5 "$URL/count") && echo "$v" >>"$APP_LOG"
	sleep 0.05
}

app_check() {
	local v
	v=$(in_client curl -sf -m 5 "$URL/hello")
	[ "$v" = "hello from node" ] || apps_fail "GET /hello answers '$v'"
}

apps_run_steps
