#!/bin/bash
# restore --staged of a chain whose pages files differ: gen_pages (a process
# and its child, 32 MiB each) rewrite all their memory between two pre-dumps and half of it before the
# final dump, so each pre-dump writes a big pages file of its own (O_DIRECT:
# cold, read back with O_DIRECT by the stager). The staged restore must then
# give back exactly the last generation of every page. The filler reused by
# every iteration once cached its O_DIRECT twins by fd number: a later
# iteration whose pages file got the number an earlier one's had read that
# earlier file instead.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
d=$T/s
mkdir -p "$d/img"
setsid "$CRL_TARGETS/gen_pages" "$d" 32 </dev/null >/dev/null 2>&1 &
TPID=$!
disown "$TPID"
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$d/ready.1.0" 30 && crl_wait_file "$d/ready.1.1" 30 || fail "target not ready"
"$CRL_BIN" pre-dump -t "$TPID" -D "$d/img/p1" --track-mem -o "$d/p1.log" || fail "pre-dump 1 failed"
touch "$d/next.2"
crl_wait_file "$d/ready.2.0" 30 && crl_wait_file "$d/ready.2.1" 30 || fail "target did not write generation 2"
"$CRL_BIN" pre-dump -t "$TPID" -D "$d/img/p2" --track-mem --prev-images-dir ../p1 -o "$d/p2.log" ||
	fail "pre-dump 2 failed"
touch "$d/half.3" "$d/next.3"
crl_wait_file "$d/ready.3.0" 30 && crl_wait_file "$d/ready.3.1" 30 || fail "target did not write generation 3"
"$CRL_BIN" dump -t "$TPID" -D "$d/img/final" --track-mem --prev-images-dir ../p2 -o "$d/dump.log" ||
	fail "dump failed"
for ((i = 0; i < 200; i++)); do [ -d "/proc/$TPID" ] || break; sleep 0.05; done
printf 'stage p1\nstage p2\nrestore final\n' |
	"$CRL_BIN" restore --staged -D "$d/img" -d -o "$d/restore.log" -v4 >"$d/staged.out" ||
	fail "restore --staged failed: $(grep Error "$d/restore.log")"
grep -c '^staged ' "$d/staged.out" | grep -qx 2 || fail "not every directory staged: $(cat "$d/staged.out")"
touch "$d/go"
for r in 0 1; do
	crl_wait_file "$d/result.$r" 30 || fail "restored process $r did not report"
	[ "$(cat "$d/result.$r")" = PASS ] || fail "staged restore of the chain, process $r: $(cat "$d/result.$r")"
done
ok "restore --staged of a chain whose pages files differ gives back the last generation of every page"
