# An epoll instance that watches a file no process of the dumped tree holds
# (the pipe lives in the parent, which is not dumped): dump refuses it, as
# CRIU does, naming the epoll fd and the item, and the target runs on.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

/usr/bin/python3 - "$CRL_TMP/child.pid" <<'PY' &
import os, select, sys, time
ep = select.epoll()
r, w = os.pipe()
ep.register(r, select.EPOLLIN)
pid = os.fork()
if pid == 0:
    os.setsid()
    os.close(r); os.close(w)
    for fd in range(3):
        os.dup2(os.open("/dev/null", os.O_RDWR), fd)
    time.sleep(60)
    os._exit(0)
open(sys.argv[1] + ".tmp", "w").write(str(pid))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
os.waitpid(pid, 0)
PY
PYPID=$!
CRL_PIDS="$CRL_PIDS $PYPID"
crl_wait_file "$CRL_TMP/child.pid" 10 || fail "the python target did not start"
TPID=$(cat "$CRL_TMP/child.pid")
CRL_PIDS="$CRL_PIDS $TPID"
sleep 0.2
if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" 2>"$CRL_TMP/err"; then
	fail "dump of an epoll watching a file outside the tree succeeded"
fi
grep -Eq "epoll fd [0-9]+ of $TPID watches fd [0-9]+ .*outside the tree" "$CRL_TMP/err" ||
	fail "unclear error: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
ok "refused: $(grep -o 'epoll fd.*' "$CRL_TMP/err" | head -1); target alive"
exit 0
