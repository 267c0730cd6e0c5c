#!/bin/bash
# restore --lazy-pages: a dump of a tree whose lazy-pages server is still
# serving it is refused (its missing pages are not in memory: the image would
# hold zeros), naming the mapping, and leaves the tree running and intact; once
# every page is in, the helpers are gone and the tree checks all its memory.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
d=$T/a
mkdir -p "$d"
setsid "$CRL_TARGETS/lazy_checker" "$d" 256 </dev/null >/dev/null 2>&1 &
TPID=$!
disown "$TPID"
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$d/ready" 30 && crl_wait_file "$d/ready2" 30 || fail "target not ready"
pids="$TPID $(cat /proc/$TPID/task/*/children)"
"$CRL_BIN" dump -t "$TPID" -D "$d/img" || fail "dump failed"
"$CRL_BIN" restore -D "$d/img" -d --lazy-pages -o "$d/restore.log" -v4 ||
	fail "restore --lazy-pages: $(grep Error "$d/restore.log")"
for p in $pids; do crl_check_alive "$p"; done

# 1. dump while the server still pushes 2 x 256 MiB: refused, the tree untouched
out=$("$CRL_BIN" dump -t "$TPID" -D "$d/img2" 2>&1) && fail "a dump during the lazy restore succeeded"
echo "$out" | head -1 | grep -q "mapping .* of pid .* is registered with a userfaultfd in missing mode" ||
	fail "unexpected error: $out"
for p in $pids; do crl_check_alive "$p"; done
ok "a dump during a lazy restore is refused naming the mapping, the tree runs on"

# 2. while served, each process holds its own uffd and the alarm pipe's read
# end (restore-lazy-keep.c); once every page is in (the checkers wait for
# "go"), both are closed in it and nothing else of its fds changed
kept() { # PID: its fds >= 1000, as "N:TARGET"
	local f
	for f in /proc/$1/fd/*; do
		[ "${f##*/}" -ge 1000 ] && echo "${f##*/}:$(readlink "$f")"
	done
}
for p in $pids; do
	k=$(kept "$p" | tr '\n' ' ')
	case "$k" in
	*anon_inode:\[userfaultfd\]*pipe:*) ;;
	*) grep -q "every page is in" "$d/restore.log" ||
		fail "pid $p is served without its own uffd and alarm: fds >= 1000: '$k'" ;;
	esac
done
for ((i = 0; i < 1200; i++)); do
	grep -q "lazy restore: every page is in" "$d/restore.log" && break
	sleep 0.05
done
grep -q "lazy restore: every page is in" "$d/restore.log" || fail "the server never finished"
for p in $pids; do
	crl_check_alive "$p"
	[ -z "$(kept "$p")" ] || fail "pid $p still holds $(kept "$p" | tr '\n' ' ')after every page is in"
done
ok "the kept uffd and alarm are closed in every process once every page is in"
# 3. the tree checks every word
touch "$d/go"
for p in $pids; do
	crl_wait_file "$d/result.$p" 60 || fail "pid $p did not report"
	[ "$(cat "$d/result.$p")" = PASS ] || fail "pid $p: $(cat "$d/result.$p")"
done
grep Error "$d/restore.log" && fail "errors in the log"
ok "after the refused dump the lazily restored tree has all its memory: $(grep -o 'every page is in.*' "$d/restore.log")"
