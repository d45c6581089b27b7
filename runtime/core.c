/*
 * core.c - start-up and shut-down, the job as ipcrun describes it, tunables,
 * errors, time and abort.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "boot/boot.h"
#include "coll/coll.h"
#include "ctl.h"
#include "internal.h"
#include "names.h"
#include "rma/rma.h"

struct ipc__state ipc__g = {.job = {.ctl_fd = -1},
                            .reqs = IPC__HTAB_INIT(struct ipc__req)};

/* ---- errors ---- */

const char *ipc_strerror(int err)
{
    switch (err) {
#define IPC__ERR_TEXT(name, value, text)                                              \
    case IPC_##name:                                                                  \
        return text;
        IPC_ERRNO_MAP(IPC__ERR_TEXT)
#undef IPC__ERR_TEXT
    default:
        return "unknown error code";
    }
}

const char *ipc_errname(int err)
{
    switch (err) {
#define IPC__ERR_NAME(name, value, text)                                              \
    case IPC_##name:                                                                  \
        return "IPC_" #name;
        IPC_ERRNO_MAP(IPC__ERR_NAME)
#undef IPC__ERR_NAME
    default:
        return "IPC_ERR_UNKNOWN";
    }
}

/* ---- tunables ---- */

static long env_long(const char *name, long def, long min, long max)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return def;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) {
        fprintf(stderr, "ipc: ignoring %s='%s': expected an integer from %ld to %ld\n", name,
                s, min, max);
        return def;
    }
    return v;
}

void ipc__tunables_load(struct ipc__tunables *t)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int local = ipc__g.job.local_size > 0 ? ipc__g.job.local_size : 1;
    /* Spinning only pays while every rank has a core of its own; with more
     * ranks than cores a spinning rank steals the core its peer needs. ipcrun
     * knows the cores the job may use (IPC_OVERSUBSCRIBED); without it, count. */
    bool over = cpus > 0 && local > cpus;
    t->oversubscribed = env_long("IPC_OVERSUBSCRIBED", over, 0, 1) != 0;

    t->eager_limit = (size_t)env_long("IPC_EAGER_LIMIT", 64 * 1024, 0, 1L << 30);
    /* With a core each, spinning costs nobody anything and saves a wake-up. */
    t->spin_us = (int)env_long("IPC_SPIN_US", t->oversubscribed ? 0 : 10000, 0, 10000000);
    /* Oversubscribed, a waiting rank yields before it sleeps: a yield hands
     * the core to a rank that shares it, cheaper than a futex round trip. Up
     * to 2 ranks a core, 32 yields: 4 ranks on 2 cores, 3 interleaved runs of
     * compare collsizes, 4 -> 32: alltoall 1 MiB 958-1245 -> 887-965 us,
     * allgather 1 MiB 807-1051 -> 812-860, reduce_scatter 1 MiB 1818-2232 ->
     * 1706-2099, the rest unchanged. More crowded, every waiter's yields go
     * round all the others, and 4 stay: on 8 ranks the 1 MiB rows got slower
     * with 32 (alltoall 5879-6463 -> 6828-7037), and a 16-rank ring took 13 s
     * instead of 7.1. */
    int yields = !t->oversubscribed ? 0 : cpus > 0 && local <= 2 * cpus ? 32 : 4;
    t->yield_count = (int)env_long("IPC_YIELD_COUNT", yields, 0, 1 << 20);
    t->pipe_size = (size_t)env_long("IPC_PIPE_SIZE", 1 << 20, 0, 1L << 30);
    t->socket_buf = (size_t)env_long("IPC_SOCKET_BUFFER", 1 << 20, 0, 1L << 30);
    t->peer_lost_wait_ms = (int)env_long("IPC_PEER_LOST_WAIT_MS", 5000, 0, 3600 * 1000);
    t->shm_ring_size = (size_t)env_long("IPC_SHM_RING_SIZE", 128 * 1024, 16 * 1024, 1L << 30);
    t->shm_max_segment =
        (size_t)env_long("IPC_SHM_MAX_SEGMENT", 64L << 20, 1L << 20, 64L << 30);
    t->shm_inbox = (int)env_long("IPC_SHM_INBOX", -1, -1, 1);
    t->shm_single_copy = env_long("IPC_SHM_SINGLE_COPY", 1, 0, 1) != 0;
    t->shm_split_min = (size_t)env_long("IPC_SHM_SPLIT_MIN", 256 * 1024, 0, 1L << 40);
    t->report_transports = env_long("IPC_REPORT_TRANSPORTS", 0, 0, 1) != 0;
    t->stats = env_long("IPC_STATS", 0, 0, 1) != 0;
    t->trace = env_long("IPC_TRACE", 0, 0, 1) != 0;
    t->trace_events = (size_t)env_long("IPC_TRACE_EVENTS", 1 << 16, 16, 1L << 26);
    /* Checked where it is used (tcp.c), which can say what it is for. */
    const char *tcp_if = getenv("IPC_TCP_IF");
    snprintf(t->tcp_if, sizeof t->tcp_if, "%s", tcp_if ? tcp_if : "");
    const char *from = getenv("IPC_TCP_IF_FROM");
    snprintf(t->tcp_if_from, sizeof t->tcp_if_from, "%s", from ? from : "");
}

