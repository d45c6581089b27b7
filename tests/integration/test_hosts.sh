#!/usr/bin/env bash
# Jobs on several hosts, started through a launch agent: every host name runs
# a node daemon (ipcrun --daemon) that starts the ranks there and reports to
# ipcrun over the agent's stdin and stdout. Here the agent is agent-local,
# which runs the daemon on this machine whatever the host name, so the
# daemons, their streams, the relayed wire-up and every failure path are the
# real ones; ranks of different host names talk over TCP on loopback.
# test_netns.sh runs the same on real separate network stacks.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/exitcode" "$PROGS/env" "$PROGS/output"

agent=$(dirname "$0")/agent-local
before=$WORK/files.before
ipc_files >"$before"
tag=$$x$RANDOM
A=hosta$tag B=hostb$tag C=hostc$tag
multi=(--agent "$agent" --tcp-if 127.0.0.1)

# Waits until N ranks of the job with marker M run (not ipcrun, whose command
# line names the program too).
wait_ranks() { # N M
    local deadline=$(($(now_ms) + 10000))
    while [ "$(pgrep -f -- "^/.*/exitcode block $2" | wc -l)" -lt "$1" ]; do
        [ "$(now_ms)" -ge "$deadline" ] && fail "the $1 ranks did not start: $LAST_CMD"
        sleep 0.05
    done
}

daemons_gone() { # WHAT
    local deadline=$(($(now_ms) + 5000)) left
    while :; do
        left=$(pgrep -f -- "--daemon host[abc]$tag" || true)
        [ -z "$left" ] && return 0
        [ "$(now_ms)" -ge "$deadline" ] && break
        sleep 0.1
    done
    # shellcheck disable=SC2086 # one pid a word
    kill -KILL $left 2>/dev/null
    fail "$1: node daemons left behind: $left"
}

# The ring over three hosts, by slot and by node, uneven slots.
for map in slot node; do
    what="ring on 3 hosts, --map-by $map"
    ipcrun 60 "${multi[@]}" --map-by "$map" --host "$A:2,$B:1,$C:3" "$APPS/ring" 20
    expect_rc 0 "$what"
    expect_out '^ring: 6 ranks, 20 laps, counter 120: ok$' "$what"
    daemons_gone "$what"
done

# -n defaults to the slots; output of remote ranks is forwarded in whole lines
# with their tags; -x reaches them.
what="output of remote ranks"
ipcrun 60 "${multi[@]}" --tag-output -x ITEST_VALUE=seen-there --host "$A:2,$B:2" \
    "$PROGS/env" ITEST_VALUE
expect_rc 0 "$what"
for r in 0 1 2 3; do
    expect_out "^\[$r\] .*ITEST_VALUE=seen-there" "$what (rank $r)"
done

# ipcrun's stdin reaches a rank on another host byte for byte, a chunk at a
# time; a reader that stops early (head) ends the relay, even of an endless
# input.
head -c $((10 << 20)) /dev/urandom >"$WORK/in.bin"
want=$(md5sum <"$WORK/in.bin" | cut -c 1-32)
for target in 0 1; do
    what="10 MiB of stdin to rank $target on host $([ $target = 0 ] && echo "$A" || echo "$B")"
    run 60 "$IPCRUN" "${multi[@]}" --stdin $target --host "$A:1,$B:1" \
        sh -c "[ \$IPC_RANK = $target ] && md5sum | cut -c 1-32; true" <"$WORK/in.bin"
    expect_rc 0 "$what"
    expect_out "^$want\$" "$what"
done
what="an endless stdin to a remote rank that reads 3 lines"
run 30 bash -c 'yes | "$@"' - "$IPCRUN" "${multi[@]}" --host "$A:1,$B:1" \
    sh -c '[ $IPC_RANK = 0 ] && head -n 3; true'
expect_rc 0 "$what"
expect_lines "$OUT" 3 "$what"

# A daemon that starts late finds the job and the whole of a short stdin in
# its first read; that stdin must still reach the rank (it once waited for
# bytes poll() would never report again).
printf '#!/bin/sh\nsleep 0.3\nexec "$(dirname "$0")/agent-local" "$@"\n' >"$WORK/agent-slow"
cp "$agent" "$WORK/agent-local"
chmod +x "$WORK/agent-slow" "$WORK/agent-local"
what="a short stdin to a remote rank whose daemon starts late"
run 30 bash -c 'printf "a\nb\nc\nd\n" | "$@"' - "$IPCRUN" --agent "$WORK/agent-slow" \
    --tcp-if 127.0.0.1 --host "$A:1,$B:1" sh -c '[ $IPC_RANK = 0 ] && head -n 3; true'
