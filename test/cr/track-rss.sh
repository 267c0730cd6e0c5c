# Write tracking must not change the target's memory use: starting uffd-wp
# tracking (pre-dump) and a later incremental pre-dump leave the target's RSS
# and page tables as they were, however much untouched memory it has mapped
# (thread stacks of 8 MiB, a 64 MiB area with 1 MiB written). The first
# pre-dump writes only pages holding data.
. "$(dirname "$0")/lib.sh"
crl_need_root

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
pte_kb() { awk '/^VmPTE:/ { print $2 }' "/proc/$1/status"; }
# wp_pages PID: how many pages carry the uffd-wp bit (pagemap bit 57)
wp_pages() {
	/usr/bin/python3 - "$1" <<'PY'
import struct, sys
pid, psz, n = sys.argv[1], 4096, 0
with open(f"/proc/{pid}/maps") as m, open(f"/proc/{pid}/pagemap", "rb") as pm:
    for line in m:
        if "[vsyscall]" in line:
            continue
        a, b = (int(x, 16) for x in line.split()[0].split("-"))
        pm.seek(a // psz * 8)
        for (e,) in struct.iter_unpack("<Q", pm.read((b - a) // psz * 8)):
            n += e >> 57 & 1
print(n)
PY
}

crl_start_target track_threads "$CRL_TMP/res"
img=$CRL_TMP/chain
mkdir -p "$img"
rss0=$(rss_kb "$TPID")
pte0=$(pte_kb "$TPID")
if ! "$CRL_BIN" pre-dump -t "$TPID" -D "$img/p1" --tracker uffd-wp 2>"$CRL_TMP/err"; then
	grep -q "refused\|no write tracker" "$CRL_TMP/err" && { echo "SKIP: $(cat "$CRL_TMP/err")"; exit 77; }
	fail "pre-dump: $(cat "$CRL_TMP/err")"
fi
crl_check_alive "$TPID"
rss1=$(rss_kb "$TPID")
pte1=$(pte_kb "$TPID")
echo "RSS ${rss0} kB -> ${rss1} kB, page tables ${pte0} kB -> ${pte1} kB"
# A few pages of slack: the tool's injected calls touch the stack.
[ "$rss1" -le $((rss0 + 64)) ] || fail "RSS grew by $((rss1 - rss0)) kB when tracking started"
[ "$pte1" -le $((pte0 + 16)) ] || fail "page tables grew by $((pte1 - pte0)) kB"
written=$("$CRL_BIN" show "$img/p1/stats-dump" --json |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["dump"]["pages_written"])')
# 1 MiB of data + the program, libc and used stack pages: far below one 8 MiB stack.
[ "$written" -lt 1536 ] || fail "first pre-dump wrote $written pages (untouched memory dumped?)"
wp=$(wp_pages "$TPID")
# the 1 MiB written area at least is protected (the check below can see the bit)
[ "$wp" -ge 256 ] || fail "only $wp pages write-protected while tracking"
ok "tracking started: RSS +$((rss1 - rss0)) kB, $written pages written, $wp protected"

"$CRL_BIN" pre-dump -t "$TPID" -D "$img/p2" --prev-images-dir ../p1 --tracker uffd-wp ||
	fail "second pre-dump"
rss2=$(rss_kb "$TPID")
[ "$rss2" -le $((rss0 + 64)) ] || fail "RSS grew by $((rss2 - rss0)) kB after the second pre-dump"
"$CRL_BIN" dump -t "$TPID" -D "$img/d" --prev-images-dir ../p2 --tracker uffd-wp --leave-running ||
	fail "final dump"
crl_check_alive "$TPID"
rss3=$(rss_kb "$TPID")
[ "$rss3" -le $((rss0 + 64)) ] || fail "RSS grew by $((rss3 - rss0)) kB after the chain ended"
# Unregistered once the tree ran again (after the freeze): no page keeps bit 57.
[ "$(wp_pages "$TPID")" = 0 ] || fail "pages still write-protected after the chain ended"
ok "chain ended: RSS ${rss0} -> ${rss2} -> ${rss3} kB, no page left write-protected"
kill -TERM "$TPID"
exit 0