/* ---- the job ---- */

static void make_singleton_id(char *out, size_t cap)
{
    unsigned char b[16] = {0};
    if (getrandom(b, sizeof b, 0) != sizeof b) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(b, &ts, sizeof ts < sizeof b ? sizeof ts : sizeof b);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, cap,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* The node of every rank: `nodes` in IPC_NODE_OF's form when the bootstrap
 * gives one (the local rank and size follow from it, whatever IPC_LOCAL_*
 * say), else all on one node. */
static int read_nodes(struct ipc__job *job, const char *nodes)
{
    job->node_of = calloc((size_t)job->size, sizeof *job->node_of);
    job->local_index = calloc((size_t)job->size, sizeof *job->local_index);
    if (!job->node_of || !job->local_index)
        return IPC_ERR_NOMEM;
    if (nodes) {
        char why[200];
        if (ipc__topo_parse(nodes, job->size, job->node_of, why, sizeof why) != 0) {
            fprintf(stderr, "ipc: rank %d: %s\n", job->rank, why);
            return IPC_ERR_WIREUP;
        }
    }
    ipc__topo_locals(job->node_of, job->size, job->local_index);
    job->node = job->node_of[job->rank];
    if (nodes) {
        job->local_rank = job->local_index[job->rank];
        job->local_size = ipc__topo_node_size(job->node_of, job->size, job->node);
    } else {
        /* One node: every other rank is local, in rank order. */
        for (int r = 0; r < job->size; r++)
            job->local_index[r] = r;
    }
    return IPC_SUCCESS;
}

/* ipcrun first: its ranks inherit whatever environment started ipcrun, PMI's
 * included (ipcrun inside srun). */
static const struct ipc__boot_ops *const boots[] = {&ipc__boot_ipcrun, &ipc__boot_pmi2,
                                                    &ipc__boot_pmix};

static int read_job(struct ipc__job *job)
{
    for (size_t i = 0; i < sizeof boots / sizeof boots[0]; i++) {
        if (!boots[i]->detect())
            continue;
        char *nodes = NULL;
        int rc = boots[i]->init(job, &nodes);
        if (rc == IPC_SUCCESS) {
            job->boot = boots[i];
            rc = read_nodes(job, nodes);
        }
        free(nodes);
        return rc;
    }
    /* srun without a PMI would make every task a job of one: say so. */
    const char *tasks = getenv("SLURM_STEP_NUM_TASKS");
    if (tasks && strcmp(tasks, "1") != 0) {
        fprintf(stderr, "ipc: started by srun without a PMI (SLURM_STEP_NUM_TASKS is set); "
                        "ipc programs meet through PMI-2: run them with srun --mpi=pmi2\n");
        return IPC_ERR_WIREUP;
    }
    /* Started alone: a job of one rank. */
    job->rank = job->local_rank = 0;
    job->size = job->local_size = 1;
    job->ctl_fd = -1;
    make_singleton_id(job->job_id, sizeof job->job_id);
    return read_nodes(job, NULL);
}

/* Pairs on one node use shm, or the transport IPC_TRANSPORT names; pairs on
 * two nodes use tcp (topo.c). */
static int pick_transports(struct ipc__job *job)
{
    const char *name = getenv("IPC_TRANSPORT");
    bool forced = name && *name;
    const struct ipc__transport_ops *local =
        ipc__transport_find(forced ? name : ipc__names_transport[IPC__NAMES_SHM]);
    char names[64];
    if (!local) {
        ipc__names_transport_list(names, sizeof names, " or ", 0);
        fprintf(stderr,
                "ipc: rank %d: transport '%s' (IPC_TRANSPORT) is not available; use %s\n",
                job->rank, name, names);
        return IPC_ERR_TRANSPORT;
    }
    if (local == &ipc__transport_pipe && job->boot && job->ctl_fd < 0) {
        ipc__names_transport_list(names, sizeof names, " or ", 1u << IPC__NAMES_PIPE);
        fprintf(stderr,
                "ipc: rank %d: the pipe transport needs ipcrun, which makes the pipes; "
                "under %s use %s (IPC_TRANSPORT)\n",
                job->rank, job->boot->name, names);
        return IPC_ERR_TRANSPORT;
    }
    ipc__topo_choose(job, local, forced);
    return IPC_SUCCESS;
}

/* Ranks start on the core of the launcher that spawned them, and the
 * scheduler takes milliseconds to spread them; until then two ranks that wait
 * for each other share one core. When there are cores enough, move to our own
 * now (the local_rank-th allowed cpu), then allow every cpu again: the
 * scheduler leaves a task where it runs while the load is even. A rank bound
 * to one cpu (ipcrun --bind-to) is left alone. */
static void start_on_own_core(const struct ipc__job *job)
{
    cpu_set_t allowed, one;
    if (job->size == 1 || job->tun.oversubscribed ||
        sched_getaffinity(0, sizeof allowed, &allowed) != 0 ||
        CPU_COUNT(&allowed) < 2)
        return;
    int want = job->local_rank % CPU_COUNT(&allowed);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed) || want-- > 0)
            continue;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) == 0)
            (void)sched_setaffinity(0, sizeof allowed, &allowed);
        return;
    }
}

