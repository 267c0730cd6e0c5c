# Shared harness for test/apps/*.sh (not a test itself): real programs,
# checkpointed and restored under a bounded client loop. Environment from
# CTest: CRL_BIN, CRL_SRC (see test/cr/lib.sh, which this reuses).
#
# Every program runs in its own network namespace A and is reached by its
# client from a third namespace C, which holds a bridge to A and to B:
#
#   C: br0 10.99.0.3 --+-- va <-> eth0 in A (10.99.0.1, the program)
#                      +-- vb <-> eth0 in B (no address until a migration)
#
# criu-lite runs in the program's namespace (`ip netns exec A criu-lite ...`,
# as a user would: sock_diag answers for the caller's namespace only). The
# migration step dumps in A, moves 10.99.0.1 from A to B and restores with
# `ip netns exec B criu-lite restore`: criu-lite does not restore namespaces,
# so the restored tree lives in the namespace the restore runs in.
#
# A program script defines:
#   app_start            start the program in $APP_NS (apps_spawn), set APP_PID
#   app_client           optional: the client loop's body (run in C, bounded)
#   app_cleanup          optional: removes what outlives the processes (IPC)
#   app_step_begin STEP  optional: called as each step begins
#   app_check STEP       optional: program-specific checks after each restore
#   app_snapshot_cmd DIR optional: prints a shell command that copies the
#                        files the program changes (a database) next to a
#                        checkpoint the original outlives; the dump -R runs it
#                        as its post-dump action script (--action-script, as
#                        with criu), while the tree is still frozen.
#                        app_rollback DIR puts them back before that
#                        checkpoint restores, as a user of a file-backed
#                        program must: criu-lite saves no file contents.
# and chooses how progress is measured, APP_PROGRESS:
#   counter  the last line of $APP_LOG is a number that the program's state
#            increments (a counter in the server, a counting loop): after a
#            restore it must continue from the value at the checkpoint
#   answers  $APP_LOG gets one line per correct answer: after a restore the
#            answers must go on
# then calls apps_run_steps.
. "$(dirname "${BASH_SOURCE[0]}")/../cr/lib.sh"

APPS_ADDR=10.99.0.1
APPS_CLIENT_ADDR=10.99.0.3
APPS_NS_PREFIX=crlapp$$
NS_A=${APPS_NS_PREFIX}a
NS_B=${APPS_NS_PREFIX}b
NS_C=${APPS_NS_PREFIX}c
APP_NS=$NS_A
APP_PID=""
APP_LOG=$CRL_TMP/progress.log
APP_PROGRESS=counter
APPS_STABLE_THREADS=1
APPS_CLIENT_PID=""
APPS_STEP=setup
APPS_T0=$SECONDS
# Extra dump options (e.g. a network lock method); --tcp-established always.
APPS_DUMP_OPTS=${APPS_DUMP_OPTS:-}
# Every wait is bounded: a tool run by APPS_TOOL_TIMEOUT, the whole script
# by a watchdog (below CTest's TIMEOUT, so that the cleanup still runs).
APPS_TOOL_TIMEOUT=${APPS_TOOL_TIMEOUT:-60}
APPS_DEADLINE=${APPS_DEADLINE:-330}
: >"$APP_LOG"

apps_cleanup() {
	local ns p
	[ -n "$APPS_CLIENT_PID" ] && kill -KILL "$APPS_CLIENT_PID" 2>/dev/null
	for ns in $NS_A $NS_B $NS_C; do
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	for ns in $NS_A $NS_B $NS_C; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	declare -F app_cleanup >/dev/null && app_cleanup
	crl_cleanup
}
trap apps_cleanup EXIT
trap 'apps_fail "timed out after $APPS_DEADLINE s"' TERM
(sleep "$APPS_DEADLINE" && kill -TERM $$) </dev/null >/dev/null 2>&1 &
CRL_PIDS="$CRL_PIDS $!" # crl_cleanup kills it and its sleep
disown $!

# The failure names the program's step.
apps_fail() {
	fail "[$APPS_STEP] $*"
}

# apps_need CMD...: skips (77) naming the first command that is missing.
apps_need() {
	local c
	crl_need_root nocrit
	command -v ip >/dev/null || { echo "SKIP: ip (iproute2) is not installed"; exit 77; }
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "SKIP: $c is not installed"; exit 77; }
	done
}

