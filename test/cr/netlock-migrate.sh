#!/bin/bash
# dump --leave-stopped keeps its network lock for the restore elsewhere,
# and scripts/live-migrate keeps the network lock of its final dump
# (--leave-stopped) until the destination runs the tree; when the migration
# fails after that dump (here the destination's restore command fails
# without ever reading the images), the source goes on: the script removes
# the lock before continuing it, and a peer streaming to the source through
# it all finds every byte echoed.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
. "$(dirname "$0")/netlock.inc"
command -v tar >/dev/null || { echo "SKIP: needs tar"; exit 77; }
nl_setup
nl_need iptables
T=$CRL_TMP

# The destination: A itself, where every restore fails at once.
cat >"$T/dest.sh" <<EOS
case " \$* " in *" restore "*) echo "no restore here" >&2; exit 1 ;; esac
exec nsenter --net=/run/netns/$NSA "\$@"
EOS
# dump --leave-stopped keeps the lock (the tree goes on elsewhere).
nl_server "$T/d"
nl_peer fill 10.77.0.1 1 "$T/f"
crl_wait_file "$T/f" 10 || fail "the idle peer did not connect"
nl_wait_conn 1
in_a "$CRL_BIN" dump -t "$TPID" -D "$T/img-s" -s -o "$T/dump-s.log" -v4 ||
	fail "dump -s: $(grep -i error "$T/dump-s.log")"
nl_rules | grep -q "CRLITE-$TPID-i.*10.77.0.2" || fail "dump -s released the lock"
kill -KILL "$TPID"
c=CRLITE-$TPID
for t in iptables ip6tables; do
	printf '*filter\n-D INPUT -j %s-i\n-D OUTPUT -j %s-o\n-F %s-i\n-F %s-o\n-X %s-i\n-X %s-o\nCOMMIT\n' \
		"$c" "$c" "$c" "$c" "$c" "$c" | in_a $t-restore --noflush -w 5 ||
		fail "cannot remove the lock by hand"
done
nl_no_rules "after removing the dump -s lock by hand"
ok "dump --leave-stopped kept the lock (the tree goes on elsewhere)"

nl_server "$T/d"
nl_peer stream 10.77.0.1 6 "$T/p"
nl_wait_conn 1
sleep 0.5
in_a "$CRL_SRC/scripts/live-migrate" -t "$TPID" --address 10.77.0.1 --port 27555 \
	--bin "$CRL_BIN" --src-dir "$T/ms" --dst-dir "$T/md" --no-stage --keep -- sh "$T/dest.sh" \
	>"$T/mig.log" 2>&1 && fail "the migration succeeded without a restore"
grep -q "FAILED: restore on the destination" "$T/mig.log" ||
	fail "the migration failed elsewhere: $(tail -3 "$T/mig.log")"
grep -q "network lock: iptables 'CRLITE-$TPID' kept" "$T/ms/final/dump.log" ||
	fail "the final dump kept no lock: $(grep -i lock "$T/ms/final/dump.log")"
crl_check_alive "$TPID"
nl_no_rules "after the failed migration"
r=$(nl_result "$T/p")
case "$r" in PASS*) ;; *) fail "the source's connection after the failed migration: $r" ;; esac
ok "failed migration: the lock of the final dump removed, the source's peer intact ($r)"
exit 0
