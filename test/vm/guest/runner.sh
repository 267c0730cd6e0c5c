#!/bin/sh
# The VM guest's test runner, in busybox sh (test/zdtm/run is Python, which
# the initramfs lacks). It does what that runner does for the modes that
# apply, plus unit tests, `criu-lite check` and the dirty-memory torture:
#
#   unit     every /vm/unit/test-* (TAP; exit 0 pass, 77 skip)
#   check    `criu-lite check`: the tracker table must match /vm/expect
#   zdtm     /vm/tests.list: each test in each mode (plain, pre, leave):
#            start with --pidfile/--outfile, criu-lite dump/pre-dump/restore
#            -d, SIGTERM, require PASS in the outfile and no "Error" in the
#            tool's output or logs
#   torture  dirty_torture through 3 pre-dumps + dump + restore with each
#            tracker that validates here; forcing one that does not must be
#            refused
#
# One line per result ("VMT PASS|FAIL|SKIP name: why") and at the end
# "VMT RESULT N passed, N failed, N skipped". Sourced config: /vm/expect.
CRL=/vm/bin/criu-lite
TOOL_TIMEOUT=${TOOL_TIMEOUT:-180}
WORK=/tmp/vmt
PASS=0
FAIL=0
SKIP=0
SD_EXPECT=validated # overridden by /vm/expect
[ -f /vm/expect ] && . /vm/expect

say() { echo "VMT $*"; }
up() { cut -d' ' -f1 /proc/uptime; }
result() { # PASS|FAIL|SKIP NAME [WHY]
	case $1 in
	PASS) PASS=$((PASS + 1)) ;;
	FAIL) FAIL=$((FAIL + 1)) ;;
	*) SKIP=$((SKIP + 1)) ;;
	esac
	say "$1 $2${3:+: $3}"
}
# Print the last lines of a file, indented, for a failure report.
show() { tail -n "${2:-15}" "$1" 2>/dev/null | sed 's/^/VMT   | /'; }

# ---- processes ---------------------------------------------------------
pstate() { # one-letter state of $1, empty when gone
	local s
	s=$(cat /proc/$1/stat 2>/dev/null) || return 0
	s=${s##*) }
	echo "${s%% *}"
}
alive() {
	case $(pstate "$1") in
	'' | Z | X) return 1 ;;
	esac
	return 0
}
wait_gone() { # PID TENTHS: 0 when gone within the time
	local n=0
	while alive "$1"; do
		[ $n -ge "$2" ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}
kill_bin() { # SIGKILL every process running binary $1
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$1" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	sleep 0.1
}

# ---- the checkpoint tool -----------------------------------------------
# tool DIR LOGNAME VERB ARGS...: run criu-lite with a log; 0 when it exited
# 0 and neither its output nor its log says Error.
tool() {
	local dir=$1 log=$1/$2 verb=$3 rc
	shift 3
	timeout "$TOOL_TIMEOUT" $CRL "$verb" "$@" -o "$log" -v4 >"$log.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || cat "$log.out" "$log" 2>/dev/null |
		grep -qE '(^|[[:space:])])Error([^[:alnum:]_]|$)'; then
		WHY="$verb exited $rc (log $log)"
		show "$log.out" 5
		grep -hE '(^|[[:space:])])Error' "$log" 2>/dev/null | tail -n 10 | sed 's/^/VMT   | /'
		return 1
	fi
	return 0
}

# ---- one zdtm test in one mode -----------------------------------------
# zdtm_start BIN DIR ARGS...: sets PID; 77 = the test skipped itself
zdtm_start() {
	local bin=$1 dir=$2 a extra=
	shift 2
	for a in "$@"; do extra="$extra --$a"; done
	(cd "$dir" && timeout 60 "$bin" --pidfile "$dir/test.pid" --outfile "$dir/test.out" \
		$extra </dev/null >"$dir/start.out" 2>&1)
	local rc=$?
	case $rc in
	0) ;;
	77)
		WHY="test: $(grep -o 'SKIP: .*' "$dir/start.out" "$dir/test.out" 2>/dev/null | head -n 1)"
		return 77
		;;
	*)
		WHY="test failed to start (exit $rc)"
		show "$dir/start.out"
		show "$dir/test.out"
		return 1
		;;
	esac
	PID=$(cut -d' ' -f1 "$dir/test.pid")
	[ -n "$PID" ] && alive "$PID" || {
		WHY="no live test process after start"
		return 1
	}
}

