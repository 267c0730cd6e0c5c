#!/bin/bash
# runc 1.1 with `--criu criu-lite` (issue 19): a container from a
# busybox-static rootfs whose process counts and holds a tmpfs and a pty
# (lib.sh, ctr-counter.c), checkpointed and restored; after the restore the
# container's own state, read inside it with `runc exec`, must show the count
# going on from the checkpoint (not from 0), the tmpfs seed and a working pty.
#   runc.sh checkpoint     checkpoint, restore -d under the same id
#   runc.sh leave-running  checkpoint --leave-running: it runs on; then deleted and restored
#   runc.sh pre-dump       checkpoint --pre-dump, then the final one with --parent-path
#   runc.sh new-id         the checkpoint restored under another container id
#   runc.sh console        terminal: true: the console master goes to a receiver on
#                          --console-socket (console-recv.py); restored with a new
#                          one, which gets a new master (criu-lite's notify
#                          orphan-pts-master through runc), the count goes on
#                          through it and a line written into it is answered
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mode=${1:?usage: runc.sh checkpoint|leave-running|pre-dump|new-id|console}
ctr_require
B=$CTR_TMP/bundle
ID=runc19-$mode-$$
ctr_bundle "$B"
RUN_OPTS=()
if [ "$mode" = console ]; then
	ctr_console_bundle "$B"
	ctr_console_recv 1
	RUN_OPTS=(--console-socket "$CTR_TMP/console-1.sock")
fi
ctr_run "$ID" "$B" "${RUN_OPTS[@]}"
ctr_wait_count "$ID" 20

case $mode in
checkpoint | new-id)
	c0=$(ctr_count_of "$(ctr_state "$ID")")
	ctr_checkpoint "$ID" "$CTR_TMP/img" "$CTR_TMP/work-dump"
	[ "$(ctr_status "$ID")" = running ] && ctr_fail "$ID still runs after runc checkpoint"
	runc delete -f "$ID" >/dev/null 2>&1
	new=$ID
	[ "$mode" = new-id ] && new=runc19-new-$$
	ctr_restore "$new" "$B" "$CTR_TMP/img" "$CTR_TMP/work-restore"
	[ "$mode" = new-id ] && [ "$(ctr_status "$ID")" = running ] &&
		ctr_fail "the old id $ID runs again besides $new"
	ctr_check_restored "$new" "$c0" "$((c0 + 300))"
	;;
leave-running)
	ctr_checkpoint "$ID" "$CTR_TMP/img" "$CTR_TMP/work-dump" --leave-running
	c0=$(ctr_count_of "$(ctr_state "$ID")")
	sleep 1
	[ "$(ctr_status "$ID")" = running ] || ctr_fail "$ID stopped after checkpoint --leave-running"
	c1=$(ctr_count_of "$(ctr_state "$ID")")
	[ -n "$c1" ] && [ "$c1" -gt "$c0" ] || ctr_fail "$ID does not count on after --leave-running ($c0, then $c1)"
	runc delete -f "$ID" >/dev/null 2>&1
	# the checkpoint was taken at or before c0: the restored count is from about 20 to c0
	ctr_restore "$ID" "$B" "$CTR_TMP/img" "$CTR_TMP/work-restore"
	ctr_check_restored "$ID" 20 "$((c0 + 20))"
	;;
pre-dump)
	ctr_checkpoint "$ID" "$CTR_TMP/pre" "$CTR_TMP/work-pre" --pre-dump
	[ "$(ctr_status "$ID")" = running ] || ctr_fail "$ID stopped after checkpoint --pre-dump"
	ctr_wait_count "$ID" 40
	c0=$(ctr_count_of "$(ctr_state "$ID")")
	# runc passes --parent-path on as parent_img, relative to the images dir
	ctr_checkpoint "$ID" "$CTR_TMP/img" "$CTR_TMP/work-dump" --parent-path ../pre
	ls "$CTR_TMP/img" | grep -q '^parent$' || ctr_fail "the final checkpoint has no parent link to the pre-dump"
	runc delete -f "$ID" >/dev/null 2>&1
	ctr_restore "$ID" "$B" "$CTR_TMP/img" "$CTR_TMP/work-restore"
	ctr_check_restored "$ID" "$c0" "$((c0 + 300))"
	;;
console)
	ctr_console_count "$CTR_TMP/con-1/console.1" 1 >/dev/null ||
		ctr_fail "nothing counts on the console runc sent to --console-socket"
	c0=$(ctr_count_of "$(ctr_state "$ID")")
	ctr_checkpoint "$ID" "$CTR_TMP/img" "$CTR_TMP/work-dump"
	[ "$(ctr_status "$ID")" = running ] && ctr_fail "$ID still runs after runc checkpoint"
	runc delete -f "$ID" >/dev/null 2>&1
	ctr_console_recv 2
	ctr_restore "$ID" "$B" "$CTR_TMP/img" "$CTR_TMP/work-restore" \
		--console-socket "$CTR_TMP/console-2.sock"
	ctr_check_restored "$ID" "$c0" "$((c0 + 300))"
	con=$CTR_TMP/con-2/console.1
	[ -e "$con" ] || ctr_fail "the restore sent no console master to the new --console-socket"
	c1=$(ctr_console_count "$con" "$c0") ||
		ctr_fail "the new console master shows no count from $c0 on: '$(tail -c 200 "$con")'"
	echo hello-console >"$CTR_TMP/con-2/say.1"
	for i in $(seq 50); do
		grep -q 'heard=hello-console' "$con" && break
		sleep 0.1
	done
	grep -q 'heard=hello-console' "$con" ||
		ctr_fail "the restored process did not answer a line written into the new master: '$(tail -c 200 "$con")'"
	ctr_log "console: count $c1 through the new master (checkpoint at $c0); a line read back"
	;;
*)
	ctr_fail "unknown mode '$mode'"
	;;
esac
echo "PASS: runc $mode"
