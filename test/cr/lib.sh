# Shared helpers for test/cr/*.sh (not a test itself). Environment from CTest:
# CRL_BIN (criu-lite), CRL_TARGETS (built target programs), CRL_SRC (source tree).
set -u
# Targets must not inherit the test runner's descriptors (ctest leaks its own
# log file to tests): close everything above stderr.
for _fd in /proc/$$/fd/*; do
	_fd=${_fd##*/}
	[ "$_fd" -gt 2 ] && eval "exec $_fd>&-" 2>/dev/null
done

CRIT="/usr/bin/python3 /usr/bin/crit"
CRL_TMP=$(mktemp -d /tmp/crl-cr.XXXXXX)
CRL_PIDS=""

crl_cleanup() {
	local kids
	for p in $CRL_PIDS; do
		kids=$(cat /proc/$p/task/*/children 2>/dev/null)
		kill -KILL "$p" $kids 2>/dev/null
	done
	rm -rf "$CRL_TMP"
}
trap crl_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok - $*"
}

# crl_need_root [nocrit]: skips (77) unless run as root and, without nocrit,
# unless Debian's crit is there to decode the images.
crl_need_root() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	[ "${1:-}" = nocrit ] && return 0
	[ -x /usr/bin/crit ] && /usr/bin/python3 -c 'import pycriu' 2>/dev/null ||
		{ echo "SKIP: needs Debian's crit (/usr/bin/crit with /usr/bin/python3)"; exit 77; }
}

# crl_wait_file FILE [SECONDS]: waits until FILE exists and is not empty.
crl_wait_file() {
	local i=0 max=$(( ${2:-10} * 20 ))
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt $max ] && return 1
		sleep 0.05
	done
	return 0
}

# crl_start_target NAME RESULT [ARGS...]: starts a target in the background
# (stdio on /dev/null, no other fds, its own session) and waits for RESULT.ready; sets TPID.
crl_start_target() {
	local name=$1 res=$2
	shift 2
	(
		# Only stdio: fds the test runner leaked (ctest's logs) would be
		# dumped as the target's own files.
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		exec setsid "$CRL_TARGETS/$name" "$res" "$@" </dev/null >/dev/null 2>&1
	) &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$res.ready" 10 || fail "target $name did not get ready"
}

# crl_check_alive PID: running, not traced, not stopped.
crl_check_alive() {
	local st
	[ -d "/proc/$1" ] || fail "pid $1 is gone"
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status")
	case "$st" in
	T|t|Z|X) fail "pid $1 is in state $st" ;;
	esac
	[ "$(awk '/^TracerPid:/ {print $2}' "/proc/$1/status")" = 0 ] || fail "pid $1 is still traced"
	for t in /proc/$1/task/*; do
		[ "$(awk '/^TracerPid:/ {print $2}' "$t/status")" = 0 ] ||
			fail "thread ${t##*/} of $1 is still traced"
	done
}

# crl_check_memory PID RESULT: asks the target to verify itself (SIGUSR1).
crl_check_memory() {
	rm -f "$2"
	kill -USR1 "$1"
	crl_wait_file "$2" 10 || fail "target $1 did not answer its self-check"
	grep -q '^PASS' "$2" || fail "target $1 self-check: $(cat "$2")"
}

# crl_check_images DIR: crit and criu-lite show decode every image; pages sizes match.
crl_check_images() {
	local f
	for f in "$1"/*; do
		case "${f##*/}" in
		pages-*.img|parent) continue ;;
		tracker-*.img|pagecsum-*.img) # criu-lite's own image kinds: crit does not know them
			"$CRL_BIN" show "$f" >/dev/null 2>&1 || fail "criu-lite show fails on ${f##*/}"
			continue ;;
		esac
		$CRIT show "$f" >/dev/null 2>"$CRL_TMP/crit.err" ||
			fail "crit cannot decode ${f##*/}: $(tail -1 "$CRL_TMP/crit.err")"
		"$CRL_BIN" show "$f" >/dev/null 2>&1 || fail "criu-lite show fails on ${f##*/}"
	done
	for f in "$1"/pagemap-*.img; do
		[ -e "$f" ] || continue
		$CRIT show "$f" | /usr/bin/python3 -c '
import json, os, sys
d = json.load(sys.stdin)["entries"]
pages = 0
for e in d[1:]:
    if "PE_PRESENT" in e.get("flags", ""):
        pages += e["nr_pages"]
path = os.path.join(sys.argv[1], "pages-%d.img" % d[0]["pages_id"])
size = os.path.getsize(path)
if size != pages * os.sysconf("SC_PAGESIZE"):
    sys.exit("%s: %d present pages but %s has %d bytes" % (sys.argv[2], pages, path, size))
' "$1" "${f##*/}" || fail "pagemap and pages disagree"
	done
}

# crl_crit_has FILE REGEX: crit's JSON of FILE matches REGEX.
crl_crit_has() {
	$CRIT show "$1" >"$CRL_TMP/crit.json" 2>/dev/null || return 1
	grep -Eq "$2" "$CRL_TMP/crit.json"
}

# crl_wait_untraced PID [SECONDS]: waits until no thread of PID or of its
# children is traced (a dump worker may still be cleaning up after the tool
# was killed).
crl_wait_untraced() {
	local i=0 max=$(( ${2:-5} * 20 )) p t traced
	while :; do
		traced=0
		for p in $1 $(cat /proc/$1/task/*/children 2>/dev/null); do
			for t in /proc/$p/task/*; do
				[ "$(awk '/^TracerPid:/ {print $2}' "$t/status" 2>/dev/null)" = 0 ] ||
					traced=1
			done
		done
		[ $traced = 0 ] && return 0
		i=$((i + 1))
		[ $i -gt $max ] && return 1
		sleep 0.05
	done
}
