#!/usr/bin/env bash
# How a job ends, as a user sees it: the exit status and the one line naming
# rank, pid, host and cause for exit 3, a signal, ipc_abort, a missing
# ipc_finalize and a program that cannot execute; how soon ipcrun returns
# after a crash; SIGTERM, SIGHUP, a second SIGINT, SIGUSR1, --kill-grace and
# --timeout (exit 124, where the ranks were). After each, no process of the
# job and no new file in /dev/shm or /tmp is left.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/exitcode" "$APPS/hello"
P=$PROGS/exitcode
host=$(hostname)

before=$WORK/files.before
ipc_files ipc >"$before"
expect_clean() { # marker what
    local new
    expect_gone "$1" 3 "$2"
    new=$(ipc_files ipc | comm -13 "$before" -)
    [ -z "$new" ] || fail "$2: left behind: $(echo "$new" | paste -sd' ')"
}

# Runs ipcrun on the exitcode program with a marker; checks status, the
# report line (a regex after "rank R (pid P) "), the time to exit and that
# nothing is left.
expect_failure() { # status rank cause-regex what args...
    local status=$1 rank=$2 cause=$3 what=$4 m
    shift 4
    m=$(unique_marker)
    ipcrun 30 -n 4 "$P" "$@" "$m"
    expect_rc "$status" "$what"
    expect_err "^ipcrun: on host $host, rank $rank \(pid [0-9]+\) $cause(; stopping the other [0-9]+ ranks?)?\$" "$what"
    [ "$(grep -c '^ipcrun: ' "$ERR")" -eq 1 ] ||
        fail "$what: ipcrun said more than one line: $(grep '^ipcrun: ' "$ERR" | tr '\n' ';')"
    # The other ranks wait for a message that never comes: only ipcrun ends them.
    [ "$ELAPSED_MS" -lt 3000 ] || fail "$what: ipcrun took $ELAPSED_MS ms to end the job"
    expect_clean "$m" "$what"
}

m=$(unique_marker)
ipcrun 30 -n 4 "$APPS/hello" "$m"
expect_rc 0 "a job that succeeds"
expect_lines "$ERR" 0 "a job that succeeds: stderr"
expect_clean "$m" "a job that succeeds"
expect_failure 3 2 "exited with status 3" "rank 2 exiting 3" exit 2 3
expect_failure 139 1 "exited on signal 11 \(Segmentation fault\)" "rank 1 crashing" segv 1
expect_failure 7 3 "called ipc_abort with code 7" "rank 3 calling ipc_abort(7)" abort 3 7
m=$(unique_marker)
ipcrun 30 -n 2 "$P" nofinalize "$m"
expect_rc 1 "ranks exiting 0 without ipc_finalize"
expect_err "^ipcrun: on host $host, rank [01] \(pid [0-9]+\) exited without calling ipc_finalize" \
    "ranks exiting 0 without ipc_finalize"
expect_clean "$m" "ranks exiting 0 without ipc_finalize"

# A program that passes ipcrun's check but cannot start.
printf '#!/nonexistent/interpreter\n' >"$WORK/broken"
chmod +x "$WORK/broken"
ipcrun 30 -n 2 "$WORK/broken"
expect_rc 127 "a program whose interpreter is missing"
expect_err "^ipcrun: on host $host, rank 0 \(pid [0-9]+\) could not execute '.*broken': No such file or directory" \
    "a program whose interpreter is missing"
expect_lines "$ERR" 1 "a program whose interpreter is missing: stderr"

# ---- signals to ipcrun ----
# Waits until ipcrun and its N ranks (carrying MARKER) all run.
wait_started() { # marker n what
    local deadline=$(($(now_ms) + 10000))
    while [ "$(job_pids "$1" | wc -l)" -lt $(($2 + 1)) ]; do
        kill -0 "$BG_PID" 2>/dev/null || fail "$3: ipcrun ended early$(stderr_hint)"
        [ "$(now_ms)" -ge "$deadline" ] && fail "$3: the ranks did not all start in 10 s"
        sleep 0.05
    done
}

