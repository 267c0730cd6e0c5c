# java from a .class (compiled here with javac): a JVM with its threads,
# counting in its heap; after every restore the count continues from the
# checkpoint and all the JVM's threads are back.
. "$(dirname "$0")/lib.sh"
apps_need java javac
APP_NAME=java-class
APP_PROGRESS=counter
# A fixed set of compiler threads: the restore is checked to bring back
# every thread of the image, and dynamic ones may end right after it.
JAVA_OPTS="-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UseDynamicNumberOfCompilerThreads"

app_start() {
	mkdir -p "$CRL_TMP/cls"
	javac -d "$CRL_TMP/cls" "$(dirname "$0")/progs/Counter.java" || apps_fail "javac failed"
	apps_spawn "$APP_LOG" java $JAVA_OPTS -cp "$CRL_TMP/cls" Counter
}

. "$(dirname "$0")/progs/java-check.sh"
apps_run_steps
