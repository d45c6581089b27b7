#!/usr/bin/env bash
# Seeing inside a job (docs/observability.md): --stats gives the exact count
# of messages and bytes of a 4-rank ring per rank and per pair (table and
# --stats-json), on shm and tcp and across hosts; --trace writes one valid
# JSON file whose every send flow has its receive; a deadlock under
# --timeout, or interrupted by SIGINT or SIGTERM, names both ranks and the receive each
# waits in, also on another host. One-sided traffic: --stats counts the
# puts, gets and accumulates of each pair and the requests the target
# served, --trace draws epochs and operations, a rank stuck in ipc_win_lock
# is named. Nothing is left behind.
# run.sh slow: 15
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/ring" "$PROGS/deadlock" "$PROGS/rma_stats" "$PROGS/rma"
command -v python3 >/dev/null || skip "python3 is needed to check the JSON files"

before=$WORK/files.before
ipc_files >"$before"
expect_clean() { # what
    local new
    new=$(ipc_files | comm -13 "$before" -)
    [ -z "$new" ] || fail "$1: left behind: $(echo "$new" | paste -sd' ')"
}

# ring K: every rank sends K messages of 8 bytes (a long) to the next.
laps=5
check_ring_stats() { # what
    local r next
    for r in 0 1 2 3; do
        expect_err "^ipcrun: +$r +$laps +$((8 * laps)) +$laps +$((8 * laps)) +[0-9.]+ +[0-9.]+ +[0-9]+ +0\$" \
            "$1: rank $r's row"
        next=$(((r + 1) % 4))
        expect_err "^ipcrun: +$r -> $next +$laps msgs +$((8 * laps)) B\$" "$1: pair $r -> $next"
    done
    [ "$(grep -cE -- '[0-9] -> [0-9]' "$ERR")" -eq 4 ] || fail "$1: more than 4 pairs: $(grep -- ' -> ' "$ERR" | tr '\n' ';')"
}

for t in shm tcp; do
    ipcrun 30 -n 4 --transport "$t" --stats --stats-json "$WORK/stats.json" "$APPS/ring" "$laps"
    expect_rc 0 "--stats ($t)"
    check_ring_stats "--stats ($t)"
    python3 - "$WORK/stats.json" "$laps" <<'PY' || fail "--stats-json ($t): wrong numbers: $(tr -d '\n' <"$WORK/stats.json")"
import json, sys
s = json.load(open(sys.argv[1])); k = int(sys.argv[2])
assert s["ranks"] == 4
for r in s["per_rank"]:
    assert r["reported"] and r["msgs_sent"] == k and r["bytes_sent"] == 8 * k, r
    assert r["msgs_recv"] == k and r["bytes_recv"] == 8 * k and r["rendezvous"] == 0, r
pairs = sorted((p["src"], p["dst"], p["msgs"], p["bytes"], p["msgs_recv"]) for p in s["pairs"])
assert pairs == [(r, (r + 1) % 4, k, 8 * k, k) for r in range(4)], pairs
PY
done

# --trace: one valid JSON file, a span per call, every flow matched.
trace=$WORK/trace.json
ipcrun 30 -n 4 --trace "$trace" "$APPS/ring" "$laps"
expect_rc 0 "--trace"
python3 - "$trace" "$laps" <<'PY' || fail "--trace: the file is not what it should be"
import json, sys, collections
t = json.load(open(sys.argv[1])); k = int(sys.argv[2])
ev = t["traceEvents"]
starts = collections.Counter(e["id"] for e in ev if e["ph"] == "s")
ends = collections.Counter(e["id"] for e in ev if e["ph"] == "f")
assert len(starts) == 4 * k and starts == ends, (starts, ends)
spans = [e for e in ev if e["ph"] == "X"]
# rank 0 starts each lap with ipc_sendrecv, the others receive then send
assert sum(e["name"] in ("ipc_send", "ipc_sendrecv") for e in spans) == 4 * k
assert sum(e["name"] in ("ipc_recv", "ipc_sendrecv") for e in spans) == 4 * k
assert all("peer" in e["args"] and "tag" in e["args"] and "bytes" in e["args"] for e in spans)
assert {e["pid"] for e in spans} == {0, 1, 2, 3}
for e in ev:
    if e["ph"] == "f":  # inside a span of the receiving rank
        assert any(s["pid"] == e["pid"] and s["ts"] <= e["ts"] <= s["ts"] + s["dur"] for s in spans), e
names = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
assert sorted(names) == [0, 1, 2, 3]
PY
[ "$(ls "$WORK" | grep -c trace)" -eq 1 ] || fail "--trace: files left next to it: $(ls "$WORK")"

