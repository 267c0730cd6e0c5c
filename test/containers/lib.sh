# Shared harness of test/containers/*.sh (not a test itself): a runc bundle
# whose rootfs is Debian's busybox-static plus ctr-counter (ctr-counter.c:
# it counts and checks its tmpfs and pty, writing /data/state), and helpers
# that start, checkpoint and restore it with `runc --criu criu-lite`.
# Environment from CTest: CRL_BIN (criu-lite), CTR_COUNTER (the static helper).
# Every container is named runc19-<test>-$$ and deleted (runc delete -f) on
# any exit; a failure prints the last lines of criu-lite's logs.
set -u
CTR_TMP=$(mktemp -d /tmp/crl-ctr.XXXXXX)
CTR_IDS=()
CTR_CLEANUP_EXTRA=""
CTR_T0=$SECONDS

ctr_log() { echo "[$((SECONDS - CTR_T0))s] $*"; }

ctr_cleanup() {
	local id
	for id in "${CTR_IDS[@]}"; do
		runc delete -f "$id" >/dev/null 2>&1
	done
	[ -n "$CTR_CLEANUP_EXTRA" ] && eval "$CTR_CLEANUP_EXTRA"
	rm -rf "$CTR_TMP"
}
trap ctr_cleanup EXIT

ctr_show_logs() {
	local f
	for f in $(find "$CTR_TMP" -name '*.log' 2>/dev/null); do
		echo "--- $f (last 15 lines)"
		tail -n 15 "$f"
	done
}

ctr_fail() {
	echo "FAIL: $*"
	ctr_show_logs
	exit 1
}

ctr_skip() {
	echo "SKIP: $*"
	exit 77
}

ctr_require() {
	[ "$(id -u)" = 0 ] || ctr_skip "needs root"
	command -v runc >/dev/null || ctr_skip "runc is not installed (scripts/setup.sh installs it)"
	[ -x /bin/busybox ] || ctr_skip "busybox-static is not installed"
	[ -x "$CRL_BIN" ] || ctr_fail "CRL_BIN '$CRL_BIN' is not executable"
	[ -x "$CTR_COUNTER" ] || ctr_fail "CTR_COUNTER '$CTR_COUNTER' is not executable"
}

# ctr_rootfs DIR: busybox and ctr-counter, the mount points config.json names.
ctr_rootfs() {
	local r=$1 a
	mkdir -p "$r"/{bin,proc,sys,dev,tmp,data,etc}
	cp /bin/busybox "$r/bin/busybox"
	for a in sh cat sleep ls echo ps; do
		ln -sf busybox "$r/bin/$a"
	done
	cp "$CTR_COUNTER" "$r/bin/ctr-counter"
}

