#!/usr/bin/python3
"""One long-lived redis connection for test/apps/redis.sh.

resp-conn.py HOST PORT LOG SECONDS: sends INCR pc on one connection every
0.1 s and appends each answer to LOG; when the connection breaks (the
server was killed) it appends "reconnect" and connects again. Stops after
SECONDS. Each wait is bounded by a 20 s socket timeout, longer than a dump
holding the connection still under the network lock.
"""
import socket
import sys
import time


def connect(host, port, deadline):
    while time.time() < deadline:
        try:
            return socket.create_connection((host, port), timeout=20)
        except OSError:
            time.sleep(0.1)
    sys.exit(0)


def main():
    host, port, log, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    deadline = time.time() + secs
    sock = connect(host, port, deadline)
    buf = b""
    with open(log, "a", buffering=1) as out:
        while time.time() < deadline:
            try:
                sock.sendall(b"INCR pc\r\n")
                while b"\r\n" not in buf:
                    data = sock.recv(4096)
                    if not data:
                        raise ConnectionError("closed")
                    buf += data
                line, buf = buf.split(b"\r\n", 1)
                out.write(line.decode().lstrip(":") + "\n")
            except OSError:
                out.write("reconnect\n")
                sock.close()
                buf = b""
                sock = connect(host, port, deadline)
            time.sleep(0.1)


main()
