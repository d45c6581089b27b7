#!/usr/bin/env bash
# The shared-memory transport under load: random traffic between 8 ranks with
# wildcards and probes, every payload checked, on its single-copy path
# (process_vm_readv), on its fallback through the segment, with tiny rings
# that wrap all the time, and with every long message by rendezvous, all of
# it with rings and with inboxes (the layout of nodes of many ranks); the same
# traffic on the socket and pipe transports; and jobs of 16 and 32 ranks on
# this machine's few cores (oversubscribed), which must finish, not crawl;
# and rings mapped only once a pair talks.
# (Speed is measured by make bench, not here: the timeouts only catch hangs.)
# run.sh slow: 10
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/stress" "$PROGS/barrier" "$PROGS/lazy_links" "$APPS/ring"

stress() { # what env...
    local what=$1
    shift
    run 120 env "$@" "$IPCRUN" -n 8 "$PROGS/stress" 12 8
    expect_rc 0 "stress -n 8, $what"
    expect_out '^stress: 8 ranks, 12 rounds of 8 messages per rank: ok$' "stress -n 8, $what"
}

stress "shm, single copy" IPC_TRANSPORT=shm
stress "shm, no single copy" IPC_TRANSPORT=shm IPC_SHM_SINGLE_COPY=0
stress "shm, 16 KiB rings" IPC_TRANSPORT=shm IPC_SHM_RING_SIZE=16384
stress "shm, 16 KiB rings, no single copy" IPC_TRANSPORT=shm IPC_SHM_RING_SIZE=16384 \
    IPC_SHM_SINGLE_COPY=0
stress "shm, everything by rendezvous" IPC_TRANSPORT=shm IPC_EAGER_LIMIT=0
stress "shm inboxes" IPC_TRANSPORT=shm IPC_SHM_INBOX=1
stress "shm 16 KiB inboxes, no single copy" IPC_TRANSPORT=shm IPC_SHM_INBOX=1 \
    IPC_SHM_RING_SIZE=16384 IPC_SHM_SINGLE_COPY=0
stress "shm inboxes, everything by rendezvous" IPC_TRANSPORT=shm IPC_SHM_INBOX=1 IPC_EAGER_LIMIT=0
stress "unix" IPC_TRANSPORT=unix
stress "pipe" IPC_TRANSPORT=pipe

# From 4 ranks a rank maps a ring of the segment on first use: none at start,
# its two neighbours' after a ring, every peer's after an all-to-all
# (tests/programs/lazy_links.c).
ipcrun 60 -n 8 "$PROGS/lazy_links"
expect_rc 0 "lazy_links -n 8 over shm"
expect_out '^lazy_links: 8 ranks over shm, rings mapped after the ring \+[0-9]+, after all \+[0-9]+ bytes: ok$' \
    "lazy_links -n 8 over shm"

# What each rank uses, and why, on request.
ipcrun 30 --report-transports -n 3 "$APPS/ring"
expect_rc 0 "ring --report-transports"
expect_err '^ipc: rank 2 of 3: shm to the 2 other ranks \(the default for ranks on one host\); long messages copied once' \
    "ring --report-transports"
expect_err '^ipc: one-sided: ranks of one node map allocated windows \(loads, stores, cpu atomics under a lock\) and reach created and dynamic ones with process_vm_readv/writev$' \
    "ring --report-transports: one-sided"
[ "$(grep -c '^ipc: one-sided' "$ERR")" -eq 1 ] || fail "ring --report-transports: not one one-sided line"
run 30 env IPC_SHM_SINGLE_COPY=0 "$IPCRUN" --report-transports -n 2 "$APPS/ring"
expect_err '^ipc: rank 1 of 2: shm to the 1 other rank .*through the segment \(IPC_SHM_SINGLE_COPY=0\)$' \
    "ring --report-transports with IPC_SHM_SINGLE_COPY=0"
expect_err '^ipc: one-sided: .* created and dynamic ones by requests the target serves \(IPC_SHM_SINGLE_COPY=0\)$' \
    "ring --report-transports with IPC_SHM_SINGLE_COPY=0: one-sided"
ipcrun 30 --report-transports --transport unix -n 2 "$APPS/ring"
expect_err '^ipc: rank 0 of 2: unix to the 1 other rank \(chosen with --transport or IPC_TRANSPORT\)$' \
    "ring --report-transports --transport unix"
expect_err '^ipc: one-sided: ranks of one node: requests the target serves, over unix$' \
    "ring --report-transports --transport unix: one-sided"

for n in 16 32; do
    ipcrun 120 -n "$n" "$APPS/ring" 50
    expect_rc 0 "ring -n $n (oversubscribed)"
    expect_out "^ring: $n ranks, 50 laps, counter $((50 * n)): ok$" "ring -n $n"
    ipcrun 120 -n "$n" "$PROGS/barrier" 200
    expect_rc 0 "barrier -n $n (oversubscribed)"
    expect_out "^barrier: $n ranks, 200 rounds: ok$" "barrier -n $n"
done
exit 0
