#!/usr/bin/env bash
# What crosses into ipcrun from its parent, its ranks and the file system
# cannot hurt it or leak out of the job (issue 20): descriptors ipcrun
# inherits stay out of the ranks; a state page that is not one does not kill
# the --timeout report.
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
exit 0