/* Each rank holds a few descriptors per peer. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Chooses each link's transport, then connects every transport that any
 * pair of the job uses, on every rank and in the same order: their connect()
 * may meet in fences on the control channel. */
static int connect_peers(void)
{
    struct ipc__job *job = &ipc__g.job;
    ipc__g.links = calloc((size_t)job->size, sizeof *ipc__g.links);
    if (!ipc__g.links)
        return IPC_ERR_NOMEM;
    for (int p = 0; p < job->size; p++) {
        const struct ipc__transport_ops *t = ipc__pair_transport(job, job->rank, p);
        ipc__g.links[p].rfd = ipc__g.links[p].wfd = -1;
        if (t && !t->probe(job, p)) {
            fprintf(stderr,
                    "ipc: rank %d: the %s transport cannot reach rank %d (node %d)\n",
                    job->rank, t->name, p, job->node_of[p]);
            return IPC_ERR_TRANSPORT;
        }
        ipc__g.links[p].ops = t;
    }
    while (job->nconnected < job->nused) {
        /* Counted before it runs: a connect that fails still gets its fini(). */
        struct ipc__transport *t = &job->transports[job->nconnected++];
        int rc = t->ops->connect(t, job, ipc__g.links);
        if (rc != IPC_SUCCESS)
            return rc;
    }
    for (int i = 0; i < job->nused && !ipc__g.node; i++)
        if (job->transports[i].ops->node_area)
            ipc__g.node = job->transports[i].ops->node_area(&job->transports[i]);
    return IPC_SUCCESS;
}

static void release_all(void)
{
    struct ipc__list *pos;
    while ((pos = ipc__g.unexpected.head.next) != &ipc__g.unexpected.head) {
        struct ipc__umsg *u = ipc__container_of(pos, struct ipc__umsg, mn.link);
        ipc__mq_remove(&ipc__g.unexpected, &u->mn);
        free(u->data);
        free(u);
    }
    for (int p = 0; ipc__g.links && p < ipc__g.job.size; p++)
        if (ipc__g.links[p].ops)
            ipc__g.links[p].ops->close(&ipc__g.links[p]);
    ipc__g.node = NULL;
    for (int i = 0; i < ipc__g.job.nconnected; i++) {
        struct ipc__transport *t = &ipc__g.job.transports[i];
        if (t->ops->fini)
            t->ops->fini(t);
    }
    ipc__g.job.nconnected = 0;
    ipc__rma_fini();
    ipc__obs_fini();
    ipc__progress_fini();
    free(ipc__g.links);
    ipc__g.links = NULL;
    free(ipc__g.job.node_of);
    free(ipc__g.job.local_index);
    ipc__g.job.node_of = ipc__g.job.local_index = NULL;
    ipc__p2p_fini();
    ipc__nbc_fini();
}

