#!/bin/bash
# Kill soak (issue 13): SIGKILL to any process of criu-lite at any moment of
# a dump must leave the target running with its own registers, signal masks,
# memory and fds. Each trial starts one dump of a kill_target
# (test/cr/targets/kill_target.c) in its own session, SIGKILLs the tool, its
# children (the dump worker, or the keeper) or its whole process group after a delay spread
# over the dump's run, waits until no process of the tool is left, and then
# classifies the target:
#   lost       gone, although the dump did not finish (a dump without -R that
#              wrote its inventory.img and then killed the target is fine)
#   stopped    a thread in state T (the targets are never stopped before)
#   traced     a thread with TracerPid != 0, or in state t
#   corrupted  its own check (SIGUSR1) says CORRUPT, or no answer within 2 s
# Modes: dump (kill at the end), dump -R, pre-dump, and an incremental dump
# (an unkilled pre-dump, then dump --prev-images-dir ../pre, with and without
# -R). Not part of the default suite; .ci/run runs 50 trials. See docs/kill-soak.md.
# Opt-in modes fz-dump and fz-dump-R: the target alone in a v1 freezer cgroup,
# dumped with --freeze-cgroup; a trial that leaves the cgroup frozen counts
# as stopped.
#
#   scripts/kill-soak.sh [-n TRIALS] [-b build/criu-lite] [-m MIB] [-s SEED]
#                        [-M MODE,...] [-V VICTIM,...] [-d MS-MS] [--no-kill] [-v]
# -m: target memory (MiB); -s: seed of the delays; -M/-V: only these modes or
# victims; -d: delays uniform in this window instead; --no-kill: the same trials without any kill (must give 0 failures);
# -v: a line for every trial, not only the failing ones.
set -u
cd "$(dirname "$0")/.." || exit 2

usage() {
	echo "usage: $0 [-n TRIALS] [-b build/criu-lite] [-m MIB] [-s SEED] [-M MODE,...]" \
		"[-V VICTIM,...] [-d MS-MS] [--no-kill] [-v]" >&2
	exit 2
}

TRIALS=1000
MODES=(dump dump-R pre-dump incr incr-R)
VICTIMS=(tool worker keeper group)
BIN=build/criu-lite
MIB=64
SEED=$(( $(date +%s) % 32768 ))
NOKILL=0
VERBOSE=0
WINDOW=""
while [ $# -gt 0 ]; do
	case "$1" in
	-n) TRIALS=${2:?}; shift ;;
	-b) BIN=${2:?}; shift ;;
	-m) MIB=${2:?}; shift ;;
	-s) SEED=${2:?}; shift ;;
	-M) IFS=, read -r -a MODES <<<"${2:?}"; shift ;;
	-V) IFS=, read -r -a VICTIMS <<<"${2:?}"; shift ;;
	-d) WINDOW=${2:?}; shift ;;
	--no-kill) NOKILL=1 ;;
	-v) VERBOSE=1 ;;
	*) usage ;;
	esac
	shift
done
case "$TRIALS$MIB$SEED" in *[!0-9]*) usage ;; esac
[ -z "$WINDOW" ] || { [[ $WINDOW =~ ^([0-9]+)-([0-9]+)$ ]] &&
	[ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ]; } || usage
for m in "${MODES[@]}"; do
	case "$m" in dump|dump-R|pre-dump|incr|incr-R|fz-dump|fz-dump-R) ;; *) usage ;; esac
done
for v in "${VICTIMS[@]}"; do
	case "$v" in tool|worker|keeper|group) ;; *) usage ;; esac
done

[ "$(uname -m)" = x86_64 ] || { echo "kill-soak: SKIP: the target checks x86_64 registers"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "kill-soak: SKIP: needs root"; exit 77; }
BIN=$(realpath "$BIN")
# The target from the tool's build, else from this tree's build/.
TARGET=$(dirname "$BIN")/test/cr/targets/kill_target
[ -x "$TARGET" ] || TARGET=$PWD/build/test/cr/targets/kill_target
[ -x "$BIN" ] || { echo "kill-soak: no tool at '$BIN'" >&2; exit 2; }
[ -x "$TARGET" ] || { echo "kill-soak: no target at '$TARGET' (build it)" >&2; exit 2; }

# Bounds (microseconds unless said otherwise).
TOOL_BOUND=20000000	# a killed tool's processes must be gone by then
CHECK_BOUND=2000000	# the target answers its self-check by then
READY_BOUND=10000000	# a new target is set up by then

