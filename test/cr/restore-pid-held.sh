# A pid number stays taken while any process has it as its process group or
# session id, though /proc/PID is gone. A checkpoint whose root led a session
# restores only once the session is empty: a process left in it (not in the
# checkpoint) makes the restore fail with one line naming that process, which
# is left running; once it is gone the restore goes through, even when its end
# is still being reaped as the restore starts.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

(
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
	done
	exec setsid /usr/bin/python3 -c '
import os, signal, subprocess, sys, time
d = sys.argv[1]
def spawn(*_):
    k = subprocess.Popen(["sleep", "600"])
    open(d + "/kid.tmp", "w").write(str(k.pid))
    os.rename(d + "/kid.tmp", d + "/kid")
signal.signal(signal.SIGUSR1, spawn)
n = 0
open(d + "/ready", "w").write("1")
while True:
    n += 1
    open(d + "/beat.tmp", "w").write(str(n))
    os.rename(d + "/beat.tmp", d + "/beat")
    time.sleep(0.05)
' "$CRL_TMP" </dev/null >/dev/null 2>&1
) &
P=$!
CRL_PIDS="$CRL_PIDS $P"
crl_wait_file "$CRL_TMP/ready" 10 || fail "the python root did not start"

"$CRL_BIN" dump -t "$P" -D "$CRL_TMP/img" -R -o "$CRL_TMP/dump.log" 2>"$CRL_TMP/err" ||
	fail "dump -R failed: $(cat "$CRL_TMP/err")"
kill -USR1 "$P"
crl_wait_file "$CRL_TMP/kid" 5 || fail "the root did not start its late child"
K=$(cat "$CRL_TMP/kid")
CRL_PIDS="$CRL_PIDS $K"
[ "$(ps -o sid= -p "$K" | tr -d ' ')" = "$P" ] || fail "child $K is not in session $P"
kill -KILL "$P"
i=0
while [ -d "/proc/$P" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "pid $P is still there"
	sleep 0.05
done

# 1. the late child still has session P: refused, naming it; it runs on.
"$CRL_BIN" restore -D "$CRL_TMP/img" -d >"$CRL_TMP/out" 2>&1 &&
	fail "restore went through while pid $P is session $P of pid $K"
grep -q "pid $P is still the process group or session id of pid $K" "$CRL_TMP/out" ||
	fail "unclear refusal: $(cat "$CRL_TMP/out")"
[ -d "/proc/$P" ] && fail "the failed restore left pid $P behind"
crl_check_alive "$K"
ok "refused while pid $K holds session $P: $(head -1 "$CRL_TMP/out")"

# 2. the child is killed and the restore started at once: it waits for the
# reap and goes through; the restored root runs on.
kill -KILL "$K"
"$CRL_BIN" restore -D "$CRL_TMP/img" -d >"$CRL_TMP/out" 2>&1 ||
	fail "restore right after the session emptied failed: $(cat "$CRL_TMP/out")"
crl_check_alive "$P"
b0=$(cat "$CRL_TMP/beat")
sleep 0.3
b1=$(cat "$CRL_TMP/beat")
[ "$b1" -gt "$b0" ] || fail "the restored root does not run on: beat $b0 -> $b1"
ok "restored once the session emptied; beat $b0 -> $b1"
