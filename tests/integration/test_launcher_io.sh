#!/usr/bin/env bash
# What a user sees of the ranks' input and output through ipcrun: stdin
# reaches rank 0 (or every rank, or the one chosen) byte for byte; 100 000
# lines from 8 ranks arrive without a broken line; a 1 MiB line arrives whole;
# a last line without a newline and a line written just before a crash are
# not lost; --timestamp-output and --output-dir.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/output"

# ---- stdin ----
input=$WORK/input
head -c $((10 * 1024 * 1024)) /dev/urandom >"$input"
sum=$(sha256sum <"$input" | cut -d' ' -f1)

# Each rank prints "R <sha256 of what it read> <bytes it read>".
# shellcheck disable=SC2016 # expanded by the ranks' shell
reader='d=$(mktemp) && cat >"$d" && echo "$IPC_RANK $(sha256sum <"$d" | cut -d" " -f1) $(wc -c <"$d")"; rm -f "$d"'

expect_read() { # what rank sha bytes
    grep -qx "$2 $3 $4" "$OUT" ||
        fail "$1: rank $2 did not read $4 bytes with sha256 ${3:0:12}...: $(tr '\n' ';' <"$OUT")$(stderr_hint)"
}
empty=$(sha256sum </dev/null | cut -d' ' -f1)

run 60 "$IPCRUN" -n 3 sh -c "$reader" <"$input"
expect_rc 0 "stdin to rank 0 (default)"
expect_read "stdin to rank 0 (default)" 0 "$sum" $((10 * 1024 * 1024))
expect_read "stdin to rank 0 (default)" 1 "$empty" 0
expect_read "stdin to rank 0 (default)" 2 "$empty" 0

run 60 "$IPCRUN" --stdin all -n 3 sh -c "$reader" <"$input"
expect_rc 0 "--stdin all"
for r in 0 1 2; do
    expect_read "--stdin all" "$r" "$sum" $((10 * 1024 * 1024))
done

run 60 "$IPCRUN" --stdin 1 -n 2 sh -c "$reader" <"$input"
expect_rc 0 "--stdin 1"
expect_read "--stdin 1" 1 "$sum" $((10 * 1024 * 1024))
expect_read "--stdin 1" 0 "$empty" 0

run 60 "$IPCRUN" --stdin none -n 2 sh -c "$reader" <"$input"
expect_rc 0 "--stdin none"
expect_read "--stdin none" 0 "$empty" 0

# A rank that never reads (here: exits at once) does not hold the others up.
# shellcheck disable=SC2016
run 60 "$IPCRUN" --stdin all -n 3 sh -c '[ "$IPC_RANK" = 1 ] && exit 0; '"$reader" <"$input"
expect_rc 0 "--stdin all with a rank that does not read"
expect_read "--stdin all with a rank that does not read" 0 "$sum" $((10 * 1024 * 1024))
expect_read "--stdin all with a rank that does not read" 2 "$sum" $((10 * 1024 * 1024))

# ---- many lines from many ranks ----
# tests/programs/output: lines "out|err R I L PAYLOAD end R I", the payload
# L copies of one letter; one line longer than 100 KiB, the last without a
# newline. 12500 lines from each of 8 ranks: 100 000 and more per stream.
check_lines() { # file stream nranks lines
    awk -v stream="$2" -v nranks="$3" -v lines="$4" '
        function bad(why) { printf "line %d: %s: %.80s\n", NR, why, $0; failed = 1; exit 1 }
        {
            if (split($0, f, " ") != 8 || f[1] != stream || f[6] != "end" ||
                f[2] != f[7] || f[3] != f[8] || length(f[5]) != f[4] + 0)
                bad("broken or mixed")
            r = f[2] + 0
            if (f[3] + 0 != seen[r] + 0) bad("rank " r " out of order")
            seen[r]++
        }
        END {
            if (failed) exit 1
            for (r = 0; r < nranks; r++)
                if (seen[r] + 0 != lines + 2) {
                    printf "rank %d: %d lines, expected %d\n", r, seen[r], lines + 2; exit 1
                }
        }' "$1"
}
ipcrun 120 -n 8 "$PROGS/output" 12500
expect_rc 0 "100 000 lines from 8 ranks"
problem=$(check_lines "$OUT" out 8 12500) || fail "100 000 lines from 8 ranks: stdout: $problem"
problem=$(check_lines "$ERR" err 8 12500) || fail "100 000 lines from 8 ranks: stderr: $problem"

