#!/bin/bash
# criu's command line and config files (docs/compat.md): accepted options run
# real dumps and restores (restore_basic checks itself), refused ones exit
# nonzero with one line, config files are read in criu's order and the
# command line overrides them; check --feature and --version as criu's.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
mkdir -p "$T/home/.criu"
export HOME=$T/home
unset CRIU_CONFIG_FILE

# one_line_fail WHAT PATTERN CMD...: CMD exits nonzero with exactly one line matching PATTERN.
one_line_fail() {
	local what=$1 pat=$2 out
	shift 2
	out=$("$@" 2>&1) && fail "$what: exited 0"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$what: more than one line: $out"
	printf '%s\n' "$out" | grep -qe "$pat" || fail "$what: unexpected message: $out"
}

# 1. --version as criu prints it, then criu-lite's own line.
out=$("$CRL_BIN" --version) || fail "--version exited $?"
echo "$out" | head -1 | grep -q '^Version: [0-9]\+\.[0-9]\+' || fail "--version: $out"
echo "$out" | grep -q '^criu-lite: ' || fail "--version: no criu-lite line: $out"
[ "$("$CRL_BIN" -V | head -1)" = "$(echo "$out" | head -1)" ] || fail "-V differs from --version"
ok "--version: $(echo "$out" | head -1)"

# 2. --help lists criu's short options.
help=$("$CRL_BIN" --help) || fail "--help exited $?"
for s in -t -D -o -v -j -R -d -s -W -V -l -x; do
	echo "$help" | grep -qe "^  $s, --" || fail "--help does not list $s"
done
ok "--help lists criu's short options"

# 3. refused options: one line naming the option and the plan, nonzero exit.
while read -r opt pat; do
	# shellcheck disable=SC2086
	one_line_fail "$opt" "$pat" "$CRL_BIN" dump -t 1 -D "$T/none" $opt
done <<'EOF'
--lazy-pages dump --lazy-pages is not supported yet
--external=mnt[]:s :s: expected mnt.KEY.:VAL
--external=dev[1/2]:x :x: only mnt.KEY.:VAL (an external mount) and veth.IN.:OUT.@BRIDGE. are supported
--external=veth[v0]: invalid veth pair 'veth.v0.:' .veth.IN.:OUT.@BRIDGE., names of 1-15 characters.
--veth-pair=v0 invalid veth pair 'v0' .IN=OUT.@BRIDGE., names of 1-15 characters.
--inherit-fd=3:x invalid --inherit-fd '3:x'
-Mnokey --ext-mount-map nokey: expected KEY:VAL
--auto-dedup --auto-dedup is not supported yet
--stream --stream is not supported yet
--cgroup-root=x invalid --cgroup-root 'x'
--manage-cgroups=bogus invalid --manage-cgroups 'bogus'
--cpu-cap=ins --cpu-cap=ins is not supported yet
--tls --tls is not supported yet
--network-lock=bogus invalid --network-lock 'bogus'
--pre-dump-mode=fast invalid --pre-dump-mode 'fast'
--timeout=-1 invalid timeout
--ghost-limit=lots invalid --ghost-limit 'lots'
--no-such-option unknown option '--no-such-option'
-q unknown option '-q'
--file-locks=yes option '--file-locks' takes no value
-verbosity=4 criu spells it --verbosity=4 or -vN
-v9 invalid verbosity
EOF
one_line_fail "restore -s" "restore --leave-stopped (-s) is not supported yet" \
	"$CRL_BIN" restore -s -D "$T/none"
one_line_fail "restore -S" "restore --restore-sibling (-S) needs --restore-detached (-d)" \
	"$CRL_BIN" restore -S -D "$T/none"
one_line_fail "swrk" "swrk: usage: swrk FD" "$CRL_BIN" swrk
one_line_fail "swrk 99" "RPC: fd 99 is not a unix socket" "$CRL_BIN" swrk 99
ok "refused and bad options: one line each, nonzero exit"

# 4. config files: a bad one names itself and its line; --no-default-config and
# --config skip the default files; CRIU_CONFIG_FILE must exist.
printf '# criu-lite test\nauto-dedup\n' >"$HOME/.criu/default.conf"
one_line_fail "bad \$HOME config" "config '$HOME/.criu/default.conf' line 2: --auto-dedup is not supported yet" \
	"$CRL_BIN" check
