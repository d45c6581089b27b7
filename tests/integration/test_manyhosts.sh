#!/usr/bin/env bash
# A job over 16 hosts (network namespaces on a bridge, netns.sh) of 4 ranks
# each: the node daemons start together, every rank gets the node map over
# its control channel (IPC_NODES says how many nodes; no IPC_NODE_OF in its
# environment, whose one variable would cap a job at some 20 000 ranks),
# and the wire-up fence sends each daemon the key/value table once. A ring,
# the collectives that move data and the environment check run, and nothing
# is left in any namespace. Skipped without root or namespaces.
# run.sh slow: 15
# run.sh timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/coll_move" "$PROGS/env"
netns_require

netns_setup 16
list=
for h in "${NETNS_HOSTS[@]}"; do
    list+="${list:+,}$h:4"
done
hosts=(--agent "ip netns exec" --tcp-if "$NETNS_SUBNET" --host "$list")

what="ring over 16 hosts x 4 ranks"
ipcrun 60 "${hosts[@]}" "$APPS/ring" 20
expect_rc 0 "$what"
expect_out '^ring: 64 ranks, 20 laps, counter 1280: ok$' "$what"
echo "$what: ${ELAPSED_MS} ms"

what="coll_move over 16 hosts x 4 ranks"
ipcrun 90 "${hosts[@]}" "$PROGS/coll_move"
expect_rc 0 "$what"
expect_out '^coll_move: 64 ranks, [0-9]+ calls checked: ok$' "$what"

# A stale IPC_NODE_OF of the user's is not what the ranks go by.
what="the node map over the control channel"
IPC_NODE_OF=0 ipcrun 60 "${hosts[@]}" "$PROGS/env" IPC_NODE_OF IPC_NODES
expect_rc 0 "$what"
[ "$(grep -c '^env: rank [0-9]*: IPC_NODES=16$' "$OUT")" = 64 ] ||
    fail "$what: not every rank was told IPC_NODES=16$(stderr_hint)"
[ "$(grep -c '^env: rank [0-9]*: IPC_RANK=.* IPC_LOCAL_SIZE=4 IPC_JOB_ID=' "$OUT")" = 64 ] ||
    fail "$what: not every rank has IPC_LOCAL_SIZE=4"
expect_netns_empty 5 "after the jobs"
