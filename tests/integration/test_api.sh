#!/usr/bin/env bash
# Argument checking and error strings, and the environment every rank gets:
# rank, size, a job id shared by all ranks, the chosen transport.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/errors" "$PROGS/env"

for t in $TRANSPORTS; do
    for n in 1 2 4; do
        ipcrun 60 --transport "$t" -n "$n" "$PROGS/errors"
        expect_rc 0 "errors -n $n --transport $t"

        ipcrun 60 --transport "$t" -n "$n" "$PROGS/env"
        expect_rc 0 "env -n $n --transport $t"
        expect_lines "$OUT" "$n" "env -n $n --transport $t: stdout"
        expect_out "IPC_SIZE=$n .*IPC_TRANSPORT=$t\$" "env -n $n --transport $t"
        ids=$(grep -oE 'IPC_JOB_ID=[^ ]+' "$OUT" | sort -u | wc -l)
        [ "$ids" -eq 1 ] || fail "env -n $n --transport $t: $ids different job ids"
    done
done

run 60 env IPC_TRANSPORT=unix "$IPCRUN" -n 2 "$PROGS/env"
expect_rc 0 "env with IPC_TRANSPORT=unix"
expect_out 'IPC_TRANSPORT=unix$' "env with IPC_TRANSPORT=unix"

# libipc.so exports the contract only: the ipc__ names it exports are the
# data objects ipc.h and mpi.h refer to, never an internal function.
if command -v nm >/dev/null; then
    internal=$(nm -D --defined-only "$IPC_BUILD_DIR/lib/libipc.so" |
        awk '$3 ~ /^ipc__/ && $2 !~ /^[BDRbdr]$/ {print $3}')
    [ -z "$internal" ] || fail "libipc.so exports internal functions: $internal"
fi

# Two jobs never share an id.
ipcrun 60 -n 1 "$PROGS/env"
first=$(grep -oE 'IPC_JOB_ID=[^ ]+' "$OUT")
ipcrun 60 -n 1 "$PROGS/env"
second=$(grep -oE 'IPC_JOB_ID=[^ ]+' "$OUT")
if [ -z "$first" ] || [ "$first" = "$second" ]; then
    fail "two jobs got the same job id: '$first'"
fi

run 30 "$PROGS/errors"
expect_rc 0 "errors without ipcrun"
run 30 "$PROGS/env"
expect_rc 0 "env without ipcrun"
exit 0
