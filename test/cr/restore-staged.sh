#!/bin/bash
# restore --staged: the memory of a pre-dump chain built ahead, then the
# final restore. A pgsrv_dirtier target (64 MiB, dirtying 4 MB/s) is
# pre-dumped twice and dumped; the same images are then restored three ways:
#  A. stage pre1, stage pre2, restore dump: the target checks every word of
#     its memory, and every present page of its big area is mapped by it
#     alone (pagemap bit 56: nothing kept a copy-on-write share of the
#     staged memory);
#  B. stage pre2 alone (its areas are built from the whole chain), then a
#     stage that fails (no such directory: everything staged is dropped),
#     then restore dump: restored in full, PASS;
#  C. an unknown command gets an error line; restore of a missing directory
#     answers "failed", exits 1 and leaves no process behind.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

T=$CRL_TMP/t
mkdir -p "$T"
setsid "$CRL_TARGETS/pgsrv_dirtier" "$T" 64 4 </dev/null >/dev/null 2>&1 &
TPID=$!
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$T/ready" 10 || fail "target did not get ready"

"$CRL_BIN" pre-dump -t $TPID -D "$CRL_TMP/pre1" --track-mem -o pre1.log || fail "pre-dump 1"
sleep 0.3
"$CRL_BIN" pre-dump -t $TPID -D "$CRL_TMP/pre2" --prev-images-dir ../pre1 --track-mem \
	-o pre2.log || fail "pre-dump 2"
sleep 0.3
"$CRL_BIN" dump -t $TPID -D "$CRL_TMP/dump" --prev-images-dir ../pre2 -o dump.log ||
	fail "dump"
for _ in $(seq 100); do [ -d /proc/$TPID ] || break; sleep 0.05; done
[ -d /proc/$TPID ] && fail "target still runs after the dump"
ok "pre-dump, pre-dump, dump of pid $TPID"

staged() { # NAME: feeds stdin to restore --staged; replies in $CRL_TMP/NAME.out
	"$CRL_BIN" restore --staged -d -D "$CRL_TMP" --pidfile "$CRL_TMP/$1.pid" \
		-o "$CRL_TMP/$1.log" -v4 >"$CRL_TMP/$1.out"
}

# Present pages of the biggest private writable mapping, and how many of
# them only this process maps (pagemap bits 63 and 56).
exclusive_pages() { # PID -> "present exclusive"
	/usr/bin/python3 - "$1" <<'PY'
import struct, sys
pid = sys.argv[1]
best = None
for l in open("/proc/%s/maps" % pid):
    f = l.split()
    if f[1] != "rw-p" or len(f) > 5:
        continue
    s, e = (int(x, 16) for x in f[0].split("-"))
    if best is None or e - s > best[1] - best[0]:
        best = (s, e)
present = excl = 0
with open("/proc/%s/pagemap" % pid, "rb") as pm:
    pm.seek(best[0] // 4096 * 8)
    data = pm.read((best[1] - best[0]) // 4096 * 8)
for (v,) in struct.iter_unpack("<Q", data):
    if v >> 63 & 1:
        present += 1
        excl += v >> 56 & 1
print(present, excl)
PY
}

check_restored() { # NAME
	local pid
	pid=$(cat "$CRL_TMP/$1.pid") || fail "$1: no pidfile"
	[ "$pid" = "$TPID" ] || fail "$1: restored as pid $pid, not $TPID"
	CRL_PIDS="$CRL_PIDS $pid"
	crl_check_alive "$pid"
	rm -f "$T/result"
	touch "$T/check"
	crl_wait_file "$T/result" 20 || fail "$1: the restored target did not check itself"
	rm -f "$T/check"
	grep -q '^PASS' "$T/result" || fail "$1: $(cat "$T/result")"
	for _ in $(seq 100); do [ -d /proc/$pid ] || break; sleep 0.05; done
}

# A.
printf 'stage pre1\nstage pre2\nrestore dump\n' | staged a || fail "A: exit $? ($(cat "$CRL_TMP/a.out"))"
grep -q '^staged pre1 areas [1-9][0-9]* pages [1-9]' "$CRL_TMP/a.out" &&
	grep -q '^staged pre2 areas [1-9]' "$CRL_TMP/a.out" &&
	grep -q "^restored $TPID\$" "$CRL_TMP/a.out" || fail "A: replies: $(cat "$CRL_TMP/a.out")"
read -r present excl < <(exclusive_pages "$TPID")
[ "$present" -ge 16000 ] || fail "A: only $present pages present in the big area"
[ "$present" = "$excl" ] || fail "A: $((present - excl)) of $present pages still shared"
check_restored a
ok "A: staged twice, restored, $present pages all exclusively mapped, memory PASS"

# B.
printf 'stage pre2\nstage no-such-dir\nrestore dump\n' | staged b ||
	fail "B: exit $? ($(cat "$CRL_TMP/b.out"))"
grep -q '^staged pre2 areas [1-9][0-9]* pages [1-9]' "$CRL_TMP/b.out" &&
	grep -q '^stage-failed no-such-dir' "$CRL_TMP/b.out" &&
	grep -q "^restored $TPID\$" "$CRL_TMP/b.out" || fail "B: replies: $(cat "$CRL_TMP/b.out")"
check_restored b
ok "B: staged out of order, a failed stage dropped it all, restored in full, memory PASS"

# C.
printf 'bogus\nrestore no-such-dir\n' | staged c && fail "C: restore of a missing dir exited 0"
grep -q "^error unknown command 'bogus'" "$CRL_TMP/c.out" &&
	grep -q '^failed no-such-dir' "$CRL_TMP/c.out" || fail "C: replies: $(cat "$CRL_TMP/c.out")"
[ -d /proc/$TPID ] && fail "C: pid $TPID exists after a failed restore"
ok "C: unknown command answered, failed restore exits 1 and leaves nothing"
echo PASS