apps_net_setup() {
	local ns
	for ns in $NS_A $NS_B $NS_C; do
		if ! ip netns add "$ns"; then
			[ "$ns" = "$NS_A" ] && { echo "SKIP: cannot create network namespaces"; exit 77; }
			apps_fail "ip netns add $ns failed"
		fi
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_C" link add br0 type bridge &&
		ip -n "$NS_C" addr add "$APPS_CLIENT_ADDR/24" dev br0 &&
		ip -n "$NS_C" link set br0 up &&
		ip -n "$NS_C" link add va type veth peer name eth0 netns "$NS_A" &&
		ip -n "$NS_C" link add vb type veth peer name eth0 netns "$NS_B" &&
		ip -n "$NS_C" link set va master br0 up &&
		ip -n "$NS_C" link set vb master br0 up &&
		ip -n "$NS_A" link set eth0 up &&
		ip -n "$NS_B" link set eth0 up &&
		ip -n "$NS_A" addr add "$APPS_ADDR/24" dev eth0 ||
		apps_fail "network namespaces: veth/bridge setup failed"
}

# in_app CMD...: runs CMD in the program's current namespace.
in_app() {
	ip netns exec "$APP_NS" "$@"
}

# in_client CMD...: runs CMD in the client's namespace.
in_client() {
	ip netns exec "$NS_C" "$@"
}

# apps_spawn LOGFILE CMD...: starts CMD in its own session in $APP_NS, with
# stdin from /dev/null, stdout and stderr appended to LOGFILE and no other
# fd; sets APP_PID.
apps_spawn() {
	local log=$1
	shift
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		exec ip netns exec "$APP_NS" setsid "$@" </dev/null >>"$log" 2>&1
	) &
	APP_PID=$!
	disown $APP_PID
	CRL_PIDS="$CRL_PIDS $APP_PID"
}

# apps_wait_for SECONDS CMD...: retries CMD (quietly) until it succeeds.
apps_wait_for() {
	local max=$(($1 * 10)) i=0
	shift
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt $max ] && return 1
		sleep 0.1
	done
}

# apps_client_start: runs app_client in C in the background, for at most
# APPS_CLIENT_SECS (default 400) seconds, until $CRL_TMP/stop exists.
apps_client_start() {
	declare -F app_client >/dev/null || return 0
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		end=$((SECONDS + ${APPS_CLIENT_SECS:-400}))
		while [ ! -e "$CRL_TMP/stop" ] && [ $SECONDS -lt $end ]; do
			app_client
		done
	) </dev/null >/dev/null 2>&1 &
	APPS_CLIENT_PID=$!
	disown $APPS_CLIENT_PID
}

# The last number in the progress log (0 if none); answers: the line count.
apps_value() {
	if [ "$APP_PROGRESS" = counter ]; then
		awk '/^[0-9]+$/ {n = $1} END {print n + 0}' "$APP_LOG"
	else
		grep -c . "$APP_LOG"
	fi
}

# apps_advance N [SECONDS]: waits until the progress value grew by N.
apps_advance() {
	local from want i=0 max=$(((${2:-20}) * 10))
	from=$(apps_value)
	want=$((from + $1))
	while [ "$(apps_value)" -lt $want ]; do
		i=$((i + 1))
		[ $i -gt $max ] && apps_fail "no progress: value $(apps_value), waited for $want" \
			"(log: $(tail -3 "$APP_LOG" | tr '\n' ' '))"
		sleep 0.1
	done
}

# apps_check_alive PID [may-exit]: running, not stopped, no thread traced (like
# crl_check_alive, but a thread that exits meanwhile is no failure: JVMs
# start and end compiler threads).
apps_check_alive() {
	local st t tr
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
	case "$st" in
	"") [ -n "${2:-}" ] && return 0 # a process allowed to exit (a `sleep`)
		apps_fail "pid $1 is gone" ;;
	T|t|Z|X) apps_fail "pid $1 ($(cat /proc/$1/comm)) is in state $st" ;;
	esac
	for t in /proc/$1/task/*; do
		tr=$(awk '/^TracerPid:/ {print $2}' "$t/status" 2>/dev/null)
		[ -z "$tr" ] || [ "$tr" = 0 ] || apps_fail "thread ${t##*/} of $1 is still traced"
	done
}

