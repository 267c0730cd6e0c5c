# postgresql: the postmaster and its background processes (a tree of six,
# shared memory among them), with a backend forked per psql connection of
# the client loop, which increments a counter row. After every restore the
# same server processes are there, the counter continues from the
# checkpoint, and a new connection can write. Checkpoints the original
# outlives carry a copy of the data directory (criu-lite saves no files).
. "$(dirname "$0")/lib.sh"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/postgres" ] || { echo "SKIP: postgresql is not installed"; exit 77; }
apps_need psql setpriv
APP_NAME=postgres
APP_PROGRESS=counter
PG=$CRL_TMP/pg
AS_PG="setpriv --reuid=postgres --regid=postgres --init-groups"

sql() {
	in_client timeout 5 psql -h "$APPS_ADDR" -U postgres -d postgres -XAtq -c "$1"
}

app_start() {
	mkdir -p "$PG"
	chown postgres "$PG"
	chmod 755 "$CRL_TMP"
	$AS_PG "$PGBIN/initdb" -D "$PG/data" -A trust -U postgres >"$PG/initdb.log" 2>&1 ||
		apps_fail "initdb failed: $(tail -3 "$PG/initdb.log")"
	echo "host all all 10.99.0.0/24 trust" >>"$PG/data/pg_hba.conf"
	# Dynamic shared memory as files in the data directory (pg_dynshmem),
	# which app_snapshot_cmd copies, not in /dev/shm.
	apps_spawn "$PG/server.log" $AS_PG "$PGBIN/postgres" -D "$PG/data" -k "$PG" \
		-h "$APPS_ADDR" -c fsync=off -c max_connections=20 \
		-c dynamic_shared_memory_type=mmap
	apps_wait_for 30 sql 'SELECT 1' || apps_fail "postgres does not answer: $(tail -3 "$PG/server.log")"
	sql 'CREATE TABLE c(n bigint); INSERT INTO c VALUES (0);' || apps_fail "CREATE TABLE failed"
	APPS_SERVERS=$(apps_servers)
	# The interlock segment (System V), attached by every server process.
	PG_SHMID=$(awk '/ \/SYSV/ {print $5; exit}' "/proc/$APP_PID/maps")
	[ -n "$PG_SHMID" ] || apps_fail "the postmaster has no System V segment attached"
}

pg_nattch() {
	ipcs -m -i "$PG_SHMID" | awk '/nattch=/ {sub(/.*nattch=/, ""); print $1 + 0}'
}

app_cleanup() {
	[ -n "${PG_SHMID:-}" ] && ipcrm -m "$PG_SHMID" 2>/dev/null
	return 0
}

# The postmaster's long-lived children (not the backends of connections).
apps_servers() {
	local p
	for p in $(cat /proc/"$APP_PID"/task/*/children); do
		grep -q 'postgres: [a-z ]*\(checkpointer\|writer\|launcher\)' /proc/$p/cmdline 2>/dev/null &&
			echo "$p"
	done | sort -n | tr '\n' ' '
}

app_client() {
	local v
	v=$(sql 'UPDATE c SET n = n + 1 RETURNING n') && [ -n "$v" ] && echo "$v" >>"$APP_LOG"
	sleep 0.05
}

app_snapshot_cmd() {
	echo "cp -a '$PG/data' '$1.data'"
}

app_rollback() {
	rm -rf "$PG/data" && cp -a "$1.data" "$PG/data" || apps_fail "putting back the data directory failed"
}

app_check() {
	local s v t=t_${APPS_STEP//-/_}
	s=$(apps_servers)
	[ "$s" = "$APPS_SERVERS" ] || apps_fail "server processes after restore: '$s', before: '$APPS_SERVERS'"
	v=$(pg_nattch)
	[ "$v" -ge $(($(echo $APPS_SERVERS | wc -w) + 1)) ] ||
		apps_fail "the interlock segment $PG_SHMID has $v attaches, the postmaster and" \
			"$(echo $APPS_SERVERS | wc -w) servers run"
	v=$(sql "CREATE TABLE $t(x int); INSERT INTO $t VALUES (1); SELECT count(*) FROM $t")
	[ "$v" = 1 ] || apps_fail "a new table in a new connection: '$v'"
}

apps_run_steps