"$CRL_BIN" check --no-default-config >/dev/null || fail "--no-default-config still read \$HOME's file"
printf 'tree 1 2\n' >"$T/bad.conf"
one_line_fail "--config with two values" "config '$T/bad.conf' line 1: 'tree' has more than one value" \
	"$CRL_BIN" check --config "$T/bad.conf"
one_line_fail "missing CRIU_CONFIG_FILE" "config '$T/nope.conf' (CRIU_CONFIG_FILE): No such file" \
	env CRIU_CONFIG_FILE="$T/nope.conf" "$CRL_BIN" check --no-default-config
ok "config file errors name the file and line"

# 5. check --feature: mem_dirty_track answers from the validated trackers.
"$CRL_BIN" check --no-default-config >"$T/check.out" 2>&1 || fail "check: $(cat "$T/check.out")"
tail -1 "$T/check.out" | grep -qx 'Looks good.' || fail "check does not end with 'Looks good.'"
if awk '$1 ~ /^(soft-dirty|uffd-wp|digest)$/ && $3 == "yes" { f = 1 } END { exit !f }' "$T/check.out"; then
	want=0
else
	want=1
fi
out=$("$CRL_BIN" check --no-default-config --feature mem_dirty_track 2>&1)
rc=$?
[ "$rc" = "$want" ] || fail "--feature mem_dirty_track exited $rc, want $want: $out"
one_line_fail "unknown feature" "unknown feature 'no_such'" "$CRL_BIN" check --no-default-config --feature no_such
"$CRL_BIN" check --no-default-config --feature list | grep -qw uffd-noncoop || fail "--feature list"
out=$("$CRL_BIN" check --no-default-config --feature uffd-noncoop) || fail "uffd-noncoop: $out"
out=$("$CRL_BIN" check --no-default-config --feature cgroupns) || fail "cgroupns: $out"
ok "check --feature mem_dirty_track exits $want as the trackers say"

# 6. a real dump and restore with criu's options, -D and the rest from config
# files; the command line overrides them.
mkdir -p "$T/a"
setsid "$CRL_TARGETS/restore_basic" "$T/a" 16 </dev/null >/dev/null 2>&1 &
TPID=$!
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$T/a/ready" 10 || fail "target did not get ready"
printf 'images-dir %s\n# the command line sets -t\nverbosity=1\n' "$T/a/img" >"$T/env.conf"
CRIU_CONFIG_FILE="$T/env.conf" "$CRL_BIN" dump --no-default-config --file-locks --tcp-established \
	--timeout 10 -v4 -o dump.log --network-lock skip --manage-cgroups=ignore --pre-dump-mode=read \
	--ghost-limit 1M --display-stats --log-pid --evasive-devices --link-remap --weak-sysctls \
	--cpu-cap=fpu --force-irmap --ext-unix-sk --no-auto-dedup --file-validation filesize \
	--deprecated -t "$TPID" || fail "dump with criu's options failed: $(tail -3 "$T/a/img/dump.log")"
wait "$TPID" 2>/dev/null
ls "$T/a/img"/core-*.img >/dev/null 2>&1 || fail "config's images-dir was not used"
grep -q . "$T/a/img/dump.log" || fail "-v4 -o dump.log: no log in the images dir"
printf 'images-dir /nonexistent-criu-cli\nrestore-detached\npidfile "%s"\nshell-job\nno-shell-job\n' \
	"$T/a/pid" >"$T/cfg"
"$CRL_BIN" restore --config "$T/cfg" -D "$T/a/img" -v4 -o restore.log -W "$T/a" \
	--tcp-established --file-locks --no-restore-sibling ||
	fail "restore with criu's options failed: $(tail -3 "$T/a/restore.log")"
[ "$(cat "$T/a/pid")" = "$TPID" ] || fail "pidfile from the config has '$(cat "$T/a/pid")'"
[ -s "$T/a/restore.log" ] || fail "-W: restore.log is not in the work dir"
CRL_PIDS="$CRL_PIDS $TPID"
crl_check_alive "$TPID"
touch "$T/a/check"
crl_wait_file "$T/a/result" 10 || fail "restored target did not report"
[ "$(cat "$T/a/result")" = PASS ] || fail "restored target: $(cat "$T/a/result")"
ok "dump and restore with criu's options and config files: $(cat "$T/a/result")"
exit 0
