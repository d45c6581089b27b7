#!/usr/bin/env bash
# The network-namespace harness (netns.sh) that tests of jobs over several
# hosts build on: 3 hosts on a bridge reach each other; a tcp job runs inside
# one host over its veth, chosen by address, interface name or subnet; a job
# whose ranks a wrapper moves into the 3 hosts runs over the bridge (ipcrun's
# own jobs over these hosts are test_multihost.sh); a process left in a
# namespace fails the test that left it; an interrupted test still cleans
# up; and after teardown the root namespace shows nothing of the run. Set-up
# and teardown must take a few seconds at most. Skipped without root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
need "$IPCRUN" "$APPS/ring"
netns_require

t0=$(now_ms)
netns_setup 3
setup_ms=$(($(now_ms) - t0))
a=${NETNS_HOSTS[0]} b=${NETNS_HOSTS[1]} c=${NETNS_HOSTS[2]}
addr_a=${NETNS_ADDRS[0]} addr_b=${NETNS_ADDRS[1]} addr_c=${NETNS_ADDRS[2]}
net=${NETNS_SUBNET%.0/24}

# Every host reaches the others over the bridge; the root namespace has none
# of their addresses or routes.
for from in "$a" "$b" "$c"; do
    for to in "$addr_a" "$addr_b" "$addr_c"; do
        netns_reaches "$from" "$to" || fail "$from does not reach $to"
    done
done
ip -4 -o addr show | grep -qF " $net." && fail "the root namespace has an address in $NETNS_SUBNET"
ip -4 -o route show table all | grep -qF "$net." && fail "the root namespace has a route to $NETNS_SUBNET"

# A tcp job inside host a, over its veth (not loopback).
for spec in "$addr_a" "$a" "$NETNS_SUBNET"; do
    what="ring -n 2 over tcp inside $a with IPC_TCP_IF=$spec"
    run 30 ip netns exec "$a" env IPC_TCP_IF="$spec" "$IPCRUN" --report-transports \
        --transport tcp -n 2 "$APPS/ring" 10
    expect_rc 0 "$what"
    expect_out '^ring: 2 ranks, 10 laps, counter 20: ok$' "$what"
    expect_err "^ipc: rank 1 of 2: tcp to the 1 other rank .*; over ${addr_a//./\\.} \\(from IPC_TCP_IF=${spec//./\\.} in the environment\\)" \
        "$what"
done
what="IPC_TCP_IF=$addr_b (host b's address) inside $a"
run 30 ip netns exec "$a" env IPC_TCP_IF="$addr_b" "$IPCRUN" --transport tcp -n 2 "$APPS/ring"
expect_rc 1 "$what"
expect_err "IPC_TCP_IF: ${addr_b//./\\.} is not an address of this host; this host has lo 127\\.0\\.0\\.1, $a ${addr_a//./\\.}$" \
    "$what"

# Ranks on all 3 hosts: ipcrun runs in host a and a wrapper moves rank r to
# host r % 3 before the program starts (ranks keep their ipcrun connection
# through the move); each rank finds its own address in the subnet.
wrapper=$WORK/on-host.sh
cat >"$wrapper" <<'EOS'
#!/bin/sh
host=$(echo "$SPREAD_HOSTS" | cut -d' ' -f $((IPC_RANK % 3 + 1)))
echo "rank $IPC_RANK on $host" >&2
exec ip netns exec "$host" "$@"
EOS
chmod +x "$wrapper"
m=$(unique_marker)
what="ring -n 6 over tcp spread over $a, $b and $c"
run 60 ip netns exec "$a" env SPREAD_HOSTS="$a $b $c" IPC_TCP_IF="$NETNS_SUBNET" \
    "$IPCRUN" --transport tcp -n 6 "$wrapper" "$APPS/ring" 20 "$m"
expect_rc 0 "$what"
expect_out '^ring: 6 ranks, 20 laps, counter 120: ok$' "$what"
expect_err "^rank 4 on $b$" "$what"
expect_err "^rank 5 on $c$" "$what"
expect_gone "$m" 2 "$what"
expect_netns_empty 2 "after the jobs"

# A test that leaves a process in a namespace fails, naming it, and its
# namespaces go all the same; so do those of a test that is interrupted.
child=$WORK/child.sh
cat >"$child" <<EOS
#!/usr/bin/env bash
. tests/integration/lib.sh
. tests/integration/netns.sh
netns_require
netns_setup 1
if [ "\$1" = leak ]; then
    ip netns exec "\${NETNS_HOSTS[0]}" sh -c 'sleep 60; : $m' &
    until [ -n "\$(netns_pids "\${NETNS_HOSTS[0]}")" ]; do sleep 0.05; done
fi
[ "\$1" = wait ] && sh -c 'sleep 60; : $m'
exit 0
EOS
what="a test that leaves 'sleep' in its namespace"
run 30 bash "$child" leak
expect_rc 1 "$what"
child_prefix=$(sed -n 's/^netns: hosts \(ipct[0-9]*\)a .*/\1/p' "$OUT")
[ -n "$child_prefix" ] || fail "$what: no set-up line: $(head -n 1 "$OUT")"
expect_out "^child: processes left in the namespaces at teardown \\(killed\\): .*${child_prefix}a: [0-9]+ sleep 60" \
    "$what"
expect_gone "$m" 2 "$what"
left=$(ip netns list | grep -E "^${child_prefix}[a-z]+( |$)")
[ -z "$left" ] || fail "$what: its namespaces are still there: $(echo "$left" | paste -sd,)"

what="a test interrupted by SIGTERM"
start_bg bash "$child" wait
deadline=$(($(now_ms) + 10000))
until grep -q '^netns: hosts' "$OUT" || [ "$(now_ms)" -ge "$deadline" ]; do
    sleep 0.05
done
child_prefix=$(sed -n 's/^netns: hosts \(ipct[0-9]*\)a .*/\1/p' "$OUT")
[ -n "$child_prefix" ] || fail "$what: no set-up line within 10 s$(stderr_hint)"
kill -TERM -- -"$BG_PID"
wait_bg 10 "$what"
[ "$RC" -eq 143 ] || fail "$what: exit status $RC, expected 143 (SIGTERM)"
left=$(ip netns list | grep -E "^${child_prefix}[a-z]+( |$)")
[ -z "$left" ] || fail "$what: its namespaces are still there: $(echo "$left" | paste -sd,)"
expect_gone "$m" 2 "$what"

# Without root the test is skipped, and says why.
if command -v setpriv >/dev/null; then
    run 30 setpriv --reuid=65534 --regid=65534 --clear-groups bash -c "$(cat "$child")" child
    expect_rc 77 "the harness without root"
    expect_out '^child: skipped: network namespaces need root$' "the harness without root"
fi

t0=$(now_ms)
netns_teardown || fail "teardown: $NETNS_WHY"
teardown_ms=$(($(now_ms) - t0))
netns_teardown || fail "a second teardown: $NETNS_WHY"
traces=$(netns_traces)
[ -z "$traces" ] || fail "after teardown the root namespace still shows $traces"
echo "netns: 3 hosts set up in $setup_ms ms, torn down in $teardown_ms ms"
[ $((setup_ms + teardown_ms)) -lt 10000 ] ||
    fail "set-up ($setup_ms ms) and teardown ($teardown_ms ms) took more than 10 s"
exit 0
