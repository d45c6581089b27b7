#!/usr/bin/env bash
# Every fuzz target (tests/fuzz/fuzz_*.c, docs/fuzzing.md) over its seed
# corpus, with the replay driver make builds with each (no clang needed; the
# sanitizers under make check SAN=1): inputs that once crashed a decoder, or
# that make fuzz should start from, must go through cleanly.
. "$(dirname "$0")/lib.sh"

n=0
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    bin=$IPC_BUILD_DIR/tests/fuzz/$t
    need "$bin"
    [ -d "tests/fuzz/corpus/$t" ] || fail "$t has no seed corpus (tests/fuzz/corpus/$t/)"
    run 60 "$bin" "tests/fuzz/corpus/$t"
    if [ "$RC" -ne 0 ]; then
        grep -m 5 -E 'ERROR: |runtime error: |^fuzz: |SUMMARY: ' "$ERR" >&2
        last=$(grep '^replay: ' "$OUT" | tail -n 1)
        fail "$t crashed (exit $RC) on ${last#replay: }"
    fi
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no fuzz targets in tests/fuzz/"
echo "$TEST_NAME: $n targets replayed their corpora"
