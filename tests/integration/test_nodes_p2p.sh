#!/usr/bin/env bash
# Point-to-point traffic in jobs over simulated nodes (-x IPC_NODE_OF): shm
# (or unix, or tcp for all) within a node, tcp between nodes, on two and three
# nodes, uneven, interleaved, and with a node of a single rank: every message
# size, a thousand requests in flight, truncation, and random traffic with
# wildcards, also through tiny rings without single copy and with ranks that
# sleep at once. (ring, the collectives and the report: test_nodes.)
# run.sh slow: 11
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/sizes" "$PROGS/manyreq" "$PROGS/truncate" "$PROGS/stress"

count() { # nodes -> ranks
    echo "$1" | tr ',' '\n' | wc -l
}

for t in default unix tcp; do
    how=()
    [ "$t" != default ] && how=(--transport "$t")
    for nodes in 0,0,1,1,1 0,1,2,0,1,2 0,1,1; do
        n=$(count "$nodes")
        for prog in manyreq truncate; do
            ipcrun 100 "${how[@]}" -x IPC_NODE_OF="$nodes" -n "$n" "$PROGS/$prog"
            expect_rc 0 "$prog, IPC_NODE_OF=$nodes, transport $t"
            expect_out "^$prog: $n ranks, .*: ok$" "$prog, IPC_NODE_OF=$nodes, transport $t"
        done
    done
    # Every size, from 0 bytes to 16 MiB, between every pair.
    ipcrun 100 "${how[@]}" -x IPC_NODE_OF=0,1,1,0 -n 4 "$PROGS/sizes"
    expect_rc 0 "sizes, IPC_NODE_OF=0,1,1,0, transport $t"
    expect_out '^sizes: 4 ranks, [0-9]+ sizes from 0 to 16777216 bytes: ok$' \
        "sizes, IPC_NODE_OF=0,1,1,0, transport $t"
done

stress() { # nodes what env...
    local nodes=$1 what="stress, IPC_NODE_OF=$1, $2" n
    n=$(count "$nodes")
    shift 2
    run 100 env "$@" "$IPCRUN" -x IPC_NODE_OF="$nodes" -n "$n" "$PROGS/stress" 8 8
    expect_rc 0 "$what"
    expect_out "^stress: $n ranks, 8 rounds of 8 messages per rank: ok$" "$what"
}
stress 0,0,1,1,1,0 "shm and tcp"
stress 0,1,2,0,1,2 "16 KiB rings, no single copy, no spinning" IPC_SHM_RING_SIZE=16384 \
    IPC_SHM_SINGLE_COPY=0 IPC_SPIN_US=0 IPC_YIELD_COUNT=0
stress 0,0,1,1,1,0 "everything by rendezvous, no spinning" IPC_EAGER_LIMIT=0 IPC_SPIN_US=0
exit 0
