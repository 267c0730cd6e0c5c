# dump refuses an images dir another user owns, or one others can write
# without the sticky bit, before it stops anything: one line naming the dir
# and the fix, exit != 0, the target running and intact, nothing written.
# A sticky dir, or --allow-unsafe-images-dir, is accepted, and the images
# written there are still root's, 0600.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
crl_start_target dump-mem "$CRL_TMP/res"

# refused DIR MESSAGE: dump into DIR fails with MESSAGE and changes nothing.
refused() {
	if "$CRL_BIN" dump -t "$TPID" -D "$1" --leave-running >"$CRL_TMP/out" 2>&1; then
		fail "dump into '$1' ($(stat -c '%a %U' "$1")) was not refused"
	fi
	grep -qF "$2" "$CRL_TMP/out" || fail "unclear refusal: $(cat "$CRL_TMP/out")"
	[ "$(wc -l <"$CRL_TMP/out")" = 1 ] || fail "more than one line: $(cat "$CRL_TMP/out")"
	[ -z "$(ls -A "$1")" ] || fail "a refused dump wrote into '$1': $(ls -A "$1")"
	crl_check_alive "$TPID"
	crl_check_memory "$TPID" "$CRL_TMP/res"
	ok "refused, target running and intact: $(cat "$CRL_TMP/out")"
}

# accepted DIR [OPTION]: dump into DIR works; the images are root's, 0600.
accepted() {
	"$CRL_BIN" dump -t "$TPID" -D "$1" --leave-running ${2:-} || fail "dump into '$1' failed"
	for f in "$1"/*; do
		[ "$(stat -c '%a %u' "$f")" = "600 0" ] ||
			fail "${f##*/} is $(stat -c '%a %u' "$f"), want 600 0"
	done
	crl_check_alive "$TPID"
	ok "dump into a $(stat -c %a "$1") dir of uid $(stat -c %u "$1")${2:+ $2}: images 0600, root's"
}

d=$CRL_TMP/theirs
mkdir -m 0700 "$d"
chown 65534:65534 "$d"
refused "$d" "images dir '$d' is owned by uid 65534, not by root: use a directory of your own, or pass --allow-unsafe-images-dir"

d=$CRL_TMP/open
mkdir -m 0777 "$d"
chmod 0777 "$d"
refused "$d" "images dir '$d' is writable by others (mode 0777): chmod go-w it, or pass --allow-unsafe-images-dir"

d=$CRL_TMP/group
mkdir -m 0770 "$d"
chgrp 65534 "$d"
refused "$d" "images dir '$d' is writable by others (mode 0770)"

d=$CRL_TMP/sticky
mkdir -m 1777 "$d"
chmod 1777 "$d"
accepted "$d"
accepted "$CRL_TMP/theirs" --allow-unsafe-images-dir
