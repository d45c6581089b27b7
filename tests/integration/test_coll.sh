#!/usr/bin/env bash
# Collectives that move data, and communicators, at every rank count from 1
# to 9 and at 16 (more ranks than cores), and the nonblocking ones (icoll):
# coll_move checks every collective
# but the reductions, every root, in place and not, against the data each
# rank sent; coll_comm checks dup, split and free and that communicators keep
# their traffic apart. Then both on every transport, and reductions that give
# the same bits in two runs.
# run.sh slow: 10
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/coll_move" "$PROGS/coll_comm" "$PROGS/coll_reduce" "$PROGS/icoll" \
    "$APPS/bench"

for n in 1 2 3 4 5 6 7 8 9 16; do
    for prog in coll_move coll_comm; do
        ipcrun 100 -n "$n" "$PROGS/$prog"
        expect_rc 0 "$prog -n $n"
        expect_out "^$prog: $n ranks, .*: ok$" "$prog -n $n"
    done
done

for t in $TRANSPORTS; do
    for prog in coll_move coll_comm; do
        ipcrun 100 --transport "$t" -n 5 "$PROGS/$prog"
        expect_rc 0 "$prog -n 5 --transport $t"
    done
done

# On one node the long bcast, allgather, alltoall and allreduce read their
# peers' buffers straight from their memory when every rank can; without
# single copy every rank must agree to take the messages' way instead.
for prog in coll_move coll_reduce; do
    run 100 env IPC_SHM_SINGLE_COPY=0 "$IPCRUN" -n 4 "$PROGS/$prog"
    expect_rc 0 "$prog -n 4, IPC_SHM_SINGLE_COPY=0"
    expect_out "^$prog: 4 ranks, .*: ok$" "$prog -n 4, IPC_SHM_SINGLE_COPY=0"
done

# Nonblocking collectives against their blocking twins, several in flight,
# at 1-8 ranks (8: oversubscribed; few ranks take the direct algorithms) and
# 10 (the tree and the ring), and on every transport.
for n in 1 2 3 4 5 8 10; do
    ipcrun 200 -n "$n" "$PROGS/icoll" 40 "$n"
    expect_rc 0 "icoll -n $n"
    expect_out "^icoll: $n ranks, 40 rounds: ok$" "icoll -n $n"
done
for t in $TRANSPORTS; do
    ipcrun 200 --transport "$t" -n 3 "$PROGS/icoll" 30 7
    expect_rc 0 "icoll -n 3 --transport $t"
done

# The nonblocking collectives' benchmark (make bench, bench nbc) runs and
# prints its eight lines; no figure is judged here (speed belongs to make
# bench), only that each is a number and an overlap a percentage.
ipcrun 120 -n 2 "$APPS/bench" nbc
expect_rc 0 "bench nbc -n 2"
expect_lines "$OUT" 8 "bench nbc -n 2: stdout"
for m in iallreduce ibcast; do
    for size in 8 1048576; do
        grep -Eq "^${m}_us $size [0-9]+\.[0-9]+\$" "$OUT" ||
            fail "bench nbc: no '${m}_us $size <us>' line: $(tr '\n' ' ' <"$OUT")"
        grep -Eq "^${m}_overlap_pct $size (100|[0-9]{1,2})\.[0-9]+\$" "$OUT" ||
            fail "bench nbc: no '${m}_overlap_pct $size <0-100>' line: $(tr '\n' ' ' <"$OUT")"
    done
done

# Deterministic reductions: the digest of allreduce results (doubles that
# round differently in every order) is the same in a second run. (Each
# transport may take its own path, shared memory its own order: runs are
# compared transport by transport.)
for n in 3 8; do
    for t in $TRANSPORTS; do
        first=
        for attempt in 1 2; do
            ipcrun 100 --transport "$t" -n "$n" "$PROGS/coll_reduce" digest
            expect_rc 0 "coll_reduce digest -n $n --transport $t"
            expect_lines "$OUT" 3 "coll_reduce digest -n $n --transport $t: stdout"
            [ "$attempt" -eq 1 ] && first=$(cat "$OUT")
        done
        [ "$(cat "$OUT")" = "$first" ] ||
            fail "allreduce -n $n --transport $t gave other bits in a second run: $(tr '\n' ' ' <"$OUT")vs $(echo "$first" | tr '\n' ' ')"
    done
done
exit 0
