#!/usr/bin/env bash
# The sample workloads (docs/workloads.md) at small sizes on 1, 2, 3 and 4
# ranks: each must pass its own check (exit 0 and one result line ending in
# "check ok, <seconds> s"), whatever the rank count, prime or not. A bad
# argument gets one usage line from rank 0 and exit 2; wordcount counts real
# files, here with answers known in advance.
. "$(dirname "$0")/lib.sh"

# name and small sizes
WORKLOADS=(
    "pi 200000"
    "heat2d 30 60"
    "heat2d 9 100000" # runs until it converges
    "matmul 41"
    "sort 30000"
    "wordcount -g 20000"
    "nbody 90 20"
)
need "$IPCRUN"
for w in "${WORKLOADS[@]}"; do
    need "$APPS/${w%% *}"
done

check_workload() { # n name args...
    local n=$1 name=$2 ranks
    shift 2
    ranks="$n ranks"
    [ "$n" -eq 1 ] && ranks="1 rank"
    ipcrun 60 -n "$n" "$APPS/$name" "$@"
    expect_rc 0 "$name $* on $n ranks"
    expect_lines "$OUT" 1 "$name $* on $n ranks: stdout"
    expect_out "^$name: $ranks, .*: check ok, [0-9]+\.[0-9]{6} s$" "$name $* on $n ranks"
}

for n in 1 2 3 4; do
    for w in "${WORKLOADS[@]}"; do
        # shellcheck disable=SC2086 # name and sizes, one word each
        check_workload "$n" $w
    done
done

# What the checks are made of, where a workload says it.
ipcrun 30 -n 3 "$APPS/heat2d" 9 100000
expect_out "9 x 9 points, [0-9]{1,4} sweeps, last change [0-9.]+e-0[6-9]," "heat2d 9 converging"
expect_out "equal to the serial run bit for bit" "heat2d 9"
ipcrun 30 -n 4 "$APPS/matmul" 20
expect_out "2 x 2 process grid, .*equal to the serial product bit for bit" "matmul on 4 ranks"

# wordcount on files: a word split between two ranks' byte ranges, an empty
# file, a file that ends inside a word, capitals and UTF-8.
printf 'The cat saw the hat.\nthe END\n' >"$WORK/a.txt"
: >"$WORK/empty.txt"
printf 'caf\303\251 Caf\303\251 end' >"$WORK/b.txt"
for n in 1 2 3 4; do
    check_workload "$n" wordcount "$WORK/a.txt" "$WORK/empty.txt" "$WORK/b.txt"
    expect_out ", 3 files, 44 bytes: 10 words, 6 distinct, most frequent 'the' \(3\)" \
        "wordcount of 3 files on $n ranks"
done

# Bad arguments: one line from rank 0, exit 2.
bad_args() { # what expected-message name args...
    local what=$1 re=$2 name=$3 said
    shift 3
    ipcrun 30 -n 2 "$APPS/$name" "$@"
    expect_rc 2 "$what"
    said=$(grep -cE "^$name: " "$ERR")
    [ "$said" -eq 1 ] || fail "$what: $said lines from $name on stderr, expected 1"
    expect_err "^$name: $re" "$what"
}
bad_args "pi abc" "N \(intervals\) must be a whole number .*got 'abc'; usage: pi \[N\]$" pi abc
bad_args "heat2d with 3 sizes" "too many arguments .*; usage: heat2d \[N \[STEPS\]\]$" \
    heat2d 10 10 10
bad_args "matmul 0" "N \(rows and columns\) must be a whole number from 1 " matmul 0
bad_args "sort -5" "N \(keys\) must be a whole number" sort -5
bad_args "nbody 1" "N \(bodies\) must be a whole number from 2 " nbody 1
bad_args "wordcount -g x" "WORDS \(words to generate\) must be a whole number" wordcount -g x
bad_args "wordcount of a missing file" "cannot read '$WORK/missing': No such file" \
    wordcount "$WORK/missing"
bad_args "heat2d 1 on 2 ranks" "N = 1 is too small for 2 ranks" heat2d 1
ipcrun 30 -n 3 "$APPS/matmul" 2
expect_rc 2 "matmul 2 on 3 ranks"
expect_err "^matmul: N = 2 is too small for 3 ranks" "matmul 2 on 3 ranks"
exit 0
