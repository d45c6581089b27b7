#!/usr/bin/env bash
# Every sample workload's default size is what docs/workloads.md states: the
# "Default sizes" table (which scripts/bench-workloads reads, so that the
# bench report says the size it ran) lists exactly the workloads of apps/
# (the programs that call wl_start), each run without arguments prints the
# size of its row in its result line, and the numbers of that size are the
# defaults the program's header comment gives.
. "$(dirname "$0")/lib.sh"

DOCS=docs/workloads.md
# "name|size", one a line, from the table's rows.
rows=$(sed -n '/^## Default sizes/,/^## /p' "$DOCS" | grep '^| [a-z0-9]* |' | grep -v '^| workload |' |
    awk -F'|' '{ w = $2; z = $4; gsub(/^ +| +$/, "", w); gsub(/^ *`|` *$/, "", z); print w "|" z }')
[ -n "$rows" ] || fail "$DOCS has no 'Default sizes' table with a row per workload"

documented=$(echo "$rows" | cut -d'|' -f1 | sort | paste -sd' ')
programs=$(grep -l 'wl_start(' apps/*.c | xargs -n 1 basename | sed 's/\.c$//' | sort | paste -sd' ')
[ "$documented" = "$programs" ] ||
    fail "the Default sizes table of $DOCS lists '$documented'; the workloads of apps/ are '$programs'"

need "$IPCRUN"
while IFS='|' read -r w size; do
    need "$APPS/$w"
    case $size in *[0-9]*) ;; *) fail "$DOCS: the size of $w, '$size', has no number" ;; esac
    # Its header comment (before the first #include) says the same numbers.
    header=$(sed '/^#include/,$d' "apps/$w.c" | tr -s ' \n*' ' ')
    for number in $(echo "$size" | grep -oE '[0-9]+' | sort -u); do
        echo "$header" | grep -qE "default[^)]*\<$number\>" ||
            fail "apps/$w.c: its header comment does not give $number as a default ($DOCS says '$size')"
    done
    ipcrun 120 -n 1 "$APPS/$w"
    expect_rc 0 "$w without arguments"
    expect_out "^$w: 1 rank, .*: check ok, [0-9.]+ s$" "$w without arguments"
    grep -qF -- "$size" "$OUT" ||
        fail "$w without arguments does not run at the size $DOCS states ('$size'): $(head -c 300 "$OUT")"
done <<<"$rows"
exit 0