# ctr_bundle DIR: `runc spec` with ctr-counter as the process, no terminal,
# no network namespace (the host's network) and a tmpfs on /data (the counter's state and seed live there).
ctr_bundle() {
	local b=$1
	mkdir -p "$b"
	ctr_rootfs "$b/rootfs"
	(cd "$b" && runc spec) || ctr_fail "runc spec in '$b'"
	python3 - "$b/config.json" <<'PY' || ctr_fail "config.json of '$b'"
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/ctr-counter"]
c["root"]["readonly"] = False
c["hostname"] = "runc19"
# the host's network, as in the RPC trace: the network namespace is not the point here
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["mounts"].append({"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "nodev", "mode=755", "size=4m"]})
json.dump(c, open(p, "w"), indent=1)
PY
}

# ctr_console_bundle DIR: the bundle's process on a console (terminal: true).
ctr_console_bundle() {
	python3 - "$1/config.json" <<'PY' || ctr_fail "config.json of '$1'"
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = True
json.dump(c, open(p, "w"), indent=1)
PY
}

# ctr_console_recv N: a receiver (console-recv.py) on $CTR_TMP/console-N.sock
# whose consoles are read into $CTR_TMP/con-N/console.K; killed at exit.
ctr_console_recv() {
	local n=$1 i
	mkdir -p "$CTR_TMP/con-$n"
	python3 "$(dirname "${BASH_SOURCE[0]}")/console-recv.py" "$CTR_TMP/console-$n.sock" \
		"$CTR_TMP/con-$n" &
	CTR_CLEANUP_EXTRA+="kill $! 2>/dev/null;"
	for i in $(seq 50); do
		[ -S "$CTR_TMP/console-$n.sock" ] && return 0
		sleep 0.1
	done
	ctr_fail "console receiver $n did not start"
}

# ctr_console_count FILE MIN: waits until FILE (a console's output) shows a
# count of MIN or more, and prints it; fails (1) after 5 s.
ctr_console_count() {
	local f=$1 min=$2 i c
	for i in $(seq 50); do
		c=$(tr -d '\r' <"$f" 2>/dev/null | grep -E '^[0-9]+$' | tail -n 1)
		[ -n "$c" ] && [ "$c" -ge "$min" ] && echo "$c" && return 0
		sleep 0.1
	done
	return 1
}

# ctr_run ID BUNDLE [runc run options...]: started detached, its stdio on
# pipes (as an engine gives them; runc's restore passes them back as inherit_fd).
ctr_run() {
	local id=$1 b=$2
	shift 2
	CTR_IDS+=("$id")
	(cd "$b" && : | runc run -d "$@" "$id" 2>&1 | cat >>"$CTR_TMP/$id.out") &
	ctr_wait_running "$id"
}

ctr_status() {
	runc state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null
}

ctr_pid() {
	runc state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null
}

ctr_wait_running() {
	local id=$1 i
	for i in $(seq 100); do
		[ "$(ctr_status "$id")" = running ] && return 0
		sleep 0.1
	done
	ctr_fail "container $id is not running: $(cat "$CTR_TMP/$id.out" 2>/dev/null)"
}

# The counter's state line, read inside the container (runc exec).
ctr_state() {
	timeout 10 runc exec "$1" /bin/cat /data/state 2>&1
}

# count=N of a state line
ctr_count_of() {
	sed -n 's/^count=\([0-9]*\) .*/\1/p' <<<"$1"
}

ctr_wait_count() {
	local id=$1 n=$2 i s c
	for i in $(seq 200); do
		s=$(ctr_state "$id")
		c=$(ctr_count_of "$s")
		[ -n "$c" ] && [ "$c" -ge "$n" ] && return 0
		sleep 0.1
	done
	ctr_fail "container $id did not count to $n: state '$s'"
}

# ctr_checkpoint ID IMG WORK [runc checkpoint options...]
ctr_checkpoint() {
	local id=$1 img=$2 work=$3
	shift 3
	mkdir -p "$img" "$work"
	ctr_log "runc checkpoint $* $id"
	timeout 120 runc --criu "$CRL_BIN" checkpoint --image-path "$img" --work-path "$work" \
		"$@" "$id" >"$CTR_TMP/checkpoint-$id.out" 2>&1 ||
		ctr_fail "runc checkpoint $* $id: $(cat "$CTR_TMP/checkpoint-$id.out")"
}

# ctr_restore ID BUNDLE IMG WORK [runc restore options...]: restored detached;
# runc passes its stdio (here a file) as inherit_fd for the container's pipes
# of the checkpoint
ctr_restore() {
	local id=$1 b=$2 img=$3 work=$4
	shift 4
	mkdir -p "$work"
	CTR_IDS+=("$id")
	ctr_log "runc restore -d $id"
	(cd "$b" && timeout 120 runc --criu "$CRL_BIN" restore -d --image-path "$img" \
		--work-path "$work" "$@" "$id" </dev/null >>"$CTR_TMP/$id.out" 2>"$CTR_TMP/restore-$id.err") ||
		ctr_fail "runc restore $id: $(cat "$CTR_TMP/restore-$id.err")"
	ctr_wait_running "$id"
}

# ctr_check_restored ID C0 [CMAX]: inside the container the count goes on from
# about C0 (at least C0, below CMAX: not from 0), it still counts, and its
# tmpfs and pty are back.
ctr_check_restored() {
	local id=$1 c0=$2 cmax=${3:-$(($2 + 100))} s c c2
	s=$(ctr_state "$id")
	c=$(ctr_count_of "$s")
	[ -n "$c" ] || ctr_fail "restored $id: no state inside the container: '$s'"
	[ "$c" -ge "$c0" ] && [ "$c" -lt "$cmax" ] ||
		ctr_fail "restored $id: count $c, expected from $c0 on (below $cmax): it did not go on from the checkpoint"
	grep -q "tmpfs=ok" <<<"$s" || ctr_fail "restored $id: the tmpfs /data lost its seed: '$s'"
	grep -q "pty=ok" <<<"$s" || ctr_fail "restored $id: the pty pair no longer passes data: '$s'"
	sleep 1
	s=$(ctr_state "$id")
	c2=$(ctr_count_of "$s")
	[ -n "$c2" ] && [ "$c2" -gt "$c" ] || ctr_fail "restored $id: it does not count on ($c, then '$s')"
	grep -q "pty=ok" <<<"$s" || ctr_fail "restored $id: pty check failed after resuming: '$s'"
	ctr_log "restored $id: count $c (checkpoint at $c0), then $c2; tmpfs and pty ok"
}
