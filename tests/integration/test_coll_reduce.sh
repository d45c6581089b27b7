#!/usr/bin/env bash
# Reduction collectives (allreduce, reduce, scan, exscan,
# reduce_scatter_block) at every rank count from 1 to 9 and at 16 (more ranks
# than cores): every op/datatype pair, counts 0 to 1 MiB, every root, in
# place and not, user ops, against a serial computation (coll_reduce).
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/coll_reduce"

for n in 1 2 3 4 5 6 7 8 9 16; do
    ipcrun 100 -n "$n" "$PROGS/coll_reduce"
    expect_rc 0 "coll_reduce -n $n"
    expect_out "^coll_reduce: $n ranks, [0-9]+ op/type/count cases: ok$" "coll_reduce -n $n"
done
exit 0
