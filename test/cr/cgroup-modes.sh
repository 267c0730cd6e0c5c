# --manage-cgroups modes and --cgroup-root at restore, on a target in a test
# cgroup of the v1 pids hierarchy with pids.max 33, changed to 44 after the
# dump: props and full set it back, soft keeps the existing cgroup's value
# and sets it in one it makes, none and props refuse a missing cgroup by
# name, strict refuses an existing one and makes a missing one with the
# limit, ignore leaves the tree in the tool's cgroup, --cgroup-root replaces
# the root's cgroup.
# Every refusal leaves nothing behind (the pid is free again).
. "$(dirname "$0")/lib.sh"
crl_need_root
P=/sys/fs/cgroup/pids
[ -f $P/cgroup.procs ] || { echo "SKIP: no v1 pids hierarchy"; exit 77; }
CG=crl-cgm-$$
cleanup_cg() {
	crl_cleanup
	for d in $P/$CG/sub $P/$CG $P/crl-cgm-new-$$/sub $P/crl-cgm-new-$$; do
		[ -d $d ] && { for q in $(cat $d/cgroup.procs); do kill -KILL $q; done; sleep 0.1; rmdir $d; }
	done
	return 0
}
trap cleanup_cg EXIT

mkdir -p $P/$CG/sub
echo 33 >$P/$CG/sub/pids.max
(echo $BASHPID >$P/$CG/sub/cgroup.procs; exec setsid sleep 1000) </dev/null >/dev/null 2>&1 &
TPID=$!
CRL_PIDS="$CRL_PIDS $TPID"
sleep 0.2
"$CRL_BIN" dump -t $TPID -D "$CRL_TMP/d" || fail "dump"
for i in $(seq 100); do [ -d /proc/$TPID ] || break; sleep 0.05; done

# restore MODE [OPTS...]: restores a copy of the dump; sets R (the pid's pids cgroup) or fails
restore() {
	local m=$1
	shift
	rm -rf "$CRL_TMP/r" && cp -a "$CRL_TMP/d" "$CRL_TMP/r"
	"$CRL_BIN" restore -D "$CRL_TMP/r" -d --manage-cgroups=$m "$@" 2>"$CRL_TMP/err" || return 1
	R=$(awk -F: '$2 == "pids" {print $3}' /proc/$TPID/cgroup)
	return 0
}
gone() {
	kill -KILL $TPID
	for i in $(seq 100); do [ -d /proc/$TPID ] || return 0; sleep 0.05; done
	fail "pid $TPID did not go"
}

echo 44 >$P/$CG/sub/pids.max
restore soft || fail "soft: $(cat "$CRL_TMP/err")"
[ "$R" = /$CG/sub ] || fail "soft: in '$R'"
[ "$(cat $P/$CG/sub/pids.max)" = 44 ] || fail "soft set the limit of a cgroup it did not make"
gone
ok "soft: back in its cgroup, the existing cgroup's limit kept"
for m in props full; do
	echo 44 >$P/$CG/sub/pids.max
	restore $m || fail "$m: $(cat "$CRL_TMP/err")"
	[ "$R" = /$CG/sub ] || fail "$m: in '$R'"
	[ "$(cat $P/$CG/sub/pids.max)" = 33 ] || fail "$m: pids.max $(cat $P/$CG/sub/pids.max), want 33"
	gone
	ok "$m: back in its cgroup with pids.max 33"
done
restore strict && fail "strict restored over an existing cgroup"
grep -q "cgroup 'pids:/$CG.*' exists already" "$CRL_TMP/err" || fail "strict: $(cat "$CRL_TMP/err")"
[ -d /proc/$TPID ] && fail "strict: a refused restore left pid $TPID"
ok "strict: an existing cgroup refused by name"
restore ignore || fail "ignore: $(cat "$CRL_TMP/err")"
[ "$R" = "$(awk -F: '$2 == "pids" {print $3}' /proc/self/cgroup)" ] || fail "ignore: in '$R'"
gone
ok "ignore: the tool's cgroup"
rmdir $P/$CG/sub $P/$CG
for m in none props; do
	restore $m && fail "$m restored into a missing cgroup"
	grep -q "cgroup 'pids:/$CG/sub' .* does not exist" "$CRL_TMP/err" || fail "$m: $(cat "$CRL_TMP/err")"
	[ -d /proc/$TPID ] && fail "$m: a refused restore left pid $TPID"
	ok "$m: a missing cgroup refused by name"
done
restore strict || fail "strict: $(cat "$CRL_TMP/err")"
[ "$R" = /$CG/sub ] && [ "$(cat $P/$CG/sub/pids.max)" = 33 ] || fail "strict: in '$R'"
gone
ok "strict: made anew with pids.max 33"
restore soft --cgroup-root pids:/crl-cgm-new-$$ || fail "cgroup-root: $(cat "$CRL_TMP/err")"
[ "$R" = /crl-cgm-new-$$ ] || fail "--cgroup-root: in '$R'"
[ "$(cat $P/crl-cgm-new-$$/pids.max)" = 33 ] || fail "--cgroup-root: the limit not set in a made cgroup"
gone
ok "--cgroup-root pids:/NEW: the root's cgroup is NEW, made with its limit"
exit 0
