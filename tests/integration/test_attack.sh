#!/usr/bin/env bash
# Attacks on a job's listeners, as the security review made them
# (issue 20; docs/security.md maps every item to its test):
#   1. another user connects to a rank's unix listener and says "I am rank
#      1" (the old unix hello); a process of the same user without the job
#      secret claims a rank with a well-formed hello and a guessed proof.
#      Both are refused, the real rank gets in, the job runs.
#   2. 100 silent and 100 garbage connections to every listening rank, from
#      another host (network namespaces), while the job wires up over tcp:
#      it starts within 1 s of its normal time.
#   3. (the secret crosses no connection: tests/unit/test_auth.c)
# Items 4 and 5 (forged frames, shared memory) are test_forged.sh, 6, 7, 10,
# 11 and 12 test_hardening.sh and the fuzz corpora, 8 and 9 the unit and MPI
# tests of requests and datatypes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/forge_stranger" "$IPC_BUILD_DIR/tests/preload/hold_connect.so"
command -v ss >/dev/null || skip "no ss (iproute2) to find the ranks' listeners"

# Rank SLOW_RANK comes late, so that the others wait for it, serving their
# listeners. With READY, it listens, publishes and fences, then holds its
# first connection (its first connect or accept: links open on first use)
# until the file READY exists (tests/preload/hold_connect.c: the strangers
# have had their answers, whatever the load); else it starts SLOW_S seconds
# late.
hold=$(cd "$IPC_BUILD_DIR/tests/preload" && pwd)/hold_connect.so
wrapper=$WORK/as-rank.sh
cat >"$wrapper" <<EOS
#!/bin/sh
if [ "\$IPC_RANK" = "\${SLOW_RANK:--1}" ]; then
    if [ -n "\${READY:-}" ]; then
        export LD_PRELOAD="$hold"
        export HOLD_CONNECT_UNTIL="\$READY"
        export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
    else
        sleep "\$SLOW_S"
    fi
fi
exec "\$@"
EOS
chmod +x "$wrapper"

# listeners MARKER KIND [NS] [RANK]: the listening addresses of the job's
# ranks (of rank RANK only, when given), as forge_stranger takes them (KIND
# unix or tcp), waiting up to 10 s for one.
listeners() {
    local marker=$1 kind=$2 ns=${3:-} rank=${4:-} deadline found= pid
    local ssx=(ss)
    [ -n "$ns" ] && ssx=(ip netns exec "$ns" ss)
    deadline=$(($(now_ms) + 10000))
    while [ -z "$found" ] && [ "$(now_ms)" -lt "$deadline" ]; do
        for pid in $(job_pids "$marker"); do
            if [ -n "$rank" ]; then
                tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "IPC_RANK=$rank" ||
                    continue
            fi
            if [ "$kind" = unix ]; then
                found+=$("${ssx[@]}" -Hlxp 2>/dev/null | grep "pid=$pid," |
                    awk '$5 ~ /^@/ {print "unix:" $5}')" "
            else
                found+=$("${ssx[@]}" -Hltnp 2>/dev/null | grep "pid=$pid," |
                    awk '{print "tcp:" $4}')" "
            fi
        done
        found=$(echo $found) # one line, trimmed
        [ -z "$found" ] && sleep 0.05
    done
    echo "$found"
}

# What the stranger said: its first lines and its count, on one line.
said() {
    { head -n 3 "$WORK/stranger"; grep '^stranger:' "$WORK/stranger"; } | paste -sd' '
}

# ---- 1: strangers at a unix listener ----
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
    m=$(unique_marker)
    what="another user's old unix hello"
    # A directory where nobody may say it is ready.
    chmod 711 "$WORK" && install -d -o 65534 "$WORK/nobody" ||
        fail "cannot make a directory for user nobody"
    start_bg env SLOW_RANK=1 READY="$WORK/nobody/ready" "$IPCRUN" --transport unix -n 2 \
        "$wrapper" "$APPS/ring" 10 "$m"
    targets=$(listeners "$m" unix "" 0)
    [ -n "$targets" ] || fail "$what: rank 0 listened on no unix address within 10 s"
    # shellcheck disable=SC2086 # one target a word
    setpriv --reuid=65534 --regid=65534 --clear-groups "$PROGS/forge_stranger" \
        --old-hello 1 --idle 2 --ready "$WORK/nobody/ready" $targets >"$WORK/stranger" 2>&1 ||
        fail "$what: the stranger could not connect to $targets: $(said)"
    grep -q '^old-hello: refused$' "$WORK/stranger" ||
        fail "$what: the rank did not close the connection: $(said)"
    wait_bg 30 "$what"
    expect_rc 0 "$what"
    expect_out '^ring: 2 ranks, 10 laps, counter 20: ok$' "$what"
    expect_err '^ipc: rank 0: refused a unix connection from pid [0-9]+ \(uid 65534\): another user$' "$what"
    expect_gone "$m" 2 "$what"
