#!/usr/bin/env bash
# The MPI bindings (include/mpi.h): programs built with ipccc and run with
# ipcrun at 1-4 ranks check p2p with status, a vector datatype round trip,
# every collective with MPI_IN_PLACE, MINLOC and groups; the anchor ping-pong
# builds unmodified and prints its latency and bandwidth lines.
. "$(dirname "$0")/lib.sh"
IPCCC=$IPC_BUILD_DIR/bin/ipccc
need "$IPCRUN" "$IPCCC"

# (A sanitized build's ipccc builds sanitized programs itself: the Makefile.)

for prog in basic_p2p basic_coll; do
    # shellcheck disable=SC2086 # several flags
    run 120 "$IPCCC" -Wall -Wextra -Werror -o "$WORK/$prog" "tests/mpi/$prog.c"
    expect_rc 0 "ipccc tests/mpi/$prog.c"
    want=${prog#basic_}
    for n in 1 2 3 4; do
        ipcrun 60 -n "$n" "$WORK/$prog"
        expect_rc 0 "$prog -n $n"
        expect_out "^$want ok\$" "$prog -n $n"
    done
done

# MPI_ERRORS_ARE_FATAL: one line naming the call, and the job ends.
cat > "$WORK/fatal.c" <<'C'
#include <mpi.h>
int main(int argc, char **argv)
{
    int x = 0;
    MPI_Init(&argc, &argv);
    MPI_Send(&x, 1, MPI_INT, 99, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
C
# shellcheck disable=SC2086
run 120 "$IPCCC" -o "$WORK/fatal" "$WORK/fatal.c"
expect_rc 0 "ipccc fatal.c"
ipcrun 60 -n 2 "$WORK/fatal"
[ "$RC" -ne 0 ] || fail "an invalid rank under MPI_ERRORS_ARE_FATAL exited 0"
expect_err 'MPI_Send: MPI_ERR_RANK' "MPI_ERRORS_ARE_FATAL message"

# The anchor benchmark, unmodified: it runs and prints its lines (no timing
# is checked).
anchor=../shared/anchors/mpi_pingpong.c
if [ -f "$anchor" ]; then
    # shellcheck disable=SC2086
    run 120 "$IPCCC" -O2 -o "$WORK/pingpong" "$anchor"
    expect_rc 0 "ipccc -O2 $anchor"
    ipcrun 300 -n 2 "$WORK/pingpong"
    expect_rc 0 "mpi_pingpong -n 2"
    expect_out '^lat +4194304 +[0-9.]+$' "mpi_pingpong latency lines"
    expect_out '^bw +4194304 +[0-9.]+$' "mpi_pingpong bandwidth lines"
    expect_out '^allreduce8_us 2 [0-9.]+$' "mpi_pingpong collective lines"
fi
exit 0
