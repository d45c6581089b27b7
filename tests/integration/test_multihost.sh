#!/usr/bin/env bash
# Jobs over three hosts that are network namespaces on a bridge (netns.sh):
# ipcrun runs in the root namespace and starts a node daemon in each host with
# `--agent "ip netns exec"`; ranks of one host use shared memory, ranks of
# different hosts TCP over the bridge, each rank listening on its own host's
# address in the subnet given with --tcp-if. Then a remote rank and a remote
# daemon are killed: the job ends naming the host, and nothing is left in any
# namespace. Skipped without root or namespaces.
# run.sh slow: 10
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
need "$IPCRUN" "$APPS/ring" "$APPS/bench" "$PROGS/coll_move" "$PROGS/coll_reduce" \
    "$PROGS/exitcode" "$PROGS/stress"
netns_require

netns_setup 3
a=${NETNS_HOSTS[0]} b=${NETNS_HOSTS[1]} c=${NETNS_HOSTS[2]}
hosts=(--agent "ip netns exec" --tcp-if "$NETNS_SUBNET" --host "$a:2,$b:2,$c:2")

what="ring over 3 hosts"
ipcrun 60 "${hosts[@]}" --report-transports "$APPS/ring" 20
expect_rc 0 "$what"
expect_out '^ring: 6 ranks, 20 laps, counter 120: ok$' "$what"
expect_err '^ipc:   2 \(node 1\)  ttt?.stt|^ipc:   2 \(node 1\)  tt\.s' "$what: the matrix"
expect_err "^ipc: rank 3 of 6 \(node 1\): shm to 1 rank of its node, tcp to 4 of other nodes" \
    "$what: rank 3's transports"

what="ring over 3 hosts, --map-by node"
ipcrun 60 "${hosts[@]}" --map-by node "$APPS/ring" 20
expect_rc 0 "$what"
expect_out '^ring: 6 ranks, 20 laps, counter 120: ok$' "$what"

what="stress over 3 hosts"
ipcrun 90 "${hosts[@]}" "$PROGS/stress" 8 8
expect_rc 0 "$what"
expect_out '^stress: 6 ranks, 8 rounds of 8 messages per rank: ok$' "$what"

for prog in coll_move coll_reduce; do
    ipcrun 100 "${hosts[@]}" "$PROGS/$prog"
    expect_rc 0 "$prog over 3 hosts"
done

what="bench lat over 2 hosts"
ipcrun 100 --agent "ip netns exec" --tcp-if "$NETNS_SUBNET" --host "$a:1,$b:1" \
    "$APPS/bench" lat
expect_rc 0 "$what"
expect_out '^lat +4194304 +[0-9.]+$' "$what"
expect_netns_empty 2 "after the jobs"

# A rank killed in host b, then the daemon of host b.
for victim in rank daemon; do
    m=$(unique_marker)
    what="a remote $victim killed with SIGKILL"
    start_bg "$IPCRUN" "${hosts[@]}" "$PROGS/exitcode" block "$m"
    deadline=$(($(now_ms) + 15000))
    pid=
    while [ -z "$pid" ] && [ "$(now_ms)" -lt "$deadline" ]; do
        sleep 0.1
        for p in $(netns_pids "$b"); do
            args=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
            case $victim:$args in
            rank:*"exitcode block $m"*) pid=$p ;;
            daemon:*"--daemon $b"*) pid=$p ;;
            esac
        done
        # every rank up, so that the victim dies in the middle of the job
        [ "$(pgrep -fc -- "^/.*/exitcode block $m")" -lt 6 ] && pid=
    done
    [ -n "$pid" ] || fail "$what: cannot find it in $b"
    kill -KILL "$pid"
    wait_bg 20 "$what"
    [ "$RC" -ne 0 ] || fail "$what: ipcrun exited 0"
    if [ $victim = rank ]; then
        expect_err "^ipcrun: on host $b, rank [23] \(pid $pid\) exited on signal 9" "$what"
    else
        expect_err "^ipcrun: lost the node daemon on host $b \(its connection ended\)" "$what"
    fi
    expect_gone "$m" 5 "$what"
    expect_netns_empty 5 "$what"
done

netns_teardown || fail "teardown: $NETNS_WHY"
exit 0
