# Reading images never blocks on what was planted in their place: a FIFO
# (or any non-regular file) named like an image is refused at once, naming
# it, by restore, by show, and in a parent directory (--prev-images-dir).
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
img=$CRL_TMP/img

crl_start_target dump-mem "$CRL_TMP/res"
mkdir -m 0700 "$img"
"$CRL_BIN" dump -t "$TPID" -D "$img/d1" --leave-running --track-mem || fail "first dump"
"$CRL_BIN" dump -t "$TPID" -D "$img/d2" --prev-images-dir ../d1 || fail "second dump"
wait "$TPID" 2>/dev/null
ls "$img"/d1/pages-*.img >/dev/null || fail "no pages in the parent"

# expect_refused WHAT FILE CMD...: CMD fails within 20 s, naming FILE as a fifo.
expect_refused() {
	local what=$1 file=$2 rc
	shift 2
	timeout 20 "$@" >"$CRL_TMP/out" 2>&1
	rc=$?
	[ $rc = 124 ] && fail "$what hung on the fifo '$file'"
	[ $rc = 0 ] && fail "$what accepted the fifo '$file'"
	grep -q "image '.*${file##*/}' is a fifo, not an image: remove it" "$CRL_TMP/out" ||
		fail "$what: unclear refusal: $(cat "$CRL_TMP/out")"
	[ -d "/proc/$TPID" ] && fail "$what: a refused restore created pid $TPID"
	ok "$what refused at once: $(grep -o 'image .*' "$CRL_TMP/out" | head -1)"
}

pages=$(ls -S "$img"/d1/pages-*.img | head -1) # the largest: the private memory
mv "$pages" "$CRL_TMP/pages.save"
mkfifo "$pages"
expect_refused "restore (pages in the parent dir)" "$pages" \
	"$CRL_BIN" restore -D "$img/d2" -d
rm "$pages"
mv "$CRL_TMP/pages.save" "$pages"

core=$img/d2/core-$TPID.img
mv "$core" "$CRL_TMP/core.save"
mkfifo "$core"
expect_refused "restore" "$core" "$CRL_BIN" restore -D "$img/d2" -d
expect_refused "show" "$core" "$CRL_BIN" show "$core"
rm "$core"
mv "$CRL_TMP/core.save" "$core"

# the same images restore once the fifos are gone
"$CRL_BIN" restore -D "$img/d2" -d || fail "restore of the intact images failed"
CRL_PIDS="$CRL_PIDS $TPID"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "the intact images restore; the target checks itself: PASS"
