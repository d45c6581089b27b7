#!/usr/bin/env bash
# A rank that breaks the protocol (tests/programs/forge_frames.c forges
# frames with libipc's internals): its peer names it and the rule it broke
# on one line, cuts it off, and fails the receive that needed it with
# IPC_ERR_PEER, writing nothing past any buffer; the job ends with the
# victim's status. Request ids on the wire are table slots with a
# generation, not addresses, and a DATA must carry exactly what its CTS
# asked for (once: a crash, and 64 KiB written into a 16-byte buffer).
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
