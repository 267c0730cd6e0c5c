#!/bin/bash
# A dump that kills its tree must have the images on disk first: with the
# images dir on a tmpfs a little too small for them, every dump either
# succeeds and restores (the restored target checks itself), or fails with a
# nonzero exit, leaves no inventory.img, and the target runs on unchanged.
# Also: a killed multi-threaded tree is reaped by the time dump returns, so a
# restore right after it finds the pids free.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
MNT=$T/mnt
mkdir -p "$MNT"

durable_cleanup() {
	umount -l "$MNT" 2>/dev/null
	crl_cleanup
}
trap durable_cleanup EXIT

# start DIR MIB: restore_basic's protocol is DIR/ready, DIR/check, DIR/result.
start() {
	rm -rf "$1"
	mkdir -p "$1"
	setsid "$CRL_TARGETS/restore_basic" "$1" "$2" </dev/null >/dev/null 2>&1 &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$1/ready" 10 || fail "target did not get ready"
}

# self_check DIR: the target (original or restored) verifies its own state.
self_check() {
	touch "$1/check"
	crl_wait_file "$1/result" 10 || fail "target did not report ($2)"
	[ "$(cat "$1/result")" = PASS ] || fail "$2: target says $(cat "$1/result")"
}

# How much room a dump of this target takes.
start "$T/probe" 1
"$CRL_BIN" dump -t "$TPID" -D "$T/probe/img" -R || fail "probe dump failed"
need_kb=$(du -sk "$T/probe/img" | cut -f1)
kill -KILL "$TPID"
wait "$TPID" 2>/dev/null

ok_n=0 refused_n=0
# Sizes around the boundary in 4 KiB steps (the pages image goes first and
# fits in most of them; what is written after it does not), then ample room.
for delta in -256 -64 -48 -40 -32 -28 -24 -20 -16 -12 -8 -4 0 4 8 16 big; do
	if [ "$delta" = big ]; then size=$((need_kb * 2 + 256)); else size=$((need_kb + delta)); fi
	mount -t tmpfs -o size=${size}k tmpfs "$MNT" || fail "cannot mount a tmpfs"
	start "$T/t" 1
	if "$CRL_BIN" dump -t "$TPID" -D "$MNT/img" >"$T/out" 2>&1; then
		wait "$TPID" 2>/dev/null
		[ -e "/proc/$TPID" ] && fail "tmpfs ${size}k: dump succeeded but pid $TPID lives on"
		[ -s "$MNT/img/inventory.img" ] || fail "tmpfs ${size}k: dump succeeded, no inventory"
		rm -f "$T/t/check" "$T/t/result"
		"$CRL_BIN" restore -D "$MNT/img" -d >"$T/rout" 2>&1 ||
			fail "tmpfs ${size}k: dump said ok but restore failed: $(tail -1 "$T/rout")"
		self_check "$T/t" "tmpfs ${size}k, restored"
		ok_n=$((ok_n + 1))
	else
		grep -q "Error" "$T/out" || fail "tmpfs ${size}k: failed dump printed no error"
		[ -e "$MNT/img/inventory.img" ] && fail "tmpfs ${size}k: failed dump left an inventory"
		crl_check_alive "$TPID"
		self_check "$T/t" "tmpfs ${size}k, after a failed dump"
		out=$("$CRL_BIN" restore -D "$MNT/img" -d 2>&1) &&
			fail "tmpfs ${size}k: restore of a failed dump succeeded"
		refused_n=$((refused_n + 1))
	fi
	kill -KILL "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	umount "$MNT" || fail "cannot unmount the tmpfs"
done
[ "$ok_n" -gt 0 ] || fail "no dump fitted even the largest tmpfs"
[ "$refused_n" -gt 0 ] || fail "no tmpfs was too small: the test proves nothing"
ok "images on small tmpfs: $ok_n dumps restored, $refused_n failed with the target intact"

# A two-thread target: dump (kill) then restore at once, ten times.
for i in 1 2 3 4 5 6 7 8 9 10; do
	start "$T/r" 4
	"$CRL_BIN" dump -t "$TPID" -D "$T/r/img$i" >"$T/out" 2>&1 ||
		fail "dump $i failed: $(tail -1 "$T/out")"
	[ -e "/proc/$TPID" ] && fail "dump $i returned before pid $TPID was reaped"
	rm -f "$T/r/check" "$T/r/result"
	"$CRL_BIN" restore -D "$T/r/img$i" -d >"$T/rout" 2>&1 ||
		fail "restore right after dump $i: $(tail -1 "$T/rout")"
	self_check "$T/r" "restored after dump $i"
	kill -KILL "$TPID"
	wait "$TPID" 2>/dev/null
done
ok "dump returns once the killed tree is reaped: 10 back-to-back restores"
