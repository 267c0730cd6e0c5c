# A container's mount tree, built as runc builds one but without runc
# (targets/mnt_container.c): its own mount, pid, uts and ipc namespaces, a
# busybox rootfs bound and pivoted into, proc, a /dev tmpfs with device
# nodes, devpts, a /dev/shm tmpfs holding a file, mqueue, sysfs read-only,
# /proc/sys a read-only bind, /proc/keys masked by /dev/null, /proc/acpi by
# a read-only tmpfs, a /sys/fs/cgroup tmpfs with cgroup2 and a pids
# cgroup's directory (v1), and a host directory bound on /data (external). Dumped,
# restored with --root and --external mnt[KEY]:PATH: the count goes on in
# the tmpfs, and the container's init checks its files, masks and read-only
# mounts itself, and a pty pair of its devpts (made by the restore in the
# container's new devpts). Refused at dump, the target running on: /data
# without --external (named).
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
[ -x /bin/busybox ] || { echo "SKIP: needs /bin/busybox (busybox-static)"; exit 77; }

rootfs=$CRL_TMP/rootfs
mkdir -p "$rootfs"/bin "$rootfs"/proc "$rootfs"/dev "$rootfs"/sys "$rootfs"/tmp "$CRL_TMP/host"
cp /bin/busybox "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
# the container's program with its libraries, at their paths
cp "$CRL_TARGETS/mnt_container" "$rootfs/bin/"
for lib in $(ldd "$CRL_TARGETS/mnt_container" | grep -o '/[^ ]*'); do
	mkdir -p "$rootfs$(dirname "$lib")"
	cp -L "$lib" "$rootfs$lib"
done
echo external >"$CRL_TMP/host/f"

# start ARGS...: the container; sets CT (its init, as the tool sees it)
start() {
	setsid "$CRL_TARGETS/mnt_container" "$rootfs" "$@" </dev/null >"$CRL_TMP/ct.out" 2>&1 &
	CRL_PIDS="$CRL_PIDS $!"
	CT=
	for i in $(seq 100); do
		CT=$(cat /proc/$!/task/*/children 2>/dev/null | tr -d ' ')
		[ -n "$CT" ] && [ -s "/proc/$CT/root/dev/shm/count" ] && break
		sleep 0.05
	done
	[ -s "/proc/$CT/root/dev/shm/count" ] || fail "the container did not start: $(cat "$CRL_TMP/ct.out")"
	CRL_PIDS="$CRL_PIDS $CT"
}

# refused NAME REGEX DUMP-OPTIONS...: the dump of $CT fails naming it, $CT runs on
refused() {
	local name=$1 re=$2 c1
	shift 2
	if "$CRL_BIN" dump -t "$CT" -D "$CRL_TMP/img-$name" "$@" 2>"$CRL_TMP/err-$name"; then
		fail "$name: dump succeeded"
	fi
	grep -Eq "$re" "$CRL_TMP/err-$name" || fail "$name: no refusal /$re/: $(cat "$CRL_TMP/err-$name")"
	crl_check_alive "$CT"
	c1=$(cat "/proc/$CT/root/dev/shm/count")
	sleep 0.2
	[ "$(cat "/proc/$CT/root/dev/shm/count")" -gt "$c1" ] || fail "$name: the count stopped"
	ok "$name refused: $(grep -m1 -o "pid.*" "$CRL_TMP/err-$name" | cut -c1-150)"
}

# as runc on a cgroup v1 host: cgroup2 and a pids cgroup's directory (made anew)
cg=
if [ -d /sys/fs/cgroup/pids ] && mkdir "/sys/fs/cgroup/pids/crl-mnt.$$" 2>/dev/null; then
	cg="cgroup=crl-mnt.$$"
	trap 'crl_cleanup; sleep 0.2; rmdir "/sys/fs/cgroup/pids/crl-mnt.$$"' EXIT
fi
start pty "bind=$CRL_TMP/host" $cg
refused external "whose mount point '/data' .* pass --external mnt\[/data\]:KEY" -v1
# cycle N: dump $CT, check the refusal without --external, restore, check
cycle() {
	local n=$1 img=$CRL_TMP/img$1 before now res
	"$CRL_BIN" dump -t "$CT" -D "$img" --external "mnt[/data]:data" -o dump.log -v4 ||
		fail "dump $n: $(grep Error "$img/dump.log")"
	before=$(for t in "$img"/tmpfs-dev-*.tar.gz.img; do tar -xzOf "$t" ./count 2>/dev/null; done)
	[ -n "$before" ] || fail "dump $n: no tmpfs tar holds /dev/shm/count"
	ok "dump $n at count $before; $(ls "$img" | grep -c tmpfs-dev) tmpfs tars"
	if "$CRL_BIN" restore -D "$img" -d --root "$rootfs" 2>"$CRL_TMP/err-noext"; then
		fail "restore $n without --external for /data succeeded"
	fi
	grep -q "mount point '/data' was external, with key 'data': pass --external mnt\[data\]:PATH" \
		"$CRL_TMP/err-noext" || fail "restore without --external: $(cat "$CRL_TMP/err-noext")"
	"$CRL_BIN" restore -D "$img" -d --root "$rootfs" --external "mnt[data]:$CRL_TMP/host" \
		--pidfile "$CRL_TMP/pid" -o restore.log -v4 ||
		fail "restore $n: $(grep Error "$img/restore.log")"
	CT=$(cat "$CRL_TMP/pid")
	CRL_PIDS="$CRL_PIDS $CT"
	sleep 0.3
	now=$(cat "/proc/$CT/root/dev/shm/count")
	[ "$now" -gt "$before" ] || fail "restore $n: the count did not go on: $before then $now"
	ok "restore $n: the count goes on in the restored tmpfs: $before then $now"
	rm -f "/proc/$CT/root/dev/shm/result"
	kill -USR1 "$CT"
	crl_wait_file "/proc/$CT/root/dev/shm/result" 5 || fail "restore $n: no result from the container"
	res=$(cat "/proc/$CT/root/dev/shm/result")
	[ "$res" = PASS ] || fail "restore $n: the container's own check: $res"
	ok "restore $n: the container checked its mounts: $res ($(wc -l <"/proc/$CT/mountinfo") mounts)"
}

# the restored container dumped and restored again (its mountinfo lists the
# devpts the restore attached before /dev)
cycle 1
cycle 2
exit 0