# zdtm_check DIR LABEL: SIGTERM, the test must write PASS (and no FAIL)
zdtm_check() {
	local dir=$1 from
	from=$(wc -c <"$dir/test.out")
	kill -TERM "$PID"
	wait_gone "$PID" 300 || {
		WHY="$2: no exit 30 s after SIGTERM"
		return 1
	}
	tail -c +$((from + 1)) "$dir/test.out" >"$dir/check.out"
	if grep -q '^FAIL' "$dir/check.out" || ! grep -qx 'PASS' "$dir/check.out"; then
		WHY="$2: test did not PASS"
		show "$dir/check.out"
		return 1
	fi
}

# zdtm_restore DIR IMAGES: restore -d; the root must come back as $PID
zdtm_restore() {
	local rpid
	tool "$1" "restore-$2.log" restore -D "$1/$2" -d --pidfile "$1/restore.pid" || return 1
	rpid=$(cut -d' ' -f1 "$1/restore.pid" 2>/dev/null)
	[ "$rpid" = "$PID" ] || {
		WHY="restore: root pid '$rpid', expected $PID"
		return 1
	}
}

# zdtm_dump DIR IMAGES ARGS...: final dump; the tree must be gone after it
zdtm_dump() {
	local dir=$1 img=$2
	shift 2
	mkdir -p "$dir/$img"
	tool "$dir" dump.log dump -t "$PID" -D "$dir/$img" "$@" || return 1
	wait_gone "$PID" 100 || {
		WHY="dump: pid $PID still alive after the dump"
		return 1
	}
}

mode_plain() {
	zdtm_dump "$1" dump && zdtm_restore "$1" dump && zdtm_check "$1" restored
}

mode_pre() { # 2 pre-dumps with tracking, then the dump on top of them
	local d=$1 k prev=
	for k in 1 2; do
		mkdir -p "$d/pre$k"
		tool "$d" "pre$k.log" pre-dump -t "$PID" -D "$d/pre$k" --track-mem \
			${prev:+--prev-images-dir ../$prev} || return 1
		alive "$PID" || {
			WHY="target gone after pre-dump $k"
			return 1
		}
		prev=pre$k
		sleep 0.1
	done
	zdtm_dump "$d" dump --track-mem --prev-images-dir ../$prev &&
		zdtm_restore "$d" dump && zdtm_check "$d" restored
}

mode_leave() {
	local d=$1 size
	size=$(wc -c <"$d/test.out")
	mkdir -p "$d/dump"
	tool "$d" dump.log dump -t "$PID" -D "$d/dump" --leave-running || return 1
	zdtm_check "$d" "original after dump --leave-running" || return 1
	# The images hold the outfile at its old size: give it back.
	truncate -s "$size" "$d/test.out"
	zdtm_restore "$d" dump && zdtm_check "$d" restored
}

zdtm_one() { # NAME MODE ARGS...
	local name=$1 mode=$2 bin=/vm/zdtm/$1 d rc t0
	shift 2
	d=$WORK/zdtm-$mode-$name
	rm -rf "$d"
	mkdir -p "$d"
	WHY=
	PID=
	t0=$(up)
	if [ ! -x "$bin" ]; then
		result SKIP "zdtm/$mode/$name" "not built for $(uname -m)"
		return
	fi
	zdtm_start "$bin" "$d" "$@"
	rc=$?
	[ $rc = 0 ] && { "mode_$mode" "$d"; rc=$?; }
	kill_bin "$bin"
	case $rc in
	0) result PASS "zdtm/$mode/$name" "$(echo "$(up) $t0" | awk '{printf "%.1f s", $1-$2}')" ;;
	77) result SKIP "zdtm/$mode/$name" "$WHY" ;;
	*) result FAIL "zdtm/$mode/$name" "$WHY" ;;
	esac
	[ $rc = 1 ] || rm -rf "$d"
}