SMALL=(0 100 1000 3000 10000)	# tiny delays, every 8th trial of a mode and victim

WORK=$(mktemp -d /tmp/kill-soak.XXXXXX)
RES=$WORK/res
FZ=""	# the fz-* modes' freezer cgroup
case " ${MODES[*]} " in *" fz-"*)
	FZ=/sys/fs/cgroup/freezer/kill-soak-$$
	[ -d /sys/fs/cgroup/freezer ] || { echo "kill-soak: SKIP: fz modes need a v1 freezer hierarchy"; exit 77; }
	mkdir "$FZ" || { echo "kill-soak: cannot make $FZ" >&2; exit 2; }
	;;
esac
TPID=""
TOOL=""
TSHELL=""
NTARGETS=0
declare -A KNOWN=()	# pids of the current tool's processes
exec {NAPFD}<> <(:)	# sleeping with read -t: no fork per sleep

cleanup() {
	local p i
	disown -a 2>/dev/null	# no "Killed" notices
	for p in "${!KNOWN[@]}" $TOOL; do
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$TPID" ] && kill -KILL "$TPID" 2>/dev/null
	# The target's shell writes its status after it died: let it finish.
	for i in $(seq 100); do
		{ [ -n "$TSHELL" ] && alive "$TSHELL"; } || break
		nap_us 10000
	done
	if [ -n "$FZ" ]; then
		echo THAWED >"$FZ/freezer.state" 2>/dev/null
		for i in $(seq 100); do
			kill -KILL $(cat "$FZ/cgroup.procs") 2>/dev/null
			rmdir "$FZ" 2>/dev/null && break
			nap_us 10000
		done
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { NOW=${EPOCHREALTIME/./}; }

nap_us() {
	local s
	[ "$1" -gt 0 ] || return 0
	printf -v s '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000))
	read -r -t "$s" -u "$NAPFD" _
}

# proc_state PID: sets ST to the state letter of PID ("" when gone).
proc_state() {
	local line
	ST=""
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	ST=${line%% *}
}

alive() {
	proc_state "$1" || return 1
	[ "$ST" != Z ] && [ "$ST" != X ]
}

# children PID: sets KIDS to the pids of PID's children.
children() {
	local f k
	KIDS=()
	for f in /proc/"$1"/task/*/children; do
		k=()
		# The file has no trailing newline: read fills k and still fails.
		read -r -a k 2>/dev/null <"$f"
		KIDS+=("${k[@]}")
	done
}

# role_children PID worker|keeper: KIDS narrowed to the children of PID in
# its session (the dump worker) or in a session of their own (the keeper).
role_children() {
	local k sid all
	children "$1"
	all=("${KIDS[@]}")
	KIDS=()
	for k in "${all[@]}"; do
		sid=$(awk '{print $6}' "/proc/$k/stat" 2>/dev/null) || continue
		[ -n "$sid" ] || continue
		if [ "$2" = worker ] && [ "$sid" = "$1" ]; then KIDS+=("$k"); fi
		if [ "$2" = keeper ] && [ "$sid" != "$1" ]; then KIDS+=("$k"); fi
	done
}

# track: adds every living descendant of the known processes to KNOWN.
track() {
	local todo=("${!KNOWN[@]}") p
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		children "$p"
		for k in "${KIDS[@]}"; do
			[ -n "${KNOWN[$k]:-}" ] && continue
			KNOWN[$k]=1
			todo+=("$k")
		done
	done
}

# track_session: adds processes of the tool's session or process group (they
# stay attributable after their parent died).
track_session() {
	local f line
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		line=${line##*) }
		# shellcheck disable=SC2086 # numbers and a state letter: split them
		set -- $line
		[ "$3" = "$TOOL" ] || [ "$4" = "$TOOL" ] || continue
		KNOWN[${f//[!0-9]/}]=1
	done
}

# tool_gone: true once no known process of the tool lives (zombies count as gone).
tool_gone() {
	local p left=0
	for p in "${!KNOWN[@]}"; do
		if alive "$p"; then
			left=1
		else
			unset "KNOWN[$p]"
		fi
	done
	[ $left = 0 ]
}

# wait_tool BOUND: waits until the tool and all its processes are gone;
# returns 1 (after killing them) when that took longer than BOUND.
wait_tool() {
	local start i=0
	now
	start=$NOW
	while :; do
		track
		[ $((i % 20)) = 0 ] && track_session
		tool_gone && return 0
		now
		if [ $((NOW - start)) -gt "$1" ]; then
			DISOWNED=1
			disown "$TOOL" 2>/dev/null
			for p in "${!KNOWN[@]}"; do
				kill -KILL "$p" 2>/dev/null
			done
			nap_us 100000
			return 1
		fi
		nap_us 5000
		i=$((i + 1))
	done
}

# run_tool ARGS...: starts the tool in its own session (as
# `setsid criu-lite ... &`); sets TOOL and T0.
run_tool() {
	setsid "$BIN" "$@" </dev/null >/dev/null 2>"$WORK/tool.err" {NAPFD}<&- &
	TOOL=$!
	now
	T0=$NOW
	KNOWN=([$TOOL]=1)
	DISOWNED=0
}

# finish_tool BOUND: waits for the tool; sets RC to its exit status ("?" once
# disowned to be killed) and HUNG.
finish_tool() {
	HUNG=0
	wait_tool "$1" || HUNG=1
	RC="?"
	[ $DISOWNED = 1 ] && return
	wait "$TOOL" 2>/dev/null
	RC=$?
}

# sigkill_child PID: SIGKILL to a child of this shell. Disowned first, or
# bash prints "Killed" for it; bash still reaps it (zombies count as gone).
sigkill_child() {
	disown "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
}

kill_target() {
	[ -n "$TPID" ] && kill -KILL "$TPID" 2>/dev/null
	TPID=""
}

start_target() {
	local start
	kill_target
	NTARGETS=$((NTARGETS + 1))
	TRC=$WORK/target-$NTARGETS.rc	# one per target: a killed one writes it late
	rm -f "$RES" "$RES.ready"
	# A shell in between keeps the target's exit status (why a target was
	# lost); it is disowned, so bash prints nothing when the target is killed.
	# fz modes: the target enters the freezer cgroup alone (not this shell)
	( setsid sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" && exec "$2" "$3" -m "$4"' _ \
		"$FZ" "$TARGET" "$RES" "$MIB" </dev/null >/dev/null 2>>"$WORK/target.err"
	  echo $? >"$TRC" ) 2>/dev/null {NAPFD}<&- &
	TSHELL=$!
	disown "$TSHELL"
	UFFD=0
	now
	start=$NOW
	while [ ! -s "$RES.ready" ]; do
		now
		if [ $((NOW - start)) -gt $READY_BOUND ] || ! alive "$TSHELL"; then
			echo "kill-soak: the target did not start: $(tail -1 "$WORK/target.err")" >&2
			exit 2
		fi
		nap_us 2000
	done
	read -r TPID <"$RES.ready"
	target_vdso
}

# target_vdso: VDSO_LO/VDSO_HI, the target's [vdso] (where the tool injects).
target_vdso() {
	local range rest
	VDSO_LO=0 VDSO_HI=0
	while read -r range rest; do
		case "$rest" in *"[vdso]"*)
			VDSO_LO=$((16#${range%-*}))
			VDSO_HI=$((16#${range#*-}))
		esac
	done 2>/dev/null <"/proc/$TPID/maps"
}

# kernel_note: sets KNOTE to the kernel's line about the target's fault, if
# any ("traps: kill_target[PID] ... ip:..."), with ip relative to [vdso].
kernel_note() {
	local line ip
	KNOTE=""
	line=$(dmesg 2>/dev/null | grep -F "kill_target[$TPID]" | tail -1)
	[ -n "$line" ] || return
	KNOTE="; kernel: ${line#*\] }"
	[[ $line =~ \ ip:([0-9a-f]+) ]] || return
	ip=$((16#${BASH_REMATCH[1]}))
	[ "$ip" -ge "$VDSO_LO" ] && [ "$ip" -lt "$VDSO_HI" ] &&
		printf -v KNOTE '%s (ip is [vdso]+%#x)' "$KNOTE" $((ip - VDSO_LO))
}

# target_exit: sets TEXIT to how the target ended, as far as known.
target_exit() {
	local rc="" i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -s "$TRC" ] && break
		nap_us 10000
	done
	read -r rc 2>/dev/null <"$TRC"
	case "$rc" in
	"") TEXIT="exit status unknown" ;;
	*) [ "$rc" -gt 128 ] && TEXIT="killed by SIG$(kill -l $((rc - 128)))" ||
		TEXIT="exited with $rc" ;;
	esac
}

# describe_threads: sets DESCR to each thread's state, signal words and
# syscall ("running": in user space), for a target that does not answer.
describe_threads() {
	local t line st blk pnd sc
	DESCR=""
	for t in /proc/"$TPID"/task/*; do
		st="?" blk="?" pnd="?" sc="?"
		read -r sc _ 2>/dev/null <"$t/syscall"
		while read -r line; do
			case "$line" in
			State:*) st=${line#State:}; st=${st//[[:space:]]/}; st=${st:0:1} ;;
			SigBlk:*) blk=${line##*[[:space:]]} ;;
			SigPnd:*) pnd=${line##*[[:space:]]} ;;
			esac
		done 2>/dev/null <"$t/status"
		DESCR+="tid ${t##*/} $st syscall $sc blk $blk pnd $pnd, "
		# The main thread alone takes SIGUSR1 (bit 9 of SigBlk).
		[ "${t##*/}" = "$TPID" ] && [ "$blk" != "?" ] && (( 0x$blk & 0x200 )) &&
			DESCR+="the main thread blocks SIGUSR1, "
	done
	DESCR=${DESCR%, }
}

