#!/usr/bin/env bash
# make bench's harness, scripts/bench, with ipc alone (Open MPI and MPICH may
# be missing here) on tiny sizes: it exits 0 and its report has the machine
# section and every table, with positive figures. Its mpibench checks what it
# receives: a PMPI wrapper, preloaded through IPC_BENCH_WRAP, flips one byte
# of every message MPI_Recv delivers - the way a broken transport would - and
# the harness must then exit 1 naming the wrong answer; a rank that fails
# must make it exit 1 too, named as a crash.
. "$(dirname "$0")/lib.sh"

BENCH=$IPC_BUILD_DIR/apps/mpi/mpibench
need "$IPCRUN" "$BENCH" scripts/bench

# Tiny and fast: 1 KiB and 4 KiB, one round of mpibench --quick, on 2 ranks.
bench() { # parts
    run 60 env IPC_BUILD_DIR="$IPC_BUILD_DIR" IPC_BENCH_OUT="$WORK/out" IPC_BENCH_LIBS=ipc \
        IPC_BENCH_PARTS="$1" IPC_BENCH_ROUNDS=1 IPC_BENCH_SIZES=1k,4k QUICK=1 scripts/bench
}

# mpibench alone: its lines, and one line for a bad argument.
ipcrun 30 -n 3 "$BENCH" coll --quick --sizes 8,1k
expect_rc 0 "mpibench coll on 3 ranks"
expect_lines "$OUT" 11 "mpibench coll: barrier and 5 collectives at 2 sizes"
for c in barrier bcast allreduce allgather alltoall reduce_scatter_block; do
    expect_out "^coll $c [0-9]+ [0-9]+\.[0-9]{3}$" "mpibench coll: $c"
done
ipcrun 30 -n 2 "$BENCH" lat --sizes 1,2x
expect_rc 2 "mpibench lat --sizes 1,2x"
expect_err "^mpibench: --sizes: .*'1,2x'" "mpibench lat --sizes 1,2x"

bench "lat bw coll"
expect_rc 0 "scripts/bench with ipc alone"
report=$WORK/out/report.md
[ -f "$report" ] || fail "scripts/bench wrote no $report"
for h in "## Machine" "## Latency" "## Bandwidth" "## Collectives" "### 2 ranks"; do
    grep -q "^$h" "$report" || fail "report.md has no '$h' section"
done
grep -Eq "^\| cores \| $(nproc) \|$" "$report" || fail "report.md: no cores row saying $(nproc)"
for row in "CPU" "memory" "kernel" "load average before" "load average after" "CPU busy during"; do
    grep -Eq "^\| ${row}[^|]* \| [^ ]" "$report" || fail "report.md: no '$row' row in the machine section"
done
grep -Eq '^\*\*Warning: the machine was busy|^The machine was quiet' "$report" ||
    fail "report.md: neither the busy warning nor the quiet line"
positive='(0\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\.[0-9]+)?)'
for size in "1 KiB" "4 KiB"; do
    grep -Eq "^\| $size \| $positive \| - \|$" "$report" || fail "report.md: no latency or bandwidth row for $size"
    [ "$(grep -Ec "^\| $size \| $positive \| - \|$" "$report")" -eq 2 ] ||
        fail "report.md: not both a latency and a bandwidth row for $size"
done
grep -Eq "^\| barrier \| - \| $positive \| - \|$" "$report" || fail "report.md: no barrier row"
for c in bcast allreduce allgather alltoall reduce_scatter_block; do
    for size in "1 KiB" "4 KiB"; do
        grep -Eq "^\| $c \| $size \| $positive \| - \|$" "$report" || fail "report.md: no $c row for $size"
    done
done
for f in latency.dat bandwidth.dat coll_allreduce.dat; do
    [ -s "$WORK/out/$f" ] || fail "scripts/bench wrote no $f"
done
if command -v gnuplot >/dev/null; then
    for p in latency bandwidth coll_barrier coll_alltoall; do
        [ -s "$WORK/out/$p.png" ] || fail "scripts/bench wrote no $p.png (gnuplot is installed)"
        grep -q "^!\[.*\]($p.png)$" "$report" || fail "report.md does not show $p.png"
    done
else
    grep -q "^No plots: gnuplot is not installed" "$report" || fail "report.md: no line saying plots need gnuplot"
fi

# A wrong answer. The wrapper is MPI's own profiling interface (MPI_Recv calls
# PMPI_Recv), in a library of its own that only this test loads.
cat >"$WORK/flip.c" <<'EOF'
#include <mpi.h>
int MPI_Recv(void *buf, int count, MPI_Datatype type, int src, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    int rc = PMPI_Recv(buf, count, type, src, tag, comm, status);
    if (rc == MPI_SUCCESS && type == MPI_BYTE && count > 0)
        ((unsigned char *)buf)[count - 1] ^= 0x40;
    return rc;
}
EOF
cc -shared -fPIC -Iinclude -o "$WORK/flip.so" "$WORK/flip.c" || fail "cannot build the PMPI wrapper flip.so"
# A sanitized mpibench would refuse a preloaded library ahead of its runtime.
export IPC_BENCH_WRAP="env LD_PRELOAD=$WORK/flip.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
bench lat
expect_rc 1 "scripts/bench with every received message's last byte flipped"
expect_err "^bench: FAILED: ipc lat 2 gave a wrong answer: mpibench: lat, 1024 bytes, rank [01]: byte 1023 from rank [01] is 0x[0-9a-f]{2}, expected 0x[0-9a-f]{2}" \
    "scripts/bench with a flipped byte"

# A rank that fails before it prints anything: a crash, not a wrong answer.
export IPC_BENCH_WRAP=false
bench bw
expect_rc 1 "scripts/bench whose ranks all fail"
expect_err "^bench: FAILED: ipc bw 2 crashed \(exit [1-9][0-9]*\)" "scripts/bench whose ranks all fail"
exit 0
