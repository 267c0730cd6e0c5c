# Without userfaultfd and PAGEMAP_SCAN (seccomp, ENOSYS), check must say so and
# --tracker=auto must pick digest; forcing uffd-wp must be refused clearly.
. "$(dirname "$0")/lib.sh"
crl_need_root
wrap=$(dirname "$CRL_BIN")/test/unit/nouffd-wrap
[ -x "$wrap" ] || { echo "SKIP: $wrap not built"; exit 77; }
export CRL_TRACKER_CACHE=off

"$wrap" "$CRL_BIN" check >"$CRL_TMP/check" 2>&1 || fail "check failed: $(cat "$CRL_TMP/check")"
grep -q "auto picks: digest" "$CRL_TMP/check" || fail "auto did not pick digest: $(cat "$CRL_TMP/check")"
grep -E "^uffd-wp +(yes|no) +no " "$CRL_TMP/check" >/dev/null || fail "uffd-wp not rejected"
ok "check without uffd: auto picks digest, uffd-wp rejected"

crl_start_target dump-mem "$CRL_TMP/res" -m 8
if "$wrap" "$CRL_BIN" pre-dump -t "$TPID" -D "$CRL_TMP/p1" --tracker uffd-wp 2>"$CRL_TMP/err"; then
	fail "forced uffd-wp accepted without userfaultfd"
fi
grep -q "uffd-wp" "$CRL_TMP/err" || fail "refusal does not name the tracker: $(cat "$CRL_TMP/err")"
crl_check_alive "$TPID"
crl_check_memory "$TPID" "$CRL_TMP/res"
ok "forced uffd-wp refused: $(head -1 "$CRL_TMP/err"); target intact"
kill -TERM "$TPID"
exit 0