# One-sided: rma_stats has rank 0 issue 3 puts (96 B), 2 gets (32 B) and 3
# accumulates (24 B) to rank 1; by requests (tcp), rank 1's server answers
# those 8 and the lock and unlock. Ring's tables above have no such line.
for t in shm tcp; do
    for flavor in allocate create; do
        what="--stats, rma_stats $flavor ($t)"
        served=0
        [ "$t" = tcp ] && served=10
        ipcrun 30 -n 2 --transport "$t" --stats --stats-json "$WORK/stats.json" \
            "$PROGS/rma_stats" "$flavor"
        expect_rc 0 "$what"
        expect_err '^ipcrun:   one-sided \(origin -> target: ' "$what"
        expect_err "^ipcrun: +0 -> 1 +3 puts +96 B +2 gets +32 B +3 accs +24 B +$served requests\$" \
            "$what: the pair"
        [ "$(grep -c ' puts ' "$ERR")" -eq 1 ] || fail "$what: more than one one-sided pair"
        python3 - "$WORK/stats.json" "$served" <<'PY' || fail "$what: --stats-json: $(tr -d '\n' <"$WORK/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["one_sided"] == [{"origin": 0, "target": 1, "puts": 3, "put_bytes": 96, "gets": 2,
                           "get_bytes": 32, "accs": 3, "acc_bytes": 24,
                           "requests_served": int(sys.argv[2])}], s["one_sided"]
PY
    done
done
ipcrun 30 -n 4 --stats --stats-json "$WORK/stats.json" "$APPS/ring" "$laps"
grep -q one_sided "$WORK/stats.json" && fail "--stats-json of ring: a one_sided list"
grep -q one-sided "$ERR" && fail "--stats of ring: a one-sided line"

# --trace of one-sided calls: the epoch and each operation as a span.
ipcrun 30 -n 2 --transport tcp --trace "$trace" "$PROGS/rma_stats"
expect_rc 0 "--trace, rma_stats"
python3 - "$trace" <<'PY' || fail "--trace, rma_stats: the spans are not what they should be"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
rma = [e for e in ev if e.get("cat") == "rma"]
r0 = [(e["name"], e["args"]["target"], e["args"]["bytes"]) for e in rma if e["pid"] == 0]
ops = [x for x in r0 if not x[0].startswith("ipc_win_") or x[0] in ("ipc_win_lock", "ipc_win_unlock")]
assert ops == [("ipc_win_lock", 1, 0)] + [("ipc_put", 1, 32)] * 3 + [("ipc_get", 1, 16)] * 2 + [
    ("ipc_accumulate", 1, 8), ("ipc_fetch_and_op", 1, 8), ("ipc_compare_and_swap", 1, 8),
    ("ipc_win_unlock", 1, 0)], ops
for p in (0, 1):
    names = [e["name"] for e in rma if e["pid"] == p]
    assert names[0] == "ipc_win_allocate" and names[-1] == "ipc_win_free", names
    assert names.count("ipc_win_fence") == 2, names
PY

# rma (every flavor and epoch on 4 ranks): every one-sided call it makes is
# in the trace, every rank's (each rank's part is several control packets).
ipcrun 60 -n 4 --stats --trace "$trace" "$PROGS/rma"
expect_rc 0 "--stats --trace, rma"
expect_err '^ipcrun: +0 -> 0 +[0-9]+ puts +[0-9]+ B +[0-9]+ gets +[0-9]+ B +[1-9][0-9]* accs' \
    "--stats, rma: rank 0's operations on itself"
python3 - "$trace" <<'PY' || fail "--trace, rma: calls are missing"
import json, sys, collections
ev = json.load(open(sys.argv[1]))["traceEvents"]
seen = collections.defaultdict(set)
for e in ev:
    if e.get("cat") == "rma":
        seen[e["name"]].add(e["pid"])
for name in ("ipc_win_create", "ipc_win_allocate", "ipc_win_create_dynamic",
             "ipc_win_allocate_shared", "ipc_win_free", "ipc_win_fence", "ipc_win_post",
             "ipc_win_start", "ipc_win_complete", "ipc_win_wait", "ipc_win_lock",
             "ipc_win_unlock", "ipc_win_lock_all", "ipc_win_unlock_all", "ipc_win_flush",
             "ipc_put", "ipc_get", "ipc_accumulate", "ipc_fetch_and_op",
             "ipc_compare_and_swap"):
    assert seen[name] == {0, 1, 2, 3}, (name, seen[name])
PY

# A rank that waits for a lock rank 1 never gives back, on shm (a lock word
# in shared memory) and tcp (a request rank 1's server queues).
for t in shm tcp; do
    ipcrun 30 --timeout 2 -n 2 --transport "$t" "$PROGS/rma_stats" hang
    expect_rc 124 "a lock never given back ($t)"
    expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in ipc_win_lock\(rank 1, a window of 2 ranks\)$' \
        "a lock never given back ($t): rank 0"
    expect_err '^ipcrun: rank 1 \(pid [0-9]+\) was waiting in ipc_recv\(source 0, tag 5, IPC_COMM_WORLD\)$' \
        "a lock never given back ($t): rank 1"
done

