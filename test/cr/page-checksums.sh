# Page checksums (pagecsum-N.img, one CRC32C per page): a dump writes one
# for every pages file; restore checks every page before it reaches the
# process. One flipped byte in a pages file, of the dump itself or of the
# parent of an incremental dump, fails the restore with one line naming the
# file and the address range, and leaves no process behind;
# --no-page-checksums takes the damaged images (the target then sees the
# damage itself); a dump with --no-page-checksums writes none and restores
# as before (said at -v4).
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP

# start DIR MIB: restore_basic fills MIB of memory with a pattern it checks after restore.
start() {
	rm -rf "$1"
	mkdir -p "$1"
	setsid "$CRL_TARGETS/restore_basic" "$1" "$2" </dev/null >/dev/null 2>&1 &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$1/ready" 10 || fail "target did not get ready"
}

# flip FILE: inverts one bit in the middle page of FILE.
flip() {
	/usr/bin/python3 - "$1" <<'PY'
import os, sys
f = open(sys.argv[1], "r+b")
off = (os.path.getsize(sys.argv[1]) // 4096 // 2) * 4096 + 123
f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x10]))
PY
}

# biggest DIR: the largest pages file of DIR (the target's pattern memory).
biggest() {
	ls -S "$1"/pages-*.img | head -1
}

# refused DIR WHAT: restore from DIR fails with the checksum line and leaves no process.
refused() {
	local rc=0
	"$CRL_BIN" restore -D "$1" -d --pidfile "$T/pid" 2>"$T/err" || rc=$?
	[ $rc = 0 ] && { kill -KILL "$(cat "$T/pid")"; fail "$2: restore of damaged pages succeeded"; }
	grep -Eq "^Error: image '.*/pages-[0-9]+\.img': the page at offset 0x[0-9a-f]+ \(pid $TPID, 0x[0-9a-f]+-0x[0-9a-f]+\) does not match its checksum .*--no-page-checksums" "$T/err" ||
		fail "$2: no checksum error line: $(cat "$T/err")"
	[ "$(grep -c 'does not match its checksum' "$T/err")" = 1 ] ||
		fail "$2: the mismatch was reported more than once: $(cat "$T/err")"
	[ -d "/proc/$TPID" ] && fail "$2: pid $TPID left behind by the failed restore"
	ok "$2: refused: $(grep -o "pages-[0-9]*.img': the page at offset 0x[0-9a-f]*" "$T/err")"
}

# restored DIR WHAT WANT [OPTS]: restore -d, the target checks itself, reports WANT (PASS|FAIL).
restored() {
	local d=$1 what=$2 want=$3
	shift 3
	rm -f "$T/a/check" "$T/a/result"
	"$CRL_BIN" restore -D "$d" -d --pidfile "$T/pid" "$@" 2>"$T/err" ||
		fail "$what: restore failed: $(cat "$T/err")"
	CRL_PIDS="$CRL_PIDS $TPID"
	touch "$T/a/check"
	crl_wait_file "$T/a/result" 10 || fail "$what: restored target did not report"
	case "$(cat "$T/a/result")" in
	"$want"*) ;;
	*) fail "$what: target says $(cat "$T/a/result"), want $want" ;;
	esac
	kill -KILL "$TPID" 2>/dev/null
	while [ -d "/proc/$TPID" ]; do sleep 0.05; done
	ok "$what: restored, target says $(cut -c1-60 "$T/a/result")"
}

