#!/usr/bin/python3
"""Turns image directories into seed inputs for the fuzz targets.

usage: pack-seeds.py OUT_DIR IMAGES_DIR...

The input formats are those of the targets (test/fuzz/fuzz-*.c): fuzz-img
takes a kind byte and a mode byte before the file, fuzz-restore-read an
image-set container, fuzz-show one file, fuzz-page-server frame descriptions.
"""
import os
import struct
import sys

# enum img_kind order in criu-lite/img.h, by file name prefix.
KINDS = [("inventory", 0), ("pstree", 1), ("core-", 2), ("mm-", 3),
         ("pagemap-shmem-", 5), ("pagemap-", 4), ("pages-", 6),
         ("fdinfo-", 7), ("files", 8), ("fs-", 9), ("ids-", 10),
         ("stats-dump", 11), ("stats-restore", 12), ("pipes-data", 13),
         ("fifo-data", 14), ("tty-info", 15), ("ghost-file-", 16),
         ("tracker-", 17), ("sk-queues", 18), ("memfd", 19),
         ("tcp-stream-", 20), ("filelocks", 21), ("seccomp", 22),
         ("remap-fpath", 23), ("tty-data", 24)]
SIZED = 0x80
PAGE = os.sysconf("SC_PAGE_SIZE")
PX_HELLO, PX_BEGIN, PX_OPEN, PX_ENTRIES, PX_PAGES, PX_CLOSE, PX_COMMIT, PX_BYE = \
    1, 3, 4, 5, 6, 7, 8, 10
PE_PRESENT = 4


def kind_of(name):
    for prefix, k in KINDS:
        if name.startswith(prefix):
            return k
    return None


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pack_set(imgdir):
    rec = b""
    for name in sorted(os.listdir(imgdir)):
        path = os.path.join(imgdir, name)
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        bname = name.encode()
        if name.startswith("pages-"):
            rec += bytes([len(bname) | SIZED]) + bname
            rec += struct.pack("<I", os.path.getsize(path))
        else:
            data = open(path, "rb").read()
            rec += bytes([len(bname)]) + bname + struct.pack("<I", len(data)) + data
    return rec


def varint(b, i):
    v, s = 0, 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << s
        s += 7
        if not c & 0x80:
            return v, i


def pagemap_entries(path):
    """(vaddr, nr_pages, flags) of a pagemap image; skips magics and head."""
    b = open(path, "rb").read()
    i, out, first = 8, [], True
    while i + 4 <= len(b):
        (n,) = struct.unpack_from("<I", b, i)
        msg, i = b[i + 4:i + 4 + n], i + 4 + n
        if first:
            first = False
            continue
        e, j = {1: 0, 2: 0, 4: 0}, 0
        while j < len(msg):
            key, j = varint(msg, j)
            val, j = varint(msg, j)
            e[key >> 3] = val
        out.append((e[1], e[2], e[4]))
    return out


def frame(t, payload):
    return bytes([t]) + struct.pack("<H", len(payload)) + payload


def page_server_seed(imgdir, pagemap):
    """One iteration as dump would send it, cut to one page per entry."""
    hello = struct.pack("<III", 1, PAGE, 0) + os.uname().machine.encode().ljust(32, b"\0")
    s = b"\0" + frame(PX_HELLO, hello)
    s += frame(PX_BEGIN, struct.pack("<HH", 0, 0))
    s += frame(PX_OPEN, struct.pack("<IIQQ", 1, 0, 1, 1))
    ents = [e for e in pagemap_entries(pagemap) if e[2] & PE_PRESENT][:1]
    s += frame(PX_ENTRIES, b"".join(struct.pack("<QII", v, 1, f) for v, _, f in ents))
    pages = os.path.join(imgdir, "pages-1.img")
    data = open(pages, "rb").read(PAGE * len(ents)) if os.path.exists(pages) else b""
    data = data.ljust(PAGE * len(ents), b"\0")
    s += frame(PX_PAGES, data)
    s += frame(PX_CLOSE, struct.pack("<QQ", len(ents), len(data)))
    s += frame(PX_COMMIT, b"") + frame(PX_BYE, b"")
    return s


def main():
    out = sys.argv[1]
    for imgdir in sys.argv[2:]:
        tag = os.path.basename(os.path.normpath(imgdir))
        put(out, "restore-read", tag + ".set", pack_set(imgdir))
        for name in sorted(os.listdir(imgdir)):
            path = os.path.join(imgdir, name)
            k = kind_of(name)
            if k is None or k == 6 or not os.path.isfile(path):
                continue
            data = open(path, "rb").read()
            put(out, "show", tag + "-" + name, data)
            put(out, "img", tag + "-" + name, bytes([k, 0]) + data)
            if name.startswith("pagemap-") and not name.startswith("pagemap-shmem-"):
                put(out, "page-server", tag + "-" + name,
                    page_server_seed(imgdir, path))


if __name__ == "__main__":
    main()
