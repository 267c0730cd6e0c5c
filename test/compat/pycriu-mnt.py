#!/usr/bin/python3
# RPC root and ext_mnt, as runc sends them, reach the mount tree: Debian's
# pycriu dumps a container (test/cr/targets/mnt_container: its own mount,
# pid, uts and ipc namespaces, a busybox rootfs pivoted into, a host
# directory bound on /data) with ext_mnt {/data: data}, and restores it with
# root = the rootfs and ext_mnt {data: HOSTDIR}; the count goes on in the
# container's tmpfs and its init checks its mounts itself.
# Usage: pycriu-mnt.py CRIU_LITE TARGETS_DIR TMPDIR. TAP output; exit 77: no pycriu.
import os, shutil, subprocess, sys, time
try:
    import pycriu
except ImportError:
    print("1..0 # SKIP pycriu is not installed (Debian package criu)")
    sys.exit(77)

BIN, TARGETS, TMP = sys.argv[1:4]
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
def read(path):
    try:
        return open(path).read().strip()
    except OSError:
        return ""
def wait(cond, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False

# the rootfs: the target and its libraries at their paths
root, host = os.path.join(TMP, "rootfs"), os.path.join(TMP, "host")
for d in ("bin", "proc", "dev", "sys", "tmp"):
    os.makedirs(os.path.join(root, d))
os.makedirs(host)
open(os.path.join(host, "f"), "w").write("external\n")
prog = os.path.join(TARGETS, "mnt_container")
shutil.copy(prog, os.path.join(root, "bin"))
for w in subprocess.run(["ldd", prog], capture_output=True, text=True).stdout.split():
    if w.startswith("/"):
        os.makedirs(os.path.dirname(root + w), exist_ok=True)
        shutil.copy(w, root + w)

launcher = subprocess.Popen(["setsid", prog, root, "pty", "bind=" + host],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
pids.append(launcher.pid)
ct = []
def started():
    kids = read("/proc/%d/task/%d/children" % (launcher.pid, launcher.pid)).split()
    ct[:] = [int(k) for k in kids]
    return ct and read("/proc/%d/root/dev/shm/count" % ct[0])
wait(started) or fail("the container did not start")
pids.append(ct[0])

def client(imgdir, **kw):
    c = pycriu.criu()
    c.use_binary(BIN)
    os.makedirs(imgdir, exist_ok=True)
    c.opts.images_dir_fd = os.open(imgdir, os.O_DIRECTORY)
    c.opts.log_file = "rpc.log"
    c.opts.log_level = 4
    for k, v in kw.items():
        setattr(c.opts, k, v)
    return c

img = os.path.join(TMP, "img")
c = client(img, pid=ct[0], root=root)  # runc sends root at dump too
m = c.opts.ext_mnt.add()
m.key, m.val = "/data", "data"
try:
    c.dump()
except Exception as e:
    fail("dump with ext_mnt {/data: data}: %s" % e)
ok("dump with root and ext_mnt {/data: data}")
c = client(img, root=root)
m = c.opts.ext_mnt.add()
m.key, m.val = "data", host
try:
    resp = c.restore()
except Exception as e:
    fail("restore with root and ext_mnt {data: %s}: %s" % (host, e))
pid = resp.pid
pids.append(pid)
before = int(read("/proc/%d/root/dev/shm/count" % pid) or 0)
wait(lambda: int(read("/proc/%d/root/dev/shm/count" % pid) or 0) > before, 5) or \
    fail("the count did not go on after restore (%d)" % before)
ok("restored (pid %d) on root %s: the count goes on from %d" % (pid, root, before))
os.kill(pid, 10)
res = "/proc/%d/root/dev/shm/result" % pid
wait(lambda: read(res), 5) or fail("no result from the container")
read(res) == "PASS" or fail("the container's own check: %s" % read(res))
ok("the container checked its mounts, /data, its pty: PASS")
for p in pids:
    try:
        os.kill(p, 9)
    except OSError:
        pass
print("1..%d" % n)
