# java in source-launcher mode (`java Counter.java`, compiled in memory): the
# same checks as java-class.sh.
. "$(dirname "$0")/lib.sh"
apps_need java
APP_NAME=java-source
APP_PROGRESS=counter
# A fixed set of compiler threads: the restore is checked to bring back
# every thread of the image, and dynamic ones may end right after it.
JAVA_OPTS="-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UseDynamicNumberOfCompilerThreads"

app_start() {
	cp "$(dirname "$0")/progs/Counter.java" "$CRL_TMP/"
	cd "$CRL_TMP" || apps_fail "cd $CRL_TMP"
	apps_spawn "$APP_LOG" java $JAVA_OPTS Counter.java
}

. "$(dirname "$0")/progs/java-check.sh"
apps_run_steps