# wait_answer: waits (bounded) for the target's answer; sets CHECK.
wait_answer() {
	local start
	now
	start=$NOW
	while [ ! -s "$RES" ]; do
		now
		[ $((NOW - start)) -gt $CHECK_BOUND ] && return 1
		nap_us 2000
	done
	read -r CHECK <"$RES"
}

# self_check: asks the target to check itself (SIGUSR1); sets CHECK to its
# answer. Without one, asks again through its request pipe (fd 33): a main
# thread left blocking SIGUSR1 still says what else it finds.
self_check() {
	local w first
	rm -f "$RES"
	kill -USR1 "$TPID" 2>/dev/null
	if ! wait_answer; then
		describe_threads
		CHECK="no answer to SIGUSR1 within 2 s ($DESCR)"
		# O_RDWR: opening a pipe never blocks then.
		if exec {w}<>"/proc/$TPID/fd/33"; then
			echo >&$w
			exec {w}>&-
			first=$CHECK
			if wait_answer; then
				CHECK="$first; asked through its request pipe: $CHECK"
			else
				CHECK="$first; no answer through its request pipe either"
			fi
		fi 2>/dev/null
		return 1
	fi
	case "$CHECK" in
	OK*) UFFD=${CHECK#*uffd=}; return 0 ;;
	esac
	return 1
}

