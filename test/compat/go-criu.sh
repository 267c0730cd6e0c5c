#!/bin/sh
# Builds test/compat/go-criu/main.go offline with Debian's Go and go-criu, then
# runs it. Debian installs go-criu v5 in GOPATH layout without the /v5 path
# element its import paths carry (module github.com/checkpoint-restore/go-criu/v5)
# and GOPATH mode does not map /v5 away: a private GOPATH holds a v5 symlink.
# Usage: go-criu.sh CRIU_LITE TARGETS_DIR TMPDIR GOCACHE. Exit 77: no Go or go-criu.
set -e
bin=$1 targets=$2 tmp=$3 cache=$4
src=${0%/*}/go-criu
gocode=/usr/share/gocode
gocriu=$gocode/src/github.com/checkpoint-restore/go-criu
if ! command -v go >/dev/null 2>&1; then
	echo "1..0 # SKIP go is not installed (Debian package golang-go)"
	exit 77
fi
if [ ! -f "$gocriu/main.go" ] || [ ! -d "$gocode/src/google.golang.org/protobuf" ]; then
	echo "1..0 # SKIP go-criu is not installed (golang-github-checkpoint-restore-go-criu-dev)"
	exit 77
fi
rm -rf "$tmp"
mkdir -p "$tmp/gopath/src/github.com/checkpoint-restore/go-criu" "$cache"
ln -s "$gocriu" "$tmp/gopath/src/github.com/checkpoint-restore/go-criu/v5"
GOPATH=$tmp/gopath:$gocode GO111MODULE=off GOFLAGS= GOPROXY=off GOCACHE=$cache \
	go build -o "$tmp/go-criu-test" "$src/main.go"
exec "$tmp/go-criu-test" "$bin" "$targets" "$tmp/run"
