# Sourced by java-*.sh (not a test itself): the restored root is the JVM.
app_check() {
	grep -q '^java$' "/proc/$APP_PID/comm" || apps_fail "pid $APP_PID is '$(cat /proc/$APP_PID/comm)'"
}