# thread_states: sets STOPPED / TRACED to a description, or "".
thread_states() {
	local t line tracer
	STOPPED=""
	TRACED=""
	for t in /proc/"$TPID"/task/*; do
		proc_state "$TPID/task/${t##*/}" || continue
		case "$ST" in
		T) STOPPED+="thread ${t##*/} in state T; " ;;
		t) TRACED+="thread ${t##*/} in state t; " ;;
		esac
		tracer=0
		while read -r line; do
			case "$line" in TracerPid:*) tracer=${line##*[[:space:]]} ;; esac
		done 2>/dev/null <"$t/status"
		[ "$tracer" != 0 ] && TRACED+="thread ${t##*/} traced by $tracer; "
	done
}

# mode_args MODE: sets ARGS for the tool.
mode_args() {
	case "$1" in
	dump) ARGS=(dump -t "$TPID" -D "$WORK/img") ;;
	dump-R) ARGS=(dump -t "$TPID" -D "$WORK/img" -R) ;;
	pre-dump) ARGS=(pre-dump -t "$TPID" -D "$WORK/img") ;;
	incr) ARGS=(dump -t "$TPID" -D "$WORK/img" --prev-images-dir ../pre) ;;
	incr-R) ARGS=(dump -t "$TPID" -D "$WORK/img" --prev-images-dir ../pre -R) ;;
	fz-dump) ARGS=(dump -t "$TPID" -D "$WORK/img" --freeze-cgroup "$FZ") ;;
	fz-dump-R) ARGS=(dump -t "$TPID" -D "$WORK/img" -R --freeze-cgroup "$FZ") ;;
	esac
}

