/*
 * observe.h - what a rank tells about itself (docs/observability.md).
 *
 * Always: the blocking call it is in, kept in a page ipcrun can read
 * (struct ipc__ctl_state), so that a timeout or Ctrl-C can say who waited on
 * whom. With ipcrun --stats (IPC_STATS=1): counters per peer and time spent
 * waiting; with --trace (IPC_TRACE=1): a timeline of spans and message flows
 * in a bounded buffer. Both go to ipcrun over the control channel at
 * ipc_finalize (or ipc_abort).
 *
 * Cost when neither is on: each public call stores a few words into the
 * state page, and the message path tests one flag (ipc__obs.on).
 */
#ifndef IPC_OBSERVE_H
#define IPC_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "ipc.h"

struct ipc__obs_peer {
    uint64_t msgs_sent, bytes_sent, msgs_recv, bytes_recv;
    uint64_t send_seq, recv_seq; /* messages so far, for the flow ids of --trace */
    /* one-sided: what this rank issued to the peer, what its server answered */
    uint64_t puts, put_bytes, gets, get_bytes, accs, acc_bytes, served;
};

/* One entry of the --trace buffer. */
enum ipc__trace_kind { IPC__TRACE_SPAN, IPC__TRACE_FLOW_OUT, IPC__TRACE_FLOW_IN };
struct ipc__trace_ev {
    uint64_t ts_ns;    /* CLOCK_MONOTONIC */
    uint64_t dur_ns;   /* SPAN */
    uint64_t arg;      /* SPAN: bytes; FLOW_*: the flow id */
    int32_t peer, tag; /* SPAN: as the program gave them (one-sided: the target
                          in the window, the lock type or assert) */
    uint32_t ctx;      /* SPAN: the communicator's context id */
    uint16_t kind, call;
};

struct ipc__obs {
    bool on;      /* stats or trace: the slow hooks run */
    bool stats;   /* IPC_STATS */
    bool trace;   /* IPC_TRACE */
    int depth;    /* nesting of public calls (comm_dup calls ipc_allreduce) */
    uint32_t api; /* enum ipc__api: the names the program knows its calls by */
    volatile struct ipc__ctl_state *state; /* the page ipcrun reads, or a local one */
    /* the outermost call, while on */
    uint64_t t0_ns;
    struct ipc__trace_ev span;
    struct ipc__obs_peer *peers; /* job.size entries, while on */
    struct ipc__ctl_stats totals;
    struct ipc__trace_ev *ev; /* IPC_TRACE_EVENTS entries */
    size_t nev, cap, dropped;
};

extern struct ipc__obs ipc__obs;

/* Sets up the state page and, when asked, counters and trace buffer. Called
 * by ipc_init once the job is known. Returns IPC_SUCCESS or IPC_ERR_NOMEM. */
int ipc__obs_init(void);
/* Sends the counters and the trace to ipcrun and stops observing. */
void ipc__obs_report(void);
/* Releases everything (the state page stays valid until then). */
void ipc__obs_fini(void);

/* The program calls libipc through the MPI layer (MPI_Init, after ipc_init):
 * reports, --stats and --trace name its calls and objects as MPI does. Costs
 * nothing per call: the report maps libipc's call to the MPI call. */
void ipc__obs_set_api(enum ipc__api api);
/* The program named the communicator of context id ctx (MPI_Comm_set_name;
 * name "" or NULL: forget it, as when it is freed), for the reports. */
void ipc__obs_comm_named(uint32_t ctx, const char *name);
/* What the program calls call (its API's name: "MPI_Recv" or "ipc_recv"). */
const char *ipc__obs_call_name(enum ipc__call call);

void ipc__obs_enter_slow(enum ipc__call call, const struct ipc__comm *comm, int peer,
                         int tag, size_t bytes);
