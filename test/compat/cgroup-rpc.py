#!/usr/bin/python3
# The cgroup fields of criu's RPC, as runc sends them, through Debian's
# pycriu: a dump with freeze_cgroup (the target alone in a v1 freezer
# cgroup) and manage_cgroups, then a restore with manage_cgroups_mode SOFT
# and cg_root {ctrl "pids", path NEW}: the restored target is in pids:NEW
# (made, with the recorded pids.max), the freezer cgroup is THAWED, and the
# target checks its memory. Usage: cgroup-rpc.py CRIU_LITE TARGETS_DIR TMPDIR.
# TAP output; exit 77: no pycriu or no v1 freezer and pids hierarchies.
import atexit, os, shutil, subprocess, sys, time
try:
    import pycriu
    import pycriu.rpc_pb2 as rpc
except ImportError:
    print("1..0 # SKIP pycriu is not installed (Debian package criu)")
    sys.exit(77)

BIN, TARGETS, TMP = sys.argv[1:4]
FZ, PIDS = "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/pids"
if not (os.path.isdir(FZ) and os.path.isdir(PIDS)):
    print("1..0 # SKIP no v1 freezer and pids hierarchies")
    sys.exit(77)
shutil.rmtree(TMP, ignore_errors=True)
os.makedirs(TMP)
me = os.getpid()
fz, cg, new = "%s/crl-rpc-%d" % (FZ, me), "%s/crl-rpc-%d" % (PIDS, me), "/crl-rpc-new-%d" % me
UNI = "/sys/fs/cgroup/unified"  # cg_root ctrl "": cgroup2's, as runc sends it
n, t = 0, None

def cleanup():
    for d in (fz, cg, PIDS + new, UNI + new):
        for _ in range(40):
            if not os.path.isdir(d):
                break
            for p in open(d + "/cgroup.procs").read().split():
                try:
                    os.kill(int(p), 9)
                except ProcessLookupError:
                    pass
            try:
                os.rmdir(d)
            except OSError:
                time.sleep(0.05)
atexit.register(cleanup)  # an exception from pycriu too
def ok(msg):
    global n
    n += 1
    print("ok %d - %s" % (n, msg))
def fail(msg):
    print("not ok %d - %s" % (n + 1, msg))
    cleanup()
    sys.exit(1)
def wait_file(path, secs=10):
    end = time.time() + secs
    while time.time() < end and not os.path.exists(path):
        time.sleep(0.05)
    return os.path.exists(path)
def client(imgdir, **kw):
    c = pycriu.criu()
    c.use_binary(BIN)
    c.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
    c.opts.log_file = "rpc.log"
    c.opts.log_level = 4
    for k, v in kw.items():
        setattr(c.opts, k, v)
    return c
def enter(*dirs):
    for d in dirs:
        open(d + "/cgroup.procs", "w").write("0")

os.makedirs(fz)
os.makedirs(cg)
open(cg + "/pids.max", "w").write("55")
d = os.path.join(TMP, "t")
os.makedirs(os.path.join(d, "img"))
t = subprocess.Popen([os.path.join(TARGETS, "restore_basic"), d, "8"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True,
                     preexec_fn=lambda: enter(fz, cg))
wait_file(os.path.join(d, "ready")) or fail("target did not get ready")
r = client(os.path.join(d, "img"), pid=t.pid, freeze_cgroup=fz, manage_cgroups=True,
           manage_cgroups_mode=rpc.FULL)
r.dump()
t.wait(timeout=10)
log = open(os.path.join(d, "img", "rpc.log")).read()
"frozen (cgroup)" in log or fail("freeze_cgroup not used: %s" % log[-300:])
open(fz + "/freezer.state").read().strip() == "THAWED" or fail("freezer cgroup left frozen")
ok("dump with freeze_cgroup and manage_cgroups: frozen through the cgroup, left THAWED")

r = client(os.path.join(d, "img"), manage_cgroups=True, manage_cgroups_mode=rpc.SOFT)
root = r.opts.cg_root.add()
root.ctrl = "pids"
root.path = new
if os.path.isdir(UNI):
    root = r.opts.cg_root.add()
    root.ctrl = ""
    root.path = new
resp = r.restore()
lines = open("/proc/%d/cgroup" % resp.pid).read().split("\n")
got = [l.split(":", 2)[2] for l in lines if l.split(":")[1:2] == ["pids"]]
got == [new] or fail("restored into pids %s, want %s" % (got, new))
def member(lines, name):
    return [l.split(":", 2)[2] for l in lines if l.split(":")[1:2] == [name]]
mine = member(open("/proc/self/cgroup").read().split("\n"), "memory")
got = member(lines, "memory")
got == mine or fail("memory moved by a pids cg_root: %s, want %s" % (got, mine))
got = member(lines, "")
not os.path.isdir(UNI) or got == [new] or fail("cg_root ctrl '': cgroup2 %s, want %s" % (got, new))
open(PIDS + new + "/pids.max").read().strip() == "55" or fail("pids.max not set in %s" % new)
open(os.path.join(d, "check"), "w").close()
wait_file(os.path.join(d, "result")) or fail("restored target did not report")
res = open(os.path.join(d, "result")).read().strip()
res == "PASS" or fail("restored target: " + res)
ok("restore with cg_root pids:%s (made, pids.max 55), '':%s (cgroup2) and SOFT: target PASS"
   % (new, new))
cleanup()
print("1..%d" % n)
