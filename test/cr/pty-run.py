#!/usr/bin/python3
# Helper of test/cr/shell-job.sh (not a test): runs CMD... as a session leader
# on a new pseudo-terminal (stdin, stdout, stderr, controlling terminal),
# copies what it writes to the terminal into OUT, exits with its status.
# usage: pty-run.py OUT CMD...
import os
import pty
import sys

out, cmd = sys.argv[1], sys.argv[2:]
pid, master = pty.fork()
if pid == 0:
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
