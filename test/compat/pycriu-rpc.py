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
    if "t" in globals() and t.poll() is None:
        t.kill()  # a failed step leaves no target behind
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

# criu's network lock fields (rpc.proto numbers: network_lock 64, nftables 2;
# tcp_skip_in_flight 46, tcp_close 52) reach the dump
os.makedirs(os.path.join(d, "nl"))
r = client(os.path.join(d, "nl"), pid=t.pid, leave_running=True, network_lock=2,
           tcp_skip_in_flight=True, tcp_close=True)
r.dump()
log = open(os.path.join(d, "nl", "rpc.log")).read()
"network lock: nftables, --tcp-close, --skip-in-flight" in log or fail("network lock fields: %s" % log[-300:])
t.poll() is None or fail("target died after dump with network_lock")
ok("network_lock=nftables, tcp_skip_in_flight, tcp_close taken over RPC")

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
r = client(os.path.join(d, "lr"), pid=resp.pid, lsm_profile="apparmor:x")
try:
    r.dump()
    fail("dump with lsm_profile accepted")
except Exception as e:
    "Bad options" in str(e) or fail("unexpected error: %s" % e)
ok("criu_opts.lsm_profile refused as bad options")

# lazy_pages (rpc.proto 48): a restore serves the memory on first touch; a
# dump refuses it, naming the field
r = client(os.path.join(d, "lr"), pid=resp.pid, leave_running=True, lazy_pages=True)
try:
    r.dump()
    fail("dump with lazy_pages accepted")
except Exception:
    "criu_opts.lazy_pages is not supported on dump" in open(os.path.join(d, "lr", "rpc.log")).read() or \
        fail("dump with lazy_pages: no line naming the field")
os.kill(resp.pid, 9)
while os.path.exists("/proc/%d" % resp.pid) and \
        not open("/proc/%d/stat" % resp.pid).read().split(") ")[1].startswith("Z"):
    time.sleep(0.05)
for f in ("check", "result"):
    os.unlink(os.path.join(d, f))
r = client(os.path.join(d, "final"), lazy_pages=True)
r.opts.log_file = "rpc-lazy.log"
resp = r.restore()
resp.pid == t.pid or fail("lazy restore: pid %d, want %d" % (resp.pid, t.pid))
open(os.path.join(d, "check"), "w").close()
wait_file(os.path.join(d, "result")) or fail("lazily restored target did not report")
res = open(os.path.join(d, "result")).read().strip()
res == "PASS" or fail("lazily restored target: " + res)
lazylog = os.path.join(d, "final", "rpc-lazy.log")
end = time.time() + 30
while "every page is in" not in open(lazylog).read() and time.time() < end:
    time.sleep(0.05)
"lazy restore: every page is in" in open(lazylog).read() or fail("lazy restore over RPC never finished")
ok("lazy_pages: refused on dump; restore served lazily, target checked its memory: PASS")

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
(resp.success and resp.features.HasField("mem_track") and resp.features.lazy_pages) or \
    fail("FEATURE_CHECK: %s" % resp)
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

# SINGLE_PRE_DUMP (one pre-dump, answered as SINGLE_PRE_DUMP), then a dump on it.
def raw_req(req):
    # stderr a pipe read to its end: a daemon started for us must not hold it
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([BIN, "swrk", str(b.fileno())], pass_fds=[b.fileno()],
                         stderr=subprocess.PIPE)
    b.close()
    a.send(req.SerializeToString())
    resp = rpc.criu_resp(); resp.ParseFromString(a.recv(65536))
    a.close()
    try:
        p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("%s: swrk's stderr still open 10 s after the answer" % rpc.criu_req_type.Name(req.type))
    return resp, p.pid

os.makedirs(os.path.join(u, "sp")); os.makedirs(os.path.join(u, "lr2"))
req = rpc.criu_req(); req.type = rpc.SINGLE_PRE_DUMP
req.opts.images_dir_fd = os.open(os.path.join(u, "sp"), os.O_DIRECTORY)
req.opts.pid = t.pid; req.opts.track_mem = True
resp, _ = raw_req(req)
(resp.success and resp.type == rpc.SINGLE_PRE_DUMP and t.poll() is None) or \
    fail("SINGLE_PRE_DUMP: %s" % resp)
r = client(os.path.join(u, "lr2"), pid=t.pid, leave_running=True, track_mem=True,
           parent_img="../sp")
