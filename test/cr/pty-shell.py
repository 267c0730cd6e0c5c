#!/usr/bin/python3
# Helper of test/cr/shell-job-bash.sh (not a test): an interactive bash on a
# pseudo-terminal is dumped with --shell-job, restored with --shell-job by a
# tool running on a second terminal, and must still be a working job-control
# shell there: it answers commands (builtins and an external command, after
# which bash takes the terminal back with tcsetpgrp), and the terminal's
# foreground group is the shell's group.
# usage: pty-shell.py CRIU_BIN WORKDIR; exit 0 on success, 1 with "FAIL: why".
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time

crl, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def spawn(argv, env=None):
    """argv as a session leader on a new pty (its controlling terminal)."""
    pid, master = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env or os.environ)
    return pid, master


def expect(master, what, secs, log):
    """Reads the terminal until @what shows; returns the text read."""
    buf = b""
    end = time.time() + secs
    while what.encode() not in buf:
        left = end - time.time()
        if left <= 0:
            fail("no %r within %ds on the terminal; it showed: %r" % (what, secs, buf[-400:]))
        r, _, _ = select.select([master], [], [], left)
        if not r:
            continue
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if not data:
            fail("the terminal closed before %r; it showed: %r" % (what, buf[-400:]))
        buf += data
        log.write(data)
        log.flush()
    return buf


env = dict(os.environ, PS1="crl$ ", HOME=work, TERM="dumb")
log1 = open(os.path.join(work, "tty1"), "wb")
bash, m1 = spawn(["bash", "--norc", "--noprofile", "-i"], env)
os.write(m1, b"echo M1-$((1+1))\n")
expect(m1, "M1-2", 10, log1)
if os.getpgid(bash) != bash or os.tcgetpgrp(m1) != bash:
    fail("bash %d is not its terminal's foreground group leader" % bash)

imgs = os.path.join(work, "img")
d = subprocess.run([crl, "dump", "-t", str(bash), "-D", imgs, "--shell-job",
                    "-o", os.path.join(work, "dump.log"), "-v4"])
if d.returncode:
    fail("dump --shell-job exited %d" % d.returncode)
try:
    os.waitpid(bash, 0)
except ChildProcessError:
    pass
os.close(m1)

log2 = open(os.path.join(work, "tty2"), "wb")
tool, m2 = spawn([crl, "restore", "-D", imgs, "--shell-job",
                  "-o", os.path.join(work, "restore.log"), "-v4"])
try:
    # The restored bash sits in read(): a builtin, then an external command
    # (bash gives the terminal to the command's group and takes it back).
    os.write(m2, b"echo M2-$((2+2))\n")
    expect(m2, "M2-4", 15, log2)
    os.write(m2, b"/bin/true; echo M3-$((3+3))\n")
    expect(m2, "M3-6", 10, log2)
    os.write(m2, b"echo M4-$$-$(($$*0+5))\n")
    out = expect(m2, "-5", 10, log2)
    fg = os.tcgetpgrp(m2)
    if not os.path.exists("/proc/%d" % bash):
        fail("the restored shell %d is gone" % bash)
    if os.getpgid(bash) != bash:
        fail("the restored shell %d is in group %d, not its own" % (bash, os.getpgid(bash)))
    if fg != bash:
        fail("the terminal's foreground group is %d, not the shell's %d" % (fg, bash))
    os.write(m2, b"exit 7\n")
    _, st = os.waitpid(tool, 0)
    tool = 0
    if os.waitstatus_to_exitcode(st) != 7:
        fail("restore --shell-job exited %d, expected the shell's 7"
             % os.waitstatus_to_exitcode(st))
finally:
    if tool:
        for p in (bash, tool):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
print("PASS: bash %d answers on the new terminal and leads its foreground group" % bash)
