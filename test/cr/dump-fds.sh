# fd kinds beyond files and pipes: eventfd, signalfd, timerfd, epoll, a FIFO
# with data, an unlinked-but-open file (its content goes to a ghost image)
# and a unix socketpair with data queued both ways (sk-queues.img).
. "$(dirname "$0")/lib.sh"
crl_need_root

crl_start_target dump-fds "$CRL_TMP/res"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" --leave-running || fail "dump exited with $?"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "dump --leave-running, target state intact"
img=$CRL_TMP/img
crl_check_images "$img"
for t in EVENTFD SIGNALFD TIMERFD EVENTPOLL FIFO UNIXSK; do
	crl_crit_has "$img/files.img" "\"type\": \"$t\"" || fail "no $t file entry"
done
crl_crit_has "$img/files.img" '"counter": 5' || fail "eventfd counter"
crl_crit_has "$img/files.img" '"isec": 3000' || fail "timerfd interval"
crl_crit_has "$img/fifo-data.img" '"bytes": 23' || fail "fifo data"
ghost=$(ls "$img"/ghost-file-*.img 2>/dev/null | head -1)
[ -n "$ghost" ] || fail "no ghost file image"
crl_crit_has "$ghost" '"size": 46' || fail "ghost file size"
grep -q "content of a file that was unlinked while open" "$ghost" || fail "ghost content"
crl_crit_has "$img/files.img" "\"name\": \"$CRL_TMP/res.ghost\"" || fail "ghost file name"
$CRIT show "$img/files.img" >"$CRL_TMP/files.json"
/usr/bin/python3 - "$CRL_TMP/files.json" <<'PY' || fail "unix socketpair entries"
import json, sys
usk = [e["usk"] for e in json.load(open(sys.argv[1]))["entries"] if e["type"] == "UNIXSK"]
assert len(usk) == 2, usk
assert usk[0]["peer"] == usk[1]["ino"] and usk[1]["peer"] == usk[0]["ino"], usk
PY
$CRIT show "$img/sk-queues.img" >"$CRL_TMP/skq.json" || fail "crit sk-queues.img"
/usr/bin/python3 - "$CRL_TMP/skq.json" "$CRL_TMP/files.json" <<'PY' || fail "queued socket data"
import json, sys
q = json.load(open(sys.argv[1]))["entries"]
ids = {e["id"] for e in json.load(open(sys.argv[2]))["entries"] if e["type"] == "UNIXSK"}
assert sorted(e["length"] for e in q) == [6, 7], q
assert all(e["id_for"] in ids for e in q), q
PY
grep -q "to-one" "$img/sk-queues.img" && grep -q "to-zero" "$img/sk-queues.img" ||
	fail "queued bytes not in sk-queues.img"
ok "eventfd, signalfd, timerfd, epoll, fifo data, ghost file, unix socketpair"
kill -TERM "$TPID"
exit 0
