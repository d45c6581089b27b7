#!/usr/bin/env bash
# Matching and completion semantics on both transports: wildcards, probes and
# message order, sends to self and to IPC_PROC_NULL, synchronous sends.
# run.sh slow: 13
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/wildcard" "$PROGS/selfsend" "$PROGS/ssend"

for t in $TRANSPORTS; do
    for n in 2 4; do
        ipcrun 120 --transport "$t" -n "$n" "$PROGS/wildcard"
        expect_rc 0 "wildcard -n $n --transport $t"
    done
    for n in 1 2 3; do
        ipcrun 60 --transport "$t" -n "$n" "$PROGS/selfsend"
        expect_rc 0 "selfsend -n $n --transport $t"
    done
    for n in 2 3; do
        ipcrun 60 --transport "$t" -n "$n" "$PROGS/ssend"
        expect_rc 0 "ssend -n $n --transport $t"
    done
done

run 60 "$PROGS/selfsend"
expect_rc 0 "selfsend without ipcrun"
exit 0
