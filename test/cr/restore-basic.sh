#!/bin/bash
# Round trips through the real dump: restore_basic fills memory with a seeded
# pattern, keeps a file offset, pipe data, a second thread and FPU state, and
# checks all of it itself after restore (DIR/result: PASS or FAIL: why).
# Also: restore without -d passes the root's exit status on; --leave-running
# then restore fails with "pid N is in use" and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP

# start DIR MIB [ARGS...]: restore_basic's protocol is DIR/ready, DIR/check, DIR/result.
start() {
	local d=$1
	shift
	mkdir -p "$d"
	setsid "$CRL_TARGETS/restore_basic" "$d" "$@" </dev/null >/dev/null 2>&1 &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$d/ready" 10 || fail "target did not get ready"
}

# 1. dump (kills), restore -d with a pidfile, the target checks itself.
start "$T/a" 64
"$CRL_BIN" dump -t "$TPID" -D "$T/a/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
"$CRL_BIN" restore -D "$T/a/img" -d --pidfile "$T/a/pid" || fail "restore -d failed"
[ "$(cat "$T/a/pid")" = "$TPID" ] || fail "pidfile has $(cat "$T/a/pid"), want $TPID"
CRL_PIDS="$CRL_PIDS $TPID"
crl_check_alive "$TPID"
[ "$(ls /proc/$TPID/task | wc -l)" = 2 ] || fail "restored process lost its thread"
grep -q "criu-lite" "/proc/$TPID/maps" && fail "a mapping of the tool was left behind"
touch "$T/a/check"
crl_wait_file "$T/a/result" 10 || fail "restored target did not report"
[ "$(cat "$T/a/result")" = PASS ] || fail "restored target: $(cat "$T/a/result")"
ok "round trip with -d: $(cat "$T/a/result")"

# 2. without -d the tool waits for the root and passes its exit status on.
start "$T/b" 8
"$CRL_BIN" dump -t "$TPID" -D "$T/b/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
( sleep 0.5; touch "$T/b/check" ) &
timeout 20 "$CRL_BIN" restore -D "$T/b/img"
rc=$?
[ "$rc" = 0 ] || fail "restore without -d exited $rc"
[ "$(cat "$T/b/result")" = PASS ] || fail "restored target: $(cat "$T/b/result")"
ok "restore without -d returns the root's exit status"

# 3. --leave-running: the pid is taken, restore refuses before creating anything.
start "$T/c" 8
"$CRL_BIN" dump -t "$TPID" -D "$T/c/img" --leave-running || fail "dump --leave-running failed"
out=$("$CRL_BIN" restore -D "$T/c/img" -d 2>&1) && fail "restore over a live pid succeeded"
echo "$out" | grep -q "pid $TPID is in use" || fail "unexpected error: $out"
ok "restore refuses a pid in use"
# ... then kill the original and restore works.
kill -KILL "$TPID"; wait "$TPID" 2>/dev/null
"$CRL_BIN" restore -D "$T/c/img" -d || fail "restore after kill failed"
touch "$T/c/check"
crl_wait_file "$T/c/result" 10 || fail "restored target did not report"
[ "$(cat "$T/c/result")" = PASS ] || fail "restored target: $(cat "$T/c/result")"
ok "--leave-running dump, kill, restore"

# 4. a pagemap pointing past its pages file: clear error, nothing created.
start "$T/d" 8
"$CRL_BIN" dump -t "$TPID" -D "$T/d/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
pages=$(ls "$T/d/img"/pages-*.img | head -1)
truncate -s 4096 "$pages"
out=$("$CRL_BIN" restore -D "$T/d/img" -d 2>&1) && fail "restore with a short pages file succeeded"
echo "$out" | grep -q "past the end of its pages file" || fail "unexpected error: $out"
[ -d "/proc/$TPID" ] && fail "pid $TPID exists after a failed restore"
ok "short pages file refused before any process exists"

# 5. a file that changed size, then vanished: refused before any process exists.
start "$T/e" 8
"$CRL_BIN" dump -t "$TPID" -D "$T/e/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
cp "$T/e/data" "$T/e/data.orig"
echo more >>"$T/e/data"
out=$("$CRL_BIN" restore -D "$T/e/img" -d 2>&1) && fail "restore with a grown file succeeded"
echo "$out" | grep -q "data' (id [0-9]*) changed size since the dump" ||
	fail "error does not name the grown file: $out"
[ -d "/proc/$TPID" ] && fail "pid $TPID exists after a failed restore"
ok "file that changed size refused"
mv "$T/e/data.orig" "$T/e/data.moved"
rm "$T/e/data"
out=$("$CRL_BIN" restore -D "$T/e/img" -d 2>&1) && fail "restore without its file succeeded"
echo "$out" | grep -q "data' (id [0-9]*) vanished since the dump; .*: put it back as it was" ||
	fail "error does not name the file and what to do: $out"
[ -d "/proc/$TPID" ] && fail "pid $TPID exists after a failed restore"
ok "vanished file refused"

# 6. failure midway: only the memory map needs the file, so the process exists,
# is seized and half rebuilt when the mmap fails; it must be killed, not left.
start "$T/f" 8 sepmap
"$CRL_BIN" dump -t "$TPID" -D "$T/f/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
mv "$T/f/map" "$T/f/map.moved"
out=$("$CRL_BIN" restore -D "$T/f/img" -d 2>&1) && fail "restore without its mapped file succeeded"
echo "$out" | grep -q "killed" || fail "midway failure not reported as such: $out"
echo "$out" | grep -q "cannot open '.*/map': No such file or directory (removed since the dump; .*put it back" ||
	fail "the error does not name the mapped file and what to do: $out"
sleep 0.2
[ -d "/proc/$TPID" ] && fail "pid $TPID left behind after a failed restore"
ok "failure midway kills what was created"
exit 0
