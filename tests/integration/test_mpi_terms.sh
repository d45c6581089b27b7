#!/usr/bin/env bash
# An MPI program is told about in MPI's terms (docs/observability.md): a hang
# under --timeout names MPI_Recv, MPI_ANY_SOURCE, MPI_COMM_WORLD, the name
# MPI_Comm_set_name gave, MPI_Win_lock; MPI_Abort's line says MPI_Abort;
# --stats and --trace name MPI_Init, MPI_Finalize, MPI_Send, MPI_Recv. A
# libipc program keeps its ipc_ names (test_observe.sh). Ctrl-C on a
# terminal reaches every process of the group at once: a rank asleep in
# MPI_Recv is said to wait there, and one that was already ending on the
# signal is not called busy. --report-transports says who chose the tcp
# address.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$IPC_BUILD_DIR/bin/ipccc" "$APPS/ring"
[ -f include/mpi.h ] || skip "include/mpi.h is missing: no MPI layer"
command -v python3 >/dev/null || skip "python3 is needed to check the trace"
command -v setsid >/dev/null || skip "setsid is needed for a process group's Ctrl-C"

H=$WORK/hang
run 120 "$IPC_BUILD_DIR/bin/ipccc" -O1 -Wall -o "$H" tests/mpi/hang.c
expect_rc 0 "build tests/mpi/hang.c"

# Hangs under --timeout.
ipcrun 30 --timeout 1 -n 3 "$H" recv
expect_rc 124 "hang recv"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in MPI_Recv\(source 1, tag 7, MPI_COMM_WORLD\)$' "hang recv: rank 0"
expect_err '^ipcrun: rank 1 \(pid [0-9]+\) was waiting in MPI_Recv\(source 0, tag 8, MPI_COMM_WORLD\)$' "hang recv: rank 1"
expect_err '^ipcrun: rank 2 \(pid [0-9]+\) was waiting in MPI_Barrier\(MPI_COMM_WORLD\)' "hang recv: rank 2"
grep -q 'ipc_' "$ERR" && fail "hang recv: a libipc name in the report: $(grep ipc_ "$ERR" | head -n 1)"

ipcrun 30 --timeout 1 -n 2 "$H" named
expect_rc 124 "hang named"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in MPI_Recv\(source MPI_ANY_SOURCE, tag MPI_ANY_TAG, halo\)$' \
    "hang named: rank 0 on the communicator named halo"
expect_err '^ipcrun: rank 1 \(pid [0-9]+\) was waiting in MPI_Recv\(source 0, tag 5, a communicator of 2 ranks, context [0-9]+\)$' \
    "hang named: rank 1 on an unnamed communicator"

ipcrun 30 --timeout 1 -n 2 "$H" lock
expect_rc 124 "hang lock"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in MPI_Win_lock\(rank 1, a window of 2 ranks\)$' "hang lock: rank 0"
expect_err '^ipcrun: rank 1 \(pid [0-9]+\) was waiting in MPI_Recv\(source 0, tag 5, MPI_COMM_WORLD\)$' "hang lock: rank 1"

# The line of a rank on another host comes from its node daemon, names too.
agent=$(dirname "$0")/agent-local
A=hosta$$x$RANDOM
ipcrun 30 --agent "$agent" --tcp-if 127.0.0.1 -H "localhost:1,$A:1" --timeout 1 "$H" named
expect_rc 124 "hang named on 2 hosts"
expect_err "^ipcrun: rank 0 \\(pid [0-9]+\\) was waiting in MPI_Recv\\(source MPI_ANY_SOURCE, tag MPI_ANY_TAG, halo\\)\$" \
    "hang named on 2 hosts: rank 0"
expect_err "^ipcrun: on host $A, rank 1 \\(pid [0-9]+\\) was waiting in MPI_Recv\\(source 0, tag 5, a communicator of 2 ranks, context [0-9]+\\)\$" \
    "hang named on 2 hosts: rank 1"

# MPI_Abort.
ipcrun 30 -n 3 "$H" abort
expect_rc 3 "MPI_Abort(MPI_COMM_WORLD, 3)"
expect_err '^ipcrun: (on host [^,]*, )?rank 2 \(pid [0-9]+\) called MPI_Abort with code 3; stopping the other 2 ranks$' \
    "MPI_Abort(MPI_COMM_WORLD, 3)"

