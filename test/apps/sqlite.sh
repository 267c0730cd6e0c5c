# sqlite3 in a shell: a bash loop feeds the sqlite3 shell, which holds a
# database open, one INSERT of its counter and one SELECT of the row just
# inserted every 0.1 s. After every restore sqlite3 answers again, with the
# counter continuing from the checkpoint, the database passes its integrity
# check and has the rows inserted before the checkpoint.
. "$(dirname "$0")/lib.sh"
apps_need sqlite3 bash
APP_NAME=sqlite
APP_PROGRESS=counter
DB=$CRL_TMP/app.db

app_start() {
	sqlite3 "$DB" 'CREATE TABLE t(v INTEGER);' || apps_fail "sqlite3 cannot create $DB"
	apps_spawn "$APP_LOG" bash -c 'i=0; while :; do i=$((i+1))
		echo "INSERT INTO t VALUES($i); SELECT v FROM t WHERE rowid = last_insert_rowid();"
		sleep 0.1; done | sqlite3 -batch "$0"' "$DB"
}

# The database and its rollback journal (there while a transaction runs)
# belong with a checkpoint the original outlives.
app_snapshot_cmd() {
	echo "mkdir -p '$1.files' && cp -a '$DB' '$1.files/' &&" \
		"{ [ ! -e '$DB-journal' ] || cp -a '$DB-journal' '$1.files/'; }"
}

app_rollback() {
	rm -f "$DB-journal"
	cp -a "$1.files/"* "$CRL_TMP/" || apps_fail "putting back $DB failed"
}

app_check() {
	local sq p v
	for p in $(apps_tree "$APP_PID"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = sqlite3 ] && sq=$p
	done
	[ -n "$sq" ] || apps_fail "no sqlite3 process under $APP_PID after restore"
	[ "$(readlink /proc/$sq/fd/3)" = "$DB" ] ||
		apps_fail "sqlite3 (pid $sq) does not hold $DB open: fd 3 is '$(readlink /proc/$sq/fd/3)'"
	v=$(sqlite3 -cmd ".timeout 3000" "$DB" 'PRAGMA integrity_check;')
	[ "$v" = ok ] || apps_fail "integrity_check of $DB: $v"
	v=$(sqlite3 -cmd ".timeout 3000" "$DB" "SELECT count(*) FROM t WHERE v = $((APPS_FIRST - 1));")
	[ "$v" -ge 1 ] ||
		apps_fail "$DB has no row $((APPS_FIRST - 1)), inserted before the checkpoint"
}

apps_run_steps
