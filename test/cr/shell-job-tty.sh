# --shell-job and the terminal's state: a job that put its terminal in raw
# mode with unusual VMIN/VTIME and control characters, a lower speed, a
# window size and exclusive mode is dumped, and restored by a tool running on
# a fresh terminal (default settings, another window size). The restored job
# checks from inside that every termios field, the window size and exclusive
# mode are back, and that it got no SIGWINCH from the restore.
. "$(dirname "$0")/lib.sh"
crl_need_root
PTY_RUN="/usr/bin/python3 $(dirname "$0")/pty-run.py"
RES=$CRL_TMP/res

$PTY_RUN "$CRL_TMP/tty1" sh -c "'$CRL_TARGETS/tty_state' '$RES'; echo shell-done" &
PTY1=$!
CRL_PIDS="$CRL_PIDS $PTY1"
crl_wait_file "$RES.ready" 10 ||
	fail "the job did not start: $(cat "$RES.out" "$CRL_TMP/tty1" 2>/dev/null)"
TPID=$(cat "$RES.pid")

"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --shell-job -o "$CRL_TMP/dump.log" -v4 ||
	fail "dump --shell-job failed: $(grep Error "$CRL_TMP/dump.log")"
wait "$PTY1" 2>/dev/null
[ -d "/proc/$TPID" ] && fail "the dumped job still runs"
$CRIT show "$CRL_TMP/img/tty-info.img" >"$CRL_TMP/tty-info.json" || fail "crit cannot decode tty-info.img"
python3 - "$CRL_TMP/tty-info.json" <<'PY' || fail "tty-info.img does not hold the job's settings"
import json, sys
e = json.load(open(sys.argv[1]))["entries"][0]
assert (e["winsize"]["ws_row"], e["winsize"]["ws_col"]) == (37, 123), e["winsize"]
assert e["termios"]["c_cc"][6] == 3 and e["termios"]["c_cc"][5] == 7, e["termios"]["c_cc"]
assert e["exclusive"], e
PY
ok "dump --shell-job: tty-info.img holds 37x123, VMIN 3, VTIME 7, exclusive"

touch "$RES.go"
$PTY_RUN --size 24x80 "$CRL_TMP/tty2" "$CRL_BIN" restore -D "$CRL_TMP/img" --shell-job \
	-o "$CRL_TMP/rst.log" -v4
rc=$?
[ "$(cat "$RES.out" 2>/dev/null)" = PASS ] ||
	fail "restored job: $(cat "$RES.out" 2>/dev/null) (restore exit $rc: $(grep Error "$CRL_TMP/rst.log"))"
[ $rc = 0 ] || fail "restore --shell-job exited $rc"
ok "restore --shell-job on a fresh 24x80 terminal: the job finds its termios (all c_cc), 37x123 and exclusive mode, no SIGWINCH"
exit 0
