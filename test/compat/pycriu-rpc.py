#!/usr/bin/python3
# Debian's pycriu drives criu-lite swrk: VERSION-free calls as pycriu makes
# them (check, dump --leave-running, a pre-dump chain, dump, restore) on
# restore_basic, which checks its own memory after restore; plus bad input.
# Usage: pycriu-rpc.py CRIU_LITE TARGETS_DIR TMPDIR. TAP output; exit 77: no pycriu.
import os, socket, subprocess, sys, time
try:
    import pycriu
    import pycriu.rpc_pb2 as rpc
except ImportError:
    print("1..0 # SKIP pycriu is not installed (Debian package criu)")
    sys.exit(77)

BIN, TARGETS, TMP = sys.argv[1:4]
import shutil
shutil.rmtree(TMP, ignore_errors=True)
os.makedirs(TMP)
n = 0
def ok(msg):
    global n
    n += 1
    print("ok %d - %s" % (n, msg))
def fail(msg):
    print("not ok %d - %s" % (n + 1, msg))
    sys.exit(1)
def wait_file(path, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False

def client(imgdir, **kw):
    c = pycriu.criu()
    c.use_binary(BIN)
    c.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
    c.opts.log_file = "rpc.log"
    c.opts.log_level = 4
    for k, v in kw.items():
        setattr(c.opts, k, v)
    return c

c = pycriu.criu()
c.use_binary(BIN)
c.check()
ok("check")

d = os.path.join(TMP, "t")
os.makedirs(d)
t = subprocess.Popen([os.path.join(TARGETS, "restore_basic"), d, "16"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
wait_file(os.path.join(d, "ready")) or fail("target did not get ready")

for name in ("lr", "p1", "p2", "final"):
    os.makedirs(os.path.join(d, name))
r = client(os.path.join(d, "lr"), pid=t.pid, leave_running=True)
r.dump()
t.poll() is None or fail("target died after dump with leave_running")
ok("dump with leave_running, target runs on")

r = client(os.path.join(d, "p1"), pid=t.pid, track_mem=True)
r.pre_dump()
r = client(os.path.join(d, "p2"), pid=t.pid, track_mem=True, parent_img="../p1")
r.pre_dump()
t.poll() is None or fail("target died after pre-dumps")
ok("pre-dump chain of two")

r = client(os.path.join(d, "final"), pid=t.pid, track_mem=True, parent_img="../p2")
resp = r.dump()
t.wait(timeout=10)
ok("final dump on the chain, target gone (restored=%s)" % resp.restored)

r = client(os.path.join(d, "final"))
resp = r.restore()
resp.pid == t.pid or fail("restored pid %d, want %d" % (resp.pid, t.pid))
open(os.path.join(d, "check"), "w").close()
wait_file(os.path.join(d, "result")) or fail("restored target did not report")
res = open(os.path.join(d, "result")).read().strip()
res == "PASS" or fail("restored target: " + res)
ok("restore: pid %d, target checked its memory: PASS" % resp.pid)

# refused option: success=false, EBADRQC, a message naming the field
r = client(os.path.join(d, "lr"), pid=resp.pid, root="/")
try:
    r.dump()
    fail("dump with root accepted")
except Exception as e:
    "Bad options" in str(e) or fail("unexpected error: %s" % e)
ok("criu_opts.root refused as bad options")

# dump of a pid that does not exist: ESRCH
r = client(os.path.join(d, "lr"), pid=0x3ffffff)
try:
    r.dump()
    fail("dump of a missing pid succeeded")
except Exception as e:
    "No process with such pid" in str(e) or fail("unexpected error: %s" % e)
ok("missing pid answered ESRCH")

def raw(packet):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([BIN, "swrk", str(b.fileno())], pass_fds=[b.fileno()],
                         stderr=subprocess.DEVNULL)
    b.close()
    a.send(packet)
    resp = rpc.criu_resp()
    resp.ParseFromString(a.recv(65536))
    a.close()
    p.wait(timeout=10)
    return resp

req = rpc.criu_req(); req.type = rpc.VERSION
resp = raw(req.SerializeToString())
(resp.success and resp.version.major_number == 4) or fail("VERSION: %s" % resp)
ok("VERSION %d.%d" % (resp.version.major_number, resp.version.minor_number))
req = rpc.criu_req(); req.type = rpc.FEATURE_CHECK; req.features.mem_track = True
resp = raw(req.SerializeToString())
(resp.success and resp.features.HasField("mem_track")) or fail("FEATURE_CHECK: %s" % resp)
ok("FEATURE_CHECK mem_track=%s" % resp.features.mem_track)
req = rpc.criu_req(); req.type = rpc.CPUINFO_DUMP
resp = raw(req.SerializeToString())
(not resp.success and "not supported" in resp.cr_errmsg) or fail("CPUINFO_DUMP: %s" % resp)
ok("unsupported request: " + resp.cr_errmsg)
req = rpc.criu_req(); req.type = rpc.DUMP; req.opts.images_dir_fd = 3; req.opts.pid = 1
resp = raw(req.SerializeToString()[:-2])
(not resp.success and "truncated" in resp.cr_errmsg) or fail("truncated: %s" % resp)
ok("truncated request: " + resp.cr_errmsg)
resp = raw(b"\x08\x0a" + b"\x00" * (100 << 10))
(not resp.success and "larger" in resp.cr_errmsg) or fail("oversized: %s" % resp)
ok("oversized request: " + resp.cr_errmsg)

# NOTIFY round trips (notify_scripts): the stages in order; a refused stage
# or a client that goes away fails the dump and the target runs on.
def notify_dump(imgdir, pid, answer):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([BIN, "swrk", str(b.fileno())], pass_fds=[b.fileno()],
                         stderr=subprocess.DEVNULL)
    b.close()
    req = rpc.criu_req(); req.type = rpc.DUMP
    req.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
    req.opts.pid = pid; req.opts.leave_running = True; req.opts.notify_scripts = True
    a.send(req.SerializeToString())
    stages = []
    while True:
        resp = rpc.criu_resp(); resp.ParseFromString(a.recv(65536))
        if resp.type != rpc.NOTIFY:
            break
        stages.append(resp.notify.script)
        yes = answer(resp.notify.script)
        if yes is None:
            a.close(); p.wait(timeout=10); return stages, None
        ans = rpc.criu_req(); ans.type = rpc.NOTIFY; ans.notify_success = yes
        a.send(ans.SerializeToString())
    a.close(); p.wait(timeout=10)
    return stages, resp

u = os.path.join(TMP, "u"); os.makedirs(u)
t = subprocess.Popen([os.path.join(TARGETS, "restore_basic"), u, "4"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
wait_file(os.path.join(u, "ready")) or fail("target did not get ready")
stages, resp = notify_dump(u, t.pid, lambda s: True)
(resp.success and stages == ["pre-dump", "post-dump"]) or fail("notify: %s %s" % (stages, resp))
ok("NOTIFY stages of a dump: " + ",".join(stages))
stages, resp = notify_dump(u, t.pid, lambda s: s != "post-dump")
(not resp.success and t.poll() is None) or fail("refused post-dump: %s" % resp)
ok("client refuses post-dump: dump failed (%s), target runs on" % resp.cr_errmsg)
stages, resp = notify_dump(u, t.pid, lambda s: None if s == "post-dump" else True)
time.sleep(0.5)
t.poll() is None or fail("target died when the client went away")
st = open("/proc/%d/stat" % t.pid).read().split(")")[1].split()[0]
st in ("S", "R") or fail("target left in state %s" % st)
ok("client gone at post-dump: target runs on (state %s)" % st)
t.kill(); t.wait()
print("1..%d" % n)
