#!/usr/bin/env bash
# The TCP transport lets in only the job's own ranks: a rank with a wrong
# IPC_JOB_SECRET is refused with one line and the job fails quickly, leaving
# nothing behind; strangers that connect to a rank's port while the job wires
# up (garbage, or nothing at all) are refused and the job goes on.
# IPC_TCP_IF chooses the address by interface, subnet or address, and one
# that matches nothing fails the job with one clear line. The ordinary
# point-to-point tests run over tcp through $TRANSPORTS.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/stress" "$PROGS/lazy_links"

before=$WORK/files.before
ipc_files >"$before"

# Runs its arguments; rank WRONG_RANK gets a well-formed but wrong secret and
# rank SLOW_RANK starts SLOW_S seconds late.
wrapper=$WORK/as-rank.sh
cat >"$wrapper" <<'EOS'
#!/bin/sh
if [ "$IPC_RANK" = "${WRONG_RANK:--1}" ]; then
    IPC_JOB_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    export IPC_JOB_SECRET
fi
[ "$IPC_RANK" = "${SLOW_RANK:--1}" ] && sleep "$SLOW_S"
exec "$@"
EOS
chmod +x "$wrapper"

# Random traffic between 8 ranks, also with socket buffers so small that
# most writes are partial; a 16-rank job wires up 120 connections.
for buf in 1048576 16384; do
    what="stress -n 8 over tcp, IPC_SOCKET_BUFFER=$buf"
    run 120 env IPC_SOCKET_BUFFER=$buf "$IPCRUN" --transport tcp -n 8 "$PROGS/stress" 12 8
    expect_rc 0 "$what"
    expect_out '^stress: 8 ranks, 12 rounds of 8 messages per rank: ok$' "$what"
done
# Links open on first use, one per pair that talks, also when both ends
# dial at once (tests/programs/lazy_links.c).
for t in tcp unix; do
    ipcrun 60 --transport $t -n 16 "$PROGS/lazy_links"
    expect_rc 0 "lazy_links -n 16 --transport $t"
    expect_out '^lazy_links: 16 ranks, at start [0-9]+, after the ring \+[0-9]+, after all \+15 sockets: ok$' \
        "lazy_links -n 16 --transport $t"
done
ipcrun 60 --transport tcp -n 16 "$APPS/ring" 20
expect_rc 0 "ring -n 16 --transport tcp"
expect_out '^ring: 16 ranks, 20 laps, counter 320: ok$' "ring -n 16 --transport tcp"

ipcrun 30 --report-transports --transport tcp -n 2 "$APPS/ring"
expect_rc 0 "ring --report-transports --transport tcp"
expect_err '^ipc: rank 1 of 2: tcp to the 1 other rank \(chosen with --transport or IPC_TRANSPORT\); over 127\.0\.0\.1 \(loopback: one host, IPC_TCP_IF is not set\), each connection proven with the job secret$' \
    "ring --report-transports --transport tcp"
expect_err '^ipc: one-sided: ranks of one node: requests the target serves, over tcp$' \
    "ring --report-transports --transport tcp: one-sided"

run 30 env IPC_TRANSPORT=tcp "$IPCRUN" --report-transports -n 3 "$APPS/ring"
expect_rc 0 "ring with IPC_TRANSPORT=tcp"
expect_err '^ipc: rank 2 of 3: tcp to the 2 other ranks \(chosen with --transport or IPC_TRANSPORT\)' \
    "ring with IPC_TRANSPORT=tcp"

# IPC_TCP_IF names an interface, a subnet or an address of this host; one
# that matches nothing fails the job at once, with a line that lists this
# host's interfaces.
for spec in lo 127.0.0.0/8 127.0.0.1; do
    run 30 env IPC_TCP_IF=$spec "$IPCRUN" --transport tcp -n 2 "$APPS/ring"
    expect_rc 0 "IPC_TCP_IF=$spec"
    expect_out '^ring: 2 ranks, 10 laps, counter 20: ok$' "IPC_TCP_IF=$spec"
