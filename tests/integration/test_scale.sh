#!/usr/bin/env bash
# Hundreds of ranks on one node over shm, on this machine's two cores
# (oversubscribed: every wait sleeps). A node whose rings would not fit
# IPC_SHM_MAX_SEGMENT gets an inbox per rank (docs/shm.md, "Nodes of many
# ranks"): 1024 ranks run `ring`, barriers and every data-moving collective
# in a segment of at most 64 MiB + 20 KiB per rank, as --report-transports
# says (rings would take 16 GiB); 256 ranks run them and coll_reduce's
# digests too, in 36 MiB where rings took 1 GiB, and ring and coll_move
# over unix, pipe and tcp; over unix and tcp, whose links open on first use,
# lazy_links counts each rank's sockets: 2 after a ring, 255 after everyone
# has sent to everyone at once.
#
# Each collective runs once at 1 element a block (coll_move once): at 1024
# ranks an alltoall is a million messages, seconds on two cores, and the full
# coll_move (every root, every count) would take hours.
# run.sh timeout: 600
# run.sh slow: 190
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/coll_move" "$PROGS/coll_reduce" "$PROGS/barrier" \
    "$PROGS/lazy_links"

# The segment line of node 0 in $ERR: "<MiB> <ranks> <layout>".
segment() {
    sed -n 's/^ipc: node 0: a shared segment of \([0-9.]*\) MiB for its \([0-9]*\) ranks: \(.*\)$/\1 \2 \3/p' "$ERR"
}

# At most 64 MiB + 20 KiB a rank (docs/shm.md: 64 MiB + 16.4 KiB a rank).
bounded() { # what ranks
    local got
    got=$(segment)
    [ -n "$got" ] || fail "$1: no segment line from node 0"
    set -- "$1" "$2" $got
    [ "$4" = "$2" ] || fail "$1: the segment line counts $4 ranks"
    awk -v m="$3" -v n="$2" 'BEGIN { exit !(m <= 64 + n * 20 / 1024) }' ||
        fail "$1: a segment of $3 MiB for $2 ranks, above 64 MiB + 20 KiB a rank"
}

# A sanitized rank holds about 30 MiB of its own (ASan's shadow and
# quarantine): 1024 of them ran this 24 GiB machine out of memory, so with
# SAN=1 only 256 run.
sizes="256 1024"
case $IPC_BUILD_DIR in */san)
    sizes=256
    echo "test_scale: sanitized build: 256 ranks only (1024 would need about 30 GiB)" ;;
esac

for n in $sizes; do
    q=$([ "$n" = 256 ] && echo 128 || echo 64)
    what="ring -n $n over shm"
    ipcrun 300 --report-transports -n "$n" "$APPS/ring" 3
    expect_rc 0 "$what"
    expect_out "^ring: $n ranks, 3 laps, counter $((3 * n)): ok\$" "$what"
    expect_err "^ipc: node 0: a shared segment of [0-9.]+ MiB for its $n ranks: an inbox of $q KiB per rank\$" \
        "$what: the segment"
    bounded "$what" "$n"

    rounds=$([ "$n" = 256 ] && echo 20 || echo 5)
    what="barrier -n $n over shm"
    ipcrun 300 -n "$n" "$PROGS/barrier" "$rounds"
    expect_rc 0 "$what"
    expect_out "^barrier: $n ranks, $rounds rounds: ok\$" "$what"

    what="coll_move once -n $n over shm"
    ipcrun 400 -n "$n" "$PROGS/coll_move" once
    expect_rc 0 "$what"
    expect_out "^coll_move: $n ranks, 273 calls checked: ok\$" "$what"

    [ "$n" = 256 ] || continue
    what="coll_reduce digest -n $n over shm"
    ipcrun 300 -n "$n" "$PROGS/coll_reduce" digest
    expect_rc 0 "$what"
    expect_out '^digest 131072 ' "$what"
done

# 256 ranks over each of the other transports (pipes: a descriptor per peer
# from the start, 255 here; unix and tcp: one per peer talked to).
for t in unix pipe tcp; do
    what="ring -n 256 over $t"
    ipcrun 300 --transport "$t" -n 256 "$APPS/ring" 3
    expect_rc 0 "$what"
    expect_out '^ring: 256 ranks, 3 laps, counter 768: ok$' "$what"

    what="coll_move once -n 256 over $t"
    ipcrun 300 --transport "$t" -n 256 "$PROGS/coll_move" once
    expect_rc 0 "$what"
    expect_out '^coll_move: 256 ranks, 273 calls checked: ok$' "$what"

    [ "$t" = pipe ] && continue
    what="lazy_links -n 256 over $t"
    ipcrun 300 --transport "$t" -n 256 "$PROGS/lazy_links"
    expect_rc 0 "$what"
    expect_out '^lazy_links: 256 ranks, at start [0-9]+, after the ring \+[0-9]+, after all \+255 sockets: ok$' "$what"
done

exit 0
