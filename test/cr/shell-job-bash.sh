# --shell-job and an interactive shell: bash -i, the foreground process group
# of its terminal, is dumped and restored by a tool on another terminal. The
# restored bash keeps its own process group, which the tool makes the
# terminal's foreground group, so that bash still answers commands there (and
# takes the terminal back after running one), instead of finding itself in
# the background and exiting on EIO. Driven by pty-shell.py.
. "$(dirname "$0")/lib.sh"
crl_need_root
command -v bash >/dev/null || { echo "SKIP: no bash"; exit 77; }
/usr/bin/python3 "$(dirname "$0")/pty-shell.py" "$CRL_BIN" "$CRL_TMP/work" >"$CRL_TMP/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "$(cat "$CRL_TMP/out") (restore log: $(grep -E 'Error|Warn' "$CRL_TMP/work/restore.log" 2>/dev/null | tail -5))"
ok "$(cat "$CRL_TMP/out")"
exit 0
