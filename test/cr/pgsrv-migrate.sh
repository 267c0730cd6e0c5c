#!/bin/bash
# scripts/live-migrate between two network namespaces made here (veth pair,
# 10.213.x addresses inside them only). The destination "host" is a pid +
# mount namespace inside the second netns, so the restored tree gets its own
# pids back while the source still holds them. Cases: a restore_basic target
# migrates and checks itself PASS on the destination, the source is gone;
# a destination that refuses to restore leaves the source running intact.
. "$(dirname "$0")/lib.sh"
crl_need_root
for c in ip unshare nsenter tar; do
	command -v $c >/dev/null || { echo "SKIP: needs $c"; exit 77; }
done

ID=$$
NA=crl-mig-a-$ID NB=crl-mig-b-$ID VA=crlva$((ID % 100000)) VB=crlvb$((ID % 100000))
ADDR_A=10.213.$((ID % 200)).1 ADDR_B=10.213.$((ID % 200)).2
MIGRATE="$CRL_SRC/scripts/live-migrate"
UPID="" DINIT=""

mig_cleanup() {
	[ -n "$UPID" ] && kill -KILL $UPID $DINIT 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	crl_cleanup
}
trap mig_cleanup EXIT

ip netns add "$NA" 2>/dev/null && ip netns add "$NB" ||
	{ echo "SKIP: cannot create network namespaces"; exit 77; }
ip link add "$VA" type veth peer name "$VB" || fail "veth pair"
ip link set "$VA" netns "$NA" && ip link set "$VB" netns "$NB" || fail "veth into netns"
ip -n "$NA" addr add "$ADDR_A/24" dev "$VA" && ip -n "$NA" link set "$VA" up &&
	ip -n "$NA" link set lo up || fail "netns A setup"
ip -n "$NB" addr add "$ADDR_B/24" dev "$VB" && ip -n "$NB" link set "$VB" up &&
	ip -n "$NB" link set lo up || fail "netns B setup"

# The destination: an init (sleep) in new pid + mount namespaces inside B.
ip netns exec "$NB" unshare -p -f -m --mount-proc sleep 100000 </dev/null >/dev/null 2>&1 &
UPID=$!
for _ in $(seq 100); do
	DINIT=$(cat /proc/$UPID/task/$UPID/children 2>/dev/null | tr -d ' \n')
	[ -n "$DINIT" ] && break
	sleep 0.02
done
[ -n "$DINIT" ] || fail "destination namespace init did not start"
DEST=(nsenter -t "$DINIT" -p -m -n)
ok "namespaces $NA ($ADDR_A) and $NB ($ADDR_B), destination pid ns of $DINIT"

# Is dump --page-server wired in this build?
mkdir -p "$CRL_TMP/probe"
"$CRL_BIN" page-server -D "$CRL_TMP/probe/d" --address 127.0.0.1 --port 27099 --daemon \
	--pidfile "$CRL_TMP/probe/pid" >/dev/null || fail "probe page server"
sleep 1000 &
SP=$!
CRL_PIDS="$CRL_PIDS $SP $(cat "$CRL_TMP/probe/pid")"
"$CRL_BIN" pre-dump -t $SP -D "$CRL_TMP/probe/s" --page-server --address 127.0.0.1 \
	--port 27099 >/dev/null 2>&1
if ! ls "$CRL_TMP/probe/d" | grep -q '^pagemap-'; then
	echo "SKIP: pre-dump --page-server does not send memory to the page server in this build"
	exit 77
fi

start_src() { # DIR: restore_basic (64 MiB) in netns A; sets TPID
	mkdir -p "$1"
	ip netns exec "$NA" setsid "$CRL_TARGETS/restore_basic" "$1" 64 </dev/null >/dev/null 2>&1 &
	TPID=$!
	CRL_PIDS="$CRL_PIDS $TPID"
	crl_wait_file "$1/ready" 10 || fail "target did not get ready"
}

