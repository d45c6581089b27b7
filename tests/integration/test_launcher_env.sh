#!/usr/bin/env bash
# What ranks find when they start: ipcrun's environment plus -x, the --wdir
# directory, IPC_OVERSUBSCRIBED, and the cpus --bind-to gives them, which
# --report-bindings states (one line per rank, with the rank's real pid).
. "$(dirname "$0")/lib.sh"
need "$IPCRUN"
ncpus=$(nproc)

# ---- environment ----
# shellcheck disable=SC2016
show='echo "$IPC_RANK A=${A-unset} B=${B-unset} C=${C-unset} O=$IPC_OVERSUBSCRIBED"'
run 30 env A=inherited C=outer "$IPCRUN" -n 2 -x B=given -x C=inner -x C=last -x A sh -c "$show"
expect_rc 0 "-x"
expect_out '^0 A=inherited B=given C=last O=0$' "-x (rank 0)"
expect_out '^1 A=inherited B=given C=last O=0$' "-x (rank 1)"
# A variable that is not there is not invented.
run 30 env -u B "$IPCRUN" -n 1 sh -c "$show"
expect_out '^0 A=unset B=unset' "no -x"

# ipcrun's own values replace inherited ones (a job started from a rank), and
# -x replaces an inherited value: each name once in the environment.
run 30 env IPC_RANK=7 IPC_SIZE=9 IPC_TRANSPORT=pipe "$IPCRUN" -n 2 -x IPC_TRANSPORT=unix \
    sh -c 'env | grep -E "^IPC_(RANK|SIZE|TRANSPORT)=" | sort | paste -sd" "'
expect_rc 0 "inherited IPC_* variables"
expect_out '^IPC_RANK=0 IPC_SIZE=2 IPC_TRANSPORT=unix$' "inherited IPC_* variables"
expect_out '^IPC_RANK=1 IPC_SIZE=2 IPC_TRANSPORT=unix$' "inherited IPC_* variables"

# --tcp-if becomes IPC_TCP_IF, once, over an inherited or exported value;
# without it the inherited value stays.
run 30 env IPC_TCP_IF=10.9.9.9 "$IPCRUN" -n 2 --tcp-if 127.0.0.1 -x IPC_TCP_IF=10.1.1.1 \
    sh -c 'env | grep "^IPC_TCP_IF=" | paste -sd" "'
expect_rc 0 "--tcp-if"
[ "$(grep -cx 'IPC_TCP_IF=127.0.0.1' "$OUT")" -eq 2 ] ||
    fail "--tcp-if 127.0.0.1: ranks got $(paste -sd'|' "$OUT")"
# shellcheck disable=SC2016 # the rank expands it
run 30 env IPC_TCP_IF=10.9.9.9 "$IPCRUN" -n 1 sh -c 'echo "$IPC_TCP_IF"'
expect_out '^10\.9\.9\.9$' "inherited IPC_TCP_IF"

ipcrun 30 -n $((ncpus + 1)) sh -c "$show"
expect_rc 0 "oversubscribed job"
expect_lines "$OUT" $((ncpus + 1)) "oversubscribed job: stdout"
[ "$(grep -c 'O=1$' "$OUT")" -eq $((ncpus + 1)) ] ||
    fail "$((ncpus + 1)) ranks on $ncpus cpus: not every rank has IPC_OVERSUBSCRIBED=1"

# ---- --wdir ----
mkdir "$WORK/there"
here=$(pwd)
ipcrun 30 --wdir "$WORK/there" -n 2 sh -c 'pwd; ls'
expect_rc 0 "--wdir"
[ "$(grep -cx "$WORK/there" "$OUT")" -eq 2 ] || fail "--wdir: ranks did not start in $WORK/there"
# The program is still found from ipcrun's directory, not from --wdir.
# shellcheck disable=SC2016 # expanded by the program
printf '#!/bin/sh\necho "ran in $(pwd)"\n' >"$WORK/prog-here"
chmod +x "$WORK/prog-here"
cd "$WORK" || fail "cannot enter $WORK"
run 30 "$here/$IPCRUN" --wdir there -n 1 ./prog-here
cd "$here" || fail "cannot go back to $here"
expect_rc 0 "--wdir with a relative program path"
expect_out "^ran in $WORK/there\$" "--wdir with a relative program path"

