#!/usr/bin/python3
# The criu_opts fields runc 1.1 sends (../shared trace; docs/containers.md),
# driven as runc drives `criu swrk`, on a process whose stdout is a pipe:
#  - log_file lands in work_dir_fd, also when a field is refused (runc shows it)
#  - config_file is read like --config over the request (leave-running in it
#    keeps the target running); a missing one is skipped
#  - restore with rst_sibling: the restored root is the caller's child
#  - inherit_fd {key "pipe:[INO]" of the dumped stdout, fd 1 of swrk}: the
#    restored process writes on into the caller's new pipe, counting on
#  - notify stages: setup-namespaces and post-restore carry the root's pid
#  - FEATURE_CHECK answers mem_track and lazy_pages
# Usage: rpc-runc-fields.py CRIU_LITE TMPDIR. TAP output; exit 77: no pycriu.
import os, select, shutil, signal, socket, subprocess, sys, time
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

def read_count(fd, secs=5):
    """The last number the target wrote on pipe @fd within @secs."""
    buf, end = b"", time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            lines = buf.split(b"\n")
            if len(lines) > 2:
                return int(lines[-2])
    return None

def swrk(stdout=None):
    """criu-lite swrk FD, as runc starts it: its stdio the caller's choice."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([BIN, "swrk", str(b.fileno())], pass_fds=[b.fileno()],
                         stdin=subprocess.DEVNULL, stdout=stdout, stderr=stdout)
    b.close()
    return a, p

def call(sk, req, notes=None):
    sk.send(req.SerializeToString())
    while True:
        resp = rpc.criu_resp()
        resp.ParseFromString(sk.recv(1 << 20))
        if resp.type != rpc.NOTIFY:
            return resp
        if notes is not None:
            notes.append((resp.notify.script, resp.notify.pid))
        ack = rpc.criu_req(type=rpc.NOTIFY, notify_success=True)
        sk.send(ack.SerializeToString())

def opts(req, imgdir, workdir, log):
    req.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
    req.opts.work_dir_fd = os.open(workdir, os.O_DIRECTORY)
    req.opts.log_file = log
    req.opts.log_level = 4

# the target: counts on its stdout, a pipe we read
rd, wr = os.pipe()
t = subprocess.Popen([sys.executable, "-c",
                      "import os, time\ni = 0\nwhile True:\n i += 1\n"
                      " os.write(1, b'%d\\n' % i)\n time.sleep(0.05)\n"],
                     stdin=subprocess.DEVNULL, stdout=wr, stderr=subprocess.DEVNULL,
                     start_new_session=True)
kill_list.append(t.pid)
os.close(wr)
key = os.readlink("/proc/%d/fd/1" % t.pid)
read_count(rd) or fail("the target does not count")
img, work = os.path.join(TMP, "img"), os.path.join(TMP, "work")
os.makedirs(img)
os.makedirs(work)

# a refused field: the error is in work_dir's log
sk, p = swrk()
req = rpc.criu_req(type=rpc.DUMP)
opts(req, img, work, "refused.log")
req.opts.pid = t.pid
req.opts.lsm_profile = "x"
resp = call(sk, req)
resp.success and fail("lsm_profile was not refused")
log = open(os.path.join(work, "refused.log")).read() if os.path.exists(
    os.path.join(work, "refused.log")) else ""
"criu_opts.lsm_profile" in log or fail("refusal not in work_dir's log: %r" % log[-300:])
"lsm_profile" in resp.cr_errmsg or fail("cr_errmsg: %r" % resp.cr_errmsg)
os.path.exists(os.path.join(img, "refused.log")) and fail("log went to the images dir")
t.poll() is None or fail("the target died after a refused dump")
ok("a refused field is named in work_dir_fd's log and cr_errmsg; the target runs on")

# config_file with leave-running; the request does not ask for it
cb = 0
while cb is not None and cb < 10:
    cb = read_count(rd)
cb or fail("the target does not count")
cfg = os.path.join(TMP, "runc.conf")
open(cfg, "w").write("# as /etc/criu/runc.conf\nleave-running\n")
req = rpc.criu_req(type=rpc.DUMP)
opts(req, img, work, "dump.log")
req.opts.pid = t.pid
req.opts.config_file = cfg
req.opts.notify_scripts = True
notes = []
resp = call(sk, req, notes)
resp.success or fail("dump: %s" % resp.cr_errmsg)
os.path.exists(os.path.join(work, "dump.log")) or fail("no dump.log in work_dir")
time.sleep(0.3)
t.poll() is None or fail("config_file's leave-running was not applied: the target died")
c0 = read_count(rd)
c0 or fail("the target stopped counting after the dump")
[s for s, _ in notes][:1] == ["pre-dump"] and "post-dump" in [s for s, _ in notes] or \
    fail("dump notify stages: %r" % notes)
ok("config_file read like --config (leave-running from it), dump.log in work_dir, count %d" % c0)

# a missing config_file is skipped, as criu
req = rpc.criu_req(type=rpc.FEATURE_CHECK)
req.features.mem_track = True
resp = call(sk, req)
resp.success and resp.features.HasField("mem_track") and resp.features.HasField(
    "lazy_pages") or fail("FEATURE_CHECK: %s" % resp)
ok("FEATURE_CHECK answers mem_track=%s lazy_pages=%s" % (resp.features.mem_track,
                                                         resp.features.lazy_pages))
img2 = os.path.join(TMP, "img-lazy")
os.makedirs(img2)
sk.close()
p.wait()

t.kill()
t.wait()
while os.read(rd, 65536):
    pass
os.close(rd)

# restore as runc does: swrk's stdout is the caller's new pipe, passed as inherit_fd
rd2, wr2 = os.pipe()
sk, p = swrk(stdout=wr2)
os.close(wr2)
req = rpc.criu_req(type=rpc.RESTORE)
opts(req, img, work, "restore.log")
req.opts.rst_sibling = True
req.opts.notify_scripts = True
req.opts.config_file = os.path.join(TMP, "missing.conf")
req.opts.inherit_fd.add(key=key, fd=1)
notes = []
resp = call(sk, req, notes)
resp.success or fail("restore: %s" % resp.cr_errmsg)
pid = resp.restore.pid
kill_list.append(pid)
sk.close()
p.wait()
ppid = int([l.split()[1] for l in open("/proc/%d/status" % pid) if l.startswith("PPid:")][0])
ppid == os.getpid() or fail("rst_sibling: the root's parent is %d, not the caller %d" %
                            (ppid, os.getpid()))
ok("rst_sibling: the restored root (pid %d) is the caller's child" % pid)
c1 = read_count(rd2)
c1 is not None or fail("inherit_fd: nothing arrives on the caller's new pipe")
c1 >= cb or fail("inherit_fd: count %d after restore, below %d before the dump" % (c1, cb))
ok("inherit_fd %s -> fd 1: the restored process counts on (%d at the dump -> %d) into the "
   "new pipe" % (key, cb, c1))
d = dict(notes)
stages = [s for s, _ in notes]
for s in ("pre-restore", "setup-namespaces", "post-setup-namespaces", "post-restore",
          "pre-resume", "post-resume"):
    s in stages or fail("restore notify stage %s missing: %r" % (s, notes))
d["setup-namespaces"] == pid and d["post-restore"] == pid or fail("notify pids: %r" % notes)
ok("restore notify stages in order with the root's pid: %s" % ", ".join(stages))
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
ok("the caller reaps the restored root")

# lazy_pages: a dump refuses it by name; a restore serves the images on first touch
sk, p = swrk()
req = rpc.criu_req(type=rpc.DUMP)
opts(req, img2, work, "lazy-dump.log")
req.opts.pid = os.getpid()
req.opts.lazy_pages = True
resp = call(sk, req)
not resp.success and "lazy_pages" in resp.cr_errmsg or fail("DUMP lazy_pages: %s" % resp)
sk.close()
p.wait()
rd3, wr3 = os.pipe()
sk, p = swrk(stdout=wr3)
os.close(wr3)
req = rpc.criu_req(type=rpc.RESTORE)
opts(req, img, work, "restore-lazy.log")
req.opts.rst_sibling = True
req.opts.lazy_pages = True
req.opts.inherit_fd.add(key=key, fd=1)
resp = call(sk, req)
resp.success or fail("lazy restore: %s" % resp.cr_errmsg)
pid = resp.restore.pid
kill_list.append(pid)
sk.close()
p.wait()
c2 = read_count(rd3)
c2 is not None and c2 >= cb or fail("lazy restore: count %r, expected from %d" % (c2, cb))
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
ok("lazy_pages: DUMP refuses it by name; RESTORE with it counts on (%d)" % c2)
print("1..%d" % n)
