#!/bin/bash
# SIGKILL of the dump worker at every step of a syscall injection (the test
# hook CRL_TEST_INJECT_KILL=N kills it at its Nth journal step: slot taken,
# code placed in the vDSO, thread parked, signals blocked, registers set for
# a syscall, entry stop, exit stop, mask back, registers back, vDSO back)
# leaves the target exactly as it was: the keeper puts each thread back. The
# target is checked from outside (alive, not traced or stopped, same signal
# masks, same mappings, same fds) and from inside (restore_basic's own check
# of its memory, file offset, pipe, thread and FPU state).
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP

# state PID: what must not change, one line per item.
state() {
	local t
	for t in /proc/$1/task/*; do
		echo "thread ${t##*/} $(grep -E '^(SigBlk|SigIgn|SigCgt)' "$t/status" | tr '\t\n' '  ')"
	done
	sed -e 's/ \+/ /g' "/proc/$1/maps"
	ls -l "/proc/$1/fd" | awk 'NR > 1 {print $9, $10, $11}'
}

# trial N ARGS...: one dump killed at step N; prints "killed" or "finished".
trial() {
	local n=$1
	shift
	rm -rf "$T/d" "$T/img"
	mkdir -p "$T/d"
	setsid "$CRL_TARGETS/restore_basic" "$T/d" 1 </dev/null >/dev/null 2>&1 &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$T/d/ready" 10 || fail "target did not get ready"
	state "$TPID" >"$T/before"
	CRL_TEST_INJECT_KILL=$n "$CRL_BIN" dump -t "$TPID" -D "$T/img" "$@" >"$T/out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		RESULT=finished
	else
		grep -q "killed by signal 9" "$T/out" || fail "step $n: dump failed otherwise: $(cat "$T/out")"
		grep -q "could not put" "$T/out" && fail "step $n: the keeper failed: $(cat "$T/out")"
		[ -e "$T/img/inventory.img" ] && fail "step $n: a killed dump left an inventory"
		RESULT=killed
	fi
	if [ $rc != 0 ] || [ "${1:-}" = -R ]; then
		crl_check_alive "$TPID"
		state "$TPID" >"$T/after"
		diff "$T/before" "$T/after" >"$T/diff" ||
			fail "step $n ($*): the target changed: $(cat "$T/diff")"
		touch "$T/d/check"
		crl_wait_file "$T/d/result" 10 || fail "step $n: target did not answer"
		[ "$(cat "$T/d/result")" = PASS ] || fail "step $n: target says $(cat "$T/d/result")"
	fi
	kill -KILL "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
}

killed=0
# Every step of the first injections, then a spread over the rest of the dump.
n=1
while :; do
	trial $n -R
	[ "$RESULT" = finished ] && break
	killed=$((killed + 1))
	if [ $n -lt 30 ]; then n=$((n + 1)); else n=$((n + 11)); fi
	[ $n -gt 5000 ] && fail "the dump never finished: is the step hook looping?"
done
[ $killed -ge 30 ] || fail "only $killed steps were reached: the hook is not working"
ok "dump -R killed at $killed injection steps (1..30, then every 11th): target unchanged"

for n in 3 9 15 40 120; do
	trial $n
	[ "$RESULT" = killed ] || fail "kill mode: step $n was not reached"
done
ok "dump (kill mode) killed at 5 steps: target unchanged"

for n in 4 12 30 60; do
	rm -rf "$T/pre"
	trial $n --track-mem --leave-running
done
ok "dump --track-mem killed at 4 steps: target unchanged"
