#!/bin/bash
# dump -R's copy-on-write snapshot next to a write tracker (docs/dump-cow.md):
# one VMA takes one userfaultfd. A dump -R of a tree that still carries a
# pre-dump's tracker (its async uffd registered on the VMAs) copies those
# VMAs frozen, saying why at -v4, and its images restore a target whose own
# check (memory pattern, registers, fds) is OK; dump -R --track-mem (a
# tracked snapshot) copies frozen altogether, saying why.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: kill_target is x86_64 only"; exit 77; }
T=$CRL_TMP
RES=$T/res

start() {
	rm -f "$RES" "$RES.ready"
	setsid "$CRL_TARGETS/kill_target" "$RES" -m 16 </dev/null >/dev/null 2>&1 &
	CRL_PIDS="$CRL_PIDS $!"
	crl_wait_file "$RES.ready" 10 || fail "target did not start"
	read -r TPID <"$RES.ready"
}

check() {
	rm -f "$RES"
	kill -USR1 "$TPID"
	crl_wait_file "$RES" 5 || fail "$1: the target did not answer its check"
	case "$(cat "$RES")" in OK*) ;; *) fail "$1: the target says $(cat "$RES")" ;; esac
}

start
"$CRL_BIN" pre-dump -t "$TPID" -D "$T/pre" --track-mem || fail "pre-dump failed"
ls -l "/proc/$TPID/fd" | grep -q userfaultfd || fail "the pre-dump left no tracker"
"$CRL_BIN" dump -t "$TPID" -D "$T/d" -R -v4 -o "$T/d.log" || fail "dump -R failed: $(grep Error "$T/d.log")"
grep -q "copied after the thaw, copy-on-write" "$T/d.log" || fail "dump -R did not use copy-on-write"
grep -q "copied frozen: userfaultfd registration: .*registered with another userfaultfd" "$T/d.log" ||
	fail "the tracker's VMAs were not said to be copied frozen: $(grep 'copied frozen' "$T/d.log" | head -3)"
check "after dump -R"
kill -KILL "$TPID"
sleep 0.3
"$CRL_BIN" restore -D "$T/d" -d || fail "restore failed"
check "restored"
kill -KILL "$TPID"
ok "dump -R of a tree carrying a tracker: its VMAs copied frozen (said at -v4), the restored target's check OK"

start
"$CRL_BIN" dump -t "$TPID" -D "$T/s" -R --track-mem -v4 -o "$T/s.log" || fail "dump -R --track-mem failed"
grep -q "copied while the tree is frozen: a write tracker runs" "$T/s.log" ||
	fail "dump -R --track-mem did not say why it copies frozen"
grep -q "copied after the thaw" "$T/s.log" && fail "dump -R --track-mem used copy-on-write"
check "after dump -R --track-mem"
ok "dump -R --track-mem copies frozen and says why at -v4"