run_zdtm() {
	local name modes arches args m
	while read -r name modes arches args; do
		case $name in '' | '#'*) continue ;; esac
		case ",$arches," in ,all, | *",$(uname -m),"*) ;; *) continue ;; esac
		for m in $(echo "$modes" | tr ',' ' '); do
			zdtm_one "$name" "$m" $args
		done
	done </vm/tests.list
}

# ---- unit tests ----------------------------------------------------------
run_unit() {
	local t name rc
	mkdir -p "$WORK/unit"
	for t in /vm/unit/test-*; do
		[ -x "$t" ] || continue
		name=unit/${t##*/}
		(cd "$WORK" && CRL_FIXTURES=/vm/fixtures timeout 300 "$t" >"$WORK/$name.log" 2>&1)
		rc=$?
		case $rc in
		0) result PASS "$name" "$(grep -c '^ok' "$WORK/$name.log") ok" ;;
		77) result SKIP "$name" "$(grep -im1 'skip' "$WORK/$name.log" | cut -c1-100)" ;;
		*)
			grep -E '^not ok|^#' "$WORK/$name.log" | head -n 15 | sed 's/^/VMT   | /'
			result FAIL "$name" "exit $rc"
			;;
		esac
	done
}

# ---- facts about this kernel, reported, not counted --------------------
run_probe() {
	[ -x /vm/bin/zero-probe ] && /vm/bin/zero-probe 2>&1 | sed 's/^/VMT info: /'
}

# ---- criu-lite check -----------------------------------------------------
# Sets VALIDATED (trackers that validate) and AUTO (auto's pick). The
# soft-dirty outcome must be one of SD_EXPECT ("|"-separated): "validated"
# (validated and picked by auto) or "rejected:TEXT" (not validated, TEXT in
# its reason, auto picks another validated tracker).
run_check() {
	local sd why outcome ok=0 e
	$CRL check >"$WORK/check.out" 2>&1
	sed 's/^/VMT check: /' "$WORK/check.out"
	VALIDATED=$(awk '/^[a-z]/ && $2 == "yes" && $3 == "yes" {print $1}' "$WORK/check.out" | tr '\n' ' ')
	AUTO=$(sed -n 's/^--tracker=auto picks: //p' "$WORK/check.out")
	sd=$(awk '/^soft-dirty / {print $3}' "$WORK/check.out")
	why=$(sed -n 's/^soft-dirty *[a-z]* *[a-z]* *//p' "$WORK/check.out")
	if [ "$sd" = yes ] && [ "$AUTO" = soft-dirty ]; then
		outcome=validated
	elif [ "$sd" = no ] && [ -n "$AUTO" ] && case " $VALIDATED " in *" $AUTO "*) true ;; *) false ;; esac then
		outcome="rejected ($why), auto picks $AUTO"
	else
		outcome="inconsistent: soft-dirty validated=$sd, auto picks '$AUTO'"
	fi
	local IFS='|'
	for e in $SD_EXPECT; do
		case $e in
		validated) [ "$outcome" = validated ] && ok=1 ;;
		rejected:*) case $outcome in "rejected ("*"${e#rejected:}"*) ok=1 ;; esac ;;
		esac
	done
	unset IFS
	if [ $ok = 1 ]; then
		result PASS check "soft-dirty $outcome"
	else
		result FAIL check "soft-dirty $outcome; expected $SD_EXPECT"
	fi
}

