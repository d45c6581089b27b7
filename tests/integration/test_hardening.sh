#!/usr/bin/env bash
# What crosses into ipcrun from its parent, its ranks and the file system
# cannot hurt it or leak out of the job (issue 20): descriptors ipcrun
# inherits stay out of the ranks; a state page that is not one does not kill
# the --timeout report; --output-dir writes through no link another user
# planted; what a rank leaves running dies with the job, however it ends.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$PROGS/forge_ctl"

# ---- descriptors: a rank gets 0, 1, 2 and its control socket, nothing else ----
# ipcrun's parent leaves 7 and 9 open without close-on-exec.
# ipcrun's parent leaves 7 and 9 open without close-on-exec. ls lists the
# descriptors of the shell that is the rank.
exec 7<"$0" 9>"$WORK/nine"
ipcrun 20 -n 2 --tag-output sh -c 'echo ctl $IPC_CONTROL_FD; ls /proc/$$/fd'
exec 7<&- 9>&-
expect_rc 0 "descriptors"
for r in 0 1; do
    ctl=$(sed -n "s/^\[$r\] ctl //p" "$OUT")
    fds=$(grep "^\[$r\] [0-9]*$" "$OUT" | sed 's/^.* //' | sort -n | paste -sd' ')
    [ -n "$ctl" ] && [ "$fds" = "0 1 2 $ctl" ] ||
        fail "descriptors: rank $r has descriptors '$fds', expected '0 1 2 $ctl'"
done
# ---- a rank's state page: empty, or cut after ipcrun took it ----
for c in state-empty state-shrink; do
    m=$(unique_marker)
    ipcrun 20 --timeout 1 -n 2 "$PROGS/forge_ctl" "$c" "$m"
    expect_rc 124 "$c"
    expect_err '^ipcrun: timeout of 1 s expired; ranks 0-1 still running' "$c"
    expect_err '^ipcrun: rank 0 \(pid [0-9]+\)' "$c"
    expect_gone "$m" 5 "$c"
done
# ---- --output-dir: never through a link, never in another user's hands ----
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    victim=$WORK/victim
    plant() { # dir mode: a directory of nobody's with rank.0.stdout -> victim
        mkdir -p "$1"
        ln -sf "$victim" "$1/rank.0.stdout"
        chown -h nobody "$1" "$1/rank.0.stdout"
        chmod "$2" "$1"
    }
    check_victim() {
        [ "$(cat "$victim")" = "precious" ] || fail "$1: the file behind the link was overwritten"
    }
    echo precious >"$victim"
    plant "$WORK/theirs" 0777
    ipcrun 20 --output-dir "$WORK/theirs" -n 1 echo written
    check_victim "another user's directory"
    expect_rc 2 "another user's directory"
    expect_err "^ipcrun: --output-dir '$WORK/theirs' belongs to another user" \
        "another user's directory"

    plant "$WORK/sticky" 1777
    ipcrun 20 --output-dir "$WORK/sticky" -n 1 echo written
    check_victim "another user's sticky directory"
    [ "$RC" -ne 0 ] || fail "another user's sticky directory: a file in place was replaced"
    expect_err "rank.0.stdout.*exists" "another user's sticky directory"
    rm -f "$WORK/sticky/rank.0.stdout"
    ipcrun 20 --output-dir "$WORK/sticky" -n 1 echo written
    expect_rc 0 "another user's sticky directory, new files"
    [ "$(cat "$WORK/sticky/rank.0.stdout")" = written ] ||
        fail "another user's sticky directory: new files not written"

    mkdir "$WORK/mine"
    ln -s "$victim" "$WORK/mine/rank.0.stdout"
    ipcrun 20 --output-dir "$WORK/mine" -n 1 echo written
    check_victim "a link in one's own directory"
    [ "$RC" -ne 0 ] || fail "a link in one's own directory: written through it"
    expect_err "rank.0.stdout" "a link in one's own directory"
fi
# ---- what a rank leaves running dies with the job ----
# Each rank starts a process of its own ("leftover-MARKER", in a session of
# its own, as a daemon would) and then ends, fails, or blocks until ipcrun is
# interrupted or killed with SIGKILL.
cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
contained=false
if [ -n "$cgroup2" ] && [ -w "$cgroup2$own" ]; then
    contained=true
    cgroups_before=$(ls "$cgroup2$own")
fi
leave() { # marker then: what the rank does after starting its leftover
    echo "setsid bash -c 'exec -a leftover-$1 sleep 1000' </dev/null >/dev/null 2>&1 & $2"
}
wait_leftovers() { # marker count what
    local deadline=$(($(now_ms) + 10000))
    while [ "$(job_pids "leftover-$1 1000" | wc -l)" -lt "$2" ]; do
        kill -0 "$BG_PID" 2>/dev/null || fail "$3: ipcrun ended first$(stderr_hint)"
        [ "$(now_ms)" -ge "$deadline" ] && fail "$3: the ranks' processes did not start"
        sleep 0.05
    done
}
m=$(unique_marker)
ipcrun 20 -n 2 sh -c "$(leave "$m" "exit 0")"
expect_rc 0 "a job that ends well"
expect_gone "leftover-$m 1000" 3 "a job that ends well"
m=$(unique_marker)
ipcrun 20 -n 2 sh -c "$(leave "$m" "exit 3")"
expect_rc 3 "a job that fails"
expect_gone "leftover-$m 1000" 3 "a job that fails"
for sig in INT KILL; do
    what="SIG$sig to ipcrun"
    if [ "$sig" = KILL ] && ! $contained; then
        echo "$TEST_NAME: no writable cgroup v2 here: SIGKILL of ipcrun not tested"
        continue
    fi
    m=$(unique_marker)
    start_bg "$IPCRUN" -n 2 sh -c "$(leave "$m" "exec sleep 1000")"
    wait_leftovers "$m" 2 "$what"
    kill -"$sig" "$BG_PID"
    wait_bg 10 "$what"
    expect_gone "leftover-$m 1000" 5 "$what"
    # on every host: here, and two more whose node daemons run here too
    what="$what, on 3 hosts"
    m=$(unique_marker)
    start_bg "$IPCRUN" --agent "$PWD/tests/integration/agent-local" --tcp-if 127.0.0.1 \
        -H localhost:1,hostb:1,hostc:1 sh -c "$(leave "$m" "exec sleep 1000")"
    wait_leftovers "$m" 3 "$what"
    kill -"$sig" "$BG_PID"
    wait_bg 10 "$what"
    expect_gone "leftover-$m 1000" 5 "$what"
done
if $contained; then
    # ipcrun.<job>.<pid>: one whose ipcrun still runs belongs to a job of
    # another test run on this machine, not to one of ours that is gone. The
    # guard of a job whose ipcrun was killed removes its cgroup once the
    # ranks are dead, which a busy machine may delay: up to 10 s.
    for _ in $(seq 100); do
        left=
        for c in $(ls "$cgroup2$own" | grep -vxF "$cgroups_before"); do
            pid=${c##*.}
            case $c in ipcrun.*.[0-9]*) [ -d "/proc/$pid" ] && grep -qx ipcrun "/proc/$pid/comm" 2>/dev/null && continue ;; esac
            left="$left $c"
        done
        [ -z "$left" ] && break
        sleep 0.1
    done
    [ -z "$left" ] || fail "cgroups left behind in $cgroup2$own (10 s after the jobs):$left"
fi
exit 0
