#!/usr/bin/python3
# The --console-socket of test/containers/runc.sh console: listens on SOCK;
# each connection brings a console master (SCM_RIGHTS) from runc, the Nth kept
# open and read into DIR/console.N; when DIR/say.N appears, its text is written
# into master N and the file removed. Runs until killed.
# Usage: console-recv.py SOCK DIR
import array, os, select, socket, sys

SOCK, DIR = sys.argv[1:3]
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(SOCK)
ls.listen(4)
masters = {}  # fd -> N
gone = set()  # masters whose slave side is gone (the checkpoint ended that container)
while True:
    r, _, _ = select.select([ls] + [m for m in masters if m not in gone], [], [], 0.1)
    for fd in r:
        if fd is ls:
            c, _ = ls.accept()
            _, anc, _, _ = c.recvmsg(4096, socket.CMSG_SPACE(4))
            fds = array.array("i")
            for lvl, typ, data in anc:
                if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    fds.frombytes(data[:len(data) - len(data) % 4])
            c.close()
            for m in fds:
                masters[m] = len(masters) + 1
                os.set_blocking(m, False)
                open(os.path.join(DIR, "console.%d" % masters[m]), "ab").close()
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            gone.add(fd)
            continue
        with open(os.path.join(DIR, "console.%d" % masters[fd]), "ab") as f:
            f.write(data)
    for m, k in masters.items():
        say = os.path.join(DIR, "say.%d" % k)
        if os.path.exists(say):
            os.write(m, open(say, "rb").read())
            os.remove(say)
