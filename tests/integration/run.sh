#!/bin/sh
#
# run.sh - run the integration tests: every tests/integration/test_*.sh in
# name order, or only those named (run.sh test_cli test_ring.sh).
#
# Each test runs from the repository root under a 120 s timeout (or the
# seconds a line "# run.sh timeout: N" of the script asks for), with
# IPC_BUILD_DIR (default build) exported, and passes when it exits 0; exit
# 77 means it cannot run on this machine (skipped, with the reason from its
# last line). Its output goes to $IPC_BUILD_DIR/logs/integration/<name>.log
# (IPC_TEST_LOGS replaces $IPC_BUILD_DIR/logs); a failure shows the last
# lines. The last line is "N passed, N failed", with ", N skipped" when any
# was; exits 1 on failure.
#
# A test that can take more than 10 s says so in a line "# run.sh slow: N"
# (about N s on 2 cores): run.sh announces it when it starts, so that a
# quiet terminal is not taken for a hang. A test that took 10 s or more is
# reported with its time; one that took 20 s or more without the line gets
# a note asking for it.
#

cd "$(dirname "$0")/../.." || exit 1
LC_ALL=C
export LC_ALL
IPC_BUILD_DIR=${IPC_BUILD_DIR:-build}
export IPC_BUILD_DIR
timeout_s=120
tail_lines=10
logdir=${IPC_TEST_LOGS:-$IPC_BUILD_DIR/logs}/integration
passed=0
failed=0
skipped=0

# The interpreter a script's #! line names (sh without one), so a test runs
# the same whether or not it has its executable bit.
interpreter () {
    first=
    read -r first < "$1"
    case "$first" in
    '#!'*) printf '%s\n' "${first#??}" ;;
    *) echo sh ;;
    esac
}

# A test's output goes to a file, not a pipe: a process it leaves behind
# holding the pipe open would hang this runner past every timeout.
run_one () {
    name=$(basename "$1" .sh)
    log=$logdir/$name.log
    limit=$(sed -n 's/^# run\.sh timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
    limit=${limit:-$timeout_s}
    slow=$(sed -n 's/^# run\.sh slow: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
    [ -n "$slow" ] && echo "RUN  $name: a long test, about $slow s"
    start=$(date +%s)
    # shellcheck disable=SC2046 # the interpreter may be '/usr/bin/env bash'
    timeout -k 5 "$limit" $(interpreter "$1") "$1" > "$log" 2>&1 < /dev/null
    status=$?
    took=$(($(date +%s) - start))
    if [ "$status" -eq 0 ] ; then
        if [ "$took" -ge 10 ] ; then
            echo "PASS $name ($took s)"
            [ -z "$slow" ] && [ "$took" -ge 20 ] && echo "     (note: $1 has no '# run.sh slow: N' line; add one)"
        else
            echo "PASS $name"
        fi
        passed=$((passed + 1))
        return
    fi
    if [ "$status" -eq 77 ] ; then
        echo "SKIP $name: $(tail -n 1 "$log" | sed "s/^$name: skipped: //")"
        skipped=$((skipped + 1))
        return
    fi
    failed=$((failed + 1))
    case "$status" in
    124|137) echo "FAIL $name (timed out after ${limit} s):" ;;
    *) echo "FAIL $name (exit $status):" ;;
    esac
    tail -n "$tail_lines" "$log" | sed 's/^/    /'
}

if [ $# -eq 0 ] ; then
    set -- tests/integration/test_*.sh
fi
mkdir -p "$logdir" || exit 1
for arg ; do
    case "$arg" in
    */*) test=$arg ;;
    *) test=tests/integration/${arg%.sh}.sh ;;
    esac
    if [ ! -f "$test" ] ; then
        # An unmatched glob means no tests at all, which is not a failure.
        [ "$arg" = "tests/integration/test_*.sh" ] && continue
        echo "run.sh: no test '$arg'; the tests are tests/integration/test_*.sh" >&2
        failed=$((failed + 1))
        continue
    fi
    run_one "$test"
done

if [ "$skipped" -gt 0 ] ; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
