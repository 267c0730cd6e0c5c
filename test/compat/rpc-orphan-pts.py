#!/usr/bin/python3
# RPC orphan_pts_master, as runc drives `criu swrk` for a terminal: true
# container: the target's stdio and controlling terminal are a pty slave whose
# master we (the engine) hold. DUMP dumps the slave (window size, termios);
# RESTORE makes a new pair on the same pty number and sends us its master in
# the notify "orphan-pts-master" (SCM_RIGHTS); through it we read the count
# going on and write a line the restored process reads.
# Usage: rpc-orphan-pts.py CRIU_LITE TMPDIR. TAP output; exit 77: no pycriu.
import array, fcntl, os, select, shutil, signal, socket, struct, subprocess, sys
import termios, time
try:
    import pycriu.rpc_pb2 as rpc
except ImportError:
    print("1..0 # SKIP pycriu is not installed (Debian package criu)")
    sys.exit(77)

BIN, TMP = sys.argv[1:3]
shutil.rmtree(TMP, ignore_errors=True)
os.makedirs(TMP)
n = 0
kill_list = []
def ok(msg):
    global n
    n += 1
    print("ok %d - %s" % (n, msg))
def fail(msg):
    print("not ok %d - %s" % (n + 1, msg))
    for p in kill_list:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    sys.exit(1)

def swrk():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([BIN, "swrk", str(b.fileno())], pass_fds=[b.fileno()],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    b.close()
    return a, p

def call(sk, req, notes):
    """The request; notify stages (and the fds they carry) into @notes."""
    sk.send(req.SerializeToString())
    while True:
        msg, anc, _, _ = sk.recvmsg(1 << 20, socket.CMSG_SPACE(4 * 4))
        resp = rpc.criu_resp()
        resp.ParseFromString(msg)
        fds = array.array("i")
        for lvl, typ, data in anc:
            if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - len(data) % 4])
        if resp.type != rpc.NOTIFY:
            return resp
        notes.append((resp.notify.script, list(fds)))
        sk.send(rpc.criu_req(type=rpc.NOTIFY, notify_success=True).SerializeToString())

def opts(req, imgdir, log):
    req.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
    req.opts.work_dir_fd = os.open(TMP, os.O_DIRECTORY)
    req.opts.log_file = log
    req.opts.log_level = 4
    req.opts.orphan_pts_master = True
    req.opts.notify_scripts = True

def read_until(fd, pred, secs=5):
    buf, end = b"", time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            v = pred(buf)
            if v is not None:
                return v, buf
    return None, buf

def last_count(buf):
    nums = [l.strip() for l in buf.split(b"\n")[:-1] if l.strip().isdigit()]
    return int(nums[-1]) if len(nums) >= 2 else None

# the target: a session leader whose controlling terminal and stdio are the slave;
# it counts on the terminal and answers a line read from it
TARGET = r"""
import os, select, sys, time
i = 0
while True:
    i += 1
    os.write(1, b"%d\n" % i)
    if select.select([0], [], [], 0.05)[0]:
        os.write(1, b"got:" + os.read(0, 100).strip() + b"\n")
"""
m, sl = os.openpty()
fcntl.ioctl(sl, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
t = subprocess.Popen([sys.executable, "-c", TARGET], stdin=sl, stdout=sl, stderr=sl,
                     start_new_session=True,
                     preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
kill_list.append(t.pid)
os.close(sl)
c0, _ = read_until(m, last_count)
c0 or fail("the target does not count on its terminal")
img = os.path.join(TMP, "img")
os.makedirs(img)

sk, p = swrk()
req = rpc.criu_req(type=rpc.DUMP)
opts(req, img, "dump.log")
req.opts.pid = t.pid
notes = []
resp = call(sk, req, notes)
resp.success or fail("dump: %s" % resp.cr_errmsg)
t.wait()
sk.close()
p.wait()
ok("DUMP with orphan_pts_master: a console slave whose master we hold is dumped (count %d)"
   % c0)
os.close(m) # the old pair goes away: restore makes the pty number again

# without notify_scripts there is no notify to send the master in: refused by name
sk, p = swrk()
req = rpc.criu_req(type=rpc.RESTORE)
opts(req, img, "restore-no-notify.log")
req.opts.notify_scripts = False
req.opts.rst_sibling = True
resp = call(sk, req, [])
resp.success and fail("restored with orphan_pts_master but no notify_scripts")
"notify_scripts" in open(os.path.join(TMP, "restore-no-notify.log")).read() or \
    fail("no notify_scripts: not named in the log")
sk.close()
p.wait()
ok("RESTORE with orphan_pts_master but without notify_scripts fails naming notify_scripts")

sk, p = swrk()
req = rpc.criu_req(type=rpc.RESTORE)
opts(req, img, "restore.log")
req.opts.rst_sibling = True
notes = []
resp = call(sk, req, notes)
resp.success or fail("restore: %s" % resp.cr_errmsg)
pid = resp.restore.pid
kill_list.append(pid)
sk.close()
p.wait()
got = [fds for s, fds in notes if s == "orphan-pts-master"]
len(got) == 1 and len(got[0]) == 1 or fail("orphan-pts-master notify: %r" % notes)
stages = [s for s, _ in notes]
stages.index("orphan-pts-master") < stages.index("post-restore") or \
    fail("orphan-pts-master after post-restore: %r" % stages)
m2 = got[0][0]
ok("RESTORE sends the new master in the notify orphan-pts-master (stages %s)" %
   ", ".join(stages))
ws = struct.unpack("HHHH", fcntl.ioctl(m2, termios.TIOCGWINSZ, b"\0" * 8))
ws[:2] == (33, 77) or fail("window size after restore: %r" % (ws,))
ok("the new pair has the recorded window size 33x77")
c1, _ = read_until(m2, last_count)
c1 is not None and c1 > c0 or fail("count through the new master: %r (dump at %d)" % (c1, c0))
ok("the restored process counts on through the new master (%d -> %d)" % (c0, c1))
os.write(m2, b"hello-console\n")
v, buf = read_until(m2, lambda b: True if b"got:hello-console" in b else None)
v or fail("the restored process did not read our line: %r" % buf[-200:])
ok("a line written into the new master is read by the restored process")
sid = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[3])
sid == pid or fail("session of the restored process: %d" % sid)
tty_nr = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[4])
tty_nr == os.fstat(os.open("/proc/%d/fd/0" % pid, os.O_RDONLY | os.O_NOCTTY)).st_rdev or \
    fail("the console is not the controlling terminal: tty_nr %#x" % tty_nr)
ok("the restored session leader has the console as controlling terminal")
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
print("1..%d" % n)