fi

# Rank 0 of a 3-rank ring dials rank 1 and is dialled by rank 2, which holds
# back: a claim of rank 2 meets a rank that expects that very rank's dial
# (a claim of rank 1, whom rank 0 is dialling, would get CROSSED instead).
m=$(unique_marker)
what="a same-user stranger claiming rank 2 over unix"
rm -f "$WORK/ready"
start_bg env SLOW_RANK=2 READY="$WORK/ready" "$IPCRUN" --transport unix -n 3 "$wrapper" \
    "$APPS/ring" 10 "$m"
targets=$(listeners "$m" unix "" 0)
[ -n "$targets" ] || fail "$what: rank 0 listened on no unix address within 10 s"
# shellcheck disable=SC2086 # one target a word
"$PROGS/forge_stranger" --claim 2 --garbage 2 --idle 2 --hold 3000 --ready "$WORK/ready" \
    $targets >"$WORK/stranger" 2>&1 &
stranger=$!
wait_bg 30 "$what"
wait "$stranger" || fail "$what: the stranger could not connect: $(said)"
grep -q '^claim: refused$' "$WORK/stranger" ||
    fail "$what: the forged proof was not refused: $(said)"
expect_rc 0 "$what"
expect_out '^ring: 3 ranks, 10 laps, counter 30: ok$' "$what"
expect_err '^ipc: rank 0: refused a unix connection from pid [0-9]+ \(uid [0-9]+\): wrong job secret$' "$what"
expect_err '^ipc: rank 0: refused a unix connection from pid [0-9]+ \(uid [0-9]+\): not an ipc rank \(bad magic\)$' "$what"
expect_gone "$m" 2 "$what"

# ---- 2: a flood at every tcp listener, from another host ----
if netns_available; then
    netns_setup 2 >/dev/null
    a=${NETNS_HOSTS[0]} b=${NETNS_HOSTS[1]}
    rm -f "$WORK/ready"
    job=(ip netns exec "$a" env SLOW_RANK=1 READY="$WORK/ready" IPC_TCP_IF="$NETNS_SUBNET"
        "$IPCRUN" --transport tcp -n 4 "$wrapper" "$APPS/ring" 10)
    what="tcp wire-up under a flood of strangers"
    # Rank 1 holds its first connect until the stranger has opened all its
    # connections (READY), so the listeners are up whatever the load. The
    # stranger then keeps them open for 20 s: a listener that waited on an
    # idle or garbage connection would hold the job up until the stranger
    # leaves, so the job must end while the stranger is still there. An
    # order of events, not a time.
    m=$(unique_marker)
    start_bg "${job[@]}" "$m"
    targets=$(listeners "$m" tcp "$a")
    [ -n "$targets" ] || fail "$what: no rank listened within 10 s"
    # shellcheck disable=SC2086 # one target a word
    ip netns exec "$b" "$PROGS/forge_stranger" --idle 100 --garbage 100 --hold 20000 \
        --ready "$WORK/ready" $targets >"$WORK/stranger" 2>&1 &
    stranger=$!
    wait_bg 60 "$what"
    kill -0 "$stranger" 2>/dev/null ||
        fail "$what: the job ended only after the stranger left: $(said)"
    kill "$stranger"
    wait "$stranger" 2>/dev/null
    grep -q '^cannot ' "$WORK/stranger" && fail "$what: the strangers could not all connect: $(said)"
    want=$((200 * $(echo $targets | wc -w)))
    grep -q "^stranger: $want connections\$" "$WORK/stranger" ||
        fail "$what: the stranger did not open 100 + 100 connections per listener ($want): $(said)"
    expect_rc 0 "$what"
    expect_out '^ring: 4 ranks, 10 laps, counter 40: ok$' "$what"
    expect_err "^ipc: rank [023]: refused a TCP connection from ${NETNS_ADDRS[1]//./\\.}:[0-9]+: not an ipc rank \\(bad magic\\)$" "$what"
    echo "tcp wire-up: the job ended while $(sed -n 's/^stranger: //p' "$WORK/stranger") stayed open"
    expect_gone "$m" 2 "$what"
    netns_teardown || fail "teardown: $NETNS_WHY"
else
    echo "flood case not run: $NETNS_WHY"
fi
exit 0
