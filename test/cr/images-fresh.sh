# Dump never writes through what it finds in -D: files another user planted
# there (0666, theirs) are replaced, not reused, a symlink is not followed
# and a FIFO does not hang the dump with the tree frozen. Every image comes
# out 0600 and owned by root; the target runs on, intact.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
img=$CRL_TMP/img

crl_start_target dump-mem "$CRL_TMP/res"
mkdir -m 0700 "$img"
echo "do not touch" >"$CRL_TMP/victim"
touch "$img/pages-1.img" "$img/pagemap-$TPID.img" "$img/inventory.img"
chown 65534:65534 "$img"/*
chmod 0666 "$img"/*
ln -s "$CRL_TMP/victim" "$img/mm-$TPID.img"
mkfifo "$img/core-$TPID.img"
timeout 60 "$CRL_BIN" dump -t "$TPID" -D "$img" --leave-running >"$CRL_TMP/out" 2>&1
rc=$?
[ $rc = 124 ] && fail "dump hung on the fifo in the images dir"
[ $rc = 0 ] || fail "dump exited with $rc: $(cat "$CRL_TMP/out")"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "dump over planted files, a symlink and a fifo: exit 0, target running and intact"

for f in "$img"/*; do
	[ -f "$f" ] && [ ! -L "$f" ] || fail "${f##*/} is not a regular file"
	[ "$(stat -c '%a %u %g' "$f")" = "600 0 0" ] ||
		fail "${f##*/} is mode/owner $(stat -c '%a %u:%g' "$f"), want 600 0:0"
done
[ "$(cat "$CRL_TMP/victim")" = "do not touch" ] || fail "dump wrote through the symlink"
[ -s "$img/pages-1.img" ] && [ -s "$img/core-$TPID.img" ] || fail "images left empty"
ok "every image is a fresh regular file, 0600, root's; the symlink's target untouched"
