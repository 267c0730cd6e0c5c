# Restore never gives the caller more than it has. Run as an unprivileged
# user (setpriv, uid/gid 65534, no groups, no capabilities), restore refuses
# images it does not own, and images of a root process even once it owns
# them, before any process exists; root then restores the same images.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
command -v setpriv >/dev/null || { echo "SKIP: needs setpriv (util-linux)"; exit 77; }
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
$AS_NOBODY true 2>/dev/null || { echo "SKIP: cannot run as uid 65534"; exit 77; }
$AS_NOBODY test -x "$CRL_BIN" || { echo "SKIP: uid 65534 cannot run $CRL_BIN"; exit 77; }

crl_start_target dump-mem "$CRL_TMP/res"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
# readable by all, so that only the ownership check can refuse
chmod 0755 "$CRL_TMP"
chmod -R a+rX "$CRL_TMP/img"

# refused: the images are root's
if $AS_NOBODY "$CRL_BIN" restore -D "$CRL_TMP/img" -d >"$CRL_TMP/out1" 2>&1; then
	fail "uid 65534 restored images owned by root"
fi
grep -q "images dir '$CRL_TMP/img' is owned by uid 0, not by the caller (uid 65534)" \
	"$CRL_TMP/out1" || fail "unclear refusal: $(cat "$CRL_TMP/out1")"
[ -d "/proc/$TPID" ] && fail "a refused restore created pid $TPID"
ok "unprivileged restore of root's images: $(grep -o 'images dir.*' "$CRL_TMP/out1")"

# refused: the images are ours now, but the process ran as root
chown -R 65534:65534 "$CRL_TMP/img"
if $AS_NOBODY "$CRL_BIN" restore -D "$CRL_TMP/img" -d >"$CRL_TMP/out2" 2>&1; then
	fail "uid 65534 restored a process running as uid 0"
fi
grep -q "thread $TPID: restoring uid 0/0 needs privileges the caller lacks" "$CRL_TMP/out2" ||
	fail "unclear refusal: $(cat "$CRL_TMP/out2")"
[ -d "/proc/$TPID" ] && fail "a refused restore created pid $TPID"
ok "unprivileged restore of a root process: $(grep -o 'thread.*' "$CRL_TMP/out2")"

# the same images restore as root, told to trust uid 65534's files: the refusals were about the caller
"$CRL_BIN" restore -D "$CRL_TMP/img" -d --trust-images || fail "root cannot restore the images"
CRL_PIDS="$CRL_PIDS $TPID"
crl_check_alive "$TPID"
kill -USR1 "$TPID"
crl_wait_file "$CRL_TMP/res" 10 || fail "the restored target did not check itself"
[ "$(cat "$CRL_TMP/res")" = PASS ] || fail "restored target: $(cat "$CRL_TMP/res")"
ok "root restores the same images: the target checks itself: PASS"
exit 0
