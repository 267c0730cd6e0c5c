# Root restoring images a user wrote (--trust-images) opens the task's
# files, mappings and cwd with the task's recorded rights (fsuid, fsgid,
# groups), never with its own: a process of uid 65534 whose images were
# edited (files.img then the user's) to name a root-only file for its
# O_RDWR fd or its mapping, or a root-only directory as its cwd, is refused
# by the kernel's own permission check before it runs; the unedited images
# restore under the same rule.
. "$(dirname "$0")/lib.sh"
crl_need_root
command -v setpriv >/dev/null || { echo "SKIP: needs setpriv (util-linux)"; exit 77; }
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
$AS_NOBODY test -x "$CRL_TARGETS/dump-mem" ||
	{ echo "SKIP: uid 65534 cannot run $CRL_TARGETS/dump-mem"; exit 77; }
chmod 0755 "$CRL_TMP"
u=$CRL_TMP/u
mkdir -m 0755 "$u"
chown 65534:65534 "$u"
(
	cd "$u" || exit 1
	exec setsid $AS_NOBODY "$CRL_TARGETS/dump-mem" "$u/res" </dev/null >/dev/null 2>&1
) &
TPID=$!
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$u/res.ready" 10 || fail "target did not get ready"
"$CRL_BIN" dump -t "$TPID" -D "$CRL_TMP/img" || fail "dump failed"
wait "$TPID" 2>/dev/null

# root's own: what the edited images point the task at
printf '%8192s' secret >"$CRL_TMP/secret"
chmod 0600 "$CRL_TMP/secret"
mkdir -m 0700 "$CRL_TMP/rootonly"

# edited OLD NEW [FLAGS]: a copy of the images with each path OLD in files.img
# (only those opened with the numeric FLAGS, if given) made NEW.
edited() {
	rm -rf "$CRL_TMP/ed"
	cp -a "$CRL_TMP/img" "$CRL_TMP/ed"
	$CRIT decode -i "$CRL_TMP/img/files.img" -o "$CRL_TMP/files.json" || fail "crit decode"
	/usr/bin/python3 - "$CRL_TMP/files.json" "$1" "$2" "${3-*}" <<'PY' || fail "no file entry $1 ${3-}"
import json, sys
path, old, new, flags = sys.argv[1:]
d = json.load(open(path))
hits = [e for e in d["entries"] if e.get("reg", {}).get("name") == old and
        flags in ("*", str(e["reg"]["flags"]))]
for e in hits:
    e["reg"]["name"] = new
json.dump(d, open(path, "w"))
sys.exit(0 if hits else 1)
PY
	$CRIT encode -i "$CRL_TMP/files.json" -o "$CRL_TMP/ed/files.img" || fail "crit encode"
	chown 65534 "$CRL_TMP/ed/files.img" # as the task's user would have it
}

# refused WHAT REGEX: restoring the edited copy fails saying REGEX, creates nothing.
refused() {
	if "$CRL_BIN" restore -D "$CRL_TMP/ed" -d --trust-images >"$CRL_TMP/out" 2>&1; then
		CRL_PIDS="$CRL_PIDS $TPID"
		fail "restored with root's rights: $1 $(grep -h flags: /proc/$TPID/fdinfo/* 2>/dev/null |
			tr '\n' ' ') cwd $(readlink /proc/$TPID/cwd)"
	fi
	grep -q "$2" "$CRL_TMP/out" || fail "unclear refusal: $(cat "$CRL_TMP/out")"
	[ -d "/proc/$TPID" ] && fail "a refused restore left pid $TPID"
	ok "$1 refused: $(grep "$2" "$CRL_TMP/out")"
}

edited "$u/res.data" "$CRL_TMP/secret"
refused "an O_RDWR fd on a root-only file" \
	"file '$CRL_TMP/secret' (id [0-9]*): cannot open: Permission denied"

# the private mapping of the same file, opened read-only inside the process
edited "$u/res.data" "$CRL_TMP/secret" 0
refused "a mapping of a root-only file" "vma 0x[0-9a-f]*-0x[0-9a-f]*: cannot open '$CRL_TMP/secret': Permission denied"

edited "$u" "$CRL_TMP/rootonly"
refused "a root-only cwd" "chdir"

"$CRL_BIN" restore -D "$CRL_TMP/img" -d --trust-images || fail "restore of the unedited images failed"
CRL_PIDS="$CRL_PIDS $TPID"
crl_check_alive "$TPID"
[ "$(readlink "/proc/$TPID/cwd")" = "$u" ] || fail "cwd is $(readlink "/proc/$TPID/cwd")"
crl_check_memory "$TPID" "$u/res"
ok "the unedited images restore as uid $(stat -c %u /proc/$TPID); the target checks itself: PASS"
