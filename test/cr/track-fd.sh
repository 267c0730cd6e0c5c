# Tracking must not alter the target (issue 13): the uffd-wp tracker's fd sits
# at a high number, close-on-exec, out of the program's way, and every way a
# chain ends leaves the fd table (numbers, targets, fdinfo flags) and
# /proc/PID/maps as they were before the first pre-dump: a finished chain, an
# abandoned one (plain dump, also --tracker none), a chain replaced by a new
# one, a failed pre-dump, a killed pre-dump (its leftover removed by the next
# dump or by track-stop), a child forked while tracked, track-stop.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

fdtab() { # fdtab PID: "number -> target flags" per fd
	local f n
	for f in /proc/$1/fd/*; do
		n=${f##*/}
		echo "$n $(readlink "$f") $(awk '/^flags:/ {print $2}' "/proc/$1/fdinfo/$n" 2>/dev/null)"
	done | sort -n
}
snap() { fdtab "$1"; cat "/proc/$1/maps"; }
uffds() { fdtab "$1" | grep -c 'anon_inode:\[userfaultfd\]'; }
same() { # same WHAT: the target is as it was before the first pre-dump
	snap "$TPID" >"$CRL_TMP/now"
	diff "$CRL_TMP/s0" "$CRL_TMP/now" >"$CRL_TMP/diff" || fail "$1: the target changed: $(cat "$CRL_TMP/diff")"
	crl_check_alive "$TPID"
	ok "$1: fd table and maps as before tracking"
}
T="--tracker uffd-wp"
run() { # run DIR ARGS...: the tool with -t and -D DIR, must succeed
	local d=$1
	shift
	"$CRL_BIN" "$@" -t "$TPID" -D "$CRL_TMP/$d" $T 2>"$CRL_TMP/err" ||
		fail "$* -D $d: $(cat "$CRL_TMP/err")"
}
paused() { # paused SIG ARGS...: the tool stopped (SIG to it and its worker) after tracking began
	local sig=$1 tool worker
	shift
	rm -f "$CRL_TMP/perr"
	CRL_DUMP_PAUSE_AT=pages-chunk "$CRL_BIN" "$@" -t "$TPID" $T 2>"$CRL_TMP/perr" &
	tool=$!
	crl_wait_file "$CRL_TMP/perr" 10 || fail "tool never paused"
	grep -q "paused at pages-chunk" "$CRL_TMP/perr" || fail "tool did not pause: $(cat "$CRL_TMP/perr")"
	worker=$(cat /proc/$tool/task/*/children 2>/dev/null)
	if [ "$sig" = KILL ]; then
		[ -n "$worker" ] || fail "no dump worker under the tool"
		kill -KILL $worker $tool
	else
		kill -$sig $tool
	fi
	{ wait $tool; } 2>/dev/null && fail "$* exited 0 after SIG$sig"
	crl_wait_untraced "$TPID" || fail "target still traced"
}
opened() { # opened: the number the program's next open() gets
	rm -f "$CRL_TMP/res.open"
	kill -USR1 "$TPID"
	crl_wait_file "$CRL_TMP/res.open" 10 || fail "target did not open"
	cat "$CRL_TMP/res.open"
}

crl_start_target track_fdtab "$CRL_TMP/res"
snap "$TPID" >"$CRL_TMP/s0"
open0=$(opened)
if ! "$CRL_BIN" pre-dump -t "$TPID" -D "$CRL_TMP/p1" $T 2>"$CRL_TMP/err"; then
	grep -q "refused" "$CRL_TMP/err" && { echo "SKIP: $(cat "$CRL_TMP/err")"; exit 77; }
	fail "pre-dump p1: $(cat "$CRL_TMP/err")"
fi

# 1. where the fd sits, and a chain that ends with a dump
line=$(fdtab "$TPID" | grep 'userfaultfd') || fail "no tracker fd after pre-dump"
fd=${line%% *}
flags=${line##* }
[ "$(uffds "$TPID")" = 1 ] || fail "more than one uffd: $(fdtab "$TPID")"
[ "$fd" -ge 1000 ] || fail "tracker fd at $fd, in the program's way"
[ $(( 0$flags & 02000000 )) != 0 ] || fail "tracker fd $fd not close-on-exec ($flags)"
[ "$(opened)" = "$open0" ] || fail "the program's next open() changed: $open0 -> $(opened)"
"$CRL_BIN" show "$CRL_TMP/p1/tracker-$TPID.img" | grep -q "uffd_fd: $fd\$" ||
	fail "tracker image does not record fd $fd"
ok "tracker fd at $fd (flags $flags), recorded; the program's open() still gets $open0"
run p2 pre-dump --prev-images-dir ../p1
run d2 dump -R --prev-images-dir ../p2
same "finished chain"

# 2. abandoned chains: a plain dump recognises the fd and removes it
run a1 pre-dump
run a2 dump -R
same "abandoned chain, plain dump"
run b1 pre-dump
"$CRL_BIN" dump -R -t "$TPID" -D "$CRL_TMP/b2" --tracker none 2>"$CRL_TMP/err" ||
	fail "dump --tracker none after a pre-dump: $(cat "$CRL_TMP/err")"
same "abandoned chain, dump --tracker none"

# 3. a new chain replaces the old tracker; the old chain finds its tracking lost
run c1 pre-dump
run c2 pre-dump
[ "$(uffds "$TPID")" = 1 ] || fail "two chains left two uffds: $(fdtab "$TPID")"
run c3 dump -R --prev-images-dir ../c1 -v3
grep -q "was lost" "$CRL_TMP/err" || fail "the replaced chain was continued: $(cat "$CRL_TMP/err")"
same "chain replaced by a new one, then the old one ended"

# 4. a failed pre-dump (interrupted after the tracker started)
paused TERM pre-dump -D "$CRL_TMP/f1"
same "failed pre-dump"

# 5. a killed pre-dump leaves its fd; the next command removes it
paused KILL pre-dump -D "$CRL_TMP/k1"
[ "$(uffds "$TPID")" = 1 ] || fail "killed pre-dump: expected its tracker fd left: $(fdtab "$TPID")"
run k2 pre-dump
[ "$(uffds "$TPID")" = 1 ] || fail "new chain after a killed pre-dump: $(fdtab "$TPID")"
paused KILL pre-dump -D "$CRL_TMP/k3" --prev-images-dir ../k2
run k4 dump -R
same "killed pre-dump, then a plain dump"
paused KILL pre-dump -D "$CRL_TMP/k5"
"$CRL_BIN" track-stop -t "$TPID" 2>"$CRL_TMP/err" || fail "track-stop: $(cat "$CRL_TMP/err")"
same "killed pre-dump, then track-stop"

# 6. track-stop ends a live chain; its next dump finds tracking lost
run h1 pre-dump
"$CRL_BIN" track-stop -t "$TPID" -v3 2>"$CRL_TMP/err" || fail "track-stop: $(cat "$CRL_TMP/err")"
grep -q "1 tracker fd removed" "$CRL_TMP/err" || fail "track-stop said: $(cat "$CRL_TMP/err")"
same "track-stop"
run h2 dump -R --prev-images-dir ../h1 -v3
grep -q "was lost" "$CRL_TMP/err" || fail "dump after track-stop trusted the stopped chain"
same "dump after track-stop"

# 7. a child forked while tracked holds the inherited fd
run g1 pre-dump
rm -f "$CRL_TMP/res.child"
kill -USR2 "$TPID"
crl_wait_file "$CRL_TMP/res.child" 10 || fail "target did not fork"
kid=$(cat "$CRL_TMP/res.child")
cat "/proc/$kid/maps" >"$CRL_TMP/kid0"
[ "$(uffds "$kid")" = 1 ] || fail "the child did not inherit the tracker fd: $(fdtab "$kid")"
run g2 pre-dump --prev-images-dir ../g1
run g3 dump -R --prev-images-dir ../g2
same "chain with a forked child: the parent"
fdtab "$kid" >"$CRL_TMP/kidfd"
grep -v '^[0-9a-f]*-' "$CRL_TMP/s0" | diff - "$CRL_TMP/kidfd" >"$CRL_TMP/diff" ||
	fail "the child's fds are not the program's: $(cat "$CRL_TMP/diff")"
cat "/proc/$kid/maps" | diff "$CRL_TMP/kid0" - >"$CRL_TMP/diff" ||
	fail "the child's maps changed: $(cat "$CRL_TMP/diff")"
ok "chain with a forked child: the child holds only the program's fds, maps unchanged"
run i1 pre-dump
run i2 dump -R
[ "$(uffds "$TPID")" = 0 ] && [ "$(uffds "$kid")" = 0 ] || fail "abandoned chain with a child left uffds"
ok "abandoned chain with a child: no uffd left in either"
kill -KILL "$kid" "$TPID"
exit 0
