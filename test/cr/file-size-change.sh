#!/bin/bash
# Files whose size changed between dump and restore. A log the program only
# appends to (O_APPEND) that grew restores, with a warning naming it and
# both sizes, its fd at the new end; a shrunk log or a grown file that is
# not O_APPEND is refused naming the file and both sizes, before any process
# exists; --skip-file-size-check restores the latter with a warning.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP

start() {
	mkdir -p "$1"
	setsid "$CRL_TARGETS/file_sizes" "$1" </dev/null >/dev/null 2>&1 &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$1/ready" 10 || fail "target did not get ready"
}

# check DIR: the restored target checks its fds, then exits.
check() {
	touch "$1/check"
	crl_wait_file "$1/result" 10 || fail "restored target did not report"
	[ "$(cat "$1/result")" = PASS ] || fail "restored target: $(cat "$1/result")"
}

start "$T/a"
"$CRL_BIN" dump -t "$TPID" -D "$T/a/img" || fail "dump failed"
wait "$TPID" 2>/dev/null

# 1. the log shrank: refused, even though it is O_APPEND.
truncate -s 2 "$T/a/log"
out=$("$CRL_BIN" restore -D "$T/a/img" -d 2>&1) && fail "restore with a shrunk log succeeded"
echo "$out" | grep -q "log' (id [0-9]*) changed size since the dump: 2 bytes, was 6 (--skip-file-size-check" ||
	fail "error does not name the shrunk log and both sizes: $out"
[ -d "/proc/$TPID" ] && fail "pid $TPID exists after a failed restore"
ok "shrunk O_APPEND file refused: $(echo "$out" | grep -o "file '.*")"
printf 'line1\n' >"$T/a/log"

# 2. the data file (O_RDWR, not O_APPEND) grew: refused.
echo more >>"$T/a/data"
out=$("$CRL_BIN" restore -D "$T/a/img" -d 2>&1) && fail "restore with a grown file succeeded"
echo "$out" | grep -q "data' (id [0-9]*) changed size since the dump: 105 bytes, was 100" ||
	fail "error does not name the grown file and both sizes: $out"
[ -d "/proc/$TPID" ] && fail "pid $TPID exists after a failed restore"
ok "grown file without O_APPEND refused"
truncate -s 100 "$T/a/data"

# 3. the log grew (another writer appended): restored at its new end, warned.
printf 'other\n' >>"$T/a/log"
out=$("$CRL_BIN" restore -D "$T/a/img" -d 2>&1) || fail "restore with a grown log failed: $out"
CRL_PIDS="$CRL_PIDS $TPID"
echo "$out" | grep -q "Warn.*log' (id [0-9]*) grew since the dump from 6 to 12 bytes" ||
	fail "no warning naming the grown log: $out"
check "$T/a"
[ "$(cat "$T/a/log")" = "$(printf 'line1\nother\nline2')" ] || fail "log: $(cat "$T/a/log")"
ok "grown O_APPEND log restored at its end, with a warning"
wait "$TPID" 2>/dev/null

# 4. --skip-file-size-check restores a grown data file, with a warning.
start "$T/b"
"$CRL_BIN" dump -t "$TPID" -D "$T/b/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
echo more >>"$T/b/data"
out=$("$CRL_BIN" restore -D "$T/b/img" -d --skip-file-size-check 2>&1) ||
	fail "restore --skip-file-size-check failed: $out"
CRL_PIDS="$CRL_PIDS $TPID"
echo "$out" | grep -q "Warn.*data' (id [0-9]*) changed size since the dump: 105 bytes, was 100" ||
	fail "no warning naming the grown file: $out"
check "$T/b"
ok "--skip-file-size-check restores a changed file with a warning"
exit 0