# ---- dirty-memory torture ------------------------------------------------
torture_one() { # TRACKER
	local tr=$1 d=$WORK/torture-$1 bin=/vm/zdtm/dirty_torture k prev='' rc=0 pages=''
	rm -rf "$d"
	mkdir -p "$d"
	WHY=
	# 4 MiB per slot whatever the page size (64 KiB pages on ppc64le)
	zdtm_start "$bin" "$d" seed=$$ max_pages=$((4096 / PAGE_KB)) || {
		result FAIL "torture/$tr" "$WHY"
		kill_bin "$bin"
		return
	}
	for k in 1 2 3; do
		sleep 0.3
		mkdir -p "$d/pre$k"
		tool "$d" "pre$k.log" pre-dump -t "$PID" -D "$d/pre$k" --track-mem --tracker "$tr" \
			${prev:+--prev-images-dir ../$prev} || {
			rc=1
			break
		}
		pages="$pages $(grep -o '[0-9]* pages written' "$d/pre$k.log" | tail -n 1 | cut -d' ' -f1)"
		prev=pre$k
	done
	sleep 0.3
	[ $rc = 0 ] && zdtm_dump "$d" dump --track-mem --tracker "$tr" --prev-images-dir ../$prev &&
		zdtm_restore "$d" dump && zdtm_check "$d" restored || rc=1
	pages="$pages $(grep -o '[0-9]* pages written' "$d/dump.log" 2>/dev/null | tail -n 1 | cut -d' ' -f1)"
	kill_bin "$bin"
	if [ $rc = 0 ]; then
		result PASS "torture/$tr" "pages written per dump:$pages; $(grep -o '[0-9]* ops.*' "$d/check.out" | head -n 1 | cut -c1-90)"
		rm -rf "$d"
	else
		result FAIL "torture/$tr" "$WHY"
	fi
}

# A tracker that did not validate must be refused when forced.
torture_refused() { # TRACKER
	local tr=$1 d=$WORK/refuse-$1 bin=/vm/zdtm/dirty_torture
	rm -rf "$d"
	mkdir -p "$d/pre1"
	zdtm_start "$bin" "$d" max_pages=$((4096 / PAGE_KB)) || {
		result FAIL "refuse/$tr" "$WHY"
		return
	}
	if timeout "$TOOL_TIMEOUT" $CRL pre-dump -t "$PID" -D "$d/pre1" --track-mem --tracker "$tr" \
		>"$d/out" 2>&1; then
		result FAIL "refuse/$tr" "pre-dump with a tracker that failed validation succeeded"
	elif ! alive "$PID"; then
		result FAIL "refuse/$tr" "refused, but the target is gone"
	else
		result PASS "refuse/$tr" "$(grep -m1 -i 'error' "$d/out" | cut -c1-110)"
	fi
	kill_bin "$bin"
}

run_torture() {
	local tr
	for tr in soft-dirty digest; do
		case " $VALIDATED " in
		*" $tr "*) torture_one "$tr" ;;
		*) torture_refused "$tr" ;;
		esac
	done
}

mkdir -p "$WORK"
PAGE_KB=$(awk '/^KernelPageSize/ {print $2; exit}' /proc/self/smaps)
say "start arch=$(uname -m) page=${PAGE_KB}kB \
mmu=$(grep -m1 '^MMU' /proc/cpuinfo | tr -d '\t ' | cut -d: -f2) \
thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null | sed 's/.*\[\(.*\)\].*/\1/')"
# vmt_parts=a,b on the kernel command line runs only those parts (debugging)
VMT_PARTS="probe unit check zdtm torture"
for a in $(cat /proc/cmdline); do
	case $a in vmt_parts=*) VMT_PARTS=$(echo "${a#vmt_parts=}" | tr ',' ' ') ;; esac
done
for part in $VMT_PARTS; do
	t0=$(up)
	"run_$part"
	say "time $part $(echo "$(up) $t0" | awk '{printf "%.1f", $1-$2}') s"
done
say "RESULT $PASS passed, $FAIL failed, $SKIP skipped"