expect_rc 0 "$what"
expect_lines "$OUT" 3 "$what"

# A remote rank that fails ends the job with the usual line, naming the host.
m=$(unique_marker)
ipcrun 60 "${multi[@]}" --host "$A:2,$B:2" "$PROGS/exitcode" exit 3 7 "$m"
expect_rc 7 "remote rank exits 7"
expect_err "^ipcrun: on host $B, rank 3 \(pid [0-9]+\) exited with status 7; stopping the other 3 ranks$" \
    "remote rank exits 7"
expect_gone "$m" 5 "remote rank exits 7"
daemons_gone "remote rank exits 7"

m=$(unique_marker)
ipcrun 60 "${multi[@]}" --host "$A:1,$B:1" "$PROGS/exitcode" abort 1 5 "$m"
expect_rc 5 "remote rank aborts"
expect_err "^ipcrun: on host $B, rank 1 \(pid [0-9]+\) called ipc_abort with code 5" \
    "remote rank aborts"
expect_gone "$m" 5 "remote rank aborts"

# A rank killed from outside, then a daemon killed from outside.
for victim in rank daemon; do
    m=$(unique_marker)
    what="remote $victim killed with SIGKILL"
    start_bg "$IPCRUN" "${multi[@]}" --host "$A:2,$B:2" "$PROGS/exitcode" block "$m"
    wait_ranks 4 "$m"
    if [ "$victim" = rank ]; then
        pid=$(pgrep -f -- "$m" | while read -r p; do
            grep -qz "^IPC_RANK=3$" "/proc/$p/environ" 2>/dev/null && echo "$p"
        done | head -n 1)
    else
        pid=$(pgrep -f -- "--daemon $B" | head -n 1)
    fi
    [ -n "$pid" ] || fail "$what: cannot find it"
    kill -KILL "$pid"
    wait_bg 15 "$what"
    [ "$RC" -ne 0 ] || fail "$what: ipcrun exited 0"
    if [ "$victim" = rank ]; then
        expect_err "^ipcrun: on host $B, rank 3 \(pid $pid\) exited on signal 9" "$what"
    else
        expect_err "^ipcrun: lost the node daemon on host $B \(its connection ended\); 2 ranks there ended with it" "$what"
    fi
    expect_gone "$m" 5 "$what"
    daemons_gone "$what"
done

# A host the agent cannot reach.
m=$(unique_marker)
run 30 env AGENT_LOCAL_FAIL="$B" "$IPCRUN" "${multi[@]}" --host "$A:1,$B:1" \
    "$PROGS/exitcode" block "$m"
expect_rc 125 "unreachable host"
expect_err "connect to host $B port 22: Connection refused" "unreachable host"
expect_err "^ipcrun: could not start the node daemon on host $B with '.*agent-local'" \
    "unreachable host"
expect_gone "$m" 5 "unreachable host"
daemons_gone "unreachable host"

# Ctrl-C (status 130, after the ranks got SIGTERM), SIGKILL of ipcrun (the
# daemons lose their stream and take their ranks along), --timeout.
for sig in INT KILL; do
    m=$(unique_marker)
    what="SIG$sig to ipcrun"
    start_bg "$IPCRUN" "${multi[@]}" --host "$A:2,$B:2" "$PROGS/exitcode" block "$m"
    wait_ranks 4 "$m"
    kill -$sig "$BG_PID"
    wait_bg 15 "$what"
    [ $sig = INT ] && expect_rc 130 "$what"
    expect_gone "$m" 5 "$what"
    daemons_gone "$what"
done

m=$(unique_marker)
ipcrun 30 "${multi[@]}" --timeout 2 --host "$A:1,$B:1" "$PROGS/exitcode" block "$m"
expect_rc 124 "--timeout on two hosts"
expect_err "^ipcrun: on host $B, rank 1 \(pid [0-9]+\) was waiting in ipc_recv\(source any, tag 999, IPC_COMM_WORLD\)$" "--timeout on two hosts"
expect_gone "$m" 5 "--timeout on two hosts"
daemons_gone "--timeout on two hosts"

after=$WORK/files.after
ipc_files >"$after"
cmp -s "$before" "$after" || fail "files left behind: $(comm -13 "$before" "$after" | tr '\n' ' ')"