# 1. A migration, with the memory staged on the destination (the default)
# and without (--no-stage: the final restore fills it all).
migrate_basic() { # NAME PORT [live-migrate options]
	local n=$1 port=$2 RPID
	shift 2
	start_src "$CRL_TMP/$n"
	ip netns exec "$NA" "$MIGRATE" -t "$TPID" --address "$ADDR_B" --port "$port" \
		--bin "$CRL_BIN" --src-dir "$CRL_TMP/$n-s" --dst-dir "$CRL_TMP/$n-d" "$@" \
		-- "${DEST[@]}" >"$CRL_TMP/$n.log" 2>&1 ||
		fail "migration failed: $(tail -5 "$CRL_TMP/$n.log")"
	sed 's/^/# /' "$CRL_TMP/$n.log"
	grep -q "iteration 1:" "$CRL_TMP/$n.log" && grep -q "downtime" "$CRL_TMP/$n.log" ||
		fail "no per-iteration statistics or downtime printed"
	if [ $# = 0 ]; then
		grep -q "destination: staged 1 areas [1-9]" "$CRL_TMP/$n.log" ||
			fail "the destination did not stage the memory"
	fi
	for _ in $(seq 100); do [ -d /proc/$TPID ] || break; sleep 0.05; done
	[ -d /proc/$TPID ] && fail "source $TPID still runs after the migration"
	RPID=$(cat "$CRL_TMP/$n-d/final/restored.pid")
	"${DEST[@]}" test -d /proc/"$RPID" || fail "restored pid $RPID not running in the destination"
	touch "$CRL_TMP/$n/check"
	crl_wait_file "$CRL_TMP/$n/result" 10 || fail "migrated target did not check itself"
	grep -q '^PASS' "$CRL_TMP/$n/result" || fail "migrated target: $(cat "$CRL_TMP/$n/result")"
	ok "restore_basic migrated to $NB ${*:-staged} (pid $RPID there) and checks PASS; source gone"
}
migrate_basic a 27011
migrate_basic a2 27015 --no-stage

# 2. zdtm targets: a simple one and the dirty-memory torture (keeps mutating
# memory and forking children until SIGTERM, then checks every page).
ZDTM=$(cd "$CRL_TARGETS/../../zdtm/tests" 2>/dev/null && pwd)
port=27020
for t in maps_anon_private dirty_torture; do
	port=$((port + 1))
	if [ ! -x "$ZDTM/$t" ]; then
		ok "# SKIP zdtm $t: not built"
		continue
	fi
	z=$CRL_TMP/z-$t
	mkdir -p "$z"
	(cd "$z" && ip netns exec "$NA" "$ZDTM/$t" --pidfile "$z/pid" --outfile "$z/out" \
		</dev/null >"$z/start.log" 2>&1) || fail "zdtm $t did not start: $(cat "$z/start.log")"
	ZPID=$(cat "$z/pid")
	CRL_PIDS="$CRL_PIDS $ZPID"
	sleep 0.3
	ip netns exec "$NA" "$MIGRATE" -t "$ZPID" --address "$ADDR_B" --port $port \
		--bin "$CRL_BIN" --src-dir "$z/s" --dst-dir "$z/d" -- "${DEST[@]}" >"$z/m.log" 2>&1 ||
		fail "migration of zdtm $t failed: $(tail -5 "$z/m.log")"
	sed 's/^/# /' "$z/m.log"
	RPID=$(cat "$z/d/final/restored.pid")
	for _ in $(seq 100); do [ -d /proc/$ZPID ] || break; sleep 0.05; done
	[ -d /proc/$ZPID ] && fail "zdtm $t: source still runs after the migration"
	start=$(stat -c %s "$z/out")
	"${DEST[@]}" kill -TERM "$RPID" || fail "zdtm $t: restored pid $RPID not there"
	for _ in $(seq 300); do
		tail -c +$((start + 1)) "$z/out" | grep -Eq '^(PASS|FAIL)' && break
		sleep 0.05
	done
	tail -c +$((start + 1)) "$z/out" | grep -q '^PASS' ||
		fail "zdtm $t after migration: $(tail -c +$((start + 1)) "$z/out" | tail -5)"
	ok "zdtm $t migrated and says PASS on the destination"
done

# 3. The destination refuses to restore: the source keeps running. Once
# with every restore refused (the stager cannot even start), once with the
# memory staged and the final restore failing (its directory is not there).
cat >"$CRL_TMP/refuse" <<EOF
#!/bin/sh
[ "\$1" = restore ] && { echo "Error: restore refused by the test" >&2; exit 1; }
exec "$CRL_BIN" "\$@"
EOF
cat >"$CRL_TMP/refuse-final" <<EOF
#!/bin/sh
[ "\$1" = restore ] || exec "$CRL_BIN" "\$@"
sed -u 's/^restore .*/restore no-such-dir/' | "$CRL_BIN" "\$@"
EOF
chmod +x "$CRL_TMP/refuse" "$CRL_TMP/refuse-final"
port=27012
for r in refuse refuse-final; do
	port=$((port + 1))
	start_src "$CRL_TMP/$r.t"
	ip netns exec "$NA" "$MIGRATE" -t "$TPID" --address "$ADDR_B" --port $port \
		--bin "$CRL_BIN" --dst-bin "$CRL_TMP/$r" --src-dir "$CRL_TMP/$r-s" \
		--dst-dir "$CRL_TMP/$r-d" -- "${DEST[@]}" >"$CRL_TMP/$r.log" 2>&1 &&
		fail "migration to a refusing destination ($r) succeeded"
	grep -q "keeps running" "$CRL_TMP/$r.log" ||
		fail "no failure report: $(tail -3 "$CRL_TMP/$r.log")"
	crl_check_alive "$TPID"
	touch "$CRL_TMP/$r.t/check"
	crl_wait_file "$CRL_TMP/$r.t/result" 10 || fail "source did not check itself"
	grep -q '^PASS' "$CRL_TMP/$r.t/result" ||
		fail "source after the failed migration: $(cat "$CRL_TMP/$r.t/result")"
	ok "$r: source resumed, running and intact ($(grep FAILED "$CRL_TMP/$r.log"))"
done
echo PASS
