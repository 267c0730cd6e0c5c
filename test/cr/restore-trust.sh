# Root restores only images root wrote: an images dir or an image owned by
# another user, or writable by others, is refused before any process
# exists, in one line naming it and --trust-images; with --trust-images the
# same images restore.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
img=$CRL_TMP/img

crl_start_target dump-mem "$CRL_TMP/res"
"$CRL_BIN" dump -t "$TPID" -D "$img" || fail "dump failed"
wait "$TPID" 2>/dev/null

# refused MESSAGE: restore fails saying MESSAGE once, and creates nothing.
refused() {
	if "$CRL_BIN" restore -D "$img" -d >"$CRL_TMP/out" 2>&1; then
		CRL_PIDS="$CRL_PIDS $TPID"
		fail "root restored images it did not write ($1)"
	fi
	grep -qF "$1" "$CRL_TMP/out" || fail "unclear refusal: $(cat "$CRL_TMP/out")"
	[ "$(grep -c 'trust-images' "$CRL_TMP/out")" = 1 ] || fail "said twice: $(cat "$CRL_TMP/out")"
	[ -d "/proc/$TPID" ] && fail "a refused restore created pid $TPID"
	ok "refused: $(head -1 "$CRL_TMP/out")"
}

chown 65534 "$img"
refused "images dir '$img' is owned by uid 65534, not by root: if you trust its writer, pass --trust-images"
chown 0 "$img"

chown 65534 "$img/files.img"
refused "image '$img/files.img' is owned by uid 65534, not by root: if you trust its writer, pass --trust-images"
chown 0 "$img/files.img"

chmod o+w "$img/mm-$TPID.img"
refused "image '$img/mm-$TPID.img' is writable by others (mode 0602): chmod go-w it, or pass --trust-images"
pages=$(ls -S "$img"/pages-*.img | head -1)
chown 65534 "$pages"
"$CRL_BIN" restore -D "$img" -d --trust-images || fail "restore --trust-images failed"
CRL_PIDS="$CRL_PIDS $TPID"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "restore --trust-images of the same images: the target checks itself: PASS"
