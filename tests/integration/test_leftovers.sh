#!/usr/bin/env bash
# Nothing outlives a job: however it ends (normally, a rank exiting 3, a
# segfault, SIGINT or SIGKILL to ipcrun) no process of the job remains and no
# new file whose name says "ipc" is left in /dev/shm or /tmp. The job's
# processes are found by a marker argument no other process carries.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/exitcode"
N=4

before=$WORK/files.before
ipc_files >"$before"

expect_no_new_files() { # what [extra name pattern]
    local new
    new=$(ipc_files "${2:-ipc}" | comm -13 "$before" -)
    [ -z "$new" ] || fail "$1: left behind: $(echo "$new" | paste -sd' ')"
}

# Waits until ipcrun and all N ranks carrying MARKER are running.
wait_for_ranks() { # marker what
    local deadline=$(($(now_ms) + 10000)) count
    while :; do
        count=$(job_pids "$1" | wc -l)
        [ "$count" -ge $((N + 1)) ] && return 0
        kill -0 "$BG_PID" 2>/dev/null || fail "$2: ipcrun ended before its ranks started$(stderr_hint)"
        [ "$(now_ms)" -ge "$deadline" ] && fail "$2: only $count of $((N + 1)) processes after 10s"
        sleep 0.05
    done
}

for t in $TRANSPORTS; do
    m=$(unique_marker)
    ipcrun 30 --transport "$t" -n "$N" "$APPS/ring" 100 "$m"
    expect_rc 0 "normal job ($t)"
    expect_gone "$m" 2 "normal job ($t)"
    expect_no_new_files "normal job ($t)"

    m=$(unique_marker)
    ipcrun 30 --transport "$t" -n "$N" "$PROGS/exitcode" exit 1 3 "$m"
    expect_rc 3 "job with a rank exiting 3 ($t)"
    expect_gone "$m" 2 "job with a rank exiting 3 ($t)"
    expect_no_new_files "job with a rank exiting 3 ($t)"

    m=$(unique_marker)
    ipcrun 30 --transport "$t" -n "$N" "$PROGS/exitcode" segv 2 "$m"
    expect_rc 139 "job with a segfaulting rank ($t)"
    expect_gone "$m" 2 "job with a segfaulting rank ($t)"
    expect_no_new_files "job with a segfaulting rank ($t)"

    for sig in INT KILL; do
        what="SIG$sig to ipcrun ($t)"
        m=$(unique_marker)
        start_bg "$IPCRUN" --transport "$t" -n "$N" "$PROGS/exitcode" block "$m"
        pid=$BG_PID
        wait_for_ranks "$m" "$what"
        kill -"$sig" "$pid"
        wait_bg 5 "$what"
        [ "$RC" -ne 0 ] || fail "$what: ipcrun exited 0"
        expect_gone "$m" 5 "$what"
        expect_no_new_files "$what" "$pid"
    done
done
exit 0
