# Unprivileged checkpoint/restore: a user whose only capability is
# CAP_CHECKPOINT_RESTORE (a file capability on a copy of the tool) dumps and
# restores a process of its own, with supplementary groups; the restored
# process checks its memory, threads, pipe and file itself and has the same
# uids, groups and capability sets as before (none of the tool's); root
# restores the same process without a warning. Without the
# capability, dump and restore refuse in one line that names it and says how
# to grant it. check reports the tool's capabilities. A pipe of root's the
# user cannot read is named, not a bare "dump failed".
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
for t in setcap setpriv useradd; do
	command -v $t >/dev/null || { echo "SKIP: needs $t (libcap2-bin, util-linux, passwd)"; exit 77; }
done
[ "$(cat /proc/sys/kernel/cap_last_cap)" -ge 40 ] ||
	{ echo "SKIP: kernel without CAP_CHECKPOINT_RESTORE (Linux 5.9+)"; exit 77; }
USR=crl-unpriv
id -u "$USR" >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin -d /nonexistent "$USR" ||
	{ echo "SKIP: cannot create user $USR"; exit 77; }
U=$(id -u "$USR")
G=$(id -g "$USR")
# No capabilities of root's, its own gid plus two supplementary groups.
AS_USER="setpriv --reuid=$U --regid=$G --groups=$G,65534 --inh-caps=-all"

