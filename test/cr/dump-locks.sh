# File locks: dump records flock, POSIX and OFD locks in filelocks.img (crit
# decodes it with CRIU's schema), including a flock whose taker has exited;
# a flock taken by a live process outside the tree makes dump fail with a
# message naming the fd, the pid and the lock, and leaves the target running.
. "$(dirname "$0")/lib.sh"
crl_need_root

# start_py SCRIPT READY: runs a python3 target in its own session; sets TPID.
start_py() {
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		exec setsid /usr/bin/python3 "$1" </dev/null >/dev/null 2>&1
	) &
	CRL_PIDS="$CRL_PIDS $!"
	crl_wait_file "$2" 10 || fail "python target $1 did not get ready"
	TPID=$(cat "$2")
}

# 1. The holder of the flock is the target's live parent, outside the tree.
cat >"$CRL_TMP/outside.py" <<PY
import fcntl, os, time
f = open("$CRL_TMP/outside.lock", "w")
fcntl.flock(f, fcntl.LOCK_EX)
pid = os.fork()
if pid == 0:
    open("$CRL_TMP/outside.ready", "w").write(str(os.getpid()))
    time.sleep(100)
    os._exit(0)
time.sleep(100)
PY
start_py "$CRL_TMP/outside.py" "$CRL_TMP/outside.ready"
if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img-out" 2>"$CRL_TMP/err"; then
	fail "dump of a process sharing a flock with its parent succeeded"
fi
grep -Eq "unsupported fd 3 of $TPID: file lock 'FLOCK .*WRITE [0-9]+ .*': held by pid [0-9]+, outside the dumped tree" \
	"$CRL_TMP/err" || fail "unclear refusal: $(cat "$CRL_TMP/err")"
[ "$(grep -c "file lock" "$CRL_TMP/err")" = 1 ] || fail "lock refused twice: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
ok "$(head -1 "$CRL_TMP/err"); target running"

# 2. Every kind, one flock taken by a child that has exited since.
cat >"$CRL_TMP/kinds.py" <<PY
import fcntl, os, struct, time
fl = open("$CRL_TMP/flock.lock", "w")
if os.fork() == 0:
    fcntl.flock(fl, fcntl.LOCK_SH)
    os._exit(0)
os.wait()
px = open("$CRL_TMP/posix.lock", "w")
fcntl.lockf(px, fcntl.LOCK_EX, 200, 100)
ofd = open("$CRL_TMP/ofd.lock", "w")
fcntl.fcntl(ofd, 37, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 4096, 0, 0))
open("$CRL_TMP/kinds.ready", "w").write(str(os.getpid()))
time.sleep(100)
PY
start_py "$CRL_TMP/kinds.py" "$CRL_TMP/kinds.ready"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img-kinds" --leave-running 2>"$CRL_TMP/err" ||
	fail "dump with flock, POSIX and OFD locks: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
$CRIT show "$CRL_TMP/img-kinds/filelocks.img" >"$CRL_TMP/locks.json" ||
	fail "crit cannot decode filelocks.img"
/usr/bin/python3 - "$CRL_TMP/locks.json" "$TPID" <<'PY' || fail "filelocks.img content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["magic"] == "FILE_LOCKS", d["magic"]
got = sorted((e["flag"], e["type"], e["pid"], e["start"], e["len"]) for e in d["entries"])
pid = int(sys.argv[2])
want = [(1, 1, pid, 100, 200), (2, 0, pid, 0, 0), (4, 1, pid, 4096, 0)]
if got != want:
    sys.exit("entries %s, expected %s" % (got, want))
PY
"$CRL_BIN" show "$CRL_TMP/img-kinds/filelocks.img" >/dev/null || fail "criu-lite show filelocks.img"
ok "flock (taker exited), POSIX 100+200 and OFD 4096+EOF locks in filelocks.img, crit decodes it"

# 3. Restore fails after the threads exist: a two-thread process whose flock
# someone else holds by then. The failure must come back at once (reaping a
# traced thread's zombie is what waiting for the root needs) and leave nothing.
cat >"$CRL_TMP/thr.py" <<PY
import fcntl, os, threading, time
f = open("$CRL_TMP/thr.lock", "w")
fcntl.flock(f, fcntl.LOCK_EX)
threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
open("$CRL_TMP/thr.ready", "w").write(str(os.getpid()))
time.sleep(100)
PY
start_py "$CRL_TMP/thr.py" "$CRL_TMP/thr.ready"
pid=$TPID
"$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img-thr" 2>"$CRL_TMP/err" || fail "dump: $(cat "$CRL_TMP/err")"
while [ -d "/proc/$pid" ]; do sleep 0.05; done
/usr/bin/python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("1")
time.sleep(100)' "$CRL_TMP/thr.lock" "$CRL_TMP/holder.ready" </dev/null >/dev/null 2>&1 &
CRL_PIDS="$CRL_PIDS $!"
crl_wait_file "$CRL_TMP/holder.ready" 10 || fail "lock holder did not start"
timeout 20 "$CRL_BIN" restore -D "$CRL_TMP/img-thr" 2>"$CRL_TMP/err"
rc=$?
[ $rc = 0 ] && fail "restore took a flock someone else holds"
[ $rc = 124 ] && fail "restore hung after failing: $(cat "$CRL_TMP/err")"
grep -q "cannot take its flock write lock on fd" "$CRL_TMP/err" || fail "unclear error: $(cat "$CRL_TMP/err")"
[ -d "/proc/$pid" ] && fail "pid $pid left behind"
ok "conflicting flock at restore: $(head -1 "$CRL_TMP/err"), two-thread process gone"
exit 0
