#!/usr/bin/env bash
# Jobs over several nodes, simulated on this host with -x IPC_NODE_OF: ranks
# of one node talk over shm (or the transport IPC_TRANSPORT names), ranks of
# different nodes over tcp. ring and the collectives on two and three nodes
# (uneven, interleaved, and a node of a single rank) with each choice of
# transport; what --report-transports says of a 4-rank job on 2 nodes; a
# rank that sleeps with both shm and tcp links is woken by either; a bad
# IPC_NODE_OF fails the job with one clear line; nothing is left behind.
# (Point-to-point programs on the same layouts: test_nodes_p2p.)
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/coll_move" "$PROGS/coll_comm" "$PROGS/coll_reduce" \
    "$PROGS/barrier"

before=$WORK/files.before
ipc_files >"$before"

LAYOUTS="0,0,1,1,1 0,1,2,0,1,2 0,1,1"
count() { # nodes -> ranks
    echo "$1" | tr ',' '\n' | wc -l
}

# The transport within a node: the default (shm), then forced ones. Every
# collective on each layout by default; with forced transports, the data
# movers (coll_move), which ride on the same point-to-point paths.
for t in default unix pipe tcp; do
    how=()
    [ "$t" != default ] && how=(--transport "$t")
    case $t in
    default) coll_progs="coll_move coll_comm" ;;
    pipe) coll_progs= ;; # ring is enough
    *) coll_progs=coll_move ;;
    esac
    for nodes in $LAYOUTS; do
        n=$(count "$nodes")
        what="IPC_NODE_OF=$nodes, transport $t"
        ipcrun 60 "${how[@]}" -x IPC_NODE_OF="$nodes" -n "$n" "$APPS/ring" 20
        expect_rc 0 "ring, $what"
        expect_out "^ring: $n ranks, 20 laps, counter $((20 * n)): ok$" "ring, $what"
        for prog in $coll_progs; do
            ipcrun 100 "${how[@]}" -x IPC_NODE_OF="$nodes" -n "$n" "$PROGS/$prog"
            expect_rc 0 "$prog, $what"
            expect_out "^$prog: $n ranks, .*: ok$" "$prog, $what"
        done
        [ "$t" = default ] || continue
        ipcrun 60 -x IPC_NODE_OF="$nodes" -n "$n" "$PROGS/barrier" 100
        expect_rc 0 "barrier, $what"
        expect_out "^barrier: $n ranks, 100 rounds: ok$" "barrier, $what"
    done
done

# Reductions over shm and tcp give the same bits in a second run.
first=
for attempt in 1 2; do
    ipcrun 60 -x IPC_NODE_OF=0,1,2,0,1,2 -n 6 "$PROGS/coll_reduce" digest
    expect_rc 0 "coll_reduce digest, IPC_NODE_OF=0,1,2,0,1,2"
    expect_lines "$OUT" 3 "coll_reduce digest, IPC_NODE_OF=0,1,2,0,1,2: stdout"
    [ "$attempt" -eq 1 ] && first=$(cat "$OUT")
done
[ "$(cat "$OUT")" = "$first" ] ||
    fail "allreduce, IPC_NODE_OF=0,1,2,0,1,2, gave other bits in a second run"

# All ranks on one node that IPC_NODE_OF names is the plain one-host job.
# (In the jobs above, IPC_NODE_OF won over ipcrun's IPC_LOCAL_SIZE, which
# counts every rank of the host.)
ipcrun 60 -x IPC_NODE_OF=4,4,4 -n 3 "$PROGS/coll_move"
expect_rc 0 "coll_move, IPC_NODE_OF=4,4,4"

# The table on request: rank 0 prints it before anything else, then every
# rank says what it uses, and rank 0 how windows reach each kind of pair.
ipcrun 30 --report-transports -x IPC_NODE_OF=0,0,1,1 -n 4 "$APPS/ring"
what="--report-transports, IPC_NODE_OF=0,0,1,1"
expect_rc 0 "$what"
cat >"$WORK/table" <<'EOF'
ipc: transport of each pair of the 4 ranks on 2 nodes (row: rank, column: peer):
ipc:   0 (node 0)  .stt
ipc:   1 (node 0)  s.tt
ipc:   2 (node 1)  tt.s
ipc:   3 (node 1)  tts.
ipc: s = shm (same node), t = tcp (other node), . = self
EOF
for r in 0 1 2 3; do
    echo "ipc: rank $r of 4 (node $((r / 2))): shm to 1 rank of its node, tcp to 2 of other nodes; long messages over shm copied once (process_vm_readv); tcp over 127.0.0.1 (loopback: one host, IPC_TCP_IF is not set)"
