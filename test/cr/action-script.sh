#!/bin/bash
# --action-script: criu's stages in order with CRTOOLS_SCRIPT_ACTION and
# CRTOOLS_INIT_PID; a script that fails post-dump fails the dump and the
# target runs on.
. "$(dirname "$0")/lib.sh"
crl_need_root nocrit
T=$CRL_TMP
mkdir -p "$T/a"
setsid "$CRL_TARGETS/restore_basic" "$T/a" 4 </dev/null >/dev/null 2>&1 &
TPID=$!
CRL_PIDS="$CRL_PIDS $TPID"
crl_wait_file "$T/a/ready" 10 || fail "target did not get ready"
S="echo \$CRTOOLS_SCRIPT_ACTION \$CRTOOLS_INIT_PID >>$T/stages"
"$CRL_BIN" dump -t "$TPID" -D "$T/a/img" --action-script "$S" || fail "dump failed"
wait "$TPID" 2>/dev/null
[ "$(tr '\n' ' ' <"$T/stages")" = "pre-dump post-dump " ] || fail "dump stages: $(cat "$T/stages")"
ok "dump stages: pre-dump, post-dump"
: >"$T/stages"
"$CRL_BIN" restore -D "$T/a/img" -d --action-script "$S" || fail "restore failed"
want="pre-restore setup-namespaces $TPID post-setup-namespaces post-restore $TPID pre-resume post-resume "
[ "$(tr '\n' ' ' <"$T/stages")" = "$want" ] || fail "restore stages: $(cat "$T/stages")"
ok "restore stages in criu's order, CRTOOLS_INIT_PID $TPID"
out=$("$CRL_BIN" dump -t "$TPID" -D "$T/a/img2" --action-script \
	'[ "$CRTOOLS_SCRIPT_ACTION" != post-dump ]' 2>&1) && fail "dump with a failing script succeeded"
echo "$out" | grep -q "failed at post-dump" || fail "unexpected error: $out"
crl_check_alive "$TPID"
ok "failing post-dump script: dump failed, target runs on"
kill -KILL "$TPID"
exit 0