void ipc__obs_exit_slow(void);
void ipc__obs_sent_slow(int w, size_t bytes, bool rendezvous);
uint64_t ipc__obs_arrived_slow(int w, size_t bytes, bool unexpected,
                               const struct ipc__match_key *key);
void ipc__obs_matched_slow(int w, uint64_t seq);
void ipc__obs_rma_slow(int w, int kind, size_t bytes);
void ipc__obs_served_slow(int w);

/* Flow id of message seq from job rank src to dst, the same on both ends. */
static inline uint64_t ipc__obs_flow_id(int src, int dst, uint64_t seq, int size)
{
    return (seq * (uint64_t)size + (uint64_t)src) * (uint64_t)size + (uint64_t)dst;
}

/* Around every public blocking call and collective; comm must be valid. */
static inline void ipc__obs_enter(enum ipc__call call, const struct ipc__comm *comm,
                                  int peer, int tag, size_t bytes)
{
    if (ipc__obs.depth++ == 0) {
        volatile struct ipc__ctl_state *s = ipc__obs.state;
        s->call = call;
        s->peer = peer;
        s->tag = tag;
        s->ctx = comm ? comm->ctx_p2p : 0;
        s->comm_size = comm ? comm->size : 0;
        s->bytes = bytes;
        s->wait_kind = IPC__WAIT_NONE;
    }
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_enter_slow(call, comm, peer, tag, bytes);
}

static inline void ipc__obs_exit(void)
{
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_exit_slow();
    if (--ipc__obs.depth == 0)
        ipc__obs.state->call = IPC__CALL_NONE;
}

/* Around a call that never waits (ipc_isend, ipc_irecv): the hang report
 * has nothing to say about it, so the state page is left alone and only
 * --stats and --trace see it. Every store saved counts on a streaming
 * sender, whose stores queue behind the copy of the last payload. */
static inline void ipc__obs_enter_nowait(enum ipc__call call,
                                         const struct ipc__comm *comm, int peer, int tag,
                                         size_t bytes)
{
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_enter(call, comm, peer, tag, bytes);
}

static inline void ipc__obs_exit_nowait(void)
{
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_exit();
}

/* The request the current call now waits for (the slow path of waiting). */
static inline void ipc__obs_waiting(bool send, int peer, int tag)
{
    volatile struct ipc__ctl_state *s = ipc__obs.state;
    s->wait_kind = send ? IPC__WAIT_SEND : IPC__WAIT_RECV;
    s->wait_peer = peer;
    s->wait_tag = tag;
}

/* A message to job rank w leaves (any protocol, self included). */
static inline void ipc__obs_sent(int w, size_t bytes, bool rendezvous)
{
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_sent_slow(w, bytes, rendezvous);
}

/* A message from job rank w arrived (its header): returns its sequence
 * number on the pair, 0 when not observing. */
static inline uint64_t ipc__obs_arrived(int w, size_t bytes, bool unexpected,
                                        const struct ipc__match_key *key)
{
    if (__builtin_expect(ipc__obs.on, 0))
        return ipc__obs_arrived_slow(w, bytes, unexpected, key);
    return 0;
}

/* Message seq from w met its receive. */
static inline void ipc__obs_matched(int w, uint64_t seq)
{
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_matched_slow(w, seq);
}

/* A one-sided operation (enum ipc__rma_kind) of bytes to job rank w was
 * started. */
static inline void ipc__obs_rma(int w, int kind, size_t bytes)
{
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_rma_slow(w, kind, bytes);
}

/* This rank's server answered a one-sided request of job rank w. */
static inline void ipc__obs_served(int w)
{
    if (__builtin_expect(ipc__obs.on, 0))
        ipc__obs_served_slow(w);
}

/* --trace: one event as JSON ("{...}", no separator) into out (cap bytes);
 * returns its length as snprintf does. */
int ipc__obs_trace_json(const struct ipc__trace_ev *e, int rank, char *out, size_t cap);

#endif /* IPC_OBSERVE_H */