/* What --report-transports says of a transport beyond its name. */
static int transport_detail(const struct ipc__job *job,
                            const struct ipc__transport_ops *t, bool mixed, char *out,
                            size_t cap)
{
    struct ipc__transport *self = ipc__job_transport(&ipc__g.job, t);
    return self && t->describe ? t->describe(self, job, mixed, out, cap) : 0;
}

/* --report-transports, every rank's line on stderr: what carries its
 * messages to the other ranks, and why. A rank with peers on its node and on
 * others says how many of each; rank 0's table (topo.c) says why. */
static void report_transports(const struct ipc__job *job)
{
    if (job->size == 1) {
        fprintf(stderr, "ipc: rank 0 of 1: no peers, no transport\n");
        return;
    }
    int near = 0, far = 0;
    for (int p = 0; p < job->size; p++) {
        near += p != job->rank && job->node_of[p] == job->node;
        far += job->node_of[p] != job->node;
    }
    char line[512];
    size_t cap = sizeof line;
    int n;
    if (near && far && job->local != job->remote) {
        n = snprintf(line, cap,
                     "ipc: rank %d of %d (node %d): %s to %d rank%s of its node, "
                     "%s to %d of other nodes",
                     job->rank, job->size, job->node, job->local->name, near,
                     near == 1 ? "" : "s", job->remote->name, far);
        n += transport_detail(job, job->local, true, line + n, cap - (size_t)n);
        transport_detail(job, job->remote, true, line + n, cap - (size_t)n);
    } else {
        const struct ipc__transport_ops *t = far ? job->remote : job->local;
        const char *why = t == job->remote && t != job->local
                              ? "the default between nodes"
                          : job->forced ? "chosen with --transport or IPC_TRANSPORT"
                                        : "the default for ranks on one host";
        n = snprintf(line, cap, "ipc: rank %d of %d: %s to the %d other rank%s (%s)",
                     job->rank, job->size, t->name, job->size - 1,
                     job->size == 2 ? "" : "s", why);
        transport_detail(job, t, false, line + n, cap - (size_t)n);
    }
    /* Rank 0 adds the job's line on windows, and one rank of each node the
     * node's line, in the same write. */
    char rma[512], node[256];
    struct ipc__transport *local = ipc__job_transport(&ipc__g.job, job->local);
    bool has_node = near && local && job->local->describe_node &&
                    job->local->describe_node(local, job, node, sizeof node) > 0;
    bool has_rma = job->rank == 0 && ipc__rma_describe(rma, sizeof rma) > 0;
    fprintf(stderr, "%s\n%s%s%s%s", line, has_node ? node : "", has_node ? "\n" : "",
            has_rma ? rma : "", has_rma ? "\n" : "");
}

/* Rank 0's table of the whole job, written at once, before any rank can have
 * left ipc_init (so before the job's own output). */
static void report_pairs(const struct ipc__job *job)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    ipc__topo_report(job, f);
    if (fclose(f) == 0 && len)
        fwrite(text, 1, len, stderr);
    free(text);
}

