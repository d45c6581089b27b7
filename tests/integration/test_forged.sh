#!/usr/bin/env bash
# A rank that breaks the protocol (tests/programs/forge_frames.c forges
# frames with libipc's internals): its peer names it and the rule it broke
# on one line, cuts it off, and fails the receive that needed it with
# IPC_ERR_PEER, writing nothing past any buffer; the job ends with the
# victim's status. Request ids on the wire are table slots with a
# generation, not addresses, and a DATA must carry exactly what its CTS
# asked for (once: a crash, and 64 KiB written into a 16-byte buffer).
# Fields another rank writes into shared memory are checked before use: a
# ring packet's length, a doorbell's socket name length (once a crash), and
# the pids for single copies are read once, after the set-up fence.
# run.sh slow: 55
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/forge_frames"

for t in shm tcp; do
    for c in cts fin put data-id data-len; do
        ipcrun 60 --transport "$t" -n 2 "$PROGS/forge_frames" "$c"
        expect_rc 3 "forged $c over $t"
        expect_out '^forge_frames: rank 0: cut off rank 1$' "forged $c over $t"
        expect_err '^ipc: rank 0: lost rank 1: .*\(protocol error\)$' "forged $c over $t"
    done
done

for inbox in 0 1; do
    what="a packet longer than the ring (IPC_SHM_INBOX=$inbox)"
    ipcrun 60 --transport shm -x IPC_SHM_INBOX=$inbox -n 2 "$PROGS/forge_frames" ring-len
    expect_rc 3 "$what"
    expect_out '^forge_frames: rank 0: cut off rank 1$' "$what"
    expect_err '^ipc: rank 0: lost rank 1: ' "$what"
done

ipcrun 60 --transport shm -n 2 "$PROGS/forge_frames" wake-len
expect_rc 4 "a doorbell with a 60000-byte socket name"
expect_out '^forge_frames: rank 0: received$' "a doorbell with a 60000-byte socket name"
