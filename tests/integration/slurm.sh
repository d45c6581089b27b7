# slurm.sh - a private Slurm cluster for tests of srun and of ipcrun inside
# an allocation (bash; needs root, Debian's slurm-wlm, munge and libpmi2-0:
# `scripts/install-deps slurm`, or `make check SLURM=1`).
#
# Source it after lib.sh and netns.sh. Everything the cluster uses lives in
# one temporary directory: the configuration, munge's key, socket, pid, log
# and seed files, slurmctld's state, every slurmd's spool, pid and log file.
# Nothing is installed as a service and nothing outside that directory is
# written (no /etc/slurm, /etc/munge, /run, /var).
#
#   slurm_available   true when root and the programs and libpmi2 are here;
#                     else false, with the reason in SLURM_WHY
#   slurm_require     skip the test (lib.sh's skip) unless slurm_available
#   slurm_start K     K nodes: in network namespaces (netns.sh; slurmctld and
#                     the client commands run in the first) when namespaces
#                     work, else one node on this host (K is then 1; set
#                     SLURM_NETNS=0 to ask for that). Sets
#                       SLURM_NODES  (array) the node names
#                       SLURM_MODE   "netns" or "host"
#                     and waits until every node is idle; fails the test when
#                     it cannot
#   srun_ SECS ARGS... / salloc_ SECS ARGS...   lib.sh's run of srun / salloc
#                     against the cluster (in the first namespace)
#   slurm_teardown    stops every daemon the run started (TERM, then KILL),
#                     checks that no slurmstepd or job process of the run is
#                     left, and removes the directory; idempotent; runs on
#                     exit before netns.sh's teardown
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this

SLURM_DIR=
SLURM_WHY=
SLURM_NODES=()
SLURM_MODE=
SLURM_PIDS=() # daemons this run started
SLURM_CLIENT=() # the prefix that runs a command where the client commands run

slurm_available() {
    local p
    SLURM_WHY=
    if [ "$(id -u)" != 0 ]; then
        SLURM_WHY="a private Slurm cluster needs root"
        return 1
    fi
    for p in munged slurmctld slurmd srun salloc scontrol; do
        if ! command -v "$p" >/dev/null; then
            SLURM_WHY="Slurm is not installed ($p is missing); run 'make check SLURM=1' or 'scripts/install-deps slurm' as root"
            return 1
        fi
    done
    if ! ldconfig -p | grep -q 'libpmi2\.so\.0 '; then
        SLURM_WHY="Slurm's PMI-2 library libpmi2.so.0 is missing (Debian package libpmi2-0); run 'scripts/install-deps slurm' as root"
        return 1
    fi
}

slurm_require() {
    slurm_available || skip "$SLURM_WHY"
}

# slurm.conf for nodes "name addr" ... with slurmctld at $1.
slurm_write_conf() {
    local ctld_addr=$1 ctld_port=$2 slurmd_port=$3
    shift 3
    cat >"$SLURM_DIR/slurm.conf" <<EOF
# A private test cluster made by tests/integration/slurm.sh.
ClusterName=ipctest
SlurmctldHost=$(hostname -s)($ctld_addr)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_DIR/munge.socket
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool-%n
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd-%n.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SwitchType=switch/none
MailProg=/bin/true
KillWait=2
EOF
    local node addr
    while [ $# -gt 0 ]; do
        node=$1 addr=$2
        shift 2
        echo "NodeName=$node NodeAddr=$addr CPUs=8 State=UNKNOWN" >>"$SLURM_DIR/slurm.conf"
    done
    echo "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE" \
        >>"$SLURM_DIR/slurm.conf"
}

# A free TCP port of this namespace, from a range the kernel does not hand out.
slurm_free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 12000))
        ss -Htln "sport = :$port" 2>/dev/null | grep -q . || break
    done
    echo "$port"
}

