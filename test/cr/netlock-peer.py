#!/usr/bin/python3
"""Clients for test/cr/netlock-*.sh, run in the peer's network namespace.

stream ADDR PORT SECONDS OUT: one connection; a counter line every 20 ms for
  SECONDS, every echo checked in order; then up to 20 s for the rest. OUT gets
  "PASS sent=N" or "FAIL: why" (a reset, a wrong byte, a timeout).
burst ADDR PORT N OUT: N connections opened at once, each sends one line and
  wants it back within 25 s: "PASS served=N" or "FAIL: ...".
halfclose ADDR PORT X OUT: one connection, one line echoed, then our end
  shut for writing (the server's socket goes to CLOSE_WAIT); OUT gets "PASS";
  then sleeps holding it.
fill ADDR PORT N OUT: N connections opened and held (never read); OUT gets
  "up" once all are connected; then sleeps.
"""
import socket
import sys
import threading
import time


def put(out, text):
    with open(out + ".tmp", "w") as f:
        f.write(text + "\n")
    import os
    os.rename(out + ".tmp", out)


def stream(addr, port, seconds, out):
    s = socket.create_connection((addr, port), timeout=5)
    s.settimeout(20)
    state = {"sent": b"", "err": None}
    got = bytearray()

    def reader():
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    state["err"] = "the server closed the connection"
                    return
                got.extend(d)
                if state.get("done") and len(got) >= len(state["sent"]):
                    return
        except OSError as e:
            state["err"] = "recv: %s" % e

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    end = time.time() + seconds
    i = 0
    try:
        while time.time() < end and not state["err"]:
            line = b"%d\n" % i
            state["sent"] += line
            s.sendall(line)
            i += 1
            time.sleep(0.02)
    except OSError as e:
        state["err"] = state["err"] or "send: %s" % e
    state["done"] = True
    deadline = time.time() + 20
    while time.time() < deadline and not state["err"] and len(got) < len(state["sent"]):
        time.sleep(0.05)
    if state["err"]:
        put(out, "FAIL: %s after %d of %d bytes echoed" % (state["err"], len(got), len(state["sent"])))
    elif bytes(got) != state["sent"]:
        put(out, "FAIL: the echo differs (%d bytes back of %d)" % (len(got), len(state["sent"])))
    else:
        put(out, "PASS sent=%d" % i)


def burst(addr, port, n, out):
    res = [None] * n

    def one(k):
        try:
            c = socket.create_connection((addr, port), timeout=25)
            c.settimeout(25)
            msg = b"hello %d\n" % k
            c.sendall(msg)
            back = b""
            while len(back) < len(msg):
                d = c.recv(100)
                if not d:
                    break
                back += d
            res[k] = "ok" if back == msg else "echo %r" % back
            c.close()
        except OSError as e:
            res[k] = str(e)

    ts = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad = [(k, r) for k, r in enumerate(res) if r != "ok"]
    put(out, "FAIL: %d of %d not served: %s" % (len(bad), n, bad[:3]) if bad else "PASS served=%d" % n)


def fill(addr, port, n, out):
    cs = [socket.create_connection((addr, port), timeout=5) for _ in range(n)]
    put(out, "up")
    time.sleep(60)
    del cs


def halfclose(addr, port, out):
    s = socket.create_connection((addr, port), timeout=5)
    s.sendall(b"abc\n")
    back = b""
    while len(back) < 4:
        d = s.recv(10)
        if not d:
            break
        back += d
    s.shutdown(socket.SHUT_WR)
    put(out, "PASS" if back == b"abc\n" else "FAIL: echo %r" % back)
    time.sleep(60)


mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
{"stream": lambda: stream(addr, port, float(sys.argv[4]), sys.argv[5]),
 "burst": lambda: burst(addr, port, int(sys.argv[4]), sys.argv[5]),
 "halfclose": lambda: halfclose(addr, port, sys.argv[5]),
 "fill": lambda: fill(addr, port, int(sys.argv[4]), sys.argv[5])}[mode]()
