#!/usr/bin/env bash
# Every bad option value gets exit status 2 and one line on stderr saying
# what was wrong, before any rank starts; --help and the man page
# (docs/ipcrun.1) and docs/ipcrun.md describe every option --help lists.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN"
top=$(dirname "$0")/../..

expect_refused() { # message-regex what args...
    local re=$1 what=$2 m
    shift 2
    m=$(unique_marker)
    ipcrun 10 "$@" sh -c 'echo started' "$m"
    expect_rc 2 "$what"
    expect_lines "$ERR" 1 "$what: stderr"
    expect_err "^ipcrun: $re" "$what"
    [ -s "$OUT" ] && fail "$what: a rank started"
    expect_gone "$m" 1 "$what"
}

touch "$WORK/a-file"
expect_refused "--stdin needs all, none or a rank number, got 'some'" "--stdin some" \
    --stdin some -n 2
expect_refused "--stdin 2: the job has ranks 0..1 only" "--stdin 2 -n 2" --stdin 2 -n 2
expect_refused "--bind-to must be one of core, l3, numa, none; got 'socket'" \
    "--bind-to socket" --bind-to socket -n 1
expect_refused "--map-by must be one of slot, node, core, l3, numa; got 'socket'" \
    "--map-by socket" --map-by socket -n 1
expect_refused "--wdir '$WORK/none': No such file or directory" "--wdir missing" \
    --wdir "$WORK/none" -n 1
expect_refused "--wdir '$WORK/a-file' is not a directory" "--wdir on a file" \
    --wdir "$WORK/a-file" -n 1
expect_refused "--output-dir '$WORK/a-file/x': cannot create '$WORK/a-file/x': Not a directory" \
    "--output-dir under a file" --output-dir "$WORK/a-file/x" -n 1
expect_refused "--output-dir needs a directory, got ''" "--output-dir=" --output-dir= -n 1
expect_refused "--timeout needs a number of seconds \(0: no limit\), got '1m'" \
    "--timeout 1m" --timeout 1m -n 1
expect_refused "--kill-grace needs a number of seconds \(0 or more\), got '-1'" \
    "--kill-grace -1" --kill-grace -1 -n 1
expect_refused "--transport must be one of shm, unix, pipe, tcp; got 'ib'" "--transport ib" \
    --transport ib -n 1
expect_refused "-x needs NAME or NAME=VALUE" "-x 1=2" -x 1=2 -n 1
expect_refused "-x IPC_RANK: ipcrun sets IPC_RANK for each rank itself" "-x IPC_RANK" \
    -x IPC_RANK=1 -n 1
expect_refused "option '--tag-output' takes no value" "--tag-output=1" --tag-output=1 -n 1
expect_refused "-n needs a positive number of ranks, got 'many'" "-n many" -n many
expect_refused "unknown option '--bogus'; see 'ipcrun --help'" "--bogus" --bogus -n 1
# A machine without L3 caches (hwloc reads this one from HWLOC_SYNTHETIC).
run 10 env HWLOC_SYNTHETIC="pack:1 core:$(nproc) pu:1" "$IPCRUN" --map-by l3 -n 1 true
expect_rc 2 "--map-by l3 on a machine without L3 caches"
expect_err "^ipcrun: --map-by l3: hwloc finds no L3 cache with cpus on this machine; use --map-by core\$" \
    "--map-by l3 on a machine without L3 caches"
run 10 env IPC_TIMEOUT=soon "$IPCRUN" -n 1 true
expect_rc 2 "IPC_TIMEOUT=soon"
expect_err "^ipcrun: IPC_TIMEOUT must be a number of seconds" "IPC_TIMEOUT=soon"

# ---- documentation ----
ipcrun 10 --help
expect_rc 0 "--help"
# Every option named in the first column of the option lines.
options=$(grep -E '^  -' "$OUT" | cut -c 1-29 | grep -oE -- '--?[a-zA-Z][a-zA-Z-]*' | sort -u)
[ "$(echo "$options" | wc -l)" -ge 20 ] || fail "--help lists only: $(echo "$options" | paste -sd' ')"
for doc in docs/ipcrun.1 docs/ipcrun.md; do
    [ -f "$top/$doc" ] || fail "$doc is missing"
    for o in $options; do
        # troff escapes each '-' as '\-'.
        esc=$(printf '%s' "$o" | sed 's/-/\\-/g')
        grep -qF -- "$o" "$top/$doc" || grep -qF -- "$esc" "$top/$doc" ||
            fail "$doc does not describe $o, which ipcrun --help lists"
    done
    for status in 124 125 127 IPC_OVERSUBSCRIBED; do
        grep -q "$status" "$top/$doc" || fail "$doc does not mention $status"
    done
done
if command -v man >/dev/null; then
    man -l "$top/docs/ipcrun.1" 2>"$WORK/man.err" | grep -q 'ipcrun' ||
        fail "man -l docs/ipcrun.1 shows nothing$(head -c 200 "$WORK/man.err")"
    [ -s "$WORK/man.err" ] && fail "man -l docs/ipcrun.1 warns: $(head -c 200 "$WORK/man.err")"
fi
exit 0
