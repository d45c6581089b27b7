#!/usr/bin/env bash
# scripts/bench-startup, quick and with ipc only (IPC_BENCH_LIBS=ipc): it
# writes the `## Start-up` section into IPC_BENCH_OUT with the table (a row
# per rank count, positive times for ipc and the exec floor, their ratio),
# prints the table on stdout and exits 0; with an ipcrun that fails it exits
# 1 and says which run failed. Numbers are not judged: only their form.
. "$(dirname "$0")/lib.sh"

need "$IPCRUN" "$APPS/mpi/hello"
BUILD_ABS=$(cd "$IPC_BUILD_DIR" && pwd)

run 120 env IPC_BUILD_DIR="$BUILD_ABS" IPC_BENCH_OUT="$WORK/out" IPC_BENCH_LIBS=ipc QUICK=1 \
    scripts/bench-startup --rounds 1
expect_rc 0 "bench-startup, ipc only"
MD=$WORK/out/startup.md
[ -f "$MD" ] || fail "bench-startup wrote no $MD"
[ "$(head -n 1 "$MD")" = "## Start-up" ] || fail "$MD does not start with '## Start-up': $(head -n 1 "$MD")"
header='| ranks | ipc (ms) | exec floor (ms) | ipc / floor |'
grep -qxF -- "$header" "$MD" || fail "$MD has no table headed '$header': $(grep '^| ranks' "$MD")"
grep -qxF -- "$header" "$OUT" || fail "bench-startup did not print the table on stdout"
grep -qiE 'openmpi|open mpi|mpich' <(grep '^|' "$MD") && fail "$MD has a peer column with IPC_BENCH_LIBS=ipc"
for n in 8 32; do
    row=$(grep -E "^\| $n( \(oversubscribed\))? \|" "$MD") || fail "$MD has no row for $n ranks"
    echo "$row" | awk -F'|' '{ for (i = 3; i <= 5; i++) if (!($i + 0 > 0)) exit 1 }' ||
        fail "$MD: the row of $n ranks has a time or ratio that is not a positive number: $row"
done
if command -v gnuplot >/dev/null; then
    [ -s "$WORK/out/startup.png" ] || fail "gnuplot is installed but bench-startup wrote no startup.png"
    grep -qF '](startup.png)' "$MD" || fail "$MD does not link startup.png"
else
    grep -q 'plots need gnuplot' "$MD" || fail "$MD does not say that plots need gnuplot"
fi

# An ipcrun that fails: exit 1, one line naming the run.
mkdir -p "$WORK/broken/bin" "$WORK/broken/apps/mpi"
printf '#!/bin/sh\necho "ipcrun: broken on purpose" >&2\nexit 3\n' >"$WORK/broken/bin/ipcrun"
chmod +x "$WORK/broken/bin/ipcrun"
ln -s "$BUILD_ABS/apps/mpi/hello" "$WORK/broken/apps/mpi/hello"
run 60 env IPC_BUILD_DIR="$WORK/broken" IPC_BENCH_OUT="$WORK/out2" IPC_BENCH_LIBS=ipc \
    scripts/bench-startup --rounds 1 2
expect_rc 1 "bench-startup with an ipcrun that fails"
expect_err "^bench-startup: ipc on 2 ranks failed \(exit 3\): ipcrun: broken on purpose$" \
    "bench-startup with an ipcrun that fails"
grep -qE '^\| 2 \| failed \|' "$WORK/out2/startup.md" ||
    fail "the section does not say that ipc failed on 2 ranks: $(grep '^| 2' "$WORK/out2/startup.md")"
exit 0
