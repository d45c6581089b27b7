# netns.sh - network namespaces as hosts, for tests of jobs over several
# hosts on one machine (bash; needs root and iproute2).
#
# Source it after lib.sh. netns_setup K makes K "hosts": namespaces joined
# by veth pairs to a Linux bridge that lives in one more, "switch",
# namespace, so that nothing at all is added to the root namespace:
#
#     host a (veth 10.213.N.1) --+
#     host b (veth 10.213.N.2) --+-- bridge, in the switch namespace
#     host c (veth 10.213.N.3) --+
#
# N is the first subnet 10.213.N.0/24 that no address or route of the root
# namespace overlaps. Every name of a run starts with NETNS_PREFIX (ipct<pid
# of the test>): hosts ipct<pid>a, ipct<pid>b..., the switch ipct<pid>s; in
# each host the veth has the host's name, in the switch the bridge port to a
# host too. Teardown runs on exit, from an EXIT trap (bash runs it also when
# a signal ends the test), and deletes every namespace, which deletes the
# veths and the bridge with it.
#
#   netns_available       true when root and namespaces, veths and bridges can
#                         be made (a probe namespace is made and deleted);
#                         else false, with the reason in NETNS_WHY
#   netns_require         skip the test (lib.sh's skip) unless netns_available
#   netns_setup K         make K hosts (1 to 26) and wait until each reaches
#                         every other; sets
#                           NETNS_HOSTS   (array) the host namespaces' names
#                           NETNS_ADDRS   (array) their addresses, same order
#                           NETNS_SUBNET  10.213.N.0/24
#                           NETNS_SWITCH  the switch namespace
#                         and prints them; fails the test when it cannot
#   netns_reaches NS ADDR...  true when NS gets an answer over TCP from
#                         every ADDR
#   netns_pids NS         pids of the processes in NS, one a line
#   netns_leftovers       "NS: pid command" for every process left in any of
#                         this run's namespaces, one a line
#   expect_netns_empty SECS WHAT   fail, naming them, unless every namespace
#                         of the run is empty within SECS
#   netns_teardown        kill what is left in the namespaces (that is a
#                         failure: returns 1, NETNS_WHY names them), delete
#                         every namespace, and check that `ip netns list` and
#                         `ip link` of the root namespace show nothing of the
#                         run; idempotent
#
# How a test of a job over several hosts uses it (the hosts are namespaces,
# whose names ipcrun's --host takes as host names; ranks in a host must
# listen on that host's address, which the subnet finds in each):
#
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/netns.sh"
#     netns_require
#     netns_setup 2
#     a=${NETNS_HOSTS[0]} b=${NETNS_HOSTS[1]}
#     ipcrun 60 --agent "ip netns exec" --host "$a:2,$b:2" \
#         --tcp-if "$NETNS_SUBNET" --transport tcp "$APPS/ring"
#     expect_rc 0 "ring over 2 hosts"
#     expect_netns_empty 2 "ring over 2 hosts"
#
# Limits: stale namespaces of a run that was killed outright (SIGKILL
# leaves no trap to run) are deleted by the next netns_setup, when they are
# empty. A process that is still entering a namespace at teardown (an `ip
# netns exec` started a moment before) escapes the leftover check: end or
# wait for a job before tearing down. Reachability is probed without ping or
# a listener: a connection to a closed port must be refused by the peer.
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this

NETNS_PREFIX=ipct$$
NETNS_HOSTS=()
NETNS_ADDRS=()
NETNS_SUBNET=
NETNS_SWITCH=
NETNS_WHY=
NETNS_CREATED=() # every namespace this run made and has not deleted

netns_available() {
    local probe=${NETNS_PREFIX}probe err
    NETNS_WHY=
    if [ "$(id -u)" != 0 ]; then
        NETNS_WHY="network namespaces need root"
        return 1
    fi
    if ! command -v ip >/dev/null; then
        NETNS_WHY="no 'ip' command (Debian package iproute2)"
        return 1
    fi
    if ! err=$(ip netns add "$probe" 2>&1); then
        NETNS_WHY="'ip netns add' fails here: $err"
        return 1
    fi
    local made=0
    err=$({ ip -n "$probe" link add v0 type veth peer name v1 &&
        ip -n "$probe" link add b0 type bridge; } 2>&1) && made=1
    ip netns del "$probe" 2>/dev/null
    if [ "$made" = 0 ]; then
        NETNS_WHY="no veth or bridge in a namespace: $err"
        return 1
    fi
}

netns_require() {
    netns_available || skip "$NETNS_WHY"
}

