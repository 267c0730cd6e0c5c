# A parent with a child, both multi-threaded, dumped without --leave-running:
# the whole tree is in the images and is killed afterwards.
. "$(dirname "$0")/lib.sh"
crl_need_root

crl_start_target dump-mem "$CRL_TMP/res" -c
sleep 0.2
kid=$(cat /proc/$TPID/task/*/children | awk '{print $1; exit}')
[ -n "$kid" ] || fail "target has no child"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" || fail "dump exited with $?"
ok "dump exit 0"
img=$CRL_TMP/img
crl_check_images "$img"
crl_crit_has "$img/pstree.img" "\"pid\": $kid" || fail "child not in pstree"
crl_crit_has "$img/pstree.img" "\"ppid\": $TPID" || fail "child's ppid"
[ "$(ls "$img"/core-*.img | wc -l)" = 8 ] || fail "expected 8 core images"
[ -s "$img/mm-$kid.img" ] && [ -s "$img/pagemap-$kid.img" ] || fail "child memory images"
[ "$(ls "$img"/pagemap-shmem-*.img | wc -l)" = 1 ] || fail "shared memory dumped more than once"
[ "$(ls "$img"/fdinfo-*.img | wc -l)" = 2 ] || fail "expected two fd tables"
ok "tree images"
for i in $(seq 50); do
	[ -d /proc/$TPID ] && ! grep -q '^State:.*Z' /proc/$TPID/status || break
	sleep 0.1
done
if [ -d /proc/$TPID ] && ! grep -q '^State:.*Z' /proc/$TPID/status; then
	fail "target still alive after dump without --leave-running"
fi
ok "tree killed after dump"
exit 0