# Starts a daemon in the background (in namespace $1, "" for this one) and
# keeps its pid. The daemons run in the foreground (-D, -F) and env and ip
# netns exec exec them: the pid is theirs. SLURM_CONF marks them and
# everything they start (slurm_leftovers).
slurm_daemon() {
    local ns=$1 log=$2
    shift 2
    local conf=SLURM_CONF=$SLURM_DIR/slurm.conf
    if [ -n "$ns" ]; then
        nsenter --net="/run/netns/$ns" env "$conf" "$@" >"$log" 2>&1 </dev/null &
    else
        env "$conf" "$@" >"$log" 2>&1 </dev/null &
    fi
    SLURM_PIDS+=($!)
}

slurm_wait_idle() {
    local secs=$1 deadline states
    deadline=$(($(now_ms) + secs * 1000))
    while :; do
        states=$("${SLURM_CLIENT[@]}" sinfo -h -N -o '%N %t' 2>/dev/null)
        if [ "$(echo "$states" | grep -c ' idle$')" -eq "${#SLURM_NODES[@]}" ]; then
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then
            SLURM_WHY="nodes not idle after ${secs}s: $(echo "$states" | paste -sd,); $(tail -n 3 "$SLURM_DIR"/slurm*.log 2>/dev/null | grep -i error | head -n 2 | paste -sd' ')"
            return 1
        fi
        sleep 0.2
    done
}

slurm_start() {
    local k=$1 t0 i ctld_ns='' ctld_addr=127.0.0.1 nodes=()
    t0=$(now_ms)
    # Not under /tmp/...ipc...: the leftover checks look for that name.
    SLURM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/slurmtest.XXXXXX") ||
        fail "slurm_start: cannot create a directory in ${TMPDIR:-/tmp}"
    chmod 755 "$SLURM_DIR"
    mkdir -p "$SLURM_DIR/state"
    if [ "${SLURM_NETNS:-1}" != 0 ] && netns_available; then
        SLURM_MODE=netns
        netns_setup "$k" >/dev/null
        ctld_ns=${NETNS_HOSTS[0]} ctld_addr=${NETNS_ADDRS[0]}
        for i in "${!NETNS_HOSTS[@]}"; do
            SLURM_NODES+=("${NETNS_HOSTS[$i]}")
            nodes+=("${NETNS_HOSTS[$i]}" "${NETNS_ADDRS[$i]}")
        done
        slurm_write_conf "$ctld_addr" 6817 6818 "${nodes[@]}"
        SLURM_CLIENT=(nsenter --net="/run/netns/$ctld_ns" env "SLURM_CONF=$SLURM_DIR/slurm.conf")
    else
        SLURM_MODE=host
        SLURM_NODES=(ipctn1)
        slurm_write_conf 127.0.0.1 "$(slurm_free_port)" "$(slurm_free_port)" ipctn1 127.0.0.1
        SLURM_CLIENT=(env "SLURM_CONF=$SLURM_DIR/slurm.conf")
    fi
    for i in "${SLURM_NODES[@]}"; do mkdir -p "$SLURM_DIR/spool-$i"; done
    # munge: its own key, socket, pid, log and seed files.
    dd if=/dev/urandom of="$SLURM_DIR/munge.key" bs=1024 count=1 status=none
    chmod 400 "$SLURM_DIR/munge.key"
    slurm_daemon "" "$SLURM_DIR/munged.out" munged -F --force \
        --socket="$SLURM_DIR/munge.socket" --key-file="$SLURM_DIR/munge.key" \
        --pid-file="$SLURM_DIR/munged.pid" --log-file="$SLURM_DIR/munged.log" \
        --seed-file="$SLURM_DIR/munged.seed" --num-threads=2
    for ((i = 0; i < 50; i++)); do
        [ -S "$SLURM_DIR/munge.socket" ] && break
        sleep 0.05
    done
    [ -S "$SLURM_DIR/munge.socket" ] || fail "slurm_start: munged did not start: $(tail -n 2 "$SLURM_DIR/munged.out")"
    slurm_daemon "$ctld_ns" "$SLURM_DIR/slurmctld.out" slurmctld -D -c -i -f "$SLURM_DIR/slurm.conf"
    for i in "${!SLURM_NODES[@]}"; do
        local ns=
        [ "$SLURM_MODE" = netns ] && ns=${NETNS_HOSTS[$i]}
        slurm_daemon "$ns" "$SLURM_DIR/slurmd-${SLURM_NODES[$i]}.out" \
            slurmd -D -N "${SLURM_NODES[$i]}" -f "$SLURM_DIR/slurm.conf"
    done
    slurm_wait_idle 20 || fail "slurm_start: $SLURM_WHY"
    echo "slurm: ${#SLURM_NODES[@]} node(s) (${SLURM_NODES[*]}, $SLURM_MODE) up in $(($(now_ms) - t0)) ms"
}

