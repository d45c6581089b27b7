#!/usr/bin/env bash
# scripts/tour (make demo): it exits 0 with every step shown; the crash step
# shows rank 3's one-line report and exit status 139, the hang step where
# each of the 4 ranks was; it leaves no file (its own temporary directory, in
# TMPDIR, included) and no process behind.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$IPC_BUILD_DIR/bin/mpicc" "$APPS/pi" "$APPS/mpi/faults" "$APPS/mpi/hello"

before=$WORK/files.before
ipc_files >"$before"
mkdir "$WORK/tmp" || fail "cannot create $WORK/tmp"

run 100 env TMPDIR="$WORK/tmp" scripts/tour
expect_rc 0 "scripts/tour"
for step in 1 2 3 4 5 6; do
    expect_out "^== $step\. " "step $step"
done
expect_out '^speed-up [0-9.]+x with [0-9]+ ranks on [0-9]+ cores?$' "step 2"
expect_out '^tour: done in [0-9]+ s\.' "the last line"

section() { # step: its lines, from its heading to the next
    sed -n "/^== $1\\. /,/^== $(($1 + 1))\\. /p" "$OUT"
}
section 3 | grep -Eq '^  ipcrun: .*rank 3 \(pid [0-9]+\) exited on signal 11 ' ||
    fail "step 3: no line saying rank 3 exited on signal 11"
section 3 | grep -qx '  \[exit status 139\]' || fail "step 3: no exit status 139"
for r in 0 1 2 3; do
    section 4 | grep -Eq "^  ipcrun: .*rank $r \\(pid [0-9]+\\) was " ||
        fail "step 4: no line saying where rank $r was"
done

expect_gone "$WORK/tmp" 5 "processes of programs in the tour's directory"
expect_gone "apps/mpi/faults" 5 "faults"
left=$(ls -A "$WORK/tmp")
[ -z "$left" ] || fail "left in TMPDIR: $left"
new=$(ipc_files | comm -13 "$before" -)
[ -z "$new" ] || fail "left behind: $(echo "$new" | paste -sd' ')"
exit 0
