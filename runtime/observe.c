/*
 * observe.c - the rank's side of ipcrun --stats, --trace and of the report
 * of where each rank waits (see observe.h, docs/observability.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "coll/coll.h"
#include "internal.h"
#include "rma/rma.h"

/* The state page when ipcrun cannot read one (started alone, no memfd). */
static struct ipc__ctl_state local_state;

struct ipc__obs ipc__obs = {.state = &local_state};

static volatile struct ipc__ctl_state *mapped;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A page of our own, given to the launcher: it reads what we write there
 * whatever we are doing (blocked in a futex, busy, or dead). Without it,
 * the report only lacks our line. */
static void share_state_page(void)
{
    int fd = memfd_create("ipc-state", MFD_CLOEXEC);
    if (fd < 0)
        return;
    long page = sysconf(_SC_PAGESIZE);
    void *p = MAP_FAILED;
    if (ftruncate(fd, page) == 0)
        p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) {
        mapped = p;
        mapped->magic = IPC__CTL_STATE_MAGIC;
        if (ipc__ctl_send(ipc__g.job.ctl_fd, IPC__CTL_STATE, NULL, 0, &fd, 1) == 0)
            ipc__obs.state = mapped;
    }
    close(fd);
}

int ipc__obs_init(void)
{
    const struct ipc__tunables *t = &ipc__g.job.tun;
    ipc__obs.depth = 0;
    ipc__obs.api = IPC__API_IPC;
    local_state.api = IPC__API_IPC;
    ipc__obs.state = &local_state;
    if (ipc__g.job.ctl_fd >= 0)
        share_state_page();
    /* Nowhere to send them without ipcrun. */
    bool stats = t->stats && ipc__g.job.ctl_fd >= 0;
    bool trace = t->trace && ipc__g.job.ctl_fd >= 0;
    if (!stats && !trace)
        return IPC_SUCCESS;
    ipc__obs.peers = calloc((size_t)ipc__g.job.size, sizeof *ipc__obs.peers);
    if (!ipc__obs.peers)
        return IPC_ERR_NOMEM;
    if (trace) {
        ipc__obs.cap = t->trace_events;
        ipc__obs.ev = malloc(ipc__obs.cap * sizeof *ipc__obs.ev);
        if (!ipc__obs.ev)
            return IPC_ERR_NOMEM;
    }
    memset(&ipc__obs.totals, 0, sizeof ipc__obs.totals);
    ipc__obs.nev = ipc__obs.dropped = 0;
    ipc__obs.stats = stats;
    ipc__obs.trace = trace;
    ipc__obs.on = true;
    return IPC_SUCCESS;
}

void ipc__obs_fini(void)
{
    ipc__obs.on = ipc__obs.stats = ipc__obs.trace = false;
    free(ipc__obs.peers);
    free(ipc__obs.ev);
    ipc__obs.peers = NULL;
    ipc__obs.ev = NULL;
    ipc__obs.state = &local_state;
    if (mapped)
        munmap((void *)mapped, (size_t)sysconf(_SC_PAGESIZE));
    mapped = NULL;
}

void ipc__obs_set_api(enum ipc__api api)
{
    ipc__obs.api = api;
    ipc__obs.state->api = api;
}

const char *ipc__obs_call_name(enum ipc__call call)
{
    return ipc__ctl_call_name(call, ipc__obs.api);
}

/* The names live in the shared page only: without ipcrun nobody reads them. */
void ipc__obs_comm_named(uint32_t ctx, const char *name)
{
    if (!mapped)
        return;
    volatile struct ipc__ctl_comm_name *slots =
        (volatile void *)((volatile char *)mapped + IPC__CTL_NAMES_OFFSET);
    int slot = -1;
    for (int i = 0; i < IPC__CTL_NAMES; i++) {
        if (slots[i].name[0] && slots[i].ctx == ctx) {
            slot = i;
            break;
        }
        if (slot < 0 && !slots[i].name[0])
            slot = i;
    }
    if (slot < 0)
        return; /* every slot taken: the report gives this one's size and context */
    volatile struct ipc__ctl_comm_name *e = &slots[slot];
    e->name[0] = '\0'; /* a reader never sees a name under another context */
    if (!name || !name[0])
        return;
    e->ctx = ctx;
    size_t n = strnlen(name, IPC__CTL_NAME_MAX - 1);
    for (size_t i = n; i > 0; i--) /* the first byte last: the slot is in use then */
        e->name[i] = i == n ? '\0' : name[i];
    e->name[0] = name[0];
}

