#!/usr/bin/python3
# Helper of test/cr/shell-job*.sh (not a test): runs CMD... as a session leader
# on a new pseudo-terminal (stdin, stdout, stderr, controlling terminal),
# copies what it writes to the terminal into OUT, exits with its status.
# --size ROWSxCOLS gives the terminal that window size before CMD starts
# (a new one has 0x0).
# usage: pty-run.py [--size ROWSxCOLS] OUT CMD...
import fcntl
import os
import pty
import struct
import sys
import termios

args = sys.argv[1:]
size = None
if args[0] == "--size":
    size = [int(v) for v in args[1].split("x")]
    args = args[2:]
out, cmd = args[0], args[1:]
pid, master = pty.fork()
if pid == 0:
    if size:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    os.execvp(cmd[0], cmd)
with open(out, "ab") as f:
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        f.write(data)
        f.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