# A deadlock: both ranks receive first.
deadlock_lines() { # what
    expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in ipc_recv\(source 1, tag 7, IPC_COMM_WORLD\)$' "$1: rank 0"
    expect_err '^ipcrun: rank 1 \(pid [0-9]+\) was waiting in ipc_recv\(source 0, tag 8, IPC_COMM_WORLD\)$' "$1: rank 1"
}
for t in shm unix; do
    ipcrun 30 --timeout 2 -n 2 --transport "$t" "$PROGS/deadlock"
    expect_rc 124 "a deadlock under --timeout 2 ($t)"
    expect_err '^ipcrun: timeout of 2 s expired; ranks 0-1 still running; stopping them$' \
        "a deadlock under --timeout 2 ($t)"
    deadlock_lines "a deadlock under --timeout 2 ($t)"
done
ipcrun 30 --timeout 1 -n 3 "$PROGS/deadlock" coll
expect_rc 124 "a deadlock in a barrier"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in ipc_barrier\(IPC_COMM_WORLD\)' "a deadlock in a barrier: rank 0"
expect_err '^ipcrun: rank 1 \(pid [0-9]+\) was waiting in ipc_recv\(source 0, tag 8, IPC_COMM_WORLD\)$' "a deadlock in a barrier: rank 1"

# Ctrl-C: ipcrun alone gets SIGINT here (its own process group), as when
# the ranks ignore it; it says where they were, then stops them.
m=$(unique_marker)
start_bg "$IPCRUN" -n 2 "$PROGS/deadlock" "$m"
deadline=$(($(now_ms) + 10000))
until [ "$(job_pids "$m" | wc -l)" -ge 3 ] || [ "$(now_ms)" -ge "$deadline" ]; do sleep 0.05; done
sleep 0.5 # into their receives
kill -INT "$BG_PID"
wait_bg 10 "SIGINT to a deadlock"
[ "$RC" -eq 130 ] || fail "SIGINT to a deadlock: exit status $RC, expected 130"
expect_err '^ipcrun: interrupted by signal 2; stopping 2 ranks$' "SIGINT to a deadlock"
deadlock_lines "SIGINT to a deadlock"
expect_gone "$m" 3 "SIGINT to a deadlock"

# SIGTERM, as from a batch system whose time limit is up: the same report.
m=$(unique_marker)
start_bg "$IPCRUN" -n 2 "$PROGS/deadlock" "$m"
deadline=$(($(now_ms) + 10000))
until [ "$(job_pids "$m" | wc -l)" -ge 3 ] || [ "$(now_ms)" -ge "$deadline" ]; do sleep 0.05; done
sleep 0.5
kill -TERM "$BG_PID"
wait_bg 10 "SIGTERM to a deadlock"
[ "$RC" -eq 143 ] || fail "SIGTERM to a deadlock: exit status $RC, expected 143"
expect_err '^ipcrun: interrupted by signal 15; stopping 2 ranks$' "SIGTERM to a deadlock"
deadlock_lines "SIGTERM to a deadlock"
expect_gone "$m" 3 "SIGTERM to a deadlock"

# Across hosts (node daemons through agent-local): the counts, the trace,
# and the line of a rank on another host, which its daemon sends.
agent=$(dirname "$0")/agent-local
A=hosta$$x$RANDOM B=hostb$$x$RANDOM
ipcrun 30 --agent "$agent" --tcp-if 127.0.0.1 -H "localhost:2,$A:1,$B:1" --stats --trace "$trace" "$APPS/ring" "$laps"
expect_rc 0 "--stats on 3 hosts"
check_ring_stats "--stats on 3 hosts"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["traceEvents"]; s=sorted(e["id"] for e in t if e["ph"]=="s"); f=sorted(e["id"] for e in t if e["ph"]=="f"); assert s==f and len(s)==4*int(sys.argv[2])' "$trace" "$laps" ||
    fail "--trace on 3 hosts: flows do not match"
ipcrun 30 --agent "$agent" --tcp-if 127.0.0.1 -H "localhost:1,$A:1" --timeout 1 "$PROGS/deadlock"
expect_rc 124 "a deadlock on 2 hosts"
expect_err '^ipcrun: rank 0 \(pid [0-9]+\) was waiting in ipc_recv\(source 1, tag 7, IPC_COMM_WORLD\)$' "a deadlock on 2 hosts: rank 0"
expect_err "^ipcrun: on host $A, rank 1 \\(pid [0-9]+\\) was waiting in ipc_recv\\(source 0, tag 8, IPC_COMM_WORLD\\)\$" \
    "a deadlock on 2 hosts: rank 1"

# Files that cannot be written are refused before anything starts.
ipcrun 30 -n 2 --trace /nonexistent-dir/t.json "$APPS/ring"
expect_rc 2 "--trace in a missing directory"
expect_err "^ipcrun: --trace '/nonexistent-dir/t.json': cannot write in '/nonexistent-dir'" \
    "--trace in a missing directory"
ipcrun 30 -n 2 --stats-json "$WORK" "$APPS/ring"
expect_rc 2 "--stats-json naming a directory"
expect_lines "$ERR" 1 "--stats-json naming a directory: stderr"
expect_clean "test_observe"
exit 0