/* ---- the hooks ---- */

static struct ipc__trace_ev *trace_push(void)
{
    if (ipc__obs.nev == ipc__obs.cap) {
        ipc__obs.dropped++;
        return NULL;
    }
    return &ipc__obs.ev[ipc__obs.nev++];
}

void ipc__obs_enter_slow(enum ipc__call call, const struct ipc__comm *comm, int peer,
                         int tag, size_t bytes)
{
    if (ipc__obs.depth != 1)
        return;
    ipc__obs.t0_ns = now_ns();
    ipc__obs.span = (struct ipc__trace_ev){.kind = IPC__TRACE_SPAN,
                                           .call = (uint16_t)call,
                                           .ts_ns = ipc__obs.t0_ns,
                                           .arg = bytes,
                                           .peer = peer,
                                           .tag = tag,
                                           .ctx = comm ? comm->ctx_p2p : 0};
}

static bool waits_for_messages(uint16_t call)
{
    return call == IPC__CALL_RECV || call == IPC__CALL_WAIT ||
           call == IPC__CALL_WAITALL || call == IPC__CALL_WAITANY ||
           call == IPC__CALL_PROBE || call == IPC__CALL_SENDRECV;
}

void ipc__obs_exit_slow(void)
{
    if (ipc__obs.depth != 1)
        return;
    uint64_t dur = now_ns() - ipc__obs.t0_ns;
    uint16_t call = ipc__obs.span.call;
    if (ipc__obs.stats) {
        if (ipc__ctl_call_is_coll(call))
            ipc__obs.totals.coll_ns += dur;
        else if (waits_for_messages(call))
            ipc__obs.totals.recv_wait_ns += dur;
    }
    if (ipc__obs.trace) {
        struct ipc__trace_ev *e = trace_push();
        if (e) {
            *e = ipc__obs.span;
            e->dur_ns = dur;
        }
    }
}

static void trace_flow(enum ipc__trace_kind kind, uint64_t id)
{
    struct ipc__trace_ev *e = ipc__obs.trace ? trace_push() : NULL;
    if (e)
        *e = (struct ipc__trace_ev){.kind = (uint16_t)kind, .ts_ns = now_ns(), .arg = id};
}

void ipc__obs_sent_slow(int w, size_t bytes, bool rendezvous)
{
    struct ipc__obs_peer *p = &ipc__obs.peers[w];
    p->msgs_sent++;
    p->bytes_sent += bytes;
    ipc__obs.totals.rendezvous += rendezvous;
    p->send_seq++;
    trace_flow(IPC__TRACE_FLOW_OUT,
               ipc__obs_flow_id(ipc__g.job.rank, w, p->send_seq, ipc__g.job.size));
}

uint64_t ipc__obs_arrived_slow(int w, size_t bytes, bool unexpected,
                               const struct ipc__match_key *key)
{
    /* A peer already in ipc_finalize: its barrier is not the program's. */
    if (key->ctx == IPC_COMM_WORLD->ctx_coll && key->tag >= IPC__TAG_FINAL_BARRIER)
        return 0;
    struct ipc__obs_peer *p = &ipc__obs.peers[w];
    p->msgs_recv++;
    p->bytes_recv += bytes;
    ipc__obs.totals.unexpected += unexpected;
    return ++p->recv_seq;
}