# apps_tree PID: PID and its descendants.
apps_tree() {
	local p
	echo "$1"
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		apps_tree "$p"
	done
}

# apps_crl LOG VERB ARGS...: criu-lite in the program's namespace, log at -v4.
apps_crl() {
	local log=$1
	shift
	in_app timeout "$APPS_TOOL_TIMEOUT" "$CRL_BIN" "$@" -o "$log" -v4
}

# apps_errors LOG: the error lines of a criu-lite log, on one line.
apps_errors() {
	grep -E 'Error' "$1" 2>/dev/null | sed 's/^([ 0-9.]*) [0-9]* //' | head -3 | tr '\n' ' '
}

# apps_dump DIR [OPTS...]: dumps the program's tree; on failure the target
# must still run (criu-lite's contract), then the step fails with its error.
apps_dump() {
	local dir=$1 log=$1.log
	shift
	apps_crl "$log" dump -t "$APP_PID" -D "$dir" --tcp-established $APPS_DUMP_OPTS "$@" && return 0
	apps_check_alive "$APP_PID"
	apps_fail "dump -D ${dir##*/} $* failed: $(apps_errors "$log")"
}

# apps_dump_running DIR: a checkpoint the original outlives: dump -R, with
# the program's files copied by a post-dump action script if it has any.
apps_dump_running() {
	local act
	if ! declare -F app_snapshot_cmd >/dev/null; then
		apps_dump "$1" -R
		return
	fi
	act="[ \"\$CRTOOLS_SCRIPT_ACTION\" != post-dump ] || { $(app_snapshot_cmd "$1") && touch '$1.copied'; }"
	apps_dump "$1" -R --action-script "$act"
	[ -e "$1.copied" ] || apps_fail "the post-dump action script copied nothing for ${1##*/}"
}

# apps_has_tcp_conn DIR: the images hold a TCP socket neither listening
# nor closed (a connection).
apps_has_tcp_conn() {
	"$CRL_BIN" show "$1/files.img" 2>/dev/null | awk '
		/^  isk: \{/ {in_isk = 1; proto = ""; state = ""}
		in_isk && /^    proto: / {proto = $2}
		in_isk && /^    state: / {state = $2}
		in_isk && /^  \}/ {in_isk = 0; if (proto == 6 && state != 7 && state != 10) found = 1}
		END {exit !found}'
}

# apps_restore_running DIR: restores a checkpoint the original outlived.
# Connections in it were ended by the original (the server's side of them
# may still be in TIME_WAIT): as with criu, they come back closed
# (--tcp-close), and their clients reconnect.
apps_restore_running() {
	declare -F app_rollback >/dev/null && app_rollback "$1"
	if apps_has_tcp_conn "$1"; then
		apps_restore "$1" --tcp-close
	else
		apps_restore "$1"
	fi
}

apps_pre_dump() {
	local dir=$1 log=$1.log
	shift
	apps_crl "$log" pre-dump -t "$APP_PID" -D "$dir" --track-mem "$@" && return 0
	apps_check_alive "$APP_PID"
	apps_fail "pre-dump -D ${dir##*/} $* failed: $(apps_errors "$log")"
}

# apps_wait_gone PIDS...: every pid has disappeared (dumped or killed).
apps_wait_gone() {
	local p i
	for p in "$@"; do
		for i in $(seq 100); do
			[ -d "/proc/$p" ] || break
			[ "$(awk '/^State:/ {print $2}' /proc/$p/status 2>/dev/null)" = Z ] && sleep 0.05
			sleep 0.05
		done
		[ -d "/proc/$p" ] && apps_fail "pid $p is still there ($(cat /proc/$p/comm))"
	done
	return 0
}

# apps_stop_original: SIGKILL to the running tree (after a --leave-running dump)
# and to its whole session (apps_spawn's setsid): a child forked while the tree
# was listed would keep the root's pid taken as its session id.
apps_stop_original() {
	local tree i
	for i in $(seq 50); do
		tree=$(apps_tree "$APP_PID" | grep -v "^$APP_PID\$")
		tree="$APP_PID $tree $(pgrep -s "$APP_PID")"
		kill -KILL $tree 2>/dev/null
		apps_wait_gone $tree
		[ -z "$(pgrep -s "$APP_PID")" ] && return 0
		sleep 0.05
	done
	apps_fail "session $APP_PID still has processes: $(pgrep -s "$APP_PID" | tr '\n' ' ')"
}

