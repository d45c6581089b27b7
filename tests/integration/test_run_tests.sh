#!/usr/bin/env bash
# What make check prints: scripts/run-tests ends with a labelled total per
# kind (unit test cases, integration scripts) and then "N passed, N failed";
# TESTS selects tests by name, an unknown name is a failure; run.sh
# announces a test marked "# run.sh slow: N" when it starts, and reports the
# time of one that took 10 s or more.
# run.sh slow: 23
. "$(dirname "$0")/lib.sh"

# One small unit binary and one short integration script.
run 120 env IPC_TEST_LOGS="$WORK/logs" TESTS="test_names test_matching" scripts/run-tests
expect_rc 0 "run-tests TESTS='test_names test_matching'"
expect_out '^PASS test_names \([0-9]+ tests\)$' "the unit test's line"
expect_out '^PASS test_matching' "the integration script's line"
expect_out '^== totals ==$' "the totals heading"
units=$(sed -n 's/^PASS test_names (\([0-9]*\) tests)$/\1/p' "$OUT")
expect_out "^unit test cases \\(1 binaries\\): $units passed, 0 failed\$" "the unit total"
expect_out '^integration scripts: 1 passed, 0 failed, 0 skipped$' "the integration total"
[ "$(tail -n 1 "$OUT")" = "$((units + 1)) passed, 0 failed" ] ||
    fail "last line: want '$((units + 1)) passed, 0 failed', got '$(tail -n 1 "$OUT")'"

# A name that is no test fails the run and is counted.
run 60 env IPC_TEST_LOGS="$WORK/logs" TESTS="test_names test_no_such_thing" scripts/run-tests
expect_rc 1 "run-tests with an unknown test name"
expect_err "no test 'test_no_such_thing'" "the unknown name"
expect_out '^integration scripts: 0 passed, 1 failed, 0 skipped$' "the integration total with a failure"
expect_out "^$units passed, 1 failed\$" "the overall total with a failure"

# run.sh's slow line comes before the test's result, and a test of 10 s or
# more is reported with its time (sleep 10: this test's only long wait).
# (printf: the marker must not start a line of this script, or run.sh would
# take it for this test's own.)
printf '#!/bin/sh\n%s\nsleep 10\n' '# run.sh slow: 11' > "$WORK/test_slowpoke.sh"
cat > "$WORK/test_quick.sh" <<'SH'
#!/bin/sh
exit 0
SH
run 60 env IPC_TEST_LOGS="$WORK/logs" tests/integration/run.sh "$WORK/test_slowpoke.sh" "$WORK/test_quick.sh"
expect_rc 0 "run.sh with a slow test"
[ "$(sed -n 1p "$OUT")" = "RUN  test_slowpoke: a long test, about 11 s" ] ||
    fail "run.sh's first line: want the slow test announced, got '$(sed -n 1p "$OUT")'"
expect_out '^PASS test_slowpoke \(1[0-9] s\)$' "the slow test's time"
expect_out '^PASS test_quick$' "the quick test's line"
grep -q '^RUN  test_quick' "$OUT" && fail "run.sh announced a test without a slow line"
exit 0
