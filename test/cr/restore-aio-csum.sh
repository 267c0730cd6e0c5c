#!/bin/bash
# Page checksums cover the AIO ring: its pages (the pending events) are read
# by restore-aio.c with their own pread, now checked like every other page.
# aio_pending keeps one completed read unreaped in its ring; one flipped bit
# in the ring's page of the pages file fails the restore with the checksum
# line naming the file and the address, and leaves no process; the intact
# images restore and the process reaps its event (data 0x1111, 17 bytes).
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
mkdir -p "$T/a"
setsid "$CRL_TARGETS/aio_pending" "$T/a" </dev/null >/dev/null 2>&1 &
TPID=$!
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$T/a/ready" 10 || fail "target did not get ready (no AIO here?)"
"$CRL_BIN" dump -t "$TPID" -D "$T/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
# the ring's first event slot (after the 32-byte header) in the pages file
"$CRL_BIN" show --json "$T/img/mm-$TPID.img" >"$T/mm.json" || fail "show mm"
"$CRL_BIN" show --json "$T/img/pagemap-$TPID.img" >"$T/pm.json" || fail "show pagemap"
off=$(/usr/bin/python3 - "$T/mm.json" "$T/pm.json" <<'PY'
import json, sys
ring = json.load(open(sys.argv[1]))["entries"][0]["aios"][0]["id"] + 32 + 8
off = 0
for e in json.load(open(sys.argv[2]))["entries"][1:]:
    n = e["nr_pages"] * 4096
    if not e.get("flags", 4) & 4:
        continue
    if e["vaddr"] <= ring < e["vaddr"] + n:
        print(off + ring - e["vaddr"])
        break
    off += n
PY
)
[ -n "$off" ] || fail "the AIO ring's page is not in the pages file"
cp -a "$T/img" "$T/bad"
/usr/bin/python3 - "$T/bad/pages-1.img" "$off" <<'PY'
import sys
f = open(sys.argv[1], "r+b"); off = int(sys.argv[2])
f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x01]))
PY
rc=0
"$CRL_BIN" restore -D "$T/bad" -d --pidfile "$T/pid" 2>"$T/err" || rc=$?
[ $rc = 0 ] && { kill -KILL "$(cat "$T/pid")"; fail "restore of a damaged AIO ring succeeded"; }
grep -Eq "^Error: image '.*/pages-1\.img': the page at offset 0x[0-9a-f]+ \(pid $TPID, 0x[0-9a-f]+-0x[0-9a-f]+\) does not match its checksum" "$T/err" ||
	fail "no checksum error line: $(cat "$T/err")"
[ -d "/proc/$TPID" ] && fail "pid $TPID left behind by the failed restore"
ok "a flipped bit in the AIO ring's page: refused: $(grep -o "the page at offset 0x[0-9a-f]* ([^)]*)" "$T/err")"
"$CRL_BIN" restore -D "$T/img" -d --pidfile "$T/pid" 2>"$T/err" || fail "restore failed: $(cat "$T/err")"
touch "$T/a/check"
crl_wait_file "$T/a/result" 10 || fail "restored target did not report"
[ "$(cat "$T/a/result")" = PASS ] || fail "restored target: $(cat "$T/a/result")"
ok "the intact images restore the ring with its pending event"