void ipc__obs_matched_slow(int w, uint64_t seq)
{
    if (seq)
        trace_flow(IPC__TRACE_FLOW_IN,
                   ipc__obs_flow_id(w, ipc__g.job.rank, seq, ipc__g.job.size));
}

void ipc__obs_rma_slow(int w, int kind, size_t bytes)
{
    struct ipc__obs_peer *p = &ipc__obs.peers[w];
    if (kind == IPC__RMA_PUT) {
        p->puts++;
        p->put_bytes += bytes;
    } else if (kind == IPC__RMA_GET) {
        p->gets++;
        p->get_bytes += bytes;
    } else {
        p->accs++;
        p->acc_bytes += bytes;
    }
}

void ipc__obs_served_slow(int w)
{
    ipc__obs.peers[w].served++;
}

/* ---- the report at the end ---- */

int ipc__obs_trace_json(const struct ipc__trace_ev *e, int rank, char *out, size_t cap)
{
    /* Microseconds with nanosecond decimals, as the trace event format wants. */
    uint64_t ts = e->ts_ns;
    if (e->kind == IPC__TRACE_SPAN && ipc__ctl_call_is_rma(e->call))
        return snprintf(
            out, cap,
            "{\"name\":\"%s\",\"cat\":\"rma\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d,"
            "\"ts\":%" PRIu64 ".%03u,\"dur\":%" PRIu64 ".%03u,\"args\":{"
            "\"target\":%d,\"bytes\":%" PRIu64 ",\"comm\":%u}}",
            ipc__obs_call_name(e->call), rank, rank, ts / 1000, (unsigned)(ts % 1000),
            e->dur_ns / 1000, (unsigned)(e->dur_ns % 1000), e->peer, e->arg, e->ctx);
    if (e->kind == IPC__TRACE_SPAN)
        return snprintf(
            out, cap,
            "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d,"
            "\"ts\":%" PRIu64 ".%03u,\"dur\":%" PRIu64 ".%03u,\"args\":{"
            "\"peer\":%d,\"tag\":%d,\"bytes\":%" PRIu64 ",\"comm\":%u}}",
            ipc__obs_call_name(e->call), ipc__ctl_call_is_coll(e->call) ? "coll" : "p2p",
            rank, rank, ts / 1000, (unsigned)(ts % 1000), e->dur_ns / 1000,
            (unsigned)(e->dur_ns % 1000), e->peer, e->tag, e->arg, e->ctx);
    bool out_flow = e->kind == IPC__TRACE_FLOW_OUT;
    return snprintf(
        out, cap,
        "{\"name\":\"message\",\"cat\":\"message\",\"ph\":\"%s\",%s\"pid\":%d,"
        "\"tid\":%d,\"ts\":%" PRIu64 ".%03u,\"id\":%" PRIu64 "}",
        out_flow ? "s" : "f", out_flow ? "" : "\"bp\":\"e\",", rank, rank, ts / 1000,
        (unsigned)(ts % 1000), e->arg);
}

/* Bytes of one STATS or TRACE packet: well under an AF_UNIX socket's default
 * send buffer (net.core.wmem_default, 208 KiB), past which a packet is
 * refused whole (EMSGSIZE) and that part of the trace was lost. */
#define CHUNK_MAX (64 * 1024)

static void send_ctl(uint32_t type, const void *buf, size_t len)
{
    int rc = ipc__ctl_send(ipc__g.job.ctl_fd, type, buf, len, NULL, 0);
    if (rc < 0)
        fprintf(stderr, "ipc: rank %d: cannot send the %s to ipcrun: %s\n",
                ipc__g.job.rank, type == IPC__CTL_TRACE ? "trace" : "statistics",
                strerror(-rc));
}