# --stats and --trace of an MPI ring.
trace=$WORK/trace.json
ipcrun 30 -n 3 --stats --trace "$trace" "$H"
expect_rc 0 "--stats --trace of hang's ring"
expect_err '^ipcrun: statistics of the 3 ranks, from MPI_Init to MPI_Finalize \(times in ms\):$' "--stats"
python3 - "$trace" <<'PY' || fail "--trace: the spans are not named as MPI calls"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
names = [e["name"] for e in ev if e["ph"] == "X"]
assert names.count("MPI_Send") == 3 and names.count("MPI_Recv") == 3, names
assert not [n for n in names if n.startswith("ipc_")], names
PY
ipcrun 30 -n 2 --stats "$APPS/ring" 2
expect_err '^ipcrun: statistics of the 2 ranks, from ipc_init to ipc_finalize ' "--stats of a libipc program"

# Ctrl-C from a terminal: the whole process group gets SIGINT, ranks too.
# Rank 0 sleeps in MPI_Recv, rank 1 in sleep(), outside MPI. Started
# without job control, setsid makes ipcrun the leader of a new session and
# group (ipcrun gives its ranks back the SIGINT the shell ignores).
m=$(unique_marker)
setsid "$IPCRUN" -n 2 "$H" sleep "$m" >"$OUT" 2>"$ERR" &
BG_PID=$!
LAST_CMD="setsid ipcrun -n 2 hang sleep"
deadline=$(($(now_ms) + 10000))
until [ "$(job_pids "$m" | wc -l)" -ge 3 ] || [ "$(now_ms)" -ge "$deadline" ]; do sleep 0.05; done
sleep 0.5 # into the receive and the sleep
pgid=$(ps -o pgid= -p "$BG_PID" | tr -d ' ')
[ "$pgid" = "$BG_PID" ] || fail "Ctrl-C: ipcrun (pid $BG_PID) leads no group of its own ('$pgid')"
kill -INT -- "-$pgid"
wait_bg 10 "Ctrl-C to the process group"
[ "$RC" -eq 130 ] || fail "Ctrl-C to the process group: exit status $RC, expected 130$(stderr_hint)"
expect_err '^ipcrun: interrupted by signal 2; stopping 2 ranks$' "Ctrl-C to the process group"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in MPI_Recv\(source 1, tag 7, MPI_COMM_WORLD\)$' \
    "Ctrl-C to the process group: rank 0"
expect_err '^ipcrun: rank 1 \(pid [0-9]+\) was ending on a signal that reached it too \(what it did before is not known\), outside any blocking MPI call$' \
    "Ctrl-C to the process group: rank 1"
grep -q 'busy' "$ERR" && fail "Ctrl-C to the process group: a sleeping rank called busy: $(grep busy "$ERR" | head -n 1)"
expect_gone "$m" 5 "Ctrl-C to the process group"

# --report-transports: where the tcp address came from.
transports() { # what, then ipcrun's arguments
    local what=$1
    shift
    ipcrun 30 -n 2 --report-transports --transport tcp "$@" "$APPS/ring" 1
    expect_rc 0 "$what"
}
transports "tcp on one host"
expect_err '^ipc: rank 0 of 2: tcp .*; over 127\.0\.0\.1 \(loopback: one host, IPC_TCP_IF is not set\)' "tcp on one host"
transports "--tcp-if" --tcp-if 127.0.0.1
expect_err '^ipc: rank 0 of 2: tcp .*; over 127\.0\.0\.1 \(from ipcrun --tcp-if 127\.0\.0\.1\)' "--tcp-if"
transports "IPC_TCP_IF from -x" -x IPC_TCP_IF=lo
expect_err '^ipc: rank 0 of 2: tcp .*; over 127\.0\.0\.1 \(from IPC_TCP_IF=lo in the environment\)' "IPC_TCP_IF from -x"
ipcrun 30 --agent "$agent" -H "localhost:1,$A:1" --report-transports "$APPS/ring" 1
expect_rc 0 "tcp on 2 hosts"
expect_err "^ipc: rank 0 of 2: tcp .*; over [0-9.]+ \\(this host's first address that is not loopback, as ipcrun picks for a job on several hosts\\)" \
    "tcp on 2 hosts: rank 0"
grep -q 'IPC_TCP_IF' "$ERR" && fail "tcp on 2 hosts: IPC_TCP_IF named, though nobody set it: $(grep IPC_TCP_IF "$ERR" | head -n 1)"
exit 0