# ---- bindings ----
# Each rank prints its pid and the cpus it may run on.
# shellcheck disable=SC2016
cpus='echo "$IPC_RANK $$ $(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)"'

# Every "rank R (pid P) bound to cpus X" line matches what rank R found.
check_bindings() { # what n
    local r pid set line
    [ "$(grep -c '^ipcrun: rank [0-9]* (pid [0-9]*) ' "$ERR")" -eq "$2" ] ||
        fail "$1: not one --report-bindings line per rank: $(tr '\n' ';' <"$ERR")"
    while read -r r pid set; do
        line=$(grep "^ipcrun: rank $r (pid $pid) bound to cpus " "$ERR") ||
            fail "$1: no binding reported for rank $r, pid $pid: $(tr '\n' ';' <"$ERR")"
        case "$line" in
        *" bound to cpus $set ("*) ;;
        *) fail "$1: rank $r runs on cpus $set but ipcrun said: $line" ;;
        esac
    done <"$OUT"
}

ipcrun 30 --bind-to core --report-bindings -n "$ncpus" sh -c "$cpus"
expect_rc 0 "--bind-to core"
check_bindings "--bind-to core" "$ncpus"
[ "$(cut -d' ' -f3 "$OUT" | sort -u | wc -l)" -eq "$ncpus" ] ||
    fail "--bind-to core: $ncpus ranks do not have a core each: $(tr '\n' ';' <"$OUT")"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) bound to cpus [0-9,-]+ \(core 0\)$' "--bind-to core"

for how in "--map-by l3" "--map-by numa" "--bind-to numa" "--map-by core"; do
    # shellcheck disable=SC2086 # two words
    ipcrun 30 $how --report-bindings -n 1 sh -c "$cpus"
    # Not every machine shows an L3 cache to hwloc; then ipcrun says so.
    if [ "$RC" -ne 0 ] && grep -q 'hwloc finds no' "$ERR"; then
        continue
    fi
    expect_rc 0 "$how"
    check_bindings "$how" 1
done

# Ranks stay within ipcrun's own cpus.
if command -v taskset >/dev/null; then
    last=$((ncpus - 1))
    run 30 taskset -c "$last" "$IPCRUN" --bind-to core --report-bindings -n 1 sh -c "$cpus"
    expect_rc 0 "--bind-to core under taskset -c $last"
    expect_out "^0 [0-9]+ $last\$" "--bind-to core under taskset -c $last"
fi

# More ranks than cpus: no binding, a note, each rank on every cpu.
n=$((ncpus + 1))
ipcrun 30 --bind-to core --report-bindings -n "$n" sh -c "$cpus"
expect_rc 0 "--bind-to core, oversubscribed"
expect_err "^ipcrun: $n ranks on $ncpus cpus?: oversubscribed, so ranks are not bound" \
    "--bind-to core, oversubscribed"
[ "$(grep -c '^ipcrun: rank [0-9]* (pid [0-9]*) not bound (cpus ' "$ERR")" -eq "$n" ] ||
    fail "--bind-to core, oversubscribed: not one 'not bound' line per rank"
# Without --report-bindings the note still comes, since binding was asked for.
ipcrun 30 --bind-to core -n "$n" true
expect_rc 0 "--bind-to core, oversubscribed, no report"
expect_lines "$ERR" 1 "--bind-to core, oversubscribed, no report: stderr"
# Not asked for: not a word.
ipcrun 30 -n "$n" true
expect_rc 0 "oversubscribed without options"
expect_lines "$ERR" 0 "oversubscribed without options: stderr"
exit 0