# Whether an IPv4 prefix "a.b.c.d/len" (a bare address is a /32) overlaps
# 10.213.N.0/24.
netns_overlaps() {
    local prefix=$1 n=$2 a b c d len
    IFS=./ read -r a b c d len <<<"$prefix"
    len=${len:-32}
    local theirs=$(((a << 24) | (b << 16) | (c << 8) | d)) ours=$(((10 << 24) | (213 << 16) | (n << 8)))
    local bits=$((len < 24 ? len : 24))
    [ "$bits" -eq 0 ] || [ $((theirs >> (32 - bits))) -eq $((ours >> (32 - bits))) ]
}

# Sets NETNS_SUBNET to the first 10.213.N.0/24 that no address or route of
# the root namespace overlaps (its table local holds every address; the
# default route does not count).
netns_pick_subnet() {
    local prefixes n p clash
    prefixes=$(ip -4 -o route show table all |
        awk '$1 != "default" { print ($1 ~ /^[0-9]/) ? $1 : $2 }' | sort -u)
    for ((n = 0; n < 256; n++)); do
        clash=
        for p in $prefixes; do
            [[ $p =~ ^[0-9.]+(/[0-9]+)?$ ]] || continue
            netns_overlaps "$p" "$n" && clash=$p && break
        done
        if [ -z "$clash" ]; then
            NETNS_SUBNET=10.213.$n.0/24
            return 0
        fi
    done
    return 1
}

# A connection to a port where nothing listens is refused by the peer's
# kernel, whose reset proves the path both ways; an address out of reach
# gives no answer within 2 s. Needs no ping and no listener.
netns_reaches() {
    local ns=$1
    shift
    # shellcheck disable=SC2016 # for the inner shell
    ip netns exec "$ns" env LC_ALL=C timeout 2 bash -c '
        for addr; do
            out=$({ exec 3<>"/dev/tcp/$addr/9"; } 2>&1) ||
                case $out in *"Connection refused"*) ;; *) exit 1 ;; esac
        done' netns-probe "$@" 2>/dev/null
}

