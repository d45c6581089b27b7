# lib.sh - helpers shared by tests/integration/test_*.sh (bash).
#
# Source it first: it sets the paths below, makes a scratch directory that is
# removed on exit, and gives:
#   run SECS CMD...          run CMD under timeout; sets RC and ELAPSED_MS,
#                            stdout in $OUT, stderr in $ERR
#   ipcrun SECS ARGS...      run SECS "$IPCRUN" ARGS...
#   expect_rc WANT WHAT      fail unless the last run exited WANT
#   expect_out RE WHAT / expect_err RE WHAT   fail unless a line matches RE
#   expect_lines FILE N WHAT fail unless FILE has N lines
#   fail MESSAGE             print "<test>: MESSAGE" (one line) and exit 1
#   skip REASON              print "<test>: skipped: REASON" and exit 77: the
#                            test cannot run here (run.sh counts it apart)
#   start_bg CMD... / wait_bg SECS WHAT      a job in the background (BG_PID)
#   job_pids MARKER          pids whose command line contains MARKER
#   expect_gone MARKER SECS WHAT             no such process within SECS
#   ipc_files                /dev/shm and /tmp entries whose name says ipc
# Each test script exits 0 on pass; on the first failure it prints one line
# naming what failed and exits 1; when this machine cannot run it, it says
# why and exits 77.
# shellcheck disable=SC2034 # the variables are for the scripts that source this
set -u

IPC_BUILD_DIR=${IPC_BUILD_DIR:-build}
IPCRUN=$IPC_BUILD_DIR/bin/ipcrun
APPS=$IPC_BUILD_DIR/apps
PROGS=$IPC_BUILD_DIR/tests/programs
TEST_NAME=$(basename "$0" .sh)
# Every transport, from the one list ipcrun and libipc use.
TRANSPORTS=$(sed -n 's/^ *\[IPC__NAMES_[A-Z]*\] = "\([a-z]*\)",$/\1/p' runtime/common/names.c |
    tr '\n' ' ')
case $TRANSPORTS in
*shm*tcp*) ;;
*)
    echo "$TEST_NAME: no transport names found in runtime/common/names.c"
    exit 1
    ;;
esac

# The scratch directory's name must not contain "ipc": the leftover checks
# look for such names.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/itest.XXXXXX") || {
    echo "$TEST_NAME: cannot create a scratch directory"
    exit 1
}
OUT=$WORK/stdout
ERR=$WORK/stderr
RC=0
ELAPSED_MS=0
BG_PID=

lib_cleanup() {
    if [ -n "$BG_PID" ] && kill -0 "$BG_PID" 2>/dev/null; then
        kill -KILL "$BG_PID" 2>/dev/null
        { wait "$BG_PID"; } 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap lib_cleanup EXIT

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# First line of the last run's stderr, shortened: enough to see why.
stderr_hint() {
    local first
    first=$(grep -v '^[[:space:]]*$' "$ERR" 2>/dev/null | head -n 1 | cut -c 1-200)
    [ -n "$first" ] && printf ' (stderr: %s)' "$first"
}

fail() {
    echo "$TEST_NAME: $*"
    exit 1
}

skip() {
    echo "$TEST_NAME: skipped: $*"
    exit 77
}

need() {
    local f
    for f in "$@"; do
        [ -x "$f" ] || fail "$f is missing or not executable: build it with 'make all'"
    done
}

run() {
    local secs=$1 t0
    shift
    t0=$(now_ms)
    timeout -k 5 "$secs" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    ELAPSED_MS=$(($(now_ms) - t0))
    LAST_CMD="$*"
    LAST_TIMEOUT=$secs
}

ipcrun() {
    local secs=$1
    shift
    run "$secs" "$IPCRUN" "$@"
}

expect_rc() {
    local want=$1 what=$2
    [ "$RC" -eq "$want" ] && return 0
    [ "$RC" -eq 124 ] && fail "$what: timed out after ${LAST_TIMEOUT}s: $LAST_CMD$(stderr_hint)"
    fail "$what: exit status $RC, expected $want: $LAST_CMD$(stderr_hint)"
}

expect_out() {
    grep -Eq -- "$1" "$OUT" ||
        fail "$2: no line of stdout matches '$1': $LAST_CMD$(stderr_hint)"
}

expect_err() {
    grep -Eq -- "$1" "$ERR" ||
        fail "$2: no line of stderr matches '$1': $LAST_CMD$(stderr_hint)"
}

expect_lines() {
    local n
    n=$(wc -l <"$1")
    [ "$n" -eq "$2" ] || fail "$3: $n lines, expected $2: $LAST_CMD$(stderr_hint)"
}

# Starts CMD in the background as its own job, so that it gets signals as a
# job started from a terminal would (a non-interactive shell would otherwise
# make it ignore SIGINT).
start_bg() {
    set -m
    "$@" >"$OUT" 2>"$ERR" &
    BG_PID=$!
    set +m
    LAST_CMD="$*"
}

# Waits for the background job to end; on the deadline it is killed.
wait_bg() {
    local secs=$1 what=$2 deadline
    deadline=$(($(now_ms) + secs * 1000))
    while kill -0 "$BG_PID" 2>/dev/null; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            kill -KILL "$BG_PID" 2>/dev/null
            { wait "$BG_PID"; } 2>/dev/null
            BG_PID=
            fail "$what: still running after ${secs}s: $LAST_CMD"
        fi
        sleep 0.05
    done
    # The braces take the shell's own "Killed" notice away from the log.
    { wait "$BG_PID"; } 2>/dev/null
    RC=$?
    BG_PID=
}

job_pids() {
    pgrep -f -- "$1" | grep -vx "$$" || true
}

# Waits up to SECS for every process carrying MARKER to end. Any still there
# are killed (by pid: they are this test's) and the test fails.
expect_gone() {
    local marker=$1 secs=$2 what=$3 deadline pids
    deadline=$(($(now_ms) + secs * 1000))
    while :; do
        pids=$(job_pids "$marker")
        [ -z "$pids" ] && return 0
        [ "$(now_ms)" -ge "$deadline" ] && break
        sleep 0.1
    done
    local list
    list=$(ps -o pid=,stat=,args= -p "$(echo "$pids" | paste -sd,)" 2>/dev/null |
        cut -c 1-120 | tr '\n' ';')
    # shellcheck disable=SC2086 # one pid a word
    kill -KILL $pids 2>/dev/null
    fail "$what: processes left ${secs}s after the job ended: $list"
}

# Entries of /dev/shm and /tmp whose name contains "ipc" (any case) or
# EXTRA, one full path a line, sorted.
ipc_files() {
    local extra=${1:-ipc} d
    for d in /dev/shm /tmp; do
        find "$d" -mindepth 1 -maxdepth 1 2>/dev/null | grep -iE -- "^$d/.*($extra|ipc)"
    done | sort
}

unique_marker() {
    echo "itest-marker-$$-$RANDOM$RANDOM"
}
