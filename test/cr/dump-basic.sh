# dump --leave-running of a target with patterned memory, threads, a pipe
# holding data and a file at an offset: images decode, sizes agree, and the
# target runs on untraced with its memory intact.
. "$(dirname "$0")/lib.sh"
crl_need_root

crl_start_target dump-mem "$CRL_TMP/res"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --leave-running || fail "dump exited with $?"
ok "dump exit 0"
crl_check_alive "$TPID"
ok "target running, not traced"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "target memory intact after dump"

img=$CRL_TMP/img
[ "$(stat -c %a "$img")" = 700 ] || fail "image dir mode $(stat -c %a "$img")"
for f in "$img"/*; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "${f##*/} mode $(stat -c %a "$f")"
done
ok "image modes 0700/0600"
for f in inventory.img pstree.img core-$TPID.img mm-$TPID.img pagemap-$TPID.img \
	 ids-$TPID.img fs-$TPID.img files.img pipes-data.img stats-dump; do
	[ -s "$img/$f" ] || fail "$f missing"
done
[ "$(ls "$img"/core-*.img | wc -l)" = 4 ] || fail "expected 4 core images (4 threads)"
ls "$img"/pagemap-shmem-*.img >/dev/null 2>&1 || fail "no shared memory pagemap"
ok "image set complete"
crl_check_images "$img"
ok "crit decodes every image; pagemap matches pages"

crl_crit_has "$img/pipes-data.img" '"bytes": 37' || fail "pipe data not recorded"
crl_crit_has "$img/files.img" '"pos": 123' || fail "file offset not recorded"
crl_crit_has "$img/core-$TPID.img" '"task_state": "Alive"' || fail "task_state not alive"
crl_crit_has "$img/mm-$TPID.img" 'VMA_ANON_SHARED' || fail "shared vma not marked"
# 8 MiB fully written + 16 sparse pages + 4 PROT_NONE + COW page: at least 2048+21 pages
written=$($CRIT show "$img/stats-dump" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["dump"]["pages_written"])')
[ "$written" -ge 2069 ] || fail "only $written pages written"
[ "$written" -lt 3000 ] || fail "$written pages written: never-touched pages dumped?"
ok "pipe data, file offset, task state, page counts ($written)"

# Signal state (dump-mem sets all of it up).
core=$img/core-$TPID.img
$CRIT show "$core" >"$CRL_TMP/core.json" || fail "crit core"
/usr/bin/python3 - "$CRL_TMP/core.json" <<'PY' || fail "signal state"
import json, sys
c = json.load(open(sys.argv[1]))["entries"][0]
def num(v):
    return int(v, 16) if isinstance(v, str) else v
tc, th = c["tc"], c["thread_core"]
sa = tc["sigactions"]
assert len(sa) == 62, "%d sigactions" % len(sa)
assert num(sa[10 - 2]["sigaction"]) != 0, "SIGUSR1 handler missing"
assert num(sa[12 - 2]["sigaction"]) == 0, "SIGUSR2 handler should be default"
assert tc["timers"]["real"]["isec"] == 1000, "itimer"
assert len(tc["timers"]["posix"]) == 1 and tc["timers"]["posix"][0]["isec"] == 2000, "posix timer"
assert len(tc["signals_s"]["signals"]) == 1, "shared pending signal"
assert len(th["signals_p"]["signals"]) == 1, "private pending signal"
assert th["sas"]["ss_size"] == 65536, "sigaltstack"
assert num(c["thread_info"]["clear_tid_addr"]) != 0, "clear_child_tid"
assert num(th["blk_sigset"]) != 0, "blocked mask"
PY
ok "handlers, itimer, posix timer, pending signals, sigaltstack, clear_tid"

# A second dump still works (nothing was left behind by the first).
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img2" --leave-running || fail "second dump failed"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "second dump"
kill -TERM "$TPID"
exit 0