# prepare MODE: a healthy target without a tracker's uffd for tracking modes,
# fresh image directories, the unkilled pre-dump of incremental modes.
prepare() {
	if [ -z "$TPID" ] || ! alive "$TPID" || [ "$HEALTHY" = 0 ] ||
		{ [ "$1" != dump-R ] && [ "$UFFD" != 0 ]; }; then
		start_target
	fi
	HEALTHY=0
	rm -rf "$WORK/img" "$WORK/pre"
	case "$1" in
	incr*)
		run_tool pre-dump -t "$TPID" -D "$WORK/pre"
		finish_tool $TOOL_BOUND
		if [ "$RC" != 0 ]; then
			echo "kill-soak: the pre-dump before an incremental dump failed ($RC): $(tail -1 "$WORK/tool.err")" >&2
			return 1
		fi
		;;
	esac
	mode_args "$1"
}

# kill_victim VICTIM: SIGKILLs it; KILLED=1 when something living was there
# to kill (a zombie takes a signal without complaint).
kill_victim() {
	local start k
	KILLED=0
	track
	case "$1" in
	tool) alive "$TOOL" && DISOWNED=1 && sigkill_child "$TOOL" && KILLED=1 ;;
	group)
		tool_gone || KILLED=1
		DISOWNED=1
		disown "$TOOL" 2>/dev/null
		# Before setsid() ran there is no such group yet: the tool is alone.
		kill -KILL -- "-$TOOL" 2>/dev/null || kill -KILL "$TOOL" 2>/dev/null
		;;
	worker|keeper)
		now
		start=$NOW
		role_children "$TOOL" "$1"
		# Not there yet: kill it as soon as it exists.
		while [ ${#KIDS[@]} = 0 ] && alive "$TOOL" && [ $((NOW - start)) -lt 1000000 ]; do
			nap_us 500
			role_children "$TOOL" "$1"
			now
		done
		for k in "${KIDS[@]}"; do
			KNOWN[$k]=1
			alive "$k" && kill -KILL "$k" 2>/dev/null && KILLED=1
		done
		;;
	esac
	now
	KILL_AT=$((NOW - T0))
}

# Per mode/victim counters, keyed "mode/victim/what".
declare -A COUNT=()
count() { COUNT[$1]=$((${COUNT[$1]:-0} + 1)); }

FAILS=0
report() {	# CLASS TEXT
	count "$MODE/$VICTIM/$1"
	count "all/$1"
	FAILS=$((FAILS + 1))
	printf 'kill-soak: trial %d %s/%s killed at +%d.%03d s: %s: %s\n' "$TRIAL" "$MODE" \
		"$VICTIM" $((KILL_AT / 1000000)) $((KILL_AT % 1000000 / 1000)) "$1" "$2"
}

# classify: what the trial did to the target.
classify() {
	local why="tool exit $RC, nothing killed"
	[ $KILLED = 1 ] && why="tool exit $RC, killed"
	HEALTHY=0
	[ $HUNG = 1 ] && { count "$MODE/$VICTIM/hung"; count all/hung;
		echo "kill-soak: trial $TRIAL $MODE/$VICTIM: tool processes outlived $((TOOL_BOUND / 1000000)) s"; }
	if [ -n "$FZ" ] && [ "$(cat "$FZ/freezer.state")" != THAWED ]; then
		report STOPPED "the freezer cgroup left $(cat "$FZ/freezer.state") ($why)"
		echo THAWED >"$FZ/freezer.state"
		kill_target
		return
	fi
	if ! alive "$TPID"; then
		if [ "$MODE" = dump ] || [ "$MODE" = incr ] || [ "$MODE" = fz-dump ]; then
			if [ -e "$WORK/img/inventory.img" ]; then
				count "$MODE/$VICTIM/dumped"
				kill_target
				return
			fi
		fi
		target_exit
		kernel_note
		report LOST "target $TPID $TEXIT ($why, no inventory.img)$KNOTE"
		kill_target
		return
	fi
	thread_states
	if [ -n "$STOPPED" ]; then
		report STOPPED "${STOPPED%; } ($why)"
	elif [ -n "$TRACED" ]; then
		report TRACED "${TRACED%; } ($why)"
	elif ! self_check; then
		if alive "$TPID"; then
			report CORRUPTED "$CHECK ($why)"
		else
			target_exit
			kernel_note
			report LOST "target $TPID $TEXIT while it checked itself ($why)$KNOTE"
		fi
	else
		HEALTHY=1
		count "$MODE/$VICTIM/ok"
		[ $VERBOSE = 1 ] && printf 'kill-soak: trial %d %s/%s +%d us: ok (%s, %s)\n' \
			"$TRIAL" "$MODE" "$VICTIM" "$KILL_AT" "$why" "$CHECK"
		return
	fi
	kill_target
}

# calibrate: the run length of each mode without a kill, in microseconds.
declare -A RUNLEN=()
calibrate() {
	local m
	for m in "${MODES[@]}"; do
		HEALTHY=${HEALTHY:-0}
		prepare "$m" || exit 1
		run_tool "${ARGS[@]}"
		finish_tool $TOOL_BOUND
		now
		RUNLEN[$m]=$((NOW - T0))
		[ "$RC" = 0 ] || { echo "kill-soak: an unkilled $m failed ($RC): $(tail -1 "$WORK/tool.err")" >&2; exit 1; }
		if [ "$m" = dump ] || [ "$m" = incr ] || [ "$m" = fz-dump ]; then
			kill_target
		else
			self_check || { echo "kill-soak: after an unkilled $m: $CHECK" >&2; exit 1; }
			HEALTHY=1
		fi
	done
	echo "kill-soak: run lengths without a kill (ms): $(for m in "${MODES[@]}"; do
		printf '%s %d  ' "$m" $((RUNLEN[$m] / 1000)); done)"
}

