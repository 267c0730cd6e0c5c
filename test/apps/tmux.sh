# tmux: a server with a pane running top and a window whose shell counts
# (into the progress log and on its pty). After every restore tmux lists the
# same panes on the same ptys, capture-pane shows top redrawing, and the
# count continues from the checkpoint.
. "$(dirname "$0")/lib.sh"
apps_need tmux top
APP_NAME=tmux
APP_PROGRESS=counter
SOCK=$CRL_TMP/tmux.sock
TM="tmux -S $SOCK -f /dev/null"

app_start() {
	local loop="i=0; while :; do i=\$((i+1)); echo \$i >>$APP_LOG; echo tick \$i; sleep 0.1; done"
	in_app setsid $TM new-session -d -s t -x 120 -y 40 "top -d 0.5" </dev/null >/dev/null 2>&1 ||
		apps_fail "tmux new-session failed"
	$TM new-window -d -t t:1 "$loop" || apps_fail "tmux new-window failed"
	APP_PID=$($TM display -p '#{pid}')
	CRL_PIDS="$CRL_PIDS $APP_PID"
	APPS_PANES=$($TM list-panes -a -F '#{pane_pid} #{pane_tty} #{pane_dead} #{pane_current_command}')
}

top_screen() {
	$TM capture-pane -p -t t:0 | awk 'NR <= 3'
}

app_check() {
	local panes s1 s2 i
	panes=$($TM list-panes -a -F '#{pane_pid} #{pane_tty} #{pane_dead} #{pane_current_command}') ||
		apps_fail "tmux list-panes after restore failed"
	[ "$panes" = "$APPS_PANES" ] ||
		apps_fail "panes after restore: '$panes', at the start: '$APPS_PANES'"
	s1=$(top_screen)
	echo "$s1" | grep -q '^top - ' && echo "$s1" | grep -q '^Tasks:' ||
		apps_fail "the top pane does not show top: '$s1'"
	for i in $(seq 30); do
		sleep 0.1
		s2=$(top_screen)
		[ "$s2" != "$s1" ] && return 0
	done
	apps_fail "top does not redraw after restore: '$s2'"
}

apps_run_steps
