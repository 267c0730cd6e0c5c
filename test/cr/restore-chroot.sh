#!/bin/bash
# A process that chrooted into a directory (and works in a subdirectory of it)
# is restored inside the same root: /proc/PID/root names it, and the process
# itself finds that "/" and "/.." are that directory, "." its subdirectory and
# getcwd() "/sub" (restore_chroot; it reports through a descriptor it kept
# from before the chroot). Both before the dump and after the restore.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
mkdir -p "$T/root/sub"
crl_start_target restore_chroot "$T/result" "$T/root"
[ "$(readlink /proc/$TPID/root)" = "$T/root" ] || fail "target did not chroot"
crl_check_memory "$TPID" "$T/result"
ok "chrooted target checks itself before the dump"

"$CRL_BIN" dump -t "$TPID" -D "$T/img" -o "$T/dump.log" ||
	fail "dump failed: $(tail -3 "$T/dump.log")"
wait "$TPID" 2>/dev/null
"$CRL_BIN" restore -D "$T/img" -d --pidfile "$T/pid" -o "$T/restore.log" ||
	fail "restore failed: $(grep -i error "$T/restore.log" | tail -3)"
[ "$(cat "$T/pid")" = "$TPID" ] || fail "pidfile has $(cat "$T/pid"), want $TPID"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$T/result"
ok "restored target finds itself inside its root: $(cat "$T/result")"
[ "$(readlink /proc/$TPID/root)" = "$T/root" ] ||
	fail "restored root is '$(readlink /proc/$TPID/root)', want '$T/root'"
[ "$(readlink /proc/$TPID/cwd)" = "$T/root/sub" ] ||
	fail "restored cwd is '$(readlink /proc/$TPID/cwd)', want '$T/root/sub'"
ok "/proc/$TPID/root and cwd name the recorded directories"
exit 0