done
host_has="; this host has (.*, )?lo 127\.0\.0\.1"
for bad in "nosuchif0|no interface named 'nosuchif0'$host_has" \
    "198.51.100.0/24|no interface has an address in '198\.51\.100\.0/24'$host_has" \
    "localhost|no interface named 'localhost'$host_has" \
    "10.0.0.0/33|'10\.0\.0\.0/33' is not a subnet such as 10\.1\.0\.0/16"; do
    spec=${bad%%|*}
    run 30 env IPC_TCP_IF="$spec" "$IPCRUN" --transport tcp -n 2 "$APPS/ring"
    expect_rc 1 "IPC_TCP_IF=$spec"
    expect_err "^ipc: rank [01]: TCP wire-up failed at listen: IPC_TCP_IF: ${bad#*|}" \
        "IPC_TCP_IF=$spec"
    [ "$ELAPSED_MS" -lt 10000 ] || fail "IPC_TCP_IF=$spec: the job took ${ELAPSED_MS} ms to fail"
done

# A rank with the wrong secret.
m=$(unique_marker)
run 30 env WRONG_RANK=1 "$IPCRUN" --transport tcp -n 2 "$wrapper" "$APPS/ring" 10 "$m"
what="rank 1 with a wrong IPC_JOB_SECRET"
[ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] || fail "$what: exit status $RC, expected a failure"
# Links open on first use: rank 0 dials rank 1 with the ring's first frame
# and finds that rank 1 cannot prove the job's secret.
expect_err '^ipc: rank 0: lost rank 1: cannot open its TCP connection: rank 1 \(127\.0\.0\.1:[0-9]+\) is no rank of this job: wrong job secret \(is IPC_JOB_SECRET this job.s\?\)$' "$what"
# Rank 1's side of it: rank 0 closed without proving itself. Rank 1 says so
# unless the job is stopped first (rank 0's failure stops it, and on a busy
# machine that can come before rank 1 has looked), so the line is checked
# when it is there, and there may be one at most.
n=$(grep -c 'refused a TCP connection' "$ERR")
[ "$n" -le 1 ] || fail "$what: $n refusal lines, expected at most 1"
[ "$n" -eq 0 ] ||
    expect_err '^ipc: rank 1: refused a TCP connection from 127\.0\.0\.1:[0-9]+: closed instead of proving itself \(another job.s secret\?\)$' "$what"
[ "$ELAPSED_MS" -lt 10000 ] || fail "$what: the job took ${ELAPSED_MS} ms to fail"
expect_gone "$m" 2 "$what"

# Strangers on rank 0's port while rank 1 is late: one says nothing, one
# sends bytes that are no hello. Rank 0 refuses the second, does not wait for
# the first (it is dropped once the real rank has proved itself), and the job runs.
m=$(unique_marker)
what="strangers connecting to rank 0"
start_bg env SLOW_RANK=1 SLOW_S=2 "$IPCRUN" --transport tcp -n 2 "$wrapper" "$APPS/ring" 10 "$m"
port=
deadline=$(($(now_ms) + 10000))
while [ -z "$port" ] && [ "$(now_ms)" -lt "$deadline" ]; do
    for pid in $(job_pids "$m"); do
        port=$(ss -Hltnp 2>/dev/null | grep "pid=$pid," | grep -oE '127\.0\.0\.1:[0-9]+' |
            head -n 1 | cut -d: -f2)
        [ -n "$port" ] && break
    done
    [ -z "$port" ] && sleep 0.05
done
[ -n "$port" ] || fail "$what: no rank listened on 127.0.0.1 within 10 s"
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "$what: cannot connect to port $port"
exec 4<>"/dev/tcp/127.0.0.1/$port" || fail "$what: cannot connect to port $port"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: a stranger, not an ipc rank\r\n\r\n' >&4
wait_bg 30 "$what"
exec 3>&- 4>&-
expect_rc 0 "$what"
expect_out '^ring: 2 ranks, 10 laps, counter 20: ok$' "$what"
expect_err '^ipc: rank 0: refused a TCP connection from 127\.0\.0\.1:[0-9]+: not an ipc rank \(bad magic\)$' "$what"
expect_gone "$m" 2 "$what"

new=$(ipc_files | comm -13 "$before" -)
[ -z "$new" ] || fail "left behind: $(echo "$new" | paste -sd' ')"
exit 0