# ---- a 1 MiB line from each of 2 ranks at once, then one without newline ----
# shellcheck disable=SC2016
long='l=$(printf "\\$((141 + IPC_RANK))"); head -c 1048576 /dev/zero | tr "\0" "$l"; echo; printf "tail $IPC_RANK"'
ipcrun 60 --tag-output -n 2 sh -c "$long"
expect_rc 0 "1 MiB lines"
expect_lines "$OUT" 4 "1 MiB lines: stdout"
for r in 0 1; do
    letter=$(echo ab | cut -c $((r + 1)))
    n=$(awk -v p="[$r] " -v l="$letter" '
        substr($0, 1, 4) == p && length($0) == 4 + 1048576 {
            rest = substr($0, 5); gsub(l, "", rest); if (rest == "") whole++
        }
        END { print whole + 0 }' "$OUT")
    [ "$n" -eq 1 ] || fail "1 MiB lines: rank $r's line did not arrive whole, tagged once"
    expect_out "^\[$r\] tail $r\$" "1 MiB lines: last line without a newline"
done

# ---- last words ----
# Rank 1 writes, then crashes at once; rank 0 waits to be stopped.
# shellcheck disable=SC2016
ipcrun 30 -n 2 sh -c '[ "$IPC_RANK" = 0 ] && exec sleep 30
    echo "last words"; printf "no newline" >&2; kill -SEGV $$'
expect_rc 139 "output just before a crash"
expect_out '^last words$' "output just before a crash"
expect_err '^no newline$' "output just before a crash, on stderr"

# ---- --timestamp-output ----
stamp='\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\] '
# shellcheck disable=SC2016
ipcrun 30 --timestamp-output --tag-output -n 2 sh -c 'echo "one $IPC_RANK"; echo "two $IPC_RANK" >&2'
expect_rc 0 "--timestamp-output"
expect_lines "$OUT" 2 "--timestamp-output: stdout"
for r in 0 1; do
    expect_out "^$stamp\[$r\] one $r\$" "--timestamp-output"
    expect_err "^$stamp\[$r\] two $r\$" "--timestamp-output"
done
# The stamp is the time the line arrived: a line written a second later says so.
# shellcheck disable=SC2016
ipcrun 30 --timestamp-output -n 1 sh -c 'echo a; sleep 1.1; echo b'
first=$(sed -n '1s/^\[[^ ]* \([0-9:]*\)\.[0-9]*\].*/\1/p' "$OUT")
second=$(sed -n '2s/^\[[^ ]* \([0-9:]*\)\.[0-9]*\].*/\1/p' "$OUT")
if [ -z "$first" ] || [ "$first" = "$second" ]; then
    fail "--timestamp-output: lines written 1.1 s apart are stamped '$first' and '$second'"
fi

# ---- --output-dir ----
dir=$WORK/out/nested
# shellcheck disable=SC2016
ipcrun 30 --output-dir "$dir" -n 3 sh -c 'echo "out of $IPC_RANK"; echo "err of $IPC_RANK" >&2; printf "end $IPC_RANK"'
expect_rc 0 "--output-dir"
[ -s "$OUT" ] && fail "--output-dir: ranks' output also went to ipcrun's stdout"
for r in 0 1 2; do
    printf 'out of %d\nend %d\n' "$r" "$r" | cmp -s - "$dir/rank.$r.stdout" ||
        fail "--output-dir: $dir/rank.$r.stdout holds '$(cat "$dir/rank.$r.stdout" 2>&1)'"
    printf 'err of %d\n' "$r" | cmp -s - "$dir/rank.$r.stderr" ||
        fail "--output-dir: $dir/rank.$r.stderr holds '$(cat "$dir/rank.$r.stderr" 2>&1)'"
done
# A second job replaces the files' contents.
ipcrun 30 --output-dir "$dir" -n 1 echo again
expect_rc 0 "--output-dir, second job"
[ "$(cat "$dir/rank.0.stdout")" = again ] || fail "--output-dir: a second job appended"
exit 0
