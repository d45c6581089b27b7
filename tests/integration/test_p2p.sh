#!/usr/bin/env bash
# Point-to-point data paths on every transport: every message size, a
# thousand requests in flight, truncation, a sender that outruns its receiver,
# windows of isends (whose send-queue copies reuse their memory). Pairs of
# ranks, and an odd rank out that talks to itself (N=3).
# run.sh slow: 14
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/sizes" "$PROGS/manyreq" "$PROGS/truncate" "$PROGS/flood" \
    "$PROGS/windows"

for t in $TRANSPORTS; do
    for n in 2 3; do
        for prog in sizes manyreq truncate; do
            ipcrun 120 --transport "$t" -n "$n" "$PROGS/$prog"
            expect_rc 0 "$prog -n $n --transport $t"
        done
    done
done

# A sender that outruns a sleeping receiver keeps a bounded backlog.
for t in $TRANSPORTS; do
    ipcrun 120 --transport "$t" -n 2 "$PROGS/flood"
    expect_rc 0 "flood --transport $t"
    expect_out '^flood: 1000 messages of 65536 bytes: ok$' "flood --transport $t"
done

# Windows of 16 KiB isends (apps/bench bw): the memory of the copies a window
# leaves in the send queue is kept for the next window, not faulted in again.
for t in $TRANSPORTS; do
    ipcrun 120 --transport "$t" -n 2 "$PROGS/windows"
    expect_rc 0 "windows --transport $t"
    expect_out '^windows: 40 windows of 64 x 16384 bytes: ok' "windows --transport $t"
done

ipcrun 120 -n 4 "$PROGS/sizes"
expect_rc 0 "sizes -n 4"
expect_out '^sizes: 4 ranks, [0-9]+ sizes from 0 to 16777216 bytes: ok$' "sizes -n 4"
exit 0
