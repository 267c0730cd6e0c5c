#!/bin/bash
# dump -R's copy-on-write snapshot killed while the tree runs under write
# protection (docs/security.md, "dump -R's userfaultfd"). The dump pauses
# in its copy with every write fault held (test hooks
# CRL_DUMP_PAUSE_AT=cow-copy and CRL_DUMP_COW_HOLD_FAULTS=1), so every thread
# of the target blocks in handle_userfault on a protected page. Then the
# worker, or the tool (its worker stops on PR_SET_PDEATHSIG), is SIGKILLed:
# the target's threads must go on, no userfaultfd may be left in it, no
# page left write-protected (pagemap bit 57), and the target's own check
# (memory pattern, registers, masks, fds, progress of every thread) says OK.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: kill_target is x86_64 only"; exit 77; }
T=$CRL_TMP
RES=$T/res

# wchans: the wait channel of every thread of the target, one line.
wchans() {
	local t
	for t in /proc/"$TPID"/task/*; do printf '%s ' "$(cat "$t/wchan" 2>/dev/null)"; done
}

# wp_pages: the target's pages (present or swapped) still write-protected.
wp_pages() {
	/usr/bin/python3 - "$TPID" <<'PY'
import struct, sys
pid, ps, n = sys.argv[1], 4096, 0
with open(f"/proc/{pid}/pagemap", "rb") as pm:
    for line in open(f"/proc/{pid}/maps"):
        if "[vsyscall]" in line:
            continue
        a, b = (int(x, 16) for x in line.split()[0].split("-"))
        pm.seek(a // ps * 8)
        for (e,) in struct.iter_unpack("<Q", pm.read((b - a) // ps * 8)):
            if (e >> 62) & 3 and (e >> 57) & 1:
                n += 1
print(n)
PY
}

# trial VICTIM: worker or tool.
trial() {
	local tool victim rc
	rm -rf "$T/img" "$RES" "$RES.ready"
	setsid "$CRL_TARGETS/kill_target" "$RES" -m 64 </dev/null >/dev/null 2>&1 &
	CRL_PIDS="$CRL_PIDS $!"
	crl_wait_file "$RES.ready" 10 || fail "target did not start"
	read -r TPID <"$RES.ready"
	CRL_DUMP_PAUSE_AT=cow-copy CRL_DUMP_COW_HOLD_FAULTS=1 \
		"$CRL_BIN" dump -t "$TPID" -D "$T/img" -R -v4 -o "$T/dump.log" >"$T/out" 2>&1 &
	tool=$!
	for _ in $(seq 100); do grep -q "paused at cow-copy" "$T/out" && break; sleep 0.1; done
	grep -q "paused at cow-copy" "$T/out" || fail "$1: the dump did not reach its copy: $(cat "$T/out")"
	grep -q "copied after the thaw, copy-on-write" "$T/dump.log" ||
		fail "$1: dump -R did not use the copy-on-write snapshot"
	for _ in $(seq 50); do [ "$(wchans)" = "$(printf 'handle_userfault %.0s' /proc/"$TPID"/task/*)" ] && break; sleep 0.1; done
	case "$(wchans)" in *handle_userfault*) ;; *) fail "$1: no thread blocked on a protected page: $(wchans)" ;; esac
	if [ "$1" = worker ]; then
		victim=$(ps -o pid=,sid= --ppid "$tool" | awk -v s="$(ps -o sid= -p "$tool")" '$2 == s {print $1}')
		[ -n "$victim" ] || fail "worker: no worker process under the tool"
	else
		victim=$tool
	fi
	kill -KILL "$victim"
	wait "$tool"
	rc=$?
	[ $rc != 0 ] || fail "$1: the dump succeeded although its $1 was killed"
	sleep 0.5
	crl_check_alive "$TPID"
	case "$(wchans)" in *handle_userfault*) fail "$1: a thread is still blocked: $(wchans)" ;; esac
	ls -l "/proc/$TPID/fd" | grep -q userfaultfd && fail "$1: a userfaultfd was left in the target"
	[ "$(wp_pages)" = 0 ] || fail "$1: $(wp_pages) pages are still write-protected"
	rm -f "$RES"
	kill -USR1 "$TPID"
	crl_wait_file "$RES" 5 || fail "$1: the target did not answer its check"
	case "$(cat "$RES")" in OK\ uffd=0) ;; *) fail "$1: the target says $(cat "$RES")" ;; esac
	[ -e "$T/img/inventory.img" ] && fail "$1: a killed dump left an inventory"
	kill -KILL "$TPID"
	ok "dump -R killed ($1) while every thread was blocked on a write-protected page: the threads go on, no userfaultfd, no protected page, the target's check OK"
}

trial worker
trial tool
