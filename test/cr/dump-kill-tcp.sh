#!/bin/bash
# Established TCP connections are put in repair mode while the tree is
# frozen. A dump that leaves the tree running takes them out again with
# SO_REUSEADDR as it was (the kernel resets it when repair mode ends); so
# does the keeper when the dump worker is killed in the middle, alone or
# with the tool's whole process group. tcp_pair checks both directions of
# its connection and SO_REUSEADDR itself.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP

start() {
	rm -rf "$T/d" "$T/img" "$T/out"
	mkdir -p "$T/d"
	setsid "$CRL_TARGETS/tcp_pair" "$T/d" </dev/null >/dev/null 2>&1 &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$T/d/ready" 10 || fail "target did not get ready"
}

self_check() {
	rm -f "$T/d/result"
	touch "$T/d/check"
	crl_wait_file "$T/d/result" 10 || fail "$1: target did not answer"
	[ "$(cat "$T/d/result")" = PASS ] || fail "$1: target says $(cat "$T/d/result")"
}

start
self_check "before any dump"
"$CRL_BIN" dump -t "$TPID" -D "$T/img" -R --tcp-established >"$T/out" 2>&1 ||
	fail "dump -R failed: $(cat "$T/out")"
crl_check_alive "$TPID"
self_check "after dump -R"
ok "dump -R: the connection carries data both ways and keeps SO_REUSEADDR"
kill -KILL "$TPID"; wait "$TPID" 2>/dev/null

# victim worker|group: pause the dump once the files are dumped (sockets in
# repair mode), SIGKILL the victim, and the target must work as before.
for victim in worker group; do
	start
	CRL_DUMP_PAUSE_AT=files setsid "$CRL_BIN" dump -t "$TPID" -D "$T/img" -R \
		--tcp-established >"$T/out" 2>&1 &
	tool=$!
	crl_wait_file "$T/out" 10 || fail "$victim: the dump did not pause"
	grep -q "paused at files" "$T/out" || fail "$victim: dump: $(cat "$T/out")"
	if [ $victim = worker ]; then
		kill -KILL $(pgrep -P "$tool" | head -1)
	else
		kill -KILL -- -"$tool"
	fi
	for i in $(seq 100); do
		pgrep -f "criu-lite dump -t $TPID" >/dev/null || break
		sleep 0.05
	done
	pgrep -f "criu-lite dump -t $TPID" >/dev/null && fail "$victim: the keeper did not exit"
	wait "$tool" 2>/dev/null
	crl_check_alive "$TPID"
	self_check "after the $victim was killed"
	kill -KILL "$TPID"; wait "$TPID" 2>/dev/null
done
ok "worker or group killed with the connection in repair mode: the keeper takes it out"