int ipc_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ipc__g.initialized)
        return IPC_ERR_INITIALIZED;
    ipc__mq_init(&ipc__g.posted);
    ipc__mq_init(&ipc__g.unexpected);
    int rc = read_job(&ipc__g.job);
    if (rc != IPC_SUCCESS) {
        release_all();
        return rc;
    }
    ipc__tunables_load(&ipc__g.job.tun);
    if (ipc__g.job.boot)
        /* Forwarded output should appear as it is written and survive a crash. */
        setvbuf(stdout, NULL, _IOLBF, 0);
    /* A write to a vanished peer must be an error code, not a silent death. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    start_on_own_core(&ipc__g.job);
    if ((rc = pick_transports(&ipc__g.job)) != IPC_SUCCESS) {
        release_all();
        return rc;
    }
    if (ipc__g.job.tun.report_transports && ipc__g.job.rank == 0)
        report_pairs(&ipc__g.job);
    if ((rc = connect_peers()) != IPC_SUCCESS ||
        (rc = ipc__progress_init()) != IPC_SUCCESS ||
        (rc = ipc__obs_init()) != IPC_SUCCESS || (rc = ipc__p2p_init()) != IPC_SUCCESS) {
        release_all();
        return rc;
    }
    ipc__comm_init();
    ipc__g.initialized = true;
    if (ipc__g.job.tun.report_transports)
        report_transports(&ipc__g.job);
    return IPC_SUCCESS;
}

int ipc_finalize(void)
{
    if (!ipc__g.initialized || ipc__g.finalized)
        return IPC_ERR_NOT_INITIALIZED;
    ipc__obs_enter(IPC__CALL_FINALIZE, IPC_COMM_WORLD, -2, -1, 0);
    int rc = ipc__flush_sends();
    /* Counts end here: the final barrier is not the program's traffic. */
    ipc__obs_report();
    if (rc == IPC_SUCCESS)
        rc = ipc__coll_barrier_tagged(IPC_COMM_WORLD, IPC__TAG_FINAL_BARRIER);
    ipc__obs_exit();
    /* After the barrier nobody sends to us any more: say goodbye so that our
     * end of stream is not taken for a crash, and leave. */
    ipc__g.finalizing = true;
    ipc__send_bye();
    ipc__flush_sends();
    fflush(NULL);
    if (ipc__g.job.boot)
        ipc__g.job.boot->finalize();
    release_all();
    ipc__g.finalized = true;
    return rc;
}

int ipc_initialized(int *flag)
{
    if (!flag)
        return IPC_ERR_ARG;
    *flag = ipc__g.initialized;
    return IPC_SUCCESS;
}

int ipc_finalized(int *flag)
{
    if (!flag)
        return IPC_ERR_ARG;
    *flag = ipc__g.finalized;
    return IPC_SUCCESS;
}

static void peer_gone(int p, const char *why, bool wait_for_launcher)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    if (pe->lost)
        return;
    pe->lost = true;
    ipc__g.any_lost = true;
    if (ipc__g.finalizing) {
        ipc__fail_peer_traffic(p, IPC_ERR_PEER);
        return;
    }
    if (wait_for_launcher && ipc__g.job.ctl_fd >= 0 && ipc__g.job.tun.peer_lost_wait_ms > 0) {
        /* A vanished peer means the job is failing: ipcrun is about to stop
         * every rank. Give it the time to do so, so that the failure it
         * reports is the peer's, not ours. */
        struct pollfd pfd = {.fd = ipc__g.job.ctl_fd, .events = POLLIN};
        poll(&pfd, 1, ipc__g.job.tun.peer_lost_wait_ms);
    }
    fprintf(stderr, "ipc: rank %d: lost rank %d: %s\n", ipc__g.job.rank, p, why);
    ipc__fail_peer_traffic(p, IPC_ERR_PEER);
}

void ipc__peer_lost(int p, const char *why)
{
    peer_gone(p, why, true);
}

void ipc__peer_unreachable(int p, const char *why)
{
    peer_gone(p, why, false);
}

/* ---- datatypes ---- */

const struct ipc__datatype ipc__type_byte = {"IPC_BYTE", 1};
const struct ipc__datatype ipc__type_char = {"IPC_CHAR", sizeof(char)};
const struct ipc__datatype ipc__type_int = {"IPC_INT", sizeof(int)};
const struct ipc__datatype ipc__type_long = {"IPC_LONG", sizeof(long)};
const struct ipc__datatype ipc__type_int64 = {"IPC_INT64", 8};
const struct ipc__datatype ipc__type_uint64 = {"IPC_UINT64", 8};
const struct ipc__datatype ipc__type_float = {"IPC_FLOAT", sizeof(float)};
const struct ipc__datatype ipc__type_double = {"IPC_DOUBLE", sizeof(double)};

int ipc_type_size(ipc_datatype type, size_t *size)
{
    if (!type)
        return IPC_ERR_TYPE;
    if (!size)
        return IPC_ERR_ARG;
    *size = type->size;
    return IPC_SUCCESS;
}

/* ---- time and abort ---- */

double ipc_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ipc_abort(ipc_comm comm, int errorcode)
{
    (void)comm; /* the whole job ends, whatever the communicator */
    int code = errorcode >= 1 && errorcode <= 255 ? errorcode : 1;
    if (ipc__g.initialized && !ipc__g.finalized)
        ipc__obs_report(); /* what led up to the abort is worth seeing */
    fflush(NULL);
    if (ipc__g.job.boot && !ipc__g.finalized)
        ipc__g.job.boot->abort(code);
    _exit(code);
}
