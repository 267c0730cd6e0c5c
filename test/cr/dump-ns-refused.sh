# Namespaces the dump cannot restore are refused, never dumped into the
# tool's: one error line naming the kind and the pid, exit nonzero, the
# target still running in its namespaces. Cases: the root in its own user
# namespace (not restored yet; cgroup namespaces are, zdtm cgroupns), a mount
# namespace with a ramfs of its own on /mnt (not made anew, no contents
# kept) and one where a mount of the tool's was remounted read-only, a
# process in
# its own pid namespace that is not its init (pid 2 there), an ipc
# namespace holding a message queue (not restored yet), and a tree spread
# over two uts namespaces (a child that entered its own), a network namespace
# holding a bridge. (A TCP connection in it with a peer outside the tree is
# locked inside the namespace now: cr/netlock-netns.)
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
command -v unshare >/dev/null || { echo "SKIP: no unshare (util-linux)"; exit 77; }

# refused NAME REGEX CMD...: starts CMD in its own session, dumps it, checks the refusal.
refused() {
	local name=$1 re=$2 pid before after
	shift 2
	setsid "$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	CRL_PIDS="$CRL_PIDS $pid"
	sleep 0.3
	# set up (it exec'd sleep, or forked it) on a loaded machine too
	for i in $(seq 100); do
		grep -qx sleep "/proc/$pid/comm" 2>/dev/null && break
		[ -n "$(cat /proc/$pid/task/*/children 2>/dev/null)" ] && break
		sleep 0.05
	done
	[ -d "/proc/$pid" ] || fail "$name: target did not start"
	before=$(ls -l /proc/$pid/ns /proc/$pid/task/*/children 2>/dev/null | md5sum)
	if "$CRL_BIN" dump -t "$pid" -D "$CRL_TMP/img-$name" 2>"$CRL_TMP/err-$name"; then
		fail "$name: dump succeeded"
	fi
	grep -Eq "$re" "$CRL_TMP/err-$name" || fail "$name: no refusal /$re/: $(cat "$CRL_TMP/err-$name")"
	[ "$(grep -c 'Error' "$CRL_TMP/err-$name")" -le 2 ] ||
		fail "$name: more than the refusal: $(cat "$CRL_TMP/err-$name")"
	[ ! -e "$CRL_TMP/img-$name/inventory.img" ] || fail "$name: an inventory was written"
	crl_check_alive "$pid"
	after=$(ls -l /proc/$pid/ns /proc/$pid/task/*/children 2>/dev/null | md5sum)
	[ "$before" = "$after" ] || fail "$name: the target's namespaces or children changed"
	ok "$name refused: $(grep -o 'pid [0-9]* .*namespace[^:]*\|network namespace of pid .*' "$CRL_TMP/err-$name" | head -1)"
	kill -KILL "$pid" $(cat /proc/$pid/task/*/children 2>/dev/null)
}

refused user "pid [0-9]+ is in its own user namespace .*not restored yet" unshare -U sleep 1000
command -v ipcmk >/dev/null &&
	refused msgq "the ipc namespace of pid [0-9]+ holds 1 System V message queues: not restored yet" \
		unshare -i sh -c 'ipcmk -Q >/dev/null && exec sleep 1000'
# notinit: the dumped process is pid 2 of its pid namespace, under its init
setsid unshare -p -f sh -c 'sleep 1000 & wait' </dev/null >/dev/null 2>&1 &
upid=$!
CRL_PIDS="$CRL_PIDS $upid"
for i in $(seq 100); do
	init=$(cat /proc/$upid/task/*/children 2>/dev/null | awk '{print $1}')
	sl=$([ -n "$init" ] && cat /proc/$init/task/*/children 2>/dev/null | awk '{print $1}')
	[ -n "$sl" ] && break
	sleep 0.05
done
[ -n "$sl" ] || fail "notinit: no sleep under the namespace's init"
CRL_PIDS="$CRL_PIDS $init $sl"
if "$CRL_BIN" dump -t "$sl" -D "$CRL_TMP/img-notinit" 2>"$CRL_TMP/err-notinit"; then
	fail "notinit: dump succeeded"
fi
grep -q "pid $sl is in its own pid namespace but is pid 2 there" "$CRL_TMP/err-notinit" ||
	fail "notinit: no refusal: $(cat "$CRL_TMP/err-notinit")"
crl_check_alive "$sl"
ok "notinit refused: $(grep -o 'pid [0-9]* is in its own pid.*' "$CRL_TMP/err-notinit")"

refused mnt "pid [0-9]+ is in its own mount namespace, whose mount point '/mnt' \(ramfs 'crl-ns', root '/'\) comes from outside the tree .* pass --external mnt\[/mnt\]:KEY" \
	unshare -m sh -c 'mount -t ramfs crl-ns /mnt && exec sleep 1000'
refused remount "pid [0-9]+ is in its own mount namespace, whose mount point '/proc' is the tool's with other options \('ro,[^']*' '[^']*'; remounted in the namespace\)" \
	unshare -m sh -c 'mount -o remount,bind,ro /proc && exec sleep 1000'
refused spread "pid [0-9]+ is in another uts namespace .* than the root, pid [0-9]+" \
	sh -c 'unshare -u sleep 1000 & wait'
# network namespaces (net19): a link kind that is not restored
refused netbridge "network namespace of pid [0-9]+ has link 'crlbr0' of kind 'bridge'" \
	unshare -n sh -c 'ip link add crlbr0 type bridge && exec sleep 1000'
exit 0