r.dump()
(t.poll() is None and os.readlink(os.path.join(u, "lr2", "parent")) == "../sp") or \
    fail("dump on the single pre-dump")
ok("SINGLE_PRE_DUMP, then a dump with it as parent; target runs on")

# PAGE_SERVER: a daemon (not the swrk's child) answering pid and port; a dump
# with leave_running sends its pages there, then the server exits by itself.
srv = os.path.join(u, "srv"); os.makedirs(srv); os.makedirs(os.path.join(u, "ps"))
req = rpc.criu_req(); req.type = rpc.PAGE_SERVER
req.opts.images_dir_fd = os.open(srv, os.O_DIRECTORY)
req.opts.log_file = "ps.log"; req.opts.log_level = 4
req.opts.ps.address = "127.0.0.1"; req.opts.ps.port = 0
resp, swrk = raw_req(req)
(resp.success and resp.type == rpc.PAGE_SERVER and resp.ps.pid > 0 and resp.ps.port > 0) or \
    fail("PAGE_SERVER: %s" % resp)
ppid = int(open("/proc/%d/stat" % resp.ps.pid).read().split(")")[1].split()[1])
ppid != swrk or fail("PAGE_SERVER: the server is the swrk's child")
r = client(os.path.join(u, "ps"), pid=t.pid, leave_running=True)
r.opts.ps.address = "127.0.0.1"; r.opts.ps.port = resp.ps.port
r.dump()
t.poll() is None or fail("target died after a dump to the page server")
sent = [f for f in os.listdir(srv) if f.startswith("page")]
local = [f for f in os.listdir(os.path.join(u, "ps")) if f.startswith("pages-")]
(len(sent) >= 2 and not local) or fail("pages: server %s, local %s" % (sent, local))
def gone(pid):  # exited: no /proc entry, or a zombie its new parent has not reaped yet
    try:
        return open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
end = time.time() + 10
while not gone(resp.ps.pid) and time.time() < end:
    time.sleep(0.05)
gone(resp.ps.pid) or fail("page server still runs after its dump")
ok("PAGE_SERVER: daemon pid %d port %d got %s; it exits after the dump" %
   (resp.ps.pid, resp.ps.port, ",".join(sorted(sent))))
t.kill(); t.wait()

# PAGE_SERVER_CHLD as zdtm's RPC mode drives it: pycriu's page_server_chld
# (keep_open), a dump sending the pages there, wait_pid on the server, and a
# restore with its pages; the restored target checks its memory.
w = os.path.join(TMP, "w")
for name in ("", "srv", "img"):
    os.makedirs(os.path.join(w, name), exist_ok=True)
t = subprocess.Popen([os.path.join(TARGETS, "restore_basic"), w, "8"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
wait_file(os.path.join(w, "ready")) or fail("target did not get ready")
s = client(os.path.join(w, "srv"))
s.opts.ps.address = "127.0.0.1"; s.opts.ps.port = 0
ps = s.page_server_chld()
(ps.pid > 0 and ps.port > 0) or fail("page_server_chld: %s" % ps)
r = client(os.path.join(w, "img"), pid=t.pid)
r.opts.ps.address = "127.0.0.1"; r.opts.ps.port = ps.port
r.dump()
t.wait(timeout=10)
st = s.wait_pid(ps.pid)
(os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0) or fail("page server status %#x" % st)
sent = [f for f in os.listdir(os.path.join(w, "srv")) if f.startswith("page")]
len(sent) >= 2 or fail("page server got %s" % sent)
for f in sent:
    os.rename(os.path.join(w, "srv", f), os.path.join(w, "img", f))
resp = client(os.path.join(w, "img")).restore()
open(os.path.join(w, "check"), "w").close()
wait_file(os.path.join(w, "result")) or fail("restored target did not report")
res = open(os.path.join(w, "result")).read().strip()
res == "PASS" or fail("restored target: " + res)
os.kill(resp.pid, 9)
ok("PAGE_SERVER_CHLD pid %d port %d, dump to it, wait_pid 0, restore: PASS" % (ps.pid, ps.port))

req = rpc.criu_req(); req.type = rpc.PAGE_SERVER
req.opts.images_dir_fd = os.open(w, os.O_DIRECTORY)
resp, _ = raw_req(req)
(not resp.success and "criu_opts.ps" in resp.cr_errmsg) or fail("PAGE_SERVER without ps: %s" % resp)
ok("PAGE_SERVER without ps: " + resp.cr_errmsg)
print("1..%d" % n)
