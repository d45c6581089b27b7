#!/usr/bin/env bash
# libipc's one-sided calls (tests/programs/rma.c: every flavor of window,
# every epoch, contended accumulates, a compare-and-swap lock, errors) on 1
# to 8 ranks of one node (shm: windows mapped, or reached by
# process_vm_readv), on simulated nodes (tcp between them: requests the
# target's progress engine serves), over each transport alone, without
# single copy, and with ranks that never spin. (MPI's one-sided calls:
# test_rma.sh.)
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/rma"

for n in 1 2 3 4 8; do
    ipcrun 120 -n "$n" "$PROGS/rma" 200
    expect_rc 0 "rma -n $n"
    expect_out "^rma: $n ranks, 200 iterations: ok$" "rma -n $n"
done
for setup in "-x IPC_NODE_OF=0,0,1,1" "-x IPC_NODE_OF=0,1,0,1" "-x IPC_NODE_OF=0,1,2,0" \
    "--transport unix" "--transport tcp" "--transport pipe" "-x IPC_SHM_SINGLE_COPY=0" \
    "-x IPC_SPIN_US=0 -x IPC_YIELD_COUNT=0 -x IPC_NODE_OF=0,0,1,1"; do
    # shellcheck disable=SC2086 # setup is options
    ipcrun 120 $setup -n 4 "$PROGS/rma" 100
    expect_rc 0 "rma -n 4 $setup"
    expect_out '^rma: 4 ranks, 100 iterations: ok$' "rma -n 4 $setup"
done
exit 0