# pick_delay: uniform in [0, 1.2 x the mode's run length], or a tiny one, or
# uniform in the -d window.
pick_delay() {
	local k=$((TRIAL / (${#MODES[@]} * ${#VICTIMS[@]}))) range lo hi
	if [ -n "$WINDOW" ]; then
		lo=$((${WINDOW%-*} * 1000))
		hi=$((${WINDOW#*-} * 1000))
		DELAY=$((lo + ((RANDOM << 15) | RANDOM) % (hi - lo + 1)))
	elif [ $((k % 8)) = 0 ]; then
		DELAY=${SMALL[$(((k / 8 + TRIAL) % ${#SMALL[@]}))]}
	else
		range=$((RUNLEN[$MODE] * 12 / 10 + 1))
		DELAY=$((((RANDOM << 15) | RANDOM) % range))
	fi
}

HEALTHY=0
UFFD=0
RANDOM=$SEED
echo "kill-soak: $TRIALS trials, seed $SEED, target $MIB MiB, tool $BIN$([ $NOKILL = 1 ] && echo ', nothing killed')"
calibrate
for ((TRIAL = 0; TRIAL < TRIALS; TRIAL++)); do
	MODE=${MODES[$((TRIAL % ${#MODES[@]}))]}
	VICTIM=${VICTIMS[$((TRIAL / ${#MODES[@]} % ${#VICTIMS[@]}))]}
	pick_delay
	count "$MODE/$VICTIM/trials"
	if ! prepare "$MODE"; then
		count "$MODE/$VICTIM/skipped"
		kill_target
		continue
	fi
	run_tool "${ARGS[@]}"
	KILLED=0
	KILL_AT=0
	if [ $NOKILL = 0 ]; then
		now
		nap_us $((DELAY - (NOW - T0)))
		kill_victim "$VICTIM"
	fi
	finish_tool $TOOL_BOUND
	[ $KILLED = 1 ] && count "$MODE/$VICTIM/killed"
	classify
done

printf '%-9s %-7s %6s %6s %6s %6s %6s %6s %6s %6s\n' mode victim trials killed dumped lost \
	stopped traced corrupt hung
for m in "${MODES[@]}"; do
	for v in "${VICTIMS[@]}"; do
		[ -n "${COUNT[$m/$v/trials]:-}" ] || continue
		printf '%-9s %-7s' "$m" "$v"
		for w in trials killed dumped LOST STOPPED TRACED CORRUPTED hung; do
			printf ' %6d' "${COUNT[$m/$v/$w]:-0}"
		done
		echo
	done
done
L=${COUNT[all/LOST]:-0} S=${COUNT[all/STOPPED]:-0} T=${COUNT[all/TRACED]:-0}
C=${COUNT[all/CORRUPTED]:-0} H=${COUNT[all/hung]:-0}
echo "kill-soak: $TRIALS trials: lost $L, stopped $S, traced $T, corrupted $C"
[ "$H" != 0 ] && echo "kill-soak: in $H trials the tool's processes outlived $((TOOL_BOUND / 1000000)) s"
[ $((L + S + T + C + H)) = 0 ]
