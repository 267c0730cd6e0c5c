# Files that refer to something outside the dumped tree, refused by dump as
# CRIU refuses them, naming the fd, with the target left running: an epoll
# instance watching a pipe only its (undumped) parent holds, and a pidfd of
# that parent.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

# start_child epoll|pidfd: a python parent and its child (TPID), which holds the thing.
start_child() {
rm -f "$CRL_TMP/child.pid"
/usr/bin/python3 - "$CRL_TMP/child.pid" "$1" <<'PY' &
import os, select, sys, time
ep = select.epoll()
r, w = os.pipe()
ep.register(r, select.EPOLLIN)
parent = os.getpid()
pid = os.fork()
if pid == 0:
    os.setsid()
    os.close(r); os.close(w)
    if sys.argv[2] == "pidfd":
        ep.close()
        pfd = os.pidfd_open(parent)
    for fd in range(3):
        os.dup2(os.open("/dev/null", os.O_RDWR), fd)
    time.sleep(60)
    os._exit(0)
open(sys.argv[1] + ".tmp", "w").write(str(pid))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
os.waitpid(pid, 0)
PY
PYPID=$!
disown "$PYPID" 2>/dev/null
CRL_PIDS="$CRL_PIDS $PYPID"
crl_wait_file "$CRL_TMP/child.pid" 10 || fail "the python target did not start"
TPID=$(cat "$CRL_TMP/child.pid")
CRL_PIDS="$CRL_PIDS $TPID"
sleep 0.2
}

start_child epoll
if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" 2>"$CRL_TMP/err"; then
	fail "dump of an epoll watching a file outside the tree succeeded"
fi
grep -Eq "epoll fd [0-9]+ of $TPID watches fd [0-9]+ .*outside the tree" "$CRL_TMP/err" ||
	fail "unclear error: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
ok "refused: $(grep -o 'epoll fd.*' "$CRL_TMP/err" | head -1); target alive"
kill -KILL "$TPID"

start_child pidfd
if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img2" 2>"$CRL_TMP/err"; then
	fail "dump of a pidfd of a process outside the tree succeeded"
fi
grep -Eq "unsupported fd [0-9]+ of $TPID: pidfd of pid $PYPID, which is not in the dumped tree" \
	"$CRL_TMP/err" || fail "unclear error: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
ok "refused: $(grep -o 'unsupported fd.*' "$CRL_TMP/err" | head -1); target alive"
exit 0
