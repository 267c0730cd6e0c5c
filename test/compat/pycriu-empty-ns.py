#!/usr/bin/python3
# RPC empty_ns (criu_opts field 38, CLONE_NEWNET = 0x40000000), as runc
# always sends it, through Debian's pycriu: a process in its own network
# namespace (lo up, an extra address) is dumped without the namespace and
# restored in a new one with only lo, up; any other bit is refused.
# Usage: pycriu-empty-ns.py CRIU_LITE TMPDIR. TAP output; exit 77: no pycriu.
import os, shutil, subprocess, sys, time
try:
    import pycriu
except ImportError:
    print("1..0 # SKIP pycriu is not installed (Debian package criu)")
    sys.exit(77)
if not shutil.which("unshare") or not shutil.which("ip") or not shutil.which("nsenter"):
    print("1..0 # SKIP needs unshare, nsenter and ip")
    sys.exit(77)

BIN, TMP = sys.argv[1:3]
CLONE_NEWNET = 0x40000000
shutil.rmtree(TMP, ignore_errors=True)
os.makedirs(TMP)
n = 0
pids = []
def ok(msg):
    global n
    n += 1
    print("ok %d - %s" % (n, msg))
def fail(msg):
    print("not ok %d - %s" % (n + 1, msg))
    for p in pids:
        try:
            os.kill(p, 9)
        except OSError:
            pass
    sys.exit(1)
def client(imgdir, **kw):
    c = pycriu.criu()
    c.use_binary(BIN)
    c.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
    c.opts.log_file = "rpc.log"
    c.opts.log_level = 4
    for k, v in kw.items():
        setattr(c.opts, k, v)
    return c
def netns(pid):
    return os.readlink("/proc/%d/ns/net" % pid)
def ip(pid, *args):
    return subprocess.run(["nsenter", "-t", str(pid), "-n", "ip"] + list(args),
                          capture_output=True, text=True).stdout

t = subprocess.Popen(["unshare", "-n", "sh", "-c",
                      "ip link set lo up && ip addr add 10.79.1.1/32 dev lo && exec sleep 1000"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
pids.append(t.pid)
for _ in range(100):
    if "10.79.1.1" in ip(t.pid, "-4", "addr", "show", "dev", "lo"):
        break
    time.sleep(0.05)
netns(t.pid) != netns(os.getpid()) or fail("target not in a network namespace of its own")

d = os.path.join(TMP, "img")
os.makedirs(d)
try:
    client(d, pid=t.pid, leave_running=True, empty_ns=CLONE_NEWNET | 0x20000000).dump()
    fail("empty_ns with CLONE_NEWUTS accepted")
except Exception as e:
    "Bad options" in str(e) or fail("unexpected error: %s" % e)
t.poll() is None or fail("target died after a refused dump")
ok("empty_ns with another bit than CLONE_NEWNET refused as bad options")

client(d, pid=t.pid, empty_ns=CLONE_NEWNET).dump()
t.wait(timeout=10)
any(f.startswith("netns-") for f in os.listdir(d)) and fail("a netns image was written")
ok("dump with empty_ns = CLONE_NEWNET: no netns image")

resp = client(d, empty_ns=CLONE_NEWNET).restore()
pids.append(resp.pid)
netns(resp.pid) != netns(os.getpid()) or fail("restored into the tool's network namespace")
links = [l.split(": ")[1].split("@")[0] for l in ip(resp.pid, "-o", "link", "show").splitlines()]
links == ["lo"] or fail("links %s in the new namespace, want only lo" % links)
"UP" in ip(resp.pid, "-o", "link", "show", "lo") or fail("lo is not up")
"10.79.1.1" not in ip(resp.pid, "-4", "addr") or fail("the extra address came back")
ok("restore with empty_ns: pid %d in a new network namespace with only lo, up" % resp.pid)
os.kill(resp.pid, 9)
print("1..%d" % n)