static void report_stats(void)
{
    size_t per =
        (CHUNK_MAX - sizeof(struct ipc__ctl_stats)) / sizeof(struct ipc__ctl_stats_peer);
    char *buf = malloc(CHUNK_MAX);
    if (!buf)
        return;
    struct ipc__ctl_stats head = ipc__obs.totals;
    struct ipc__ctl_stats_peer *ent = (void *)(buf + sizeof head);
    int size = ipc__g.job.size, p = 0;
    do {
        size_t n = 0;
        for (; p < size && n < per; p++) {
            const struct ipc__obs_peer *o = &ipc__obs.peers[p];
            if (!o->msgs_sent && !o->msgs_recv)
                continue;
            ent[n++] = (struct ipc__ctl_stats_peer){.peer = p,
                                                    .msgs_sent = o->msgs_sent,
                                                    .bytes_sent = o->bytes_sent,
                                                    .msgs_recv = o->msgs_recv,
                                                    .bytes_recv = o->bytes_recv};
        }
        head.npeers = (uint32_t)n;
        head.flags = (p < size ? IPC__CTL_STATS_MORE : 0) |
                     (ipc__obs.api == IPC__API_MPI ? IPC__CTL_STATS_MPI : 0);
        memcpy(buf, &head, sizeof head);
        send_ctl(IPC__CTL_STATS, buf, sizeof head + n * sizeof *ent);
        head = (struct ipc__ctl_stats){0}; /* the totals went with the first */
    } while (p < size);
    free(buf);
}

static bool has_rma(const struct ipc__obs_peer *o)
{
    return o->puts || o->gets || o->accs || o->served;
}

/* After the STATS packets, and only when there is one-sided traffic: a
 * program without windows sends what it always did. */
static void report_stats_rma(void)
{
    size_t per = CHUNK_MAX / sizeof(struct ipc__ctl_stats_rma);
    int size = ipc__g.job.size, p = 0;
    while (p < size && !has_rma(&ipc__obs.peers[p]))
        p++;
    if (p == size)
        return;
    struct ipc__ctl_stats_rma *ent = malloc(per * sizeof *ent);
    if (!ent)
        return;
    while (p < size) {
        size_t n = 0;
        for (; p < size && n < per; p++) {
            const struct ipc__obs_peer *o = &ipc__obs.peers[p];
            if (!has_rma(o))
                continue;
            ent[n++] = (struct ipc__ctl_stats_rma){.peer = p,
                                                   .puts = o->puts,
                                                   .put_bytes = o->put_bytes,
                                                   .gets = o->gets,
                                                   .get_bytes = o->get_bytes,
                                                   .accs = o->accs,
                                                   .acc_bytes = o->acc_bytes,
                                                   .served = o->served};
        }
        if (n)
            send_ctl(IPC__CTL_STATS_RMA, ent, n * sizeof *ent);
    }
    free(ent);
}

static void report_trace(void)
{
    char *buf = malloc(CHUNK_MAX);
    size_t used = 0;
    if (!buf)
        return;
    if (ipc__obs.dropped)
        fprintf(stderr,
                "ipc: rank %d: the trace buffer was full: %zu events were not recorded "
                "(raise IPC_TRACE_EVENTS, now %zu)\n",
                ipc__g.job.rank, ipc__obs.dropped, ipc__obs.cap);
    for (size_t i = 0; i < ipc__obs.nev; i++) {
        char one[512];
        int n =
            ipc__obs_trace_json(&ipc__obs.ev[i], ipc__g.job.rank, one, sizeof one - 2);
        if (n < 0 || (size_t)n >= sizeof one - 2)
            continue;
        memcpy(one + n, ",\n", 2);
        n += 2;
        if (used + (size_t)n > CHUNK_MAX) {
            send_ctl(IPC__CTL_TRACE, buf, used);
            used = 0;
        }
        memcpy(buf + used, one, (size_t)n);
        used += (size_t)n;
    }
    if (used)
        send_ctl(IPC__CTL_TRACE, buf, used);
    free(buf);
}

void ipc__obs_report(void)
{
    if (!ipc__obs.on)
        return;
    ipc__obs.on = false; /* what follows (the final barrier) is not the program's */
    if (ipc__obs.stats) {
        report_stats();
        report_stats_rma();
    }
    if (ipc__obs.trace)
        report_trace();
}