for sig in TERM HUP; do
    what="SIG$sig to ipcrun"
    m=$(unique_marker)
    start_bg "$IPCRUN" -n 3 "$P" block "$m"
    wait_started "$m" 3 "$what"
    kill -"$sig" "$BG_PID"
    wait_bg 5 "$what"
    want=$((128 + $(kill -l "$sig")))
    [ "$RC" -eq "$want" ] || fail "$what: exit status $RC, expected $want"
    expect_err "^ipcrun: interrupted by signal $(kill -l "$sig"); stopping 3 ranks\$" "$what"
    expect_clean "$m" "$what"
done

# Started in the background of a script, ipcrun inherits SIGINT ignored (no
# job control): kill -INT still stops the job, as it stops mpirun's. An
# inherited ignored SIGHUP (nohup) is respected: the job goes on.
m=$(unique_marker)
"$IPCRUN" -n 3 "$P" block "$m" >"$OUT" 2>"$ERR" &
BG_PID=$!
LAST_CMD="ipcrun -n 3 exitcode block (SIGINT ignored)"
wait_started "$m" 3 "SIGINT to a background ipcrun"
kill -INT "$BG_PID"
wait_bg 5 "SIGINT to a background ipcrun"
[ "$RC" -eq 130 ] || fail "SIGINT to a background ipcrun: exit status $RC, expected 130"
expect_err '^ipcrun: interrupted by signal 2; stopping 3 ranks$' "SIGINT to a background ipcrun"
expect_clean "$m" "SIGINT to a background ipcrun"

m=$(unique_marker)
start_bg sh -c 'trap "" HUP; exec "$@"' sh "$IPCRUN" -n 2 "$P" block "$m"
wait_started "$m" 2 "SIGHUP under nohup"
kill -HUP "$BG_PID"
sleep 0.3
kill -0 "$BG_PID" 2>/dev/null || fail "SIGHUP under nohup: ipcrun ended on an ignored SIGHUP"
kill -TERM "$BG_PID"
wait_bg 5 "SIGHUP under nohup"
[ "$RC" -eq 143 ] || fail "SIGHUP under nohup: exit status $RC after SIGTERM, expected 143"
expect_clean "$m" "SIGHUP under nohup"

# SIGKILL to ipcrun: every rank dies with it (PR_SET_PDEATHSIG).
m=$(unique_marker)
start_bg "$IPCRUN" -n 6 "$P" block "$m"
wait_started "$m" 6 "SIGKILL to ipcrun"
kill -KILL "$BG_PID"
wait_bg 5 "SIGKILL to ipcrun"
expect_clean "$m" "SIGKILL to ipcrun"

# Ranks that ignore SIGTERM: the kill grace runs out, or a second SIGINT
# ends them at once.
# shellcheck disable=SC2016
stubborn='trap "" TERM; echo started; while :; do sleep 0.1; done'
m=$(unique_marker)
start_bg "$IPCRUN" --kill-grace 60 -n 2 sh -c "$stubborn" "$m"
wait_started "$m" 2 "a second SIGINT"
t0=$(now_ms)
kill -INT "$BG_PID"
sleep 0.3
kill -0 "$BG_PID" 2>/dev/null || fail "a second SIGINT: ipcrun ended on the first one within the grace"
kill -INT "$BG_PID"
wait_bg 5 "a second SIGINT"
[ "$RC" -eq 130 ] || fail "a second SIGINT: exit status $RC, expected 130"
[ $(($(now_ms) - t0)) -lt 3000 ] || fail "a second SIGINT: ranks were not killed at once"
expect_clean "$m" "a second SIGINT"

m=$(unique_marker)
start_bg "$IPCRUN" --kill-grace 0.5 -n 2 sh -c "$stubborn" "$m"
wait_started "$m" 2 "--kill-grace 0.5"
t0=$(now_ms)
kill -TERM "$BG_PID"
wait_bg 5 "--kill-grace 0.5"
took=$(($(now_ms) - t0))
if [ "$took" -lt 400 ] || [ "$took" -ge 3000 ]; then
    fail "--kill-grace 0.5: ranks ignoring SIGTERM were killed after $took ms"