done >"$WORK/lines"
for node in 0 1; do
    echo "ipc: node $node: a shared segment of 0.8 MiB for its 2 ranks: a ring of 128 KiB per pair of ranks"
done >>"$WORK/lines"
echo "ipc: one-sided: ranks of one node map allocated windows (loads, stores, cpu atomics under a lock) and reach created and dynamic ones with process_vm_readv/writev; other nodes: requests the target serves, over tcp" >>"$WORK/lines"
sort -o "$WORK/lines" "$WORK/lines"
head -n 6 "$ERR" | diff "$WORK/table" - >"$WORK/diff" ||
    fail "$what: the table differs: $(tr '\n' '|' <"$WORK/diff")"
tail -n +7 "$ERR" | sort | diff "$WORK/lines" - >"$WORK/diff" ||
    fail "$what: the ranks' lines differ: $(tr '\n' '|' <"$WORK/diff")"

ipcrun 30 --report-transports --transport unix -x IPC_NODE_OF=0,1,1 -n 3 "$APPS/ring"
what="--report-transports --transport unix, IPC_NODE_OF=0,1,1"
expect_rc 0 "$what"
expect_err '^ipc:   0 \(node 0\)  \.tt$' "$what"
expect_err '^ipc:   2 \(node 1\)  tu\.$' "$what"
expect_err '^ipc: u = unix \(same node, forced by IPC_TRANSPORT=unix\), t = tcp \(other node\), \. = self$' \
    "$what"
expect_err '^ipc: rank 0 of 3: tcp to the 2 other ranks \(the default between nodes\); over 127\.0\.0\.1' \
    "$what"
expect_err '^ipc: rank 1 of 3 \(node 1\): unix to 1 rank of its node, tcp to 1 of other nodes; tcp over 127\.0\.0\.1 \(loopback: one host, IPC_TCP_IF is not set\)$' \
    "$what"
expect_err '^ipc: one-sided: ranks of one node: requests the target serves, over unix; other nodes: requests the target serves, over tcp$' \
    "$what"

# A rank waiting with shm and tcp links sleeps in one poll() that its shm
# doorbell (a socket then) wakes too: rank 1 waits for rank 0 over shm, in
# poll() on its tcp link to rank 2, on every lap. Polling the descriptors
# alone for 1 ms at a time took 1.2 ms a lap here; woken, about 0.1 ms.
run 60 env IPC_SPIN_US=0 IPC_YIELD_COUNT=0 "$IPCRUN" -x IPC_NODE_OF=0,0,1 -n 3 \
    "$APPS/ring" 5000
expect_rc 0 "ring 5000, sleeping ranks with shm and tcp links"
[ "$ELAPSED_MS" -lt 4000 ] ||
    fail "ring 5000 with sleeping ranks took ${ELAPSED_MS} ms: shm wake-ups wait for a poll timeout"

# A bad IPC_NODE_OF: one clear line (from each rank that reads it), and the
# job fails at once.
bad() { # value what line-regex
    run 30 "$IPCRUN" -x IPC_NODE_OF="$1" -n 4 "$APPS/ring"
    [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] || fail "$2: exit status $RC, expected a failure"
    expect_err "^ipc: rank [0-3]: $3$" "$2"
    [ "$ELAPSED_MS" -lt 10000 ] || fail "$2: the job took ${ELAPSED_MS} ms to fail"
    ! grep -q '^ring: 4 ranks' "$OUT" || fail "$2: the job ran"
}
bad 0,0,1 "IPC_NODE_OF with 3 entries for 4 ranks" \
    'IPC_NODE_OF has 3 entries but the job has 4 ranks \(IPC_SIZE\); give one node index per rank, in rank order, e.g\. 0,0,1,1'
bad 0,x,1,1 "IPC_NODE_OF=0,x,1,1" \
    "IPC_NODE_OF: entry 2 \('x'\) is not a node index \(0 to 16777216\); give one per rank, in rank order, e\.g\. 0,0,1,1"
bad -1,0,0,0 "IPC_NODE_OF=-1,0,0,0" "IPC_NODE_OF: entry 1 \('-1'\) is not a node index .*"

new=$(ipc_files | comm -13 "$before" -)
[ -z "$new" ] || fail "left behind: $(echo "$new" | paste -sd' ')"
exit 0