# 1. a dump writes one checksum image per pages file, as many values as pages.
start "$T/a" 16
"$CRL_BIN" dump -t "$TPID" -D "$T/img" || fail "dump failed"
wait "$TPID" 2>/dev/null
for p in "$T"/img/pages-*.img; do
	c=${p/pages-/pagecsum-}
	[ -f "$c" ] || fail "no ${c##*/} next to ${p##*/}"
	n=$("$CRL_BIN" show --json "$c" | /usr/bin/python3 -c '
import json, sys
print(sum(len(e.get("crc", [])) for e in json.load(sys.stdin)["entries"][1:]))')
	want=$(( $(stat -c %s "$p") / 4096 ))
	[ "$n" = "$want" ] || fail "${c##*/} holds $n checksums for $want pages"
done
ok "pagecsum images: $(ls "$T"/img/pagecsum-*.img | wc -l)"

# 2. one flipped bit in the pages: refused; the option takes it (the target sees the damage).
cp -a "$T/img" "$T/bad"
flip "$(biggest "$T/bad")"
refused "$T/bad" "flipped byte"
restored "$T/bad" "--no-page-checksums" FAIL --no-page-checksums
restored "$T/img" "intact images" PASS

# 3. incremental: the bit flipped in the parent's pages is caught through the child.
start "$T/a" 16
mkdir -p "$T/c"
"$CRL_BIN" pre-dump -t "$TPID" -D "$T/c/1" 2>"$T/err" || fail "pre-dump: $(cat "$T/err")"
"$CRL_BIN" dump -t "$TPID" -D "$T/c/2" --prev-images-dir ../1 || fail "dump after pre-dump"
wait "$TPID" 2>/dev/null
[ "$(stat -c %s "$(biggest "$T/c/2")")" -lt "$(stat -c %s "$(biggest "$T/c/1")")" ] ||
	fail "the dump wrote its pages again: no in_parent pages to check"
cp -a "$T/c" "$T/cbad"
flip "$(biggest "$T/cbad/1")"
refused "$T/cbad/2" "flipped byte in the parent"
grep -q "/2/parent/pages-" "$T/err" || fail "the line does not name the parent's file: $(cat "$T/err")"
restored "$T/c/2" "intact chain" PASS

# 4. --no-page-checksums on dump: no checksum images, restored as before, said at -v4.
start "$T/a" 4
"$CRL_BIN" dump -t "$TPID" -D "$T/n" --no-page-checksums || fail "dump --no-page-checksums"
wait "$TPID" 2>/dev/null
ls "$T"/n/pagecsum-*.img >/dev/null 2>&1 && fail "--no-page-checksums wrote checksum images"
restored "$T/n" "images without checksums" PASS -v4 -o "$T/n.log"
grep -q "has no page checksums" "$T/n.log" || fail "-v4 does not say the pages are not checked"

# 5. through a page server: the server checks what it receives and writes the
# checksums the dump sent; a bit flipped in its pages file is caught likewise.
port=$((20000 + $$ % 20000))
start "$T/a" 8
mkdir -p "$T/ps"
"$CRL_BIN" page-server -D "$T/ps" --address 127.0.0.1 --port "$port" -d \
	--pidfile "$T/ps.pid" >/dev/null || fail "page-server did not start"
CRL_PIDS="$CRL_PIDS $(cat "$T/ps.pid")"
"$CRL_BIN" dump -t "$TPID" -D "$T/ps" --page-server --address 127.0.0.1 --port "$port" ||
	fail "dump --page-server"
wait "$TPID" 2>/dev/null
p=$(biggest "$T/ps")
[ -f "${p/pages-/pagecsum-}" ] || fail "the page server wrote no ${p##*/} checksums"
cp -a "$T/ps" "$T/psbad"
flip "$(biggest "$T/psbad")"
refused "$T/psbad" "flipped byte on the page server's side"
restored "$T/ps" "page server images" PASS

# 6. restore --lazy-pages: the lazy-pages server checks every page it copies
# in; the flipped one kills the tree (the log names it), which never sees it.
# lazy_checker's memory is all private anonymous: every page of it is lazy.
mkdir -p "$T/l"
setsid "$CRL_TARGETS/lazy_checker" "$T/l" 16 </dev/null >/dev/null 2>&1 &
TPID=$!
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$T/l/ready" 10 && crl_wait_file "$T/l/ready2" 10 || fail "lazy_checker not ready"
lpids="$TPID $(cat /proc/$TPID/task/*/children)"
"$CRL_BIN" dump -t "$TPID" -D "$T/lz" || fail "dump of lazy_checker failed"
wait "$TPID" 2>/dev/null
flip "$(biggest "$T/lz")"
"$CRL_BIN" restore -D "$T/lz" -d --lazy-pages -o "$T/lazy.log" -v4 ||
	fail "lazy restore of damaged pages failed at once: $(grep Error "$T/lazy.log")"
CRL_PIDS="$CRL_PIDS $lpids"
touch "$T/l/go"
for p in $lpids; do
	for ((i = 0; i < 400; i++)); do
		[ -s "$T/l/result.$p" ] && break
		[ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null || break
		sleep 0.05
	done
	res=$(cat "$T/l/result.$p" 2>/dev/null)
	case "$res" in
	"" | PASS) ;; # killed, or its own pages were all intact
	*) fail "lazy restore of damaged pages: pid $p ran on it: $res" ;;
	esac
	[ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" && [ -z "$res" ] &&
		fail "lazy restore: pid $p neither reported nor was killed"
done
grep -Eq "Error: image '.*/pages-[0-9]+\.img': the page at offset 0x[0-9a-f]+ \(pid [0-9]+, .*does not match its checksum" "$T/lazy.log" ||
	fail "lazy restore: no checksum error line: $(grep Error "$T/lazy.log")"
grep -q "a page does not match its checksum: killing the restored tree" "$T/lazy.log" ||
	fail "lazy restore: the lazy-pages server did not kill the tree: $(grep Error "$T/lazy.log")"
ok "lazy restore of a flipped byte: the lazy-pages server refused the page and killed the tree"