# Deletes empty namespaces left by runs whose test is gone.
netns_reap_stale() {
    local ns pid
    while read -r ns _; do
        [[ $ns =~ ^ipct([0-9]+)[a-z]+$ ]] || continue
        pid=${BASH_REMATCH[1]}
        kill -0 "$pid" 2>/dev/null && continue
        [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || continue
        ip netns del "$ns" 2>/dev/null && echo "netns: deleted the stale namespace $ns"
    done < <(ip netns list 2>/dev/null)
}

# Makes the switch and K hosts, with one ip -batch a namespace; on a failure
# the caller tears down.
netns_build() {
    local k=$1 i ns addr hosts=() ports='' letters=abcdefghijklmnopqrstuvwxyz
    local net=${NETNS_SUBNET%.0/24} sw=${NETNS_PREFIX}s
    for ((i = 0; i < k; i++)); do
        hosts+=("$NETNS_PREFIX${letters:i:1}")
    done
    for ns in "$sw" "${hosts[@]}"; do
        [ ! -e "/run/netns/$ns" ] || {
            echo "netns: the namespace $ns exists already"
            return 1
        }
    done
    NETNS_CREATED=("$sw" "${hosts[@]}")
    printf 'netns add %s\n' "${NETNS_CREATED[@]}" | ip -batch - || return 1
    NETNS_SWITCH=$sw
    printf '%s\n' "link set lo up" "link add $sw type bridge" "link set $sw up" |
        ip -n "$sw" -batch - || return 1
    for ((i = 0; i < k; i++)); do
        ns=${hosts[i]}
        addr=$net.$((i + 1))
        # Both ends are made in their namespaces: none is ever in the root one.
        printf '%s\n' "link set lo up" "link add $ns type veth peer name $ns netns $sw" \
            "addr add $addr/24 dev $ns" "link set $ns up" | ip -n "$ns" -batch - || return 1
        ports="${ports}link set $ns master $sw up"$'\n'
        NETNS_HOSTS+=("$ns")
        NETNS_ADDRS+=("$addr")
    done
    printf '%s' "$ports" | ip -n "$sw" -batch -
}

# Waits up to SECS for every host to reach every other one.
netns_wait_reachable() {
    local secs=$1 deadline i others
    deadline=$(($(now_ms) + secs * 1000))
    for i in "${!NETNS_HOSTS[@]}"; do
        others=("${NETNS_ADDRS[@]:0:i}" "${NETNS_ADDRS[@]:i+1}")
        [ ${#others[@]} -gt 0 ] || continue
        until netns_reaches "${NETNS_HOSTS[$i]}" "${others[@]}"; do
            if [ "$(now_ms)" -ge "$deadline" ]; then
                NETNS_WHY="${NETNS_HOSTS[$i]} cannot reach all of ${others[*]} after ${secs}s"
                return 1
            fi
            sleep 0.05
        done
    done
}

netns_setup() {
    local k=$1 t0
    case $k in
    [1-9] | 1[0-9] | 2[0-6]) ;;
    *) fail "netns_setup takes 1 to 26 hosts, got '$k'" ;;
    esac
    [ ${#NETNS_CREATED[@]} -eq 0 ] || fail "netns_setup: this run has its namespaces already"
    t0=$(now_ms)
    netns_reap_stale
    netns_pick_subnet || fail "netns_setup: every subnet 10.213.N.0/24 overlaps the root namespace's"
    netns_build "$k" || fail "netns_setup: could not make $k hosts (see the lines above)"
    netns_wait_reachable 10 || fail "netns_setup: $NETNS_WHY"
    local i list=
    for i in "${!NETNS_HOSTS[@]}"; do
        list="$list${list:+, }${NETNS_HOSTS[$i]} ${NETNS_ADDRS[$i]}"
    done
    echo "netns: hosts $list on $NETNS_SUBNET, switch $NETNS_SWITCH (set up in $(($(now_ms) - t0)) ms)"
}

netns_pids() {
    ip netns pids "$1" 2>/dev/null
}

netns_leftovers() {
    local ns pid
    [ ${#NETNS_CREATED[@]} -gt 0 ] || return 0
    # One ip for every namespace first: they are nearly always empty.
    [ -n "$(printf 'netns pids %s\n' "${NETNS_CREATED[@]}" | ip -force -batch - 2>/dev/null)" ] ||
        return 0
    for ns in "${NETNS_CREATED[@]}"; do
        for pid in $(netns_pids "$ns"); do
            echo "$ns: $pid $(ps -o args= -p "$pid" 2>/dev/null | cut -c 1-80)"
        done
    done
}

expect_netns_empty() {
    local secs=$1 what=$2 deadline left
    deadline=$(($(now_ms) + secs * 1000))
    while left=$(netns_leftovers) && [ -n "$left" ]; do
        [ "$(now_ms)" -ge "$deadline" ] &&
            fail "$what: processes left in the namespaces after ${secs}s: $(echo "$left" | paste -sd';')"
        sleep 0.05
    done
}

# What the root namespace still shows of this run: namespaces and links.
netns_traces() {
    local line name ours="^${NETNS_PREFIX}[a-z]+$"
    while read -r name _; do
        [[ $name =~ $ours ]] && echo "namespace $name"
    done < <(ip netns list 2>/dev/null)
    while IFS= read -r line; do
        name=${line#*: }
        name=${name%%[:@]*}
        [[ $name =~ $ours ]] && echo "link $name"
    done < <(ip -o link show 2>/dev/null)
    return 0
}

netns_teardown() {
    local left ns pids deadline traces status=0
    [ ${#NETNS_CREATED[@]} -eq 0 ] && return 0
    left=$(netns_leftovers)
    NETNS_WHY=
    if [ -n "$left" ]; then
        NETNS_WHY="processes left in the namespaces at teardown (killed): $(echo "$left" | paste -sd';')"
        status=1
        for ns in "${NETNS_CREATED[@]}"; do
            pids=$(netns_pids "$ns")
            [ -n "$pids" ] || continue
            # shellcheck disable=SC2086 # one pid a word
            kill -KILL $pids 2>/dev/null
            # The braces take the shell's "Killed" notice away from the log.
            # shellcheck disable=SC2086 # one pid a word
            { wait $pids; } 2>/dev/null
        done
        deadline=$(($(now_ms) + 2000))
        while [ -n "$(netns_leftovers)" ] && [ "$(now_ms)" -lt "$deadline" ]; do
            sleep 0.05
        done
    fi
    printf 'netns del %s\n' "${NETNS_CREATED[@]}" | ip -force -batch - 2>/dev/null
    NETNS_CREATED=()
    NETNS_HOSTS=()
    NETNS_ADDRS=()
    traces=$(netns_traces)
    if [ -n "$traces" ]; then
        NETNS_WHY="${NETNS_WHY:+$NETNS_WHY; }left in the root namespace: $(echo "$traces" | paste -sd,)"
        status=1
    fi
    return $status
}

# On exit, whatever the way: a test that would pass fails when its
# namespaces were not empty.
netns_exit() {
    local rc=$?
    if ! netns_teardown; then
        echo "$TEST_NAME: $NETNS_WHY"
        [ "$rc" -eq 0 ] && rc=1
    fi
    lib_cleanup
    exit "$rc"
}
trap netns_exit EXIT
