#!/usr/bin/python3
# criu-lite service --address SOCK driven by Debian's pycriu (use_sk, one
# connection per request, as pycriu makes them): CHECK, a dump with
# leave_running, bad input on the socket (an unknown request type, a truncated
# and an oversized message, clients that go away in the middle of a DUMP),
# each answered or logged once while the service keeps serving; then a final
# dump and a restore of restore_basic, which checks that its memory came
# through all of it unchanged. (swrk's bad input: pycriu-rpc.py.)
# Usage: service-rpc.py CRIU_LITE TARGETS_DIR TMPDIR. TAP output; 77: no pycriu.
import os, shutil, socket, subprocess, sys, time
try:
    import pycriu
    import pycriu.rpc_pb2 as rpc
except ImportError:
    print("1..0 # SKIP pycriu is not installed (Debian package criu)")
    sys.exit(77)

BIN, TARGETS, TMP = sys.argv[1:4]
shutil.rmtree(TMP, ignore_errors=True)
os.makedirs(TMP)
SOCK = os.path.join(TMP, "criu.sock")
SLOG = os.path.join(TMP, "service.log")
n = 0
srv = None
t = None


def ok(msg):
    global n
    n += 1
    print("ok %d - %s" % (n, msg))


def fail(msg):
    print("not ok %d - %s" % (n + 1, msg))
    if srv:
        srv.kill()
    if t:
        t.kill()
    sys.stdout.flush()
    os.system("sed 's/^/# /' %s" % SLOG)
    sys.exit(1)


def wait_for(cond, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def client(imgdir=None, **kw):
    c = pycriu.criu()
    c.use_sk(SOCK)
    if imgdir:
        os.makedirs(imgdir, exist_ok=True)
        c.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
        c.opts.log_file = "rpc.log"
        c.opts.log_level = 4
    for k, v in kw.items():
        setattr(c.opts, k, v)
    return c


def raw(packet, answer=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(SOCK)
    s.send(packet)
    if not answer:
        s.close()
        return None
    resp = rpc.criu_resp()
    resp.ParseFromString(s.recv(65536))
    s.close()
    return resp


def serving():
    client().check()
    srv.poll() is None or fail("service exited (%s)" % srv.returncode)


def logged(text):
    return wait_for(lambda: text in open(SLOG).read(), 20)


def gone(pid):
    try:
        return open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def target_state():
    return open("/proc/%d/stat" % t.pid).read().split(")")[1].split()[0]


srv = subprocess.Popen([BIN, "service", "--address", SOCK], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=open(SLOG, "w"))
wait_for(lambda: os.path.exists(SOCK)) or fail("service did not listen on " + SOCK)
client().check()
ok("CHECK over the service socket")

d = os.path.join(TMP, "t")
os.makedirs(d)
t = subprocess.Popen([os.path.join(TARGETS, "restore_basic"), d, "64"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
wait_for(lambda: os.path.exists(os.path.join(d, "ready"))) or fail("target did not get ready")
resp = client(os.path.join(d, "lr"), pid=t.pid, leave_running=True).dump()
(t.poll() is None and not resp.restored) or fail("target died after dump with leave_running")
ok("DUMP with leave_running: target runs on (state %s)" % target_state())

# bad input: one answer naming what was wrong, the service serves on
resp = raw(b"\x08\x63")  # criu_req.type = 99
(not resp.success and "unknown RPC request type 99" in resp.cr_errmsg) or \
    fail("unknown type: %s" % resp)
serving()
ok("unknown request type: '%s' (cr_errno %d); service serves on" % (resp.cr_errmsg, resp.cr_errno))
req = rpc.criu_req(); req.type = rpc.DUMP
req.opts.images_dir_fd = 3; req.opts.pid = t.pid; req.opts.leave_running = True
resp = raw(req.SerializeToString()[:-3])
(not resp.success and "truncated" in resp.cr_errmsg) or fail("truncated: %s" % resp)
serving()
ok("truncated DUMP: '%s'; service serves on" % resp.cr_errmsg)
resp = raw(b"\x08\x01\x12" + b"\xff" * (100 << 10))
(not resp.success and "larger than" in resp.cr_errmsg) or fail("oversized: %s" % resp)
serving()
ok("oversized message (100 KiB): '%s'; service serves on" % resp.cr_errmsg)

# a client gone while its DUMP runs: the dump ends, its answer is lost and logged
req = rpc.criu_req(); req.type = rpc.DUMP
os.makedirs(os.path.join(d, "gone"))
req.opts.images_dir_fd = os.open(os.path.join(d, "gone"), os.O_DIRECTORY)
req.opts.pid = t.pid; req.opts.leave_running = True
raw(req.SerializeToString(), answer=False)
logged("the DUMP answer (success) was not delivered") or fail("no log line for the lost answer")
(t.poll() is None and target_state() in ("S", "R")) or fail("target after the lost answer")
serving()
ok("client gone during DUMP: logged, target runs on (state %s), service serves on" %
   target_state())

# a client gone at a NOTIFY stage of its DUMP: the dump fails, the tree resumes
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(SOCK)
req.opts.notify_scripts = True
s.send(req.SerializeToString())
resp = rpc.criu_resp(); resp.ParseFromString(s.recv(65536))
(resp.type == rpc.NOTIFY and resp.notify.script == "pre-dump") or fail("notify: %s" % resp)
s.close()
logged("tree was resumed") or fail("no log line for the failed dump")
(t.poll() is None and target_state() in ("S", "R")) or fail("target after the failed dump")
serving()
ok("client gone at the pre-dump NOTIFY: dump failed, target runs on, service serves on")

# PAGE_SERVER over the service with an empty ps: every address, any port (the
# service's own --address is not the page server's); SIGTERM stops it
req = rpc.criu_req(); req.type = rpc.PAGE_SERVER
os.makedirs(os.path.join(d, "srv"))
req.opts.images_dir_fd = os.open(os.path.join(d, "srv"), os.O_DIRECTORY)
req.opts.ps.SetInParent()
resp = raw(req.SerializeToString())
(resp.success and resp.ps.pid > 0 and resp.ps.port > 0) or fail("PAGE_SERVER: %s" % resp)
c = socket.create_connection(("127.0.0.1", resp.ps.port), timeout=5)
c.close()
os.kill(resp.ps.pid, 15)
wait_for(lambda: gone(resp.ps.pid)) or fail("page server ignores SIGTERM")
ok("PAGE_SERVER with an empty ps: pid %d on *:%d, stopped by SIGTERM" % (resp.ps.pid, resp.ps.port))

# the final dump and restore: the target checks its memory after all of the above
client(os.path.join(d, "final"), pid=t.pid).dump()
t.wait(timeout=10)
resp = client(os.path.join(d, "final")).restore()
resp.pid == t.pid or fail("restored pid %d, want %d" % (resp.pid, t.pid))
open(os.path.join(d, "check"), "w").close()
wait_for(lambda: os.path.exists(os.path.join(d, "result"))) or fail("restored target did not report")
res = open(os.path.join(d, "result")).read().strip()
res == "PASS" or fail("restored target: " + res)
os.kill(resp.pid, 9)
t = None
ok("final DUMP and RESTORE over the service: pid %d checked its memory: PASS" % resp.pid)
srv.poll() is None or fail("service exited")
srv.terminate(); srv.wait(timeout=10)
print("1..%d" % n)
