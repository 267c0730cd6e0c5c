# tmux: a server holding a pty master for its pane, whose shell loop counts
# on the slave (its controlling terminal, in its foreground group). The
# server's tree is dumped (the tree dies), restored, and tmux itself reports
# the pane alive on the same pty, and what capture-pane shows keeps counting.
# Refused on main ("unsupported fd ...: tty"). Skips without tmux.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
SOCK=$CRL_TMP/tmux.sock
TM="tmux -S $SOCK -f /dev/null"
LOOP='i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'

# The last "tick N" the pane shows.
last_tick() {
	$TM capture-pane -p -t t 2>/dev/null | awk '/^tick [0-9]+$/ {n = $2} END {print n + 0}'
}

setsid $TM new-session -d -s t -x 100 -y 30 "$LOOP" </dev/null >/dev/null 2>&1 ||
	fail "tmux new-session failed"
SPID=$($TM display -p '#{pid}')
CRL_PIDS="$CRL_PIDS $SPID"
sleep 1
BEFORE=$($TM list-panes -t t -F '#{pane_pid} #{pane_tty} #{pane_dead}')
T0=$(last_tick)
[ "$T0" -gt 0 ] || fail "the pane does not count: $($TM capture-pane -p -t t)"
ok "tmux server $SPID, pane: $BEFORE, at tick $T0"

"$CRL_BIN" dump -t "$SPID" -D "$CRL_TMP/img" -o "$CRL_TMP/dump.log" -v4 ||
	fail "dump of the tmux server failed: $(grep Error "$CRL_TMP/dump.log")"
# Gone, or a zombie until its (outside) parent reaps it.
ST=$(awk '/^State:/ {print $2}' "/proc/$SPID/status" 2>/dev/null)
[ -n "$ST" ] && [ "$ST" != Z ] && fail "the dumped server still runs (state $ST)"
ok "dumped: $(grep -c . "$CRL_TMP/dump.log") log lines, the server is gone"

for i in $(seq 50); do [ -d "/proc/$SPID" ] || break; sleep 0.1; done
[ -d "/proc/$SPID" ] && fail "pid $SPID is still held (a zombie nobody reaps)"
"$CRL_BIN" restore -D "$CRL_TMP/img" -d -o "$CRL_TMP/rst.log" -v4 ||
	fail "restore failed: $(grep Error "$CRL_TMP/rst.log")"
AFTER=$($TM list-panes -t t -F '#{pane_pid} #{pane_tty} #{pane_dead}') ||
	fail "tmux list-panes after restore failed"
[ "$AFTER" = "$BEFORE" ] || fail "pane after restore: '$AFTER', before: '$BEFORE'"
T1=$(last_tick)
sleep 1.5
T2=$(last_tick)
[ "$T1" -ge "$T0" ] && [ "$T2" -gt "$T1" ] ||
	fail "the pane does not count on: ticks $T0 before, $T1 then $T2 after restore"
$TM send-keys -t t C-c
sleep 0.5
$TM kill-server 2>/dev/null
ok "restored: list-panes '$AFTER'; capture-pane counts on ($T0 -> $T1 -> $T2)"
exit 0
