# nginx (master and two workers) under a curl loop: after every restore the
# master and the same workers are there and answer with the file's contents,
# and the access log (opened O_APPEND by the workers) goes on growing.
. "$(dirname "$0")/lib.sh"
apps_need nginx curl
APP_NAME=nginx
APP_PROGRESS=answers
URL=http://$APPS_ADDR:8081
WWW=$CRL_TMP/www

app_start() {
	mkdir -p "$WWW" "$CRL_TMP/nginx"
	echo "page $$" >"$WWW/page.txt"
	cat >"$CRL_TMP/nginx.conf" <<-CONF
	daemon off;
	user root;
	master_process on;
	worker_processes 2;
	pid $CRL_TMP/nginx.pid;
	error_log $CRL_TMP/nginx/error.log;
	events { worker_connections 64; }
	http {
		access_log $CRL_TMP/nginx/access.log;
		client_body_temp_path $CRL_TMP/nginx/body;
		proxy_temp_path $CRL_TMP/nginx/proxy;
		fastcgi_temp_path $CRL_TMP/nginx/fastcgi;
		uwsgi_temp_path $CRL_TMP/nginx/uwsgi;
		scgi_temp_path $CRL_TMP/nginx/scgi;
		server { listen $APPS_ADDR:8081; root $WWW; }
	}
	CONF
	apps_spawn "$CRL_TMP/nginx.out" nginx -c "$CRL_TMP/nginx.conf" -p "$CRL_TMP/nginx"
	apps_wait_for 20 in_client curl -sf -m 2 "$URL/page.txt" || apps_fail "nginx does not answer"
	APPS_WORKERS=$(apps_workers)
	[ "$(echo $APPS_WORKERS | wc -w)" = 2 ] || apps_fail "nginx has workers '$APPS_WORKERS', not 2"
}

apps_workers() {
	cat /proc/"$APP_PID"/task/*/children | tr ' ' '\n' | grep . | sort -n | tr '\n' ' '
}

app_client() {
	[ "$(in_client curl -sf -m 5 "$URL/page.txt")" = "page $$" ] && echo ok >>"$APP_LOG"
	sleep 0.05
}

app_check() {
	local w n0 n1
	w=$(apps_workers)
	[ "$w" = "$APPS_WORKERS" ] || apps_fail "nginx workers after restore: '$w', before: '$APPS_WORKERS'"
	grep -q '^nginx' "/proc/$APP_PID/comm" || apps_fail "master $APP_PID is '$(cat /proc/$APP_PID/comm)'"
	n0=$(wc -l <"$CRL_TMP/nginx/access.log")
	in_client curl -sf -m 5 "$URL/page.txt" >/dev/null || apps_fail "nginx does not answer"
	n1=$(wc -l <"$CRL_TMP/nginx/access.log")
	[ "$n1" -gt "$n0" ] || apps_fail "the access log does not grow after restore ($n0 lines)"
}

apps_run_steps