fi
expect_clean "$m" "--kill-grace 0.5"

# SIGUSR1 and SIGUSR2 reach every rank.
# shellcheck disable=SC2016
catcher='trap "echo got USR1 \$IPC_RANK; exit 0" USR1; echo ready; while :; do sleep 0.05; done'
m=$(unique_marker)
start_bg "$IPCRUN" -n 3 sh -c "$catcher" "$m"
wait_started "$m" 3 "SIGUSR1"
deadline=$(($(now_ms) + 5000))
until [ "$(grep -c ready "$OUT")" -eq 3 ] || [ "$(now_ms)" -ge "$deadline" ]; do sleep 0.05; done
kill -USR1 "$BG_PID"
wait_bg 5 "SIGUSR1"
[ "$RC" -eq 0 ] || fail "SIGUSR1: exit status $RC, expected 0$(stderr_hint)"
for r in 0 1 2; do
    expect_out "^got USR1 $r\$" "SIGUSR1 forwarded to rank $r"
done
expect_clean "$m" "SIGUSR1"

# ---- --timeout ----
m=$(unique_marker)
ipcrun 30 --timeout 0.5 -n 3 "$P" block "$m"
expect_rc 124 "--timeout 0.5"
expect_err '^ipcrun: timeout of 0.5 s expired; ranks 0-2 still running; stopping them$' \
    "--timeout 0.5"
# The ranks wait for a message: ipcrun says where.
[ "$(grep -cE '^ipcrun: rank [0-2] \(pid [0-9]+\) was waiting in [a-z_]+\(.*\)$' "$ERR")" -eq 3 ] ||
    fail "--timeout 0.5: no 'was waiting in ...()' line for every rank: $(tr '\n' ';' <"$ERR")"
[ "$ELAPSED_MS" -lt 3000 ] || fail "--timeout 0.5: ipcrun took $ELAPSED_MS ms"
expect_clean "$m" "--timeout 0.5"

m=$(unique_marker)
run 30 env IPC_TIMEOUT=0.3 "$IPCRUN" -n 1 sh -c 'while :; do :; done' "$m"
expect_rc 124 "IPC_TIMEOUT=0.3"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was running' "IPC_TIMEOUT=0.3, a busy rank"
expect_clean "$m" "IPC_TIMEOUT=0.3"

# MPI harnesses set MPIEXEC_TIMEOUT (mpiexec's name); IPC_TIMEOUT wins over it.
m=$(unique_marker)
run 30 env MPIEXEC_TIMEOUT=0.3 "$IPCRUN" -n 1 sh -c 'while :; do :; done' "$m"
expect_rc 124 "MPIEXEC_TIMEOUT=0.3"
expect_err '^ipcrun: timeout of 0.3 s expired' "MPIEXEC_TIMEOUT=0.3"
expect_clean "$m" "MPIEXEC_TIMEOUT=0.3"
m=$(unique_marker)
run 30 env MPIEXEC_TIMEOUT=60 IPC_TIMEOUT=0.3 "$IPCRUN" -n 1 sh -c 'while :; do :; done' "$m"
expect_rc 124 "IPC_TIMEOUT=0.3 with MPIEXEC_TIMEOUT=60"
[ "$ELAPSED_MS" -lt 5000 ] || fail "IPC_TIMEOUT=0.3 with MPIEXEC_TIMEOUT=60: took $ELAPSED_MS ms"
expect_clean "$m" "IPC_TIMEOUT=0.3 with MPIEXEC_TIMEOUT=60"
run 30 env MPIEXEC_TIMEOUT=soon "$IPCRUN" -n 1 true
expect_rc 2 "MPIEXEC_TIMEOUT=soon"
expect_err "MPIEXEC_TIMEOUT must be a number of seconds" "MPIEXEC_TIMEOUT=soon"
exit 0