srun_() {
    local secs=$1
    shift
    run "$secs" "${SLURM_CLIENT[@]}" srun "$@"
}

salloc_() {
    local secs=$1
    shift
    run "$secs" "${SLURM_CLIENT[@]}" salloc "$@"
}

# Processes of this run's cluster: the daemons run with SLURM_CONF set to
# its configuration, and slurmstepd and every job inherit it.
slurm_leftovers() {
    local pid
    [ -n "$SLURM_DIR" ] || return 0
    for pid in $(grep -l -s -F "SLURM_CONF=$SLURM_DIR/" /proc/[0-9]*/environ | cut -d/ -f3); do
        echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c 1-80)"
    done
}

# What slurm_leftovers gives, but the daemons and their own helpers
# (slurmctld's slurmscriptd): slurmstepd and the jobs' processes.
slurm_job_leftovers() {
    local pid ppid line daemons=" ${SLURM_PIDS[*]} "
    slurm_leftovers | while read -r line; do
        pid=${line%% *}
        ppid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null)
        case $daemons in *" $pid "* | *" $ppid "*) continue ;; esac
        echo "$line"
    done
}

slurm_teardown() {
    local status=0 pid i left
    [ -n "$SLURM_DIR" ] || return 0
    # Jobs first (a running step keeps its slurmstepd), then the daemons.
    "${SLURM_CLIENT[@]}" timeout 5 scancel --quiet --full -u root >/dev/null 2>&1
    for ((i = 0; i < 50; i++)); do
        [ -z "$(slurm_job_leftovers)" ] && break
        sleep 0.1
    done
    for pid in "${SLURM_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${SLURM_PIDS[@]}"; do
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            SLURM_WHY="${SLURM_WHY:+$SLURM_WHY; }daemon $pid ignored SIGTERM"
            status=1
        fi
        wait "$pid" 2>/dev/null
    done
    SLURM_PIDS=()
    left=$(slurm_leftovers | sort -u)
    if [ -n "$left" ]; then
        SLURM_WHY="${SLURM_WHY:+$SLURM_WHY; }processes left: $(echo "$left" | paste -sd';')"
        # shellcheck disable=SC2046 # one pid a word
        kill -KILL $(echo "$left" | cut -d' ' -f1) 2>/dev/null
        status=1
    fi
    if [ "$status" != 0 ] && [ -n "${SLURM_KEEP_LOGS:-}" ]; then
        cp -r "$SLURM_DIR" "$SLURM_KEEP_LOGS" 2>/dev/null
    fi
    rm -rf "$SLURM_DIR"
    SLURM_DIR=
    return $status
}

slurm_exit() {
    local rc=$?
    if ! slurm_teardown; then
        echo "$TEST_NAME: $SLURM_WHY"
        [ "$rc" -eq 0 ] && rc=1
    fi
    netns_exit_rc "$rc"
}

# netns.sh's exit handler, with the status given.
netns_exit_rc() {
    (exit "$1")
    netns_exit
}
trap slurm_exit EXIT
