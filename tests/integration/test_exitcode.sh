#!/usr/bin/env bash
# The job's exit status and the launcher's report when a rank ends badly:
# a non-zero exit, a crash, ipc_abort, a rank that skips ipc_finalize. The
# other ranks are blocked in a receive, so the launcher must stop them.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/exitcode"
P=$PROGS/exitcode

ipcrun 20 -n 4 "$P" exit 2 3
expect_rc 3 "rank 2 exiting 3 of 4 ranks"
ipcrun 20 -n 1 "$P" exit 0 5
expect_rc 5 "the only rank exiting 5"

for t in $TRANSPORTS; do
    ipcrun 20 --transport "$t" -n 4 "$P" segv 1
    expect_rc 139 "rank 1 of 4 segfaulting (--transport $t)"
    [ "$ELAPSED_MS" -lt 2000 ] ||
        fail "rank 1 of 4 segfaulting (--transport $t): ipcrun took ${ELAPSED_MS} ms to exit, expected under 2000"
    expect_err 'rank 1 \(pid [0-9]+\) exited on signal 11 \(Segmentation fault\); stopping the other' \
        "rank 1 of 4 segfaulting (--transport $t)"
done

ipcrun 20 -n 4 "$P" abort 3 7
expect_rc 7 "rank 3 calling ipc_abort with 7"
expect_err 'called ipc_abort with code 7' "rank 3 calling ipc_abort with 7"
ipcrun 20 -n 2 "$P" abort 0 0
expect_rc 1 "ipc_abort with code 0 (not 1..255)"

ipcrun 20 -n 2 "$P" nofinalize
if [ "$RC" -eq 0 ] || [ "$RC" -eq 124 ]; then
    fail "every rank exiting 0 without ipc_finalize: exit status $RC, expected non-zero in time"
fi
exit 0
