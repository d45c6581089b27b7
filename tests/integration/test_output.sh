#!/usr/bin/env bash
# I/O forwarding: every line a rank writes to stdout or stderr arrives whole,
# in order, never mixed with another rank's; a line longer than 100 KiB and a
# last line without a newline arrive too; --tag-output prefixes "[R] ".
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/output"
LINES=2000

# Checks FILE against what tests/programs/output writes on STREAM (out|err)
# from NRANKS ranks; prints the first problem and exits 1.
check_stream() { # file stream nranks tagged
    awk -v stream="$2" -v nranks="$3" -v tagged="$4" -v lines="$LINES" '
        function bad(why) {
            printf "%s line %d: %s: %.80s\n", stream, NR, why, $0
            failed = 1; exit 1
        }
        {
            line = $0; tagrank = -1
            if (tagged) {
                if (!match(line, /^\[[0-9]+\] /)) bad("no [R] tag")
                tagrank = substr(line, 2, RLENGTH - 3) + 0
                line = substr(line, RLENGTH + 1)
            }
            if (split(line, f, " ") != 8 || f[1] != stream || f[6] != "end" ||
                f[2] != f[7] || f[3] != f[8])
                bad("mixed or cut")
            r = f[2] + 0; i = f[3] + 0
            if (length(f[5]) != f[4] + 0) bad("payload cut")
            c = substr("abcdefghijklmnopqrstuvwxyz", (7 * r + i) % 26 + 1, 1)
            if (f[5] !~ ("^" c "+$")) bad("payload mixed")
            if (tagged && tagrank != r) bad("tag [" tagrank "] on a line of rank " r)
            if (i != next_line[r] + 0) bad("rank " r ": line " i " came when " next_line[r] + 0 " was due")
            next_line[r] = i + 1
        }
        END {
            if (failed) exit 1
            for (r = 0; r < nranks; r++)
                if (next_line[r] + 0 != lines + 2) {
                    printf "%s: rank %d: %d lines arrived, expected %d\n", stream, r,
                        next_line[r] + 0, lines + 2
                    exit 1
                }
        }' "$1"
}

check_job() { # what nranks tagged
    local problem
    expect_rc 0 "$1"
    problem=$(check_stream "$OUT" out "$2" "$3") || fail "$1: stdout: $problem"
    problem=$(check_stream "$ERR" err "$2" "$3") || fail "$1: stderr: $problem"
}

for n in 1 4; do
    ipcrun 60 -n "$n" "$PROGS/output" "$LINES"
    check_job "output -n $n" "$n" 0
    ipcrun 60 --tag-output -n "$n" "$PROGS/output" "$LINES"
    check_job "output --tag-output -n $n" "$n" 1
done
exit 0
