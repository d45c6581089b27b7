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

# ---- hosts ----
expect_refused "-H 'a:0': '0' is not a positive number of slots" "-H a:0" -H a:0
expect_refused "--host 'node1:x': 'x' is not a positive number of slots" \
    "--host localhost,node1:x" --host localhost,node1:x
expect_refused "--hosts 'a,,b': empty host name; write HOST\[:SLOTS\]" "--hosts a,,b" \
    --hosts a,,b
expect_refused "-H '-oProxyCommand=x': a host name cannot start with '-'" "-H -o..." \
    -H -oProxyCommand=x
printf 'localhost slots=2\n' >"$WORK/hosts.txt"
expect_refused "--host and --hostfile both name the hosts; give one of them" \
    "--host with --hostfile" --host localhost --hostfile "$WORK/hosts.txt"
printf '# the hosts\nlocalhost slots=2\n\nlocalhost slots=abc\n' >"$WORK/bad1.txt"
expect_refused "$WORK/bad1.txt:4: 'slots=abc' is not a positive number of slots\$" \
    "hostfile with a bad slots= on line 4" --hostfile "$WORK/bad1.txt"
printf 'localhost\nlocalhost:2 # two more\nlocalhost cpus=4\n' >"$WORK/bad2.txt"
expect_refused "$WORK/bad2.txt:3: 'cpus=4' is not understood; write HOST \[slots=N\]\$" \
    "hostfile with an unknown word on line 3" --machinefile "$WORK/bad2.txt"
printf 'localhost:x\n' >"$WORK/bad3.txt"
expect_refused "$WORK/bad3.txt:1: 'localhost:x': 'x' is not a positive number of slots\$" \
    "hostfile with host:x on line 1" -hostfile "$WORK/bad3.txt"
expect_refused "--hostfile '$WORK/none.txt': No such file or directory; give a readable file" \
    "missing hostfile" --hostfile "$WORK/none.txt"
printf '# nothing yet\n\n' >"$WORK/empty.txt"
expect_refused "--hostfile '$WORK/empty.txt' names no host" "hostfile without hosts" \
    --hostfile "$WORK/empty.txt"
expect_refused "--map-by must be one of slot, node, core, l3, numa; got 'ppr:2:node'" \
    "--map-by ppr:2:node" --map-by ppr:2:node -n 1
expect_refused "--agent needs a command to reach the hosts, such as ssh, got ''" \
    "--agent ''" --agent '' -H localhost
expect_refused "--prefix needs the absolute directory" "--prefix relative" \
    --prefix opt/ipc -H localhost
expect_refused "--tcp-if '10.0.0.0/33': the prefix length after '/' must be 0 to 32" \
    "--tcp-if 10.0.0.0/33" --tcp-if 10.0.0.0/33 -n 1
# Other hosts get a node daemon through the launch agent: one that cannot be
# run is a failed job (125) that says so, and the ranks started here stop.
m=$(unique_marker)
ipcrun 30 --agent /nonexistent/agent -H localhost:2,node-elsewhere.invalid \
    sh -c "sleep 20; echo $m"
expect_rc 125 "an agent that does not exist"
expect_err "^ipcrun: cannot run the launch agent '/nonexistent/agent' for host node-elsewhere\.invalid: No such file or directory" \
    "an agent that does not exist"
expect_gone "$m" 5 "an agent that does not exist"
ipcrun 30 --agent tests/integration/agent-local --stdin all -H localhost,elsewhere.invalid true
expect_rc 2 "--stdin all with another host"
expect_err "^ipcrun: --stdin all reaches only ranks of this host; with other hosts give --stdin R" \
    "--stdin all with another host"
# A hostfile naming another host, reached through the local test agent.
printf 'localhost slots=1\nnode-elsewhere.invalid slots=2\n' >"$WORK/remote.txt"
ipcrun 30 --agent tests/integration/agent-local --tcp-if 127.0.0.1 \
    --hostfile "$WORK/remote.txt" sh -c 'echo "rank $IPC_RANK of $IPC_SIZE"'
expect_rc 0 "a remote host in a hostfile"
expect_lines "$OUT" 3 "a remote host in a hostfile: stdout"
expect_out '^rank 2 of 3$' "a remote host in a hostfile"

# Hosts that are all this one: the job runs here, -n from the slots.
# shellcheck disable=SC2016
show_rank='echo "rank $IPC_RANK of $IPC_SIZE"'
ipcrun 30 -H localhost:3 sh -c "$show_rank"
expect_rc 0 "-H localhost:3"
expect_lines "$OUT" 3 "-H localhost:3: stdout"
for r in 0 1 2; do
    expect_out "^rank $r of 3\$" "-H localhost:3"
done
printf '# here\nlocalhost slots=2   # two\n%s\n' "$(hostname)" >"$WORK/local.txt"
ipcrun 30 --hostfile "$WORK/local.txt" --map-by node sh -c "$show_rank"
expect_rc 0 "hostfile of this host's names"
expect_lines "$OUT" 3 "hostfile of this host's names: stdout"
expect_out '^rank 2 of 3$' "hostfile of this host's names"
# More ranks than slots run too.
ipcrun 30 -H 127.0.0.1 -n 4 sh -c "$show_rank"
expect_rc 0 "-H 127.0.0.1 -n 4"
expect_lines "$OUT" 4 "-H 127.0.0.1 -n 4: stdout"
expect_out '^rank 3 of 4$' "-H 127.0.0.1 -n 4"

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