# apps_restore DIR [OPTS...]: restores in the program's namespace and checks every
# process of the dumped tree is back, running, untraced.
apps_restore() {
	local dir=$1 log=$1.restore.log p t want
	shift
	APPS_RMARK=$(wc -l <"$APP_LOG")
	apps_crl "$log" restore -D "$dir" -d --tcp-established "$@" ||
		apps_fail "restore -D ${dir##*/} $* failed: $(apps_errors "$log")"
	"$CRL_BIN" show "$dir/pstree.img" >"$dir.pstree" || apps_fail "show ${dir##*/}/pstree.img failed"
	# Every process and thread of the image came back with its ids: the
	# root and every process still there (a shell's `sleep` may be done),
	# every thread unless the program ends threads (APPS_STABLE_THREADS=0:
	# a thread per request); threads started since are no failure.
	apps_check_alive "$APP_PID"
	awk '/^  pid:/ {p = $2} /^  threads:/ {gsub(/[^0-9 ]/, " "); print p, $0}' "$dir.pstree" |
		while read -r p want; do
			apps_check_alive "$p" may-exit
			[ -d "/proc/$p" ] && [ "$APPS_STABLE_THREADS" = 1 ] || continue
			for t in $want; do
				[ -d "/proc/$p/task/$t" ] || [ ! -d "/proc/$p" ] ||
					apps_fail "pid $p ($(cat /proc/$p/comm)) lacks thread $t after" \
						"restore: it has $(ls /proc/$p/task | tr '\n' ' ')"
			done
		done || exit 1
	[ "$(ip netns identify "$APP_PID")" = "$APP_NS" ] ||
		apps_fail "restored pid $APP_PID is in netns '$(ip netns identify "$APP_PID")', not $APP_NS"
}

# apps_freeze_point: records what the dump about to start must contain:
# APPS_LO, the progress value before it, and the tree's pids.
apps_freeze_point() {
	APPS_LO=$(apps_value)
	APPS_TREE_PIDS=$(apps_tree "$APP_PID" | sort -n | tr '\n' ' ')
	APPS_MARK=$(wc -l <"$APP_LOG")
}

# apps_after_dump: APPS_HI, a progress value the checkpoint cannot exceed:
# with the tree gone, the last value (plus an answer in flight); with it
# running, a value reached after the dump.
apps_after_dump() {
	sleep 0.3
	APPS_HI=$(apps_value)
}

# apps_check_continues: after a restore, the progress goes on; a counter
# continues from the checkpoint: its first new value lies in
# (APPS_LO, APPS_HI + 2] (2: one answer in flight at the freeze, and one
# retried by a client that gave up on it).
apps_check_continues() {
	local from=$APPS_RMARK first
	apps_advance 3 20
	[ "$APP_PROGRESS" = counter ] || return 0
	first=$(tail -n +$((from + 1)) "$APP_LOG" | awk '/^[0-9]+$/ {print; exit}')
	[ -n "$first" ] && [ "$first" -gt "$APPS_LO" ] && [ "$first" -le $((APPS_HI + 2)) ] ||
		apps_fail "the counter does not continue from the checkpoint: first value after" \
			"restore '$first', expected in ($APPS_LO, $((APPS_HI + 2))]"
	APPS_FIRST=$first
}

apps_step_done() {
	declare -F app_check >/dev/null && app_check "$APPS_STEP"
	ok "$APP_NAME: $APPS_STEP ($((SECONDS - APPS_STEP_T0)) s): value $APPS_LO..$APPS_HI at" \
		"the checkpoint, then ${APPS_FIRST:-?} -> $(apps_value)"
}

apps_step() {
	APPS_STEP=$1
	APPS_STEP_T0=$SECONDS
	APPS_FIRST=""
	declare -F app_step_begin >/dev/null && app_step_begin "$1"
	return 0
}

