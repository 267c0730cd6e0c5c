#!/bin/bash
# The dump's page buffer is sized before the freeze (dump-pages.c): by the
# memory smaps saw, 32 MiB at most, 8 MiB for an incremental dump with a
# tracker. Memory beyond it goes in more batches: a 64 MiB target dumped
# whole (32 MiB buffer), then an incremental dump of 16+ MiB of pages
# written since a pre-dump (8 MiB buffer), each restored and checked word by
# word. -v4 names every setup step before the freeze with its time.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

start() { # DIR RATE -> TPID (64 MiB pgsrv_dirtier dirtying RATE MB/s)
	mkdir -p "$1"
	setsid "$CRL_TARGETS/pgsrv_dirtier" "$1" 64 "$2" </dev/null >/dev/null 2>&1 &
	TPID=$!
	disown $TPID
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$1/ready" 20 || fail "target did not get ready"
}
restore_check() { # DIR IMAGES PID
	for _ in $(seq 100); do [ -d /proc/$3 ] || break; sleep 0.05; done
	[ -d /proc/$3 ] && fail "target $3 still runs after the dump"
	"$CRL_BIN" restore -D "$2" -d -o restore.log || fail "restore of $2: $(tail -3 "$2/restore.log")"
	CRL_PIDS="$CRL_PIDS $3"
	touch "$1/check"
	crl_wait_file "$1/result" 60 || fail "restored $3 gave no result"
	grep -q PASS "$1/result" || fail "restored $3: $(cat "$1/result")"
}
buf_kib() { sed -n 's/.*dump: page buffer \([0-9]*\) KiB.*/\1/p' "$1" | head -1; }
written() { sed -n 's/.* \([0-9]*\) pages written.*/\1/p' "$1" | head -1; }

# 1. A whole dump of more memory than the buffer.
start "$CRL_TMP/a" 0
pid=$TPID
"$CRL_BIN" dump -t $pid -D "$CRL_TMP/a/img" -v4 -o dump.log || fail "dump"
log=$CRL_TMP/a/img/dump.log
[ "$(buf_kib "$log")" = 32768 ] || fail "page buffer of a 64 MiB dump: $(buf_kib "$log") KiB, not 32768"
[ "$(written "$log")" -ge 16384 ] || fail "only $(written "$log") pages written of 64 MiB"
for step in "images dir" tracker "page server" smaps "page buffer" "fd kinds"; do
	grep -q "dump: setup: $step took [0-9]* us" "$log" || fail "no '$step' setup step in the -v4 log"
done
restore_check "$CRL_TMP/a" "$CRL_TMP/a/img" $pid
ok "64 MiB through a 32 MiB buffer: $(written "$log") pages, restored, memory checked"

# 2. An incremental dump of more changed pages than its 8 MiB buffer.
start "$CRL_TMP/b" 40
pid=$TPID
if ! "$CRL_BIN" pre-dump -t $pid -D "$CRL_TMP/b/pre" --track-mem -o pre.log 2>"$CRL_TMP/err"; then
	grep -q "no write tracker" "$CRL_TMP/err" && { echo "SKIP: $(cat "$CRL_TMP/err")"; exit 77; }
	fail "pre-dump: $(cat "$CRL_TMP/err")"
fi
sleep 1
"$CRL_BIN" dump -t $pid -D "$CRL_TMP/b/img" --prev-images-dir ../pre -v4 -o dump.log || fail "dump"
log=$CRL_TMP/b/img/dump.log
[ "$(buf_kib "$log")" = 8192 ] || fail "page buffer of an incremental dump: $(buf_kib "$log") KiB, not 8192"
[ "$(written "$log")" -gt 2048 ] ||
	fail "only $(written "$log") pages changed: not more than the buffer holds"
restore_check "$CRL_TMP/b" "$CRL_TMP/b/img" $pid
ok "incremental: $(written "$log") changed pages through an 8 MiB buffer, restored, memory checked"
exit 0
