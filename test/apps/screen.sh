# screen: a session whose window's shell counts (into the progress log and
# on its pty). After every restore `screen -ls` lists the session attached
# to the restored server, and a hardcopy of the window shows the count going
# on from the checkpoint.
. "$(dirname "$0")/lib.sh"
apps_need screen
APP_NAME=screen
APP_PROGRESS=counter
export SCREENDIR=$CRL_TMP/screens

app_start() {
	local loop="i=0; while :; do i=\$((i+1)); echo \$i >>$APP_LOG; echo tick \$i; sleep 0.1; done"
	mkdir -m 700 "$SCREENDIR"
	apps_spawn "$CRL_TMP/screen.out" env SCREENDIR="$SCREENDIR" TERM=xterm \
		screen -D -m -S s -c /dev/null bash -c "$loop"
}

app_check() {
	local ls hc=$CRL_TMP/hardcopy last
	ls=$(screen -ls)
	echo "$ls" | grep -q "^[[:space:]]$APP_PID\.s[[:space:]]" ||
		apps_fail "screen -ls does not list session $APP_PID.s: $ls"
	rm -f "$hc"
	screen -S "$APP_PID.s" -X hardcopy "$hc" || apps_fail "screen -X hardcopy failed"
	apps_wait_for 5 test -s "$hc" || apps_fail "no hardcopy written"
	last=$(awk '/^tick [0-9]+$/ {n = $2} END {print n + 0}' "$hc")
	[ "$last" -ge "$APPS_FIRST" ] ||
		apps_fail "the window shows tick $last, the log is at $APPS_FIRST: $(tail -3 "$hc")"
}

apps_run_steps
