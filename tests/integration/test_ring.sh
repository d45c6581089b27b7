#!/usr/bin/env bash
# ring and hello on every transport and at several sizes: the simplest jobs
# must start, pass messages, print and end, whatever the transport and
# however it is chosen (--transport or IPC_TRANSPORT).
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/ring" "$APPS/hello"

check_ring() { # n what
    expect_rc 0 "$2"
    expect_lines "$OUT" 1 "$2: stdout"
    expect_out "^ring: $1 ranks, 10 laps, counter $((10 * $1)): ok$" "$2"
}

for n in 1 2 4 8; do
    for t in $TRANSPORTS; do
        ipcrun 60 --transport "$t" -n "$n" "$APPS/ring"
        check_ring "$n" "ring -n $n --transport $t"
    done
    run 60 env IPC_TRANSPORT=pipe "$IPCRUN" -n "$n" "$APPS/ring"
    check_ring "$n" "ring -n $n with IPC_TRANSPORT=pipe"
done

ipcrun 60 -n 3 "$APPS/ring" 1000
expect_rc 0 "ring -n 3 1000"
expect_out '^ring: 3 ranks, 1000 laps, counter 3000: ok$' "ring -n 3 1000"

ipcrun 30 -n 2 "$APPS/ring" abc
expect_rc 2 "ring with a bad K"
# Said once, by rank 0, not once per rank (ipcrun may add its own report).
said=$(grep -c "^ring: K needs a positive number of laps, got 'abc'$" "$ERR")
[ "$said" -eq 1 ] || fail "ring with a bad K: the message came $said times, expected once"

host=$(hostname)
for n in 1 2 4 8; do
    ipcrun 60 -n "$n" "$APPS/hello"
    expect_rc 0 "hello -n $n"
    expect_lines "$OUT" "$n" "hello -n $n: stdout"
    for r in $(seq 0 $((n - 1))); do
        expect_out "^hello from rank $r of $n on $host$" "hello -n $n"
    done
done

# Without ipcrun a program is a job of one rank.
run 30 "$APPS/hello"
expect_rc 0 "hello without ipcrun"
expect_out "^hello from rank 0 of 1 on $host$" "hello without ipcrun"
exit 0
