# Damaged images: every image of a dump (pages files aside) is truncated
# (empty, inside the magic, inside its last entry) and has single bytes
# flipped inside its entries. restore must never crash or hang: a truncated
# image is refused with an "Error:" line and leaves no process behind; a
# flipped byte either restores (a harmless field) or is refused the same way.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit

# Another target for a longer hunt: CRL_CORRUPT_TARGET="seccomp_target chain".
# shellcheck disable=SC2086
set -- ${CRL_CORRUPT_TARGET:-dump-fds}
name=$1
shift
crl_start_target "$name" "$CRL_TMP/res" "$@"
pid=$TPID
"$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img" 2>"$CRL_TMP/err" || fail "dump: $(cat "$CRL_TMP/err")"
while [ -d "/proc/$pid" ]; do sleep 0.05; done

# kill_session SID: SIGKILLs every process of the session (a restored tree
# keeps the target's, which crl_start_target made its own) and waits until
# all are reaped: the next restore needs their pids.
kill_session() {
	local p i=0 left
	while :; do
		left=$(awk -v s="$1" '{ sub(/^.*\) /, ""); if ($4 == s) print FILENAME }' \
			/proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3)
		[ -z "$left" ] && return 0
		for p in $left; do kill -KILL "$p" 2>/dev/null; done
		i=$((i + 1))
		[ $i -gt 600 ] && fail "session $1 not gone: $left"
		sleep 0.05
	done
}

# try LABEL: restores a damaged copy in $CRL_TMP/try; prints the outcome.
# Without -d, so that the tool reaps the restored root once it is killed
# (init can take a second or more, and the next restore needs the pid).
try() {
	local rc i=0 rpid
	rm -f "$CRL_TMP/pidfile"
	"$CRL_BIN" restore -D "$CRL_TMP/try" --pidfile "$CRL_TMP/pidfile" 2>"$CRL_TMP/err" \
		>/dev/null &
	rpid=$!
	while kill -0 "$rpid" 2>/dev/null && [ ! -s "$CRL_TMP/pidfile" ]; do
		i=$((i + 1))
		[ $i -gt 1200 ] && { kill -KILL "$rpid"; fail "$1: restore hung"; }
		sleep 0.05
	done
	if [ -s "$CRL_TMP/pidfile" ]; then
		[ "$(cat "$CRL_TMP/pidfile")" = "$pid" ] || fail "$1: restored pid $(cat "$CRL_TMP/pidfile")"
		# A restored process must not hold system files open for writing.
		/bin/true || { kill -KILL "$pid"; fail "$1: exec fails while the restored process runs"; }
		# The root by pid (a damaged pstree may have put it in another session).
		kill -KILL "$pid"
		kill_session "$pid"
		wait "$rpid"
		echo restored
		return
	fi
	wait "$rpid"
	rc=$?
	# With a sanitizer build (CRL_BIN=build-asan/criu-lite) its reports count as crashes.
	grep -Eq "Sanitizer|runtime error:" "$CRL_TMP/err" && fail "$1: $(grep -E -m1 "Sanitizer|runtime error:" "$CRL_TMP/err")"
	[ $rc -ge 124 ] && fail "$1: restore crashed (exit $rc): $(tail -3 "$CRL_TMP/err")"
	grep -q "^Error: " "$CRL_TMP/err" || fail "$1: exit $rc without an error line: $(cat "$CRL_TMP/err")"
	[ -d "/proc/$pid" ] && fail "$1: pid $pid left behind by a failed restore"
	echo refused
}

fresh() {
	rm -rf "$CRL_TMP/try"
	cp -a "$CRL_TMP/img" "$CRL_TMP/try"
}

# More flips per image for a longer hunt: CRL_CORRUPT_FLIPS=50.
flips=${CRL_CORRUPT_FLIPS:-5}
n=0 refused=0 restored=0
for f in "$CRL_TMP"/img/*.img; do
	name=${f##*/}
	case "$name" in pages-*) continue ;; esac
	size=$(stat -c %s "$f")
	for len in 0 6 $((size - 1)); do
		[ "$len" -lt "$size" ] || continue
		fresh
		truncate -s "$len" "$CRL_TMP/try/$name"
		out=$(try "$name cut to $len bytes") || exit 1
		[ "$out" = refused ] || fail "$name cut to $len of $size bytes was restored"
		n=$((n + 1)) refused=$((refused + 1))
	done
	# Bytes inside the entries (after the 8 magic bytes), spread over the file.
	[ "$size" -gt 9 ] || continue
	for k in $(seq 1 "$flips"); do
		off=$((8 + (size - 8) * k / (flips + 1)))
		fresh
		b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
		printf "$(printf '\\%03o' $(( (b ^ 0x5a) & 255 )))" |
			dd of="$CRL_TMP/try/$name" bs=1 seek="$off" conv=notrunc status=none
		cmp -s "$f" "$CRL_TMP/try/$name" && fail "$name: byte $off not changed"
		out=$(try "$name byte $off flipped") || exit 1
		n=$((n + 1))
		[ "$out" = refused ] && refused=$((refused + 1)) || restored=$((restored + 1))
	done
done
[ $n -gt 50 ] || fail "only $n damaged image sets tried"

# Private file mappings whose fdflags ask for O_RDWR|O_CREAT|O_TRUNC: restore
# must open them read-only (a libc or ld.so held open for writing makes every
# exec on the machine fail with ETXTBSY) and never truncate anything.
if [ -x /usr/bin/crit ] && /usr/bin/python3 -c 'import pycriu' 2>/dev/null; then
	fresh
	mm=$(ls "$CRL_TMP"/try/mm-*.img | head -1)
	$CRIT decode -i "$mm" -o "$CRL_TMP/mm.json" || fail "crit decode ${mm##*/}"
	/usr/bin/python3 - "$CRL_TMP/mm.json" <<'PY' || fail "no private file mapping to edit"
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for v in d["entries"][0]["vmas"]:
    if v["status"] & 0x40:  # VMA_FILE_PRIVATE
        v["fdflags"] = 0o1102  # O_RDWR | O_CREAT | O_TRUNC
        n += 1
json.dump(d, open(sys.argv[1], "w"))
sys.exit(0 if n else 1)
PY
	$CRIT encode -i "$CRL_TMP/mm.json" -o "$mm" || fail "crit encode"
	libs=$(awk '$6 ~ /^\// && $2 ~ /p$/ {print $6}' /proc/self/maps | sort -u)
	sizes=$(for l in $libs; do stat -c %s "$l"; done)
	out=$(try "private mappings with fdflags O_RDWR|O_CREAT|O_TRUNC") || exit 1
	[ "$out" = restored ] || fail "restore refused private mappings with odd fdflags: $(cat "$CRL_TMP/err")"
	[ "$(for l in $libs; do stat -c %s "$l"; done)" = "$sizes" ] || fail "a mapped file changed size"
	ok "private mappings with fdflags O_RDWR|O_CREAT|O_TRUNC: opened read-only"
fi
ok "$n damaged image sets: $refused refused cleanly, $restored restored (harmless bytes), no crash, nothing left behind"
exit 0