# Step 1: dump (the tree dies), restore.
apps_step_plain() {
	apps_step dump-restore
	apps_advance 3
	apps_freeze_point
	apps_dump "$CRL_TMP/plain"
	apps_wait_gone $APPS_TREE_PIDS
	apps_after_dump
	apps_restore "$CRL_TMP/plain"
	apps_check_continues
	apps_step_done
}

# Step 2: dump -R (apps_dump_running), the original runs on (and is checked to), is killed, and
# the image restores.
apps_step_leave() {
	apps_step leave-running
	apps_advance 3
	apps_freeze_point
	apps_dump_running "$CRL_TMP/leave"
	apps_check_alive "$APP_PID"
	apps_advance 3
	apps_after_dump
	apps_advance 3
	apps_stop_original
	apps_restore_running "$CRL_TMP/leave"
	apps_check_continues
	apps_step_done
}

# Step 3: two pre-dumps (the program runs on after each) and the final dump.
apps_step_predump() {
	apps_step pre-dump-chain
	apps_advance 3
	apps_pre_dump "$CRL_TMP/pre1"
	apps_check_alive "$APP_PID"
	apps_advance 3
	apps_pre_dump "$CRL_TMP/pre2" --prev-images-dir ../pre1
	apps_check_alive "$APP_PID"
	apps_advance 3
	apps_freeze_point
	apps_dump "$CRL_TMP/pre3" --track-mem --prev-images-dir ../pre2
	apps_wait_gone $APPS_TREE_PIDS
	apps_after_dump
	apps_restore "$CRL_TMP/pre3"
	apps_check_continues
	apps_step_done
}

# Step 4: three dumps -R (apps_dump_running) while the program runs on; the original is killed
# and the first (oldest) checkpoint restores: the counter goes back to it.
apps_step_older() {
	local lo hi tree
	apps_step older-checkpoint
	apps_advance 3
	apps_freeze_point
	apps_dump_running "$CRL_TMP/old1"
	apps_advance 3
	apps_after_dump
	lo=$APPS_LO hi=$APPS_HI tree=$APPS_TREE_PIDS
	apps_dump_running "$CRL_TMP/old2"
	apps_advance 3
	apps_dump_running "$CRL_TMP/old3"
	apps_advance 3
	APPS_LAST=$(apps_value)
	apps_stop_original
	APPS_LO=$lo APPS_HI=$hi APPS_TREE_PIDS=$tree
	apps_restore_running "$CRL_TMP/old1"
	apps_check_continues
	[ "$APP_PROGRESS" = counter ] && [ "$APPS_FIRST" -ge "$APPS_LAST" ] &&
		apps_fail "restored the first checkpoint but the counter continued at $APPS_FIRST," \
			"not below $APPS_LAST where the original stopped"
	apps_step_done
}

# Step 5: dump in A, 10.99.0.1 moves to B, restore in B; the client in C
# reaches it at the same address.
apps_step_migrate() {
	apps_step migrate-netns
	apps_advance 3
	apps_freeze_point
	apps_dump "$CRL_TMP/mig"
	apps_wait_gone $APPS_TREE_PIDS
	apps_after_dump
	ip -n "$NS_A" addr del "$APPS_ADDR/24" dev eth0 &&
		ip -n "$NS_B" addr add "$APPS_ADDR/24" dev eth0 &&
		ip -n "$NS_C" neigh flush dev br0 ||
		apps_fail "moving $APPS_ADDR from $NS_A to $NS_B failed"
	APP_NS=$NS_B
	apps_restore "$CRL_TMP/mig"
	apps_check_continues
	apps_step_done
}

# apps_run_steps: the five steps, each on the program as the previous one
# left it, then the client stops and the program is killed.
apps_run_steps() {
	apps_net_setup
	APPS_STEP=start
	app_start
	[ -n "$APP_PID" ] || apps_fail "app_start set no APP_PID"
	apps_client_start
	apps_advance 3 30
	ok "$APP_NAME: started (pid $APP_PID, $(apps_tree "$APP_PID" | wc -l) processes) in" \
		"$((SECONDS - APPS_T0)) s"
	apps_step_plain
	apps_step_leave
	apps_step_predump
	apps_step_older
	apps_step_migrate
	touch "$CRL_TMP/stop"
	ok "$APP_NAME: all steps in $((SECONDS - APPS_T0)) s"
	exit 0
}
