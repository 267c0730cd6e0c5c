# --shell-job: a job started by a shell on a terminal is dumped with its
# terminal fds (tty-info.img, TTY file entries) and restored by a tool running
# on another terminal: the job's fds 0-2 are that terminal, it is the
# controlling terminal and the job is in its foreground group, and what the
# job writes shows on it. Without --shell-job dump and restore refuse clearly,
# and the target is unharmed.
. "$(dirname "$0")/lib.sh"
crl_need_root
PTY_RUN="/usr/bin/python3 $(dirname "$0")/pty-run.py"
RES=$CRL_TMP/res

# The job: a child of a non-interactive shell that owns the terminal.
$PTY_RUN "$CRL_TMP/tty1" sh -c "'$CRL_TARGETS/shell_job' '$RES'; echo shell-done" &
PTY1=$!
CRL_PIDS="$CRL_PIDS $PTY1"
crl_wait_file "$RES.ready" 10 || fail "the job did not start: $(cat "$CRL_TMP/tty1")"
TPID=$(cat "$RES.pid")

if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img-no" --leave-running 2>"$CRL_TMP/err"; then
	fail "dump of a job holding its terminal succeeded without --shell-job"
fi
grep -Eq "unsupported fd [0-9]+ of $TPID: tty.*--shell-job" "$CRL_TMP/err" ||
	fail "unclear refusal: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
ok "without --shell-job: $(grep -o 'unsupported fd.*' "$CRL_TMP/err" | head -1); target running"

"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --shell-job -o "$CRL_TMP/dump.log" -v4 ||
	fail "dump --shell-job failed: $(grep Error "$CRL_TMP/dump.log")"
wait "$PTY1" 2>/dev/null
[ -d "/proc/$TPID" ] && fail "the dumped job still runs"
$CRIT show "$CRL_TMP/img/tty-info.img" >"$CRL_TMP/tty-info.json" || fail "crit cannot decode tty-info.img"
grep -q '"PTY"' "$CRL_TMP/tty-info.json" || fail "tty-info.img has no PTY entry"
$CRIT show "$CRL_TMP/img/files.img" >"$CRL_TMP/files.json" || fail "crit cannot decode files.img"
grep -q '"TTY"' "$CRL_TMP/files.json" || fail "files.img has no TTY entry"
ok "dump --shell-job: tty-info.img and TTY file entries decode with crit"

touch "$RES.go"
if "$CRL_BIN" restore -D "$CRL_TMP/img" </dev/null >"$CRL_TMP/rout" 2>&1; then
	fail "restore of a terminal succeeded without --shell-job"
fi
grep -q -- "--shell-job" "$CRL_TMP/rout" || fail "unclear restore refusal: $(cat "$CRL_TMP/rout")"
[ -d "/proc/$TPID" ] && fail "a refused restore left pid $TPID behind"
ok "restore without --shell-job: $(grep -o 'tty file.*' "$CRL_TMP/rout" | head -1)"

# The tool on a new terminal, in the foreground: it waits for the job.
$PTY_RUN "$CRL_TMP/tty2" "$CRL_BIN" restore -D "$CRL_TMP/img" --shell-job -o "$CRL_TMP/rst.log" -v4
rc=$?
[ "$(cat "$RES.out" 2>/dev/null)" = PASS ] ||
	fail "restored job: $(cat "$RES.out" 2>/dev/null) (restore exit $rc: $(grep Error "$CRL_TMP/rst.log"))"
[ $rc = 0 ] || fail "restore --shell-job exited $rc"
grep -q "hello from the shell job, pid $TPID" "$CRL_TMP/tty2" ||
	fail "the job's line is not on the new terminal: $(cat "$CRL_TMP/tty2")"
ok "restore --shell-job: fds 0-2 on the tool's terminal, controlling, foreground; the job wrote to it"
exit 0