chmod 0755 "$CRL_TMP"
mkdir "$CRL_TMP/bin" "$CRL_TMP/u"
chown "$U:$G" "$CRL_TMP/u"
cp "$CRL_BIN" "$CRL_TMP/bin/criu-lite"
cp "$CRL_BIN" "$CRL_TMP/bin/criu-lite-nocap"
cp /bin/cat "$CRL_TMP/bin/capcat"
chmod 0755 "$CRL_TMP/bin"/*
setcap cap_checkpoint_restore+ep "$CRL_TMP/bin/criu-lite" 2>/dev/null &&
	setcap cap_checkpoint_restore+ep "$CRL_TMP/bin/capcat" 2>/dev/null ||
	{ echo "SKIP: the filesystem of $CRL_TMP takes no file capabilities"; exit 77; }
eff=$($AS_USER "$CRL_TMP/bin/capcat" /proc/self/status | awk '/^CapEff:/ {print $2}')
[ $(( 0x$eff >> 40 & 1 )) = 1 ] ||
	{ echo "SKIP: file capabilities do not apply here (nosuid mount?): CapEff $eff"; exit 77; }
BIN=$CRL_TMP/bin/criu-lite

# check: the tool's capabilities, as the user.
$AS_USER "$BIN" check >"$CRL_TMP/check" 2>&1 || fail "check failed: $(cat "$CRL_TMP/check")"
grep -q '^  effective   cap_checkpoint_restore$' "$CRL_TMP/check" ||
	fail "check does not report the capability: $(cat "$CRL_TMP/check")"
grep -q '^dump/restore  *allowed' "$CRL_TMP/check" || fail "check: $(cat "$CRL_TMP/check")"
$AS_USER "$CRL_TMP/bin/criu-lite-nocap" check 2>&1 | grep -q '^dump/restore .*refused: needs' ||
	fail "check without the capability does not say dump/restore are refused"
ok "check reports the tool's capabilities"

# start_as_user [rootpipe]: dump-mem as the user, stdio only (with rootpipe,
# also fd 7: a pipe root made), its own session; sets TPID.
start_as_user() {
	rm -f "$CRL_TMP/u/res"*
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		[ "${1:-}" = rootpipe ] && exec 7< <(:)
		cd "$CRL_TMP/u" && exec $AS_USER setsid "$CRL_TARGETS/dump-mem" "$CRL_TMP/u/res" \
			</dev/null >/dev/null 2>&1
	) &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$CRL_TMP/u/res.ready" 10 || fail "target did not get ready as $USR"
}

creds() {
	grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' "/proc/$1/status"
}

# 1. dump and restore as the user, with CAP_CHECKPOINT_RESTORE alone.
start_as_user
creds "$TPID" >"$CRL_TMP/creds.before"
cd "$CRL_TMP/u" || fail "cd"
$AS_USER "$BIN" dump --unprivileged -t "$TPID" -D "$CRL_TMP/u/img" 2>"$CRL_TMP/err" ||
	fail "unprivileged dump: $(cat "$CRL_TMP/err")"
wait "$TPID" 2>/dev/null
$AS_USER "$BIN" restore --unprivileged -D "$CRL_TMP/u/img" -d 2>"$CRL_TMP/err" ||
	fail "unprivileged restore: $(cat "$CRL_TMP/err")"
[ -s "$CRL_TMP/err" ] && fail "restore logged: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
creds "$TPID" >"$CRL_TMP/creds.after"
diff "$CRL_TMP/creds.before" "$CRL_TMP/creds.after" >"$CRL_TMP/creds.diff" ||
	fail "credentials changed: $(tr '\n' ' ' <"$CRL_TMP/creds.diff")"
crl_check_memory "$TPID" "$CRL_TMP/u/res"
ok "dump and restore as uid $U with cap_checkpoint_restore only: credentials kept, self-check PASS"

# 2. the same without --unprivileged (a non-root caller is never assumed root).
$AS_USER "$BIN" dump -t "$TPID" -D "$CRL_TMP/u/img2" 2>"$CRL_TMP/err" ||
	fail "dump without --unprivileged: $(cat "$CRL_TMP/err")"
while [ -d "/proc/$TPID" ]; do sleep 0.05; done
$AS_USER "$BIN" restore -D "$CRL_TMP/u/img2" -d 2>"$CRL_TMP/err" ||
	fail "restore without --unprivileged: $(cat "$CRL_TMP/err")"
crl_check_memory "$TPID" "$CRL_TMP/u/res"
ok "the same without --unprivileged"

# 3. root restores the user's process: no warning, the same credentials.
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img-root" 2>"$CRL_TMP/err" || fail "root dump: $(cat "$CRL_TMP/err")"
while [ -d "/proc/$TPID" ]; do sleep 0.05; done
"$CRL_BIN" restore -D "$CRL_TMP/img-root" -d 2>"$CRL_TMP/err" || fail "root restore: $(cat "$CRL_TMP/err")"
[ -s "$CRL_TMP/err" ] && fail "root restore of uid $U logged: $(cat "$CRL_TMP/err")"
creds "$TPID" >"$CRL_TMP/creds.after"
diff "$CRL_TMP/creds.before" "$CRL_TMP/creds.after" >"$CRL_TMP/creds.diff" ||
	fail "credentials changed in a root restore: $(tr '\n' ' ' <"$CRL_TMP/creds.diff")"
crl_check_memory "$TPID" "$CRL_TMP/u/res"
ok "root restores the user's process without a warning, credentials kept"

# 4. without the capability: one line naming it and how to grant it; the target runs on.
for verb in dump restore; do
	if [ $verb = dump ]; then
		$AS_USER "$CRL_TMP/bin/criu-lite-nocap" dump -t "$TPID" -D "$CRL_TMP/u/img3" \
			>"$CRL_TMP/out" 2>&1 && fail "dump without the capability succeeded"
	else
		kill -KILL "$TPID"
		while [ -d "/proc/$TPID" ]; do sleep 0.05; done
		$AS_USER "$CRL_TMP/bin/criu-lite-nocap" restore -D "$CRL_TMP/u/img2" -d \
			>"$CRL_TMP/out" 2>&1 && fail "restore without the capability succeeded"
		[ -d "/proc/$TPID" ] && fail "a refused restore created pid $TPID"
	fi
	grep -q "$verb needs cap_checkpoint_restore, which criu-lite lacks: run it as root or grant it with 'setcap cap_checkpoint_restore+eip $CRL_TMP/bin/criu-lite-nocap'" \
		"$CRL_TMP/out" || fail "unclear refusal of $verb: $(cat "$CRL_TMP/out")"
	[ $verb = dump ] && crl_check_alive "$TPID"
	ok "$verb without the capability: $(head -1 "$CRL_TMP/out")"
done

# 5. a pipe root made (inherited), which the user cannot open: one line, not a bare failure.
start_as_user rootpipe
$AS_USER "$BIN" dump -t "$TPID" -D "$CRL_TMP/u/img5" >"$CRL_TMP/out" 2>&1 &&
	fail "dumped a pipe the user cannot open"
grep -q "data of pipe fd 7 of $TPID: opening '/proc/$TPID/fd/7': Permission denied" \
	"$CRL_TMP/out" || fail "unclear failure: $(cat "$CRL_TMP/out")"
crl_check_alive "$TPID"
ok "a pipe of root's: $(head -1 "$CRL_TMP/out")"
exit 0
