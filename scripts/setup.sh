#!/bin/bash
# Installs every Debian package criu-lite needs to build and test, then
# builds into ./build. Run as root on Debian 12. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
	build-essential cmake ninja-build pkg-config git
	protobuf-c-compiler libprotobuf-c-dev
	libnl-3-dev libnl-route-3-dev libcap-dev
	# the network lock: libnftables, and the tools the iptables lock and its tests run
	libnftables-dev nftables iptables
	# setcap, for the unprivileged (file capability) test
	libcap2-bin
	# crit (CRIU's image decoder) checks our images; it needs python3-protobuf
	criu python3-protobuf
	# test/compat/go-criu: Debian's go-criu built offline with Debian's Go
	golang-go golang-github-checkpoint-restore-go-criu-dev
	# CI's sanitizer build and the fuzz targets (libFuzzer is in clang's runtime)
	clang libclang-rt-dev
	# scripts/check-format.sh (CI)
	clang-format
	# zdtm and live-migration tests: namespaces, veth, process tools
	iproute2 procps psmisc util-linux
	# terminals (test/cr/tmux.sh): a tmux server with a pane, dumped and restored
	tmux
	# real programs under a client loop (test/apps, CTest label apps; .ci/run
	# runs them after the kill soak); they run in their own network
	# namespaces, so services these packages start on the host do not matter
	redis-server nginx-light screen python3 nodejs openjdk-17-jdk-headless sqlite3 curl
	postgresql
	# container mount trees (test/cr/mnt-container.sh): a busybox rootfs; GNU
	# tar keeps a tmpfs's files (tmpfs-dev-N.tar.gz.img) at dump and restore
	busybox-static tar gzip
	# containers end to end (test/containers, CTest label containers; .ci/run
	# runs them after the apps): runc, Podman with runc
	runc podman
)

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (apt-get install)" >&2
	exit 1
fi
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-}
cmake --build build
echo "setup.sh: built build/criu-lite"
