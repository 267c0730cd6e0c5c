# An fd dump does not support (fanotify marking a whole filesystem, netlink
# socket with queued messages, the same in flight in a unix datagram socket's
# queue) makes dump fail with
# a message naming the fd, and the target keeps running unharmed; so does a
# dump of a pid that does not exist.
. "$(dirname "$0")/lib.sh"
crl_need_root

for kind in i n u; do
	rm -f "$CRL_TMP/res"*
	crl_start_target dump-mem "$CRL_TMP/res" -$kind
	if "$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img-$kind" --leave-running 2>"$CRL_TMP/err"; then
		fail "dump of a target with -$kind succeeded"
	fi
	grep -Eq "unsupported fd [0-9]+ of $TPID: " "$CRL_TMP/err" ||
		fail "no 'unsupported fd' message: $(cat "$CRL_TMP/err")"
	crl_check_alive "$TPID"
	crl_check_memory "$TPID" "$CRL_TMP/res"
	ok "-$kind: $(grep -o 'unsupported fd.*' "$CRL_TMP/err" | head -1); target intact"
	kill -TERM "$TPID"
done

# Without --leave-running a failed dump must not kill the target either.
rm -f "$CRL_TMP/res"*
crl_start_target dump-mem "$CRL_TMP/res" -i
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img-kill" 2>/dev/null && fail "dump succeeded"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "failed dump without --leave-running leaves the target running"
kill -TERM "$TPID"

# A pid that does not exist: a clear error, nonzero exit.
nopid=999999
while [ -d /proc/$nopid ]; do nopid=$((nopid - 1)); done
if "$CRL_BIN" dump -t $nopid -D "$CRL_TMP/img-none" 2>"$CRL_TMP/err"; then
	fail "dump of a nonexistent pid succeeded"
fi
grep -q "no such process" "$CRL_TMP/err" || fail "unclear error: $(cat "$CRL_TMP/err")"
ok "nonexistent pid: $(head -1 "$CRL_TMP/err")"
exit 0
