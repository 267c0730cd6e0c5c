#!/bin/bash
# Podman 4.3 (runtime runc) with criu-lite as its criu (issue 19): a busybox
# rootfs with ctr-counter imported as a local image (no registry), run with
# --network none and a tmpfs on /data; `podman container checkpoint --export`,
# `podman rm`, `podman container restore --import`; inside the restored
# container (podman exec) the count goes on from the checkpoint, the tmpfs
# seed and the pty are back. criu-lite is `criu` only for this test: a
# directory holding a `criu` link to it is put first in PATH.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctr_require
command -v podman >/dev/null || ctr_skip "podman is not installed (scripts/setup.sh installs it)"
NAME=runc19-podman-$$
IMAGE=localhost/runc19-busybox:$$
CTR_CLEANUP_EXTRA="podman rm -f $NAME >/dev/null 2>&1; podman rmi -f $IMAGE >/dev/null 2>&1"
mkdir -p "$CTR_TMP/bin"
ln -s "$CRL_BIN" "$CTR_TMP/bin/criu"
export PATH=$CTR_TMP/bin:$PATH

# podman's failure names runc's "log file: PATH" (criu-lite's log in podman's storage,
# which podman rm removes): its last lines, before the cleanup
pfail() {
	local log
	log=$(grep -o 'log file: [^"]*' "$CTR_TMP/$1.log" 2>/dev/null | head -1 | sed 's/^log file: //; s/\\n.*//')
	[ -n "$log" ] && [ -f "$log" ] && { echo "--- $log"; tail -n 15 "$log"; }
	ctr_fail "podman container $1: $(cat "$CTR_TMP/$1.log")"
}

pstate() {
	timeout 10 podman exec "$NAME" /bin/cat /data/state 2>&1
}

ctr_rootfs "$CTR_TMP/rootfs"
tar -C "$CTR_TMP/rootfs" -c . | timeout 60 podman import -q - "$IMAGE" >/dev/null ||
	ctr_fail "podman import of the busybox rootfs"
# limits at most this machine's hard ones (podman's default nofile is above them)
timeout 60 podman run -d --name "$NAME" --network none --runtime runc \
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	--mount type=tmpfs,destination=/data "$IMAGE" /bin/ctr-counter >/dev/null ||
	ctr_fail "podman run"
for i in $(seq 200); do
	c0=$(ctr_count_of "$(pstate)")
	[ -n "$c0" ] && [ "$c0" -ge 20 ] && break
	sleep 0.1
done
[ -n "$c0" ] && [ "$c0" -ge 20 ] || ctr_fail "the podman container does not count: '$(pstate)'"
ctr_log "podman container checkpoint --export at count $c0"
timeout 120 podman container checkpoint --export "$CTR_TMP/ckpt.tar.gz" "$NAME" \
	>"$CTR_TMP/checkpoint.log" 2>&1 || pfail checkpoint
timeout 60 podman rm -f "$NAME" >/dev/null || ctr_fail "podman rm"
ctr_log "podman container restore --import"
timeout 120 podman container restore --import "$CTR_TMP/ckpt.tar.gz" >"$CTR_TMP/restore.log" 2>&1 ||
	pfail restore
s=$(pstate)
c=$(ctr_count_of "$s")
[ -n "$c" ] && [ "$c" -ge "$c0" ] && [ "$c" -lt $((c0 + 300)) ] ||
	ctr_fail "restored: count '$c' (state '$s'), expected from $c0 on: it did not go on"
grep -q "tmpfs=ok" <<<"$s" || ctr_fail "restored: the tmpfs lost its seed: '$s'"
grep -q "pty=ok" <<<"$s" || ctr_fail "restored: the pty no longer passes data: '$s'"
sleep 1
c2=$(ctr_count_of "$(pstate)")
[ -n "$c2" ] && [ "$c2" -gt "$c" ] || ctr_fail "restored: it does not count on ($c, then $c2)"
echo "PASS: podman checkpoint --export / restore --import, count $c0 -> $c -> $c2"
