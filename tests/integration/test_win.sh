#!/usr/bin/env bash
# libipc's one-sided calls (tests/programs/rma.c: every flavor of window,
# every epoch, contended accumulates, a compare-and-swap lock, errors) on 1
# to 8 ranks of one node (shm: windows mapped, or reached by
# process_vm_readv), on simulated nodes (tcp between them: requests the
# target's progress engine serves), over each transport alone, without
# single copy, and with ranks that never spin. (MPI's one-sided calls:
# test_rma.sh.)
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/rma" "$APPS/bench"

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

# The one-sided benchmark (make bench, bench rma) runs, checks its data and
# prints its twelve lines (their format only: speed belongs to make bench).
ipcrun 120 -n 2 "$APPS/bench" rma
expect_rc 0 "bench rma -n 2"
expect_lines "$OUT" 12 "bench rma -n 2: stdout"
for m in rma_put_lock_us rma_get_lock_us rma_put_fence_us rma_get_fence_us; do
    for size in 8 65536; do
        grep -Eq "^$m $size [0-9]+\.[0-9]+$" "$OUT" ||
            fail "bench rma: no '$m $size <us>' line: $(tr '\n' ' ' <"$OUT")"
    done
done
for l in "rma_acc_us 8" "rma_fop_us 8" "rma_put_bw 65536" "rma_put_bw 1048576"; do
    grep -Eq "^$l [0-9]+\.[0-9]+$" "$OUT" || fail "bench rma: no '$l <figure>' line"
done
exit 0
