#!/usr/bin/env bash
# One-sided communication across simulated nodes: every tests/mpi/rma_*.c
# program, built with ipccc, at 4 ranks on two nodes (-x IPC_NODE_OF), the
# nodes' ranks in blocks (0,0,1,1) and interleaved (0,1,0,1), with unix and
# with tcp inside a node (tcp between the nodes always), exits 0 with its
# "NAME: ok, 4 ranks" line. test_mpi runs the same programs on one node at
# every rank count; this one puts windows, epochs and the engine's messages
# over the transports between nodes. Shared-memory windows are made on
# MPI_COMM_TYPE_SHARED's communicator, so they stay within a node.
# (A program whose MPITEST_RANKS lacks 4 runs at the largest it names, on
# the first nodes of the list.)
#
# Skipped while the MPI layer has no windows (MPI_Win_create in mpi.h).
# run.sh timeout: 300
# run.sh slow: 10
. "$(dirname "$0")/lib.sh"

IPCCC=$IPC_BUILD_DIR/bin/ipccc
grep -q 'MPI_Win_create' include/mpi.h 2>/dev/null ||
    skip "include/mpi.h has no MPI_Win_create: no one-sided MPI layer to test yet"
need "$IPCCC" "$IPCRUN"

# tag PROG -> the words after "MPITEST_<tag>:" in PROG's source, or nothing
tag() {
    sed -n "s/.*MPITEST_$1: *\([^*]*\).*/\1/p" "tests/mpi/$2.c" | head -n 1
}

# ranks PROG -> 4 if the program runs at 4 ranks, else the most it names
ranks() {
    local list
    list=$(tag RANKS "$1")
    [ -z "$list" ] && list="1 2 3 4"
    if echo " $list " | grep -q ' 4 '; then
        echo 4
    else
        echo "$list" | tr ' ' '\n' | grep -v '^$' | sort -n | tail -n 1
    fi
}

PROGRAMS=$(for f in tests/mpi/rma_*.c; do
    [ -f "$f" ] || continue
    p=${f##*/}
    echo "${p%.c}"
done)
[ -n "$PROGRAMS" ] || fail "no tests/mpi/rma_*.c programs"
for p in $PROGRAMS; do
    run 120 "$IPCCC" -O1 -Wall -o "$WORK/$p" "tests/mpi/$p.c" -lm
    expect_rc 0 "build tests/mpi/$p.c with ipccc"
done

for t in unix tcp; do
    for nodes in 0,0,1,1 0,1,0,1; do
        for p in $PROGRAMS; do
            n=$(ranks "$p")
            args=$(tag ARGS "$p")
            of=$(echo "$nodes" | cut -d, -f1-"$n")
            what="$p on $n ranks, IPC_NODE_OF=$of, transport $t"
            # shellcheck disable=SC2086 # args are words
            ipcrun 60 --transport "$t" -x IPC_NODE_OF="$of" -n "$n" "$WORK/$p" $args
            expect_rc 0 "$what"
            expect_out "^$p: ok, $n ranks\$" "$what"
        done
    done
done
exit 0
