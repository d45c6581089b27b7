/* report.c - --stats, --trace and where ranks wait (see report.h). */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "job.h"

/* Ranks whose state the timeout report details, one line each. */
#define WHERE_DETAILS 8
/* Pairs the --stats table lists; --stats-json has them all. */
#define TABLE_PAIRS 64

int ipcrun__report_init(struct ipcrun__report *rep, int n, const char *trace_path,
                        char *err, size_t errlen)
{
    *rep = (struct ipcrun__report){.n = n, .where_left = WHERE_DETAILS};
    rep->ranks = calloc((size_t)n, sizeof *rep->ranks);
    if (!rep->ranks) {
        snprintf(err, errlen, "out of memory setting up %d ranks", n);
        return -1;
    }
    for (int r = 0; r < n; r++)
        rep->ranks[r].state_fd = -1;
    if (!trace_path)
        return 0;
    rep->trace_path = trace_path;
    rep->trace = fopen(trace_path, "we");
    if (!rep->trace || fputs("{\"traceEvents\":[\n", rep->trace) < 0) {
        snprintf(err, errlen, "--trace '%s': cannot write it: %s", trace_path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

void ipcrun__report_fini(struct ipcrun__report *rep)
{
    for (int r = 0; rep->ranks && r < rep->n; r++) {
        if (rep->ranks[r].state_fd >= 0)
            close(rep->ranks[r].state_fd);
        free(rep->ranks[r].peers);
        free(rep->ranks[r].rma);
    }
    free(rep->ranks);
    if (rep->trace)
        fclose(rep->trace);
    *rep = (struct ipcrun__report){0};
}

/* Whether fd is memory holding at least a struct ipc__ctl_state: only shmem
 * files (memfd, tmpfs) answer F_GET_SEALS. */
static bool is_state_page(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
           st.st_size >= (off_t)sizeof(struct ipc__ctl_state) &&
           fcntl(fd, F_GET_SEALS) >= 0;
}

void ipcrun__report_state(struct ipcrun__report *rep, int r, int fd)
{
    if (!is_state_page(fd)) {
        close(fd); /* the report lacks this rank's line, nothing worse */
        return;
    }
    if (rep->ranks[r].state_fd >= 0)
        close(rep->ranks[r].state_fd);
    rep->ranks[r].state_fd = fd;
}

struct ipc__ctl_state ipcrun__report_state_of(const struct ipcrun__report *rep, int r)
{
    struct ipc__ctl_state st = {0};
    int fd = rep->ranks ? rep->ranks[r].state_fd : -1;
    /* The rank may have cut the file since: a short read is no state. */
    if (fd < 0 || pread(fd, &st, sizeof st, 0) != (ssize_t)sizeof st ||
        st.magic != IPC__CTL_STATE_MAGIC)
        return (struct ipc__ctl_state){0};
    return st;
}

void ipcrun__report_names_of(const struct ipcrun__report *rep, int r,
                             struct ipc__ctl_comm_name names[IPC__CTL_NAMES])
{
    size_t len = sizeof(struct ipc__ctl_comm_name) * IPC__CTL_NAMES;
    int fd = rep->ranks ? rep->ranks[r].state_fd : -1;
    if (fd < 0 || pread(fd, names, len, IPC__CTL_NAMES_OFFSET) != (ssize_t)len)
        memset(names, 0, len);
}

/* ---- --stats ---- */

int ipcrun__report_stats(struct ipcrun__report *rep, int r, const char *buf, size_t len)
{
    struct ipc__ctl_stats head;
    if (len < sizeof head)
        return -1;
    memcpy(&head, buf, sizeof head);
    if (len != sizeof head + head.npeers * sizeof(struct ipc__ctl_stats_peer))
        return -1;
    struct ipcrun__report_rank *rr = &rep->ranks[r];
    if (rr->npeers + (int64_t)head.npeers > rep->n)
        return -1;
    if (rr->cap < rr->npeers + (int)head.npeers) {
        int cap = rr->npeers + (int)head.npeers;
        struct ipc__ctl_stats_peer *p = realloc(rr->peers, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        rr->peers = p;
        rr->cap = cap;
    }
    for (uint32_t i = 0; i < head.npeers; i++) {
        struct ipc__ctl_stats_peer e;
        memcpy(&e, buf + sizeof head + i * sizeof e, sizeof e);
        if (e.peer < 0 || e.peer >= rep->n)
            return -1;
        rr->peers[rr->npeers++] = e;
    }
    rr->totals.recv_wait_ns += head.recv_wait_ns;
    rr->totals.coll_ns += head.coll_ns;
    rr->totals.unexpected += head.unexpected;
    rr->totals.rendezvous += head.rendezvous;
    rr->got_stats = true;
    rr->mpi |= (head.flags & IPC__CTL_STATS_MPI) != 0;
    return 0;
}

int ipcrun__report_stats_rma(struct ipcrun__report *rep, int r, const char *buf,
                             size_t len)
{
    struct ipcrun__report_rank *rr = &rep->ranks[r];
    struct ipc__ctl_stats_rma e;
    if (len == 0 || len % sizeof e)
        return -1;
    size_t n = len / sizeof e;
    if (n > (size_t)(rep->n - rr->nrma))
        return -1;
    if (rr->rma_cap < rr->nrma + (int)n) {
        int cap = rr->nrma + (int)n;
        struct ipc__ctl_stats_rma *p = realloc(rr->rma, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        rr->rma = p;
        rr->rma_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(&e, buf + i * sizeof e, sizeof e);
        /* Each peer once, in order: what peer_rma looks up by halves. */
        int last = rr->nrma ? rr->rma[rr->nrma - 1].peer : -1;
        if (e.peer <= last || e.peer >= rep->n)
            return -1;
        rr->rma[rr->nrma++] = e;
    }
    return 0;
}

/* What rank r counted with peer p, or NULL (entries are in peer order). */
static const struct ipc__ctl_stats_peer *peer_entry(const struct ipcrun__report_rank *rr,
                                                    int p)
{
    int lo = 0, hi = rr->npeers;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (rr->peers[mid].peer < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < rr->npeers && rr->peers[lo].peer == p ? &rr->peers[lo] : NULL;
}

/* What rank r counted of one-sided traffic with peer p, or NULL. */
static const struct ipc__ctl_stats_rma *peer_rma(const struct ipcrun__report_rank *rr,
                                                 int p)
{
    int lo = 0, hi = rr->nrma;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (rr->rma[mid].peer < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < rr->nrma && rr->rma[lo].peer == p ? &rr->rma[lo] : NULL;
}

/* One-sided traffic from origin to target: what the origin issued and what
 * the target's server answered of it. */
struct rma_pair {
    struct ipc__ctl_stats_rma issued; /* zero when the origin counted none */
    uint64_t served;
};

static bool rma_pair(const struct ipcrun__report *rep, int origin, int target,
                     struct rma_pair *out)
{
    const struct ipc__ctl_stats_rma *o = peer_rma(&rep->ranks[origin], target);
    const struct ipc__ctl_stats_rma *t = peer_rma(&rep->ranks[target], origin);
    *out = (struct rma_pair){.served = t ? t->served : 0};
    if (o)
        out->issued = *o;
    return out->issued.puts || out->issued.gets || out->issued.accs || out->served;
}

static bool any_rma(const struct ipcrun__report *rep)
{
    for (int r = 0; r < rep->n; r++)
        if (rep->ranks[r].nrma)
            return true;
    return false;
}

/* --stats: the one-sided pairs, only in a job that had some. */
static void rma_table(const struct ipcrun__report *rep, void (*line)(const char *))
{
    char buf[512];
    int shown = 0, pairs = 0;
    if (!any_rma(rep))
        return;
    for (int r = 0; r < rep->n; r++) {
        for (int p = 0; p < rep->n; p++) {
            struct rma_pair x;
            if (!rma_pair(rep, r, p, &x))
                continue;
            if (pairs++ == 0)
                line("  one-sided (origin -> target: puts, gets and accumulates it "
                     "issued, bytes; requests the target's server answered):");
            if (shown == TABLE_PAIRS)
                continue;
            const struct ipc__ctl_stats_rma *e = &x.issued;
            snprintf(buf, sizeof buf,
                     "  %4d -> %-4d %6" PRIu64 " puts %10" PRIu64 " B %6" PRIu64
                     " gets %10" PRIu64 " B %6" PRIu64 " accs %10" PRIu64 " B %6" PRIu64
                     " requests",
                     r, p, e->puts, e->put_bytes, e->gets, e->get_bytes, e->accs,
                     e->acc_bytes, x.served);
            line(buf);
            shown++;
        }
    }
    if (pairs > shown) {
        snprintf(buf, sizeof buf,
                 "  ... and %d more one-sided pairs (--stats-json FILE lists them all)",
                 pairs - shown);
        line(buf);
    }
}

struct rank_sums {
    uint64_t msgs_sent, bytes_sent, msgs_recv, bytes_recv;
};

static struct rank_sums sums(const struct ipcrun__report_rank *rr)
{
    struct rank_sums s = {0};
    for (int i = 0; i < rr->npeers; i++) {
        s.msgs_sent += rr->peers[i].msgs_sent;
        s.bytes_sent += rr->peers[i].bytes_sent;
        s.msgs_recv += rr->peers[i].msgs_recv;
        s.bytes_recv += rr->peers[i].bytes_recv;
    }
    return s;
}

/* Whether the job's program is an MPI program: any rank said so, in its
 * statistics or its state page. */
static bool job_is_mpi(const struct ipcrun__report *rep)
{
    for (int r = 0; r < rep->n; r++)
        if (rep->ranks[r].mpi || ipcrun__report_state_of(rep, r).api == IPC__API_MPI)
            return true;
    return false;
}

void ipcrun__report_stats_table(const struct ipcrun__report *rep,
                                void (*line)(const char *))
{
    char buf[512];
    int missing = 0;
    bool mpi = job_is_mpi(rep);
    const char *fini = mpi ? "MPI_Finalize" : "ipc_finalize";
    snprintf(buf, sizeof buf, "statistics of the %d rank%s, from %s to %s (times in ms):",
             rep->n, rep->n == 1 ? "" : "s", mpi ? "MPI_Init" : "ipc_init", fini);
    line(buf);
    line("  rank   msgs sent  bytes sent   msgs recv  bytes recv   recv wait     "
         "coll  unexpected  rendezvous");
    for (int r = 0; r < rep->n; r++) {
        const struct ipcrun__report_rank *rr = &rep->ranks[r];
        if (!rr->got_stats) {
            missing++;
            snprintf(buf, sizeof buf, "  %4d   (no statistics: it did not reach %s)", r,
                     fini);
            line(buf);
            continue;
        }
        struct rank_sums s = sums(rr);
        snprintf(buf, sizeof buf,
                 "  %4d  %10" PRIu64 "  %10" PRIu64 "  %10" PRIu64 "  %10" PRIu64
                 "  %10.3f %8.3f  %10" PRIu64 "  %10" PRIu64,
                 r, s.msgs_sent, s.bytes_sent, s.msgs_recv, s.bytes_recv,
                 (double)rr->totals.recv_wait_ns / 1e6, (double)rr->totals.coll_ns / 1e6,
                 rr->totals.unexpected, rr->totals.rendezvous);
        line(buf);
    }
    int shown = 0, pairs = 0;
    for (int r = 0; r < rep->n; r++) {
        const struct ipcrun__report_rank *rr = &rep->ranks[r];
        for (int i = 0; i < rr->npeers; i++) {
            const struct ipc__ctl_stats_peer *e = &rr->peers[i];
            if (!e->msgs_sent)
                continue;
            if (pairs++ == 0)
                line("  pairs (sender -> receiver: messages, bytes; what the receiver "
                     "counted when it differs):");
            if (shown == TABLE_PAIRS)
                continue;
            const struct ipc__ctl_stats_peer *back = peer_entry(&rep->ranks[e->peer], r);
            char differs[96] = "";
            if (rep->ranks[e->peer].got_stats &&
                (!back || back->msgs_recv != e->msgs_sent || back->bytes_recv != e->bytes_sent))
                snprintf(differs, sizeof differs, " (received %" PRIu64 ", %" PRIu64 " B)",
                         back ? back->msgs_recv : 0, back ? back->bytes_recv : 0);
            snprintf(buf, sizeof buf, "  %4d -> %-4d %10" PRIu64 " msgs %14" PRIu64 " B%s",
                     r, e->peer, e->msgs_sent, e->bytes_sent, differs);
            line(buf);
            shown++;
        }
    }
    if (pairs > shown) {
        snprintf(buf, sizeof buf, "  ... and %d more pairs (--stats-json FILE lists them all)",
                 pairs - shown);
        line(buf);
    }
    rma_table(rep, line);
}

static void rma_json(const struct ipcrun__report *rep, FILE *out)
{
    if (!any_rma(rep))
        return;
    fputs(",\n  \"one_sided\": [", out);
    bool first = true;
    for (int r = 0; r < rep->n; r++) {
        for (int p = 0; p < rep->n; p++) {
            struct rma_pair x;
            if (!rma_pair(rep, r, p, &x))
                continue;
            const struct ipc__ctl_stats_rma *e = &x.issued;
            fprintf(out,
                    "%s\n    {\"origin\": %d, \"target\": %d, \"puts\": %" PRIu64
                    ", \"put_bytes\": %" PRIu64 ", \"gets\": %" PRIu64
                    ", \"get_bytes\": %" PRIu64 ", \"accs\": %" PRIu64
                    ", \"acc_bytes\": %" PRIu64 ", \"requests_served\": %" PRIu64 "}",
                    first ? "" : ",", r, p, e->puts, e->put_bytes, e->gets, e->get_bytes,
                    e->accs, e->acc_bytes, x.served);
            first = false;
        }
    }
    fputs("\n  ]", out);
}

int ipcrun__report_stats_json(const struct ipcrun__report *rep, FILE *out)
{
    fprintf(out, "{\n  \"ranks\": %d,\n  \"per_rank\": [", rep->n);
    for (int r = 0; r < rep->n; r++) {
        const struct ipcrun__report_rank *rr = &rep->ranks[r];
        struct rank_sums s = sums(rr);
        fprintf(out,
                "%s\n    {\"rank\": %d, \"reported\": %s, \"msgs_sent\": %" PRIu64
                ", \"bytes_sent\": %" PRIu64 ", \"msgs_recv\": %" PRIu64
                ", \"bytes_recv\": %" PRIu64 ", \"recv_wait_us\": %.3f, \"coll_us\": %.3f"
                ", \"unexpected\": %" PRIu64 ", \"rendezvous\": %" PRIu64 "}",
                r ? "," : "", r, rr->got_stats ? "true" : "false", s.msgs_sent, s.bytes_sent,
                s.msgs_recv, s.bytes_recv, (double)rr->totals.recv_wait_ns / 1e3,
                (double)rr->totals.coll_ns / 1e3, rr->totals.unexpected,
                rr->totals.rendezvous);
    }
    fputs("\n  ],\n  \"pairs\": [", out);
    bool first = true;
    for (int r = 0; r < rep->n; r++) {
        const struct ipcrun__report_rank *rr = &rep->ranks[r];
        for (int i = 0; i < rr->npeers; i++) {
            const struct ipc__ctl_stats_peer *e = &rr->peers[i];
            if (!e->msgs_sent)
                continue;
            const struct ipc__ctl_stats_peer *back = peer_entry(&rep->ranks[e->peer], r);
            fprintf(out,
                    "%s\n    {\"src\": %d, \"dst\": %d, \"msgs\": %" PRIu64
                    ", \"bytes\": %" PRIu64 ", \"msgs_recv\": %" PRIu64
                    ", \"bytes_recv\": %" PRIu64 "}",
                    first ? "" : ",", r, e->peer, e->msgs_sent, e->bytes_sent,
                    back ? back->msgs_recv : 0, back ? back->bytes_recv : 0);
            first = false;
        }
    }
    fputs("\n  ]", out);
    rma_json(rep, out);
    fputs("\n}\n", out);
    return ferror(out) ? -1 : 0;
}

/* ---- --trace ---- */

int ipcrun__report_trace(struct ipcrun__report *rep, int r, const char *buf, size_t len)
{
    (void)r;
    /* Whole events, each followed by ",\n": the file stays one JSON value
     * however the parts of the ranks interleave. */
    if (len < 3 || buf[0] != '{' || memcmp(buf + len - 2, ",\n", 2) != 0) {
        errno = EPROTO;
        return -1;
    }
    if (!rep->trace)
        return 0;
    return fwrite(buf, 1, len, rep->trace) == len ? 0 : -1;
}

/* Writes s as a JSON string (without quotes around it). */
static void json_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
}

int ipcrun__report_trace_close(struct ipcrun__report *rep, const char *const *hosts)
{
    FILE *f = rep->trace;
    if (!f)
        return 0;
    for (int r = 0; r < rep->n; r++) {
        fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":\"rank %d",
                r, r);
        if (hosts && hosts[r]) {
            fputs(" on ", f);
            json_text(f, hosts[r]);
        }
        fprintf(f, "\"}},\n{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%d,"
                   "\"args\":{\"sort_index\":%d}},\n",
                r, r);
        fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
                   "\"args\":{\"name\":\"rank %d\"}}%s\n",
                r, r, r, r + 1 < rep->n ? "," : "");
    }
    fputs("],\n\"displayTimeUnit\":\"ns\"}\n", f);
    int rc = ferror(f) ? -1 : 0;
    int e = errno;
    if (fclose(f) != 0)
        rc = -1;
    else
        errno = e;
    rep->trace = NULL;
    return rc;
}

/* ---- where ranks wait ---- */

/* What to call things in a report: the program's API decides. */
struct naming {
    bool mpi;
    const struct ipc__ctl_comm_name *names; /* the program's names, or NULL */
    int nnames;
};

static void comm_name(const struct ipc__ctl_state *st, const struct naming *nm, char *out,
                      size_t cap)
{
    const char *given = nm->names ? ipc__ctl_comm_name(nm->names, nm->nnames, st->ctx) : NULL;
    if (nm->mpi && given)
        snprintf(out, cap, "%s", given);
    else if (st->ctx == 0)
        snprintf(out, cap, nm->mpi ? "MPI_COMM_WORLD" : "IPC_COMM_WORLD");
    else if (st->ctx == 2)
        snprintf(out, cap, nm->mpi ? "MPI_COMM_SELF" : "IPC_COMM_SELF");
    else if (nm->mpi)
        snprintf(out, cap, "a communicator of %d rank%s, context %u", st->comm_size,
                 st->comm_size == 1 ? "" : "s", st->ctx);
    else
        snprintf(out, cap, "a communicator of %d rank%s", st->comm_size,
                 st->comm_size == 1 ? "" : "s");
}

/* A source or tag as the program wrote it: -1 is the wildcard. */
static void rank_or_any(int v, const char *any, char *out, size_t cap)
{
    if (v == -1)
        snprintf(out, cap, "%s", any);
    else
        snprintf(out, cap, "%d", v);
}

/* A one-sided call: the window's creation names the communicator; on a
 * window, the member the call is about (a lock's target) and its size. */
static void rma_args(const struct ipc__ctl_state *st, const char *comm, char *out,
                     size_t cap)
{
    char win[48];
    if (st->call <= IPC__CALL_WIN_CREATE_DYNAMIC) {
        snprintf(out, cap, "%s", comm);
        return;
    }
    snprintf(win, sizeof win, "a window of %d rank%s", st->comm_size,
             st->comm_size == 1 ? "" : "s");
    if (st->peer >= 0)
        snprintf(out, cap, "rank %d, %s", st->peer, win);
    else
        snprintf(out, cap, "%s", win);
}

/* The arguments of the call st is in; returns whether it is point-to-point. */
static bool call_args(const struct ipc__ctl_state *st, const struct naming *nm, char *args,
                      size_t cap)
{
    char comm[96], peer[24], tag[24];
    comm_name(st, nm, comm, sizeof comm);
    rank_or_any(st->peer, nm->mpi ? "MPI_ANY_SOURCE" : "any", peer, sizeof peer);
    rank_or_any(st->tag, nm->mpi ? "MPI_ANY_TAG" : "any", tag, sizeof tag);
    switch (st->call) {
    case IPC__CALL_SEND:
    case IPC__CALL_SSEND:
    case IPC__CALL_ISEND:
    case IPC__CALL_ISSEND:
        snprintf(args, cap, "dest %d, tag %d, %" PRIu64 " bytes, %s", st->peer, st->tag,
                 st->bytes, comm);
        return true;
    case IPC__CALL_RECV:
    case IPC__CALL_IRECV:
    case IPC__CALL_PROBE:
    case IPC__CALL_SENDRECV:
        snprintf(args, cap, "source %s, tag %s, %s", peer, tag, comm);
        return true;
    case IPC__CALL_WAIT:
    case IPC__CALL_WAITALL:
    case IPC__CALL_WAITANY:
    case IPC__CALL_FINALIZE:
        return false;
    default:
        if (ipc__ctl_call_is_rma(st->call))
            rma_args(st, comm, args, cap);
        else if (st->peer >= 0) /* a collective */
            snprintf(args, cap, "root %d, %s", st->peer, comm);
        else
            snprintf(args, cap, "%s", comm);
        return false;
    }
}

void ipcrun__report_describe_named(const struct ipc__ctl_state *st,
                                   const struct ipc__ctl_comm_name *names, int nnames,
                                   const char *activity, char *out, size_t cap)
{
    if (!st || st->magic != IPC__CTL_STATE_MAGIC) {
        snprintf(out, cap, "%s", activity);
        return;
    }
    struct naming nm = {.mpi = st->api == IPC__API_MPI, .names = names, .nnames = nnames};
    if (st->call == IPC__CALL_NONE || st->call >= IPC__CALL_COUNT) {
        snprintf(out, cap, "%s, outside any blocking %s call", activity,
                 nm.mpi ? "MPI" : "ipc");
        return;
    }
    char args[192] = "", then[96] = "";
    bool p2p = call_args(st, &nm, args, sizeof args);
    if (!p2p && st->wait_kind == IPC__WAIT_RECV) {
        char from[16];
        rank_or_any(st->wait_peer, "any", from, sizeof from);
        snprintf(then, sizeof then, ", for a message from rank %s", from);
    } else if (!p2p && st->wait_kind == IPC__WAIT_SEND) {
        snprintf(then, sizeof then, ", for rank %d to take a message", st->wait_peer);
    }
    snprintf(out, cap, "waiting in %s(%s)%s", ipc__ctl_call_name(st->call, st->api), args,
             then);
}

void ipcrun__report_describe(const struct ipc__ctl_state *st, const char *activity,
                             char *out, size_t cap)
{
    ipcrun__report_describe_named(st, NULL, 0, activity, out, cap);
}

void ipcrun__report_say_where(struct ipcrun__launch *job, int r, const char *host,
                              const struct ipc__ctl_state *st,
                              const struct ipc__ctl_comm_name *names, const char *activity)
{
    char what[384];
    const struct ipcrun__launch_rank *rk = &job->ranks[r];
    if (job->report->where_left-- <= 0) {
        if (job->report->where_left == -1)
            ipcrun__say("... (and the other ranks)");
        return;
    }
    ipcrun__report_describe_named(st, names, names ? IPC__CTL_NAMES : 0, activity, what,
                                  sizeof what);
    if (host)
        ipcrun__say("on host %s, rank %d (pid %d) was %s", host, r, (int)rk->pid, what);
    else
        ipcrun__say("rank %d (pid %d) was %s", r, (int)rk->pid, what);
}

void ipcrun__report_where(struct ipcrun__launch *job)
{
    for (int k = 0; k < job->nkinds; k++)
        job->kinds[k]->where(job);
}

void ipcrun__report_where_up(struct ipcrun__launch *job)
{
    for (int i = 0; i < job->nlocal; i++) {
        int r = job->local[i];
        const struct ipcrun__launch_rank *rk = &job->ranks[r];
        if (!rk->running)
            continue;
        struct {
            struct ipc__ctl_state st;
            struct ipc__ctl_comm_name names[IPC__CTL_NAMES];
            char activity[128];
        } msg;
        uint32_t type = IPC__CTL_WHERE_IS;
        msg.st = ipcrun__report_state_of(job->report, r);
        ipcrun__report_names_of(job->report, r, msg.names);
        ipcrun__report_activity(rk->pid, msg.activity, sizeof msg.activity);
        /* As a control packet of the rank (wireup.c relays those). */
        ipcrun__launch_up(job, IPCRUN__NODE_RANK_CTL, r, &type, sizeof type, &msg,
                          offsetof(__typeof__(msg), activity) + strlen(msg.activity));
    }
}

void ipcrun__report_where_is(struct ipcrun__launch *job, int r, const char *buf,
                             size_t len)
{
    struct ipc__ctl_state st;
    struct ipc__ctl_comm_name names[IPC__CTL_NAMES];
    char activity[128];
    size_t head = sizeof st + sizeof names;
    if (len < head || len - head >= sizeof activity)
        return;
    memcpy(&st, buf, sizeof st);
    memcpy(names, buf + sizeof st, sizeof names);
    memcpy(activity, buf + head, len - head);
    activity[len - head] = '\0';
    ipcrun__report_say_where(job, r, job->ranks[r].host, &st, names, activity);
}

/* ---- what a rank does, from /proc ---- */

/* Blocking system calls a waiting rank is likely to be in. */
static const struct {
    long nr;
    const char *name;
} waits[] = {
    {SYS_read, "read"},
    {SYS_write, "write"},
#ifdef SYS_poll
    {SYS_poll, "poll"},
#endif
    {SYS_ppoll, "ppoll"},
    {SYS_pselect6, "pselect"},
#ifdef SYS_select
    {SYS_select, "select"},
#endif
    {SYS_epoll_pwait, "epoll_wait"},
#ifdef SYS_epoll_wait
    {SYS_epoll_wait, "epoll_wait"},
#endif
    {SYS_futex, "futex"},
    {SYS_nanosleep, "nanosleep"},
    {SYS_clock_nanosleep, "clock_nanosleep"},
    {SYS_wait4, "wait4"},
    {SYS_waitid, "waitid"},
    {SYS_recvfrom, "recvfrom"},
    {SYS_recvmsg, "recvmsg"},
    {SYS_sendto, "sendto"},
    {SYS_sendmsg, "sendmsg"},
    {SYS_accept4, "accept"},
    {SYS_connect, "connect"},
#ifdef SYS_pause
    {SYS_pause, "pause"},
#endif
};

/* The kernel's task flags in /proc/PID/stat (include/linux/sched.h). */
#define PF_EXITING 0x4u    /* in do_exit */
#define PF_SIGNALED 0x400u /* killed by a signal */

/* Signals whose default action ends a process, as /proc's masks number them
 * (bit s-1 for signal s). */
static uint64_t fatal_by_default(void)
{
    static const int sigs[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGKILL, SIGPIPE,
                               SIGALRM, SIGTERM, SIGUSR1, SIGUSR2};
    uint64_t m = 0;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        m |= 1ull << (sigs[i] - 1);
    return m;
}

/* The hex mask of the line "key:\t..." of /proc/PID/status text, or 0. */
static uint64_t status_mask(const char *status, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, klen) && p[klen] == ':')
            return strtoull(p + klen + 1, NULL, 16);
    return 0;
}

int ipcrun__report_ending(const char *stat, const char *status)
{
    const char *paren = stat ? strrchr(stat, ')') : NULL;
    char state = 0;
    unsigned flags = 0;
    if (!paren || sscanf(paren + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
        return 0;
    uint64_t pending = status ? status_mask(status, "SigPnd") | status_mask(status, "ShdPnd")
                              : 0;
    uint64_t spared = status ? status_mask(status, "SigBlk") | status_mask(status, "SigIgn") |
                                   status_mask(status, "SigCgt")
                             : 0;
    if ((flags & PF_SIGNALED) || (pending & ~spared & fatal_by_default()))
        return 2;
    return (flags & PF_EXITING) || state == 'Z' || state == 'X' ? 1 : 0;
}

/* The first len - 1 bytes of a /proc file, or "" (buf has cap bytes). */
static void read_proc(pid_t pid, const char *what, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : -1;
    buf[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        close(fd);
}

void ipcrun__report_activity(pid_t pid, char *buf, size_t len)
{
    char path[64], line[512], status[2048];
    snprintf(buf, len, "state unknown");
    read_proc(pid, "stat", line, sizeof line);
    char *paren = strrchr(line, ')');
    if (!paren || paren[1] != ' ')
        return;
    /* A signal to the whole process group (Ctrl-C on a terminal) reached
     * the rank too: what it did before is gone, and a dying task is
     * runnable, so /proc would call it busy. */
    read_proc(pid, "status", status, sizeof status);
    int ending = ipcrun__report_ending(line, status);
    if (ending) {
        snprintf(buf, len, "%s",
                 ending == 2 ? "ending on a signal that reached it too (what it did before "
                               "is not known)"
                             : "ending (exiting)");
        return;
    }
    char state = paren[2];
    if (state == 'R') {
        snprintf(buf, len, "running (busy on a cpu, not blocked in a system call)");
        return;
    }
    if (state == 'T' || state == 't') {
        snprintf(buf, len, "stopped");
        return;
    }
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    FILE *f = fopen(path, "re");
    long nr = -1;
    if (f && fscanf(f, "%ld", &nr) != 1)
        nr = -1;
    if (f)
        fclose(f);
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        if (waits[i].nr == nr) {
            snprintf(buf, len, "waiting in %s()", waits[i].name);
            return;
        }
    }
    snprintf(buf, len, nr >= 0 ? "waiting in system call %ld" : "waiting", nr);
}

/* ---- the end ---- */

static void say_line(const char *s)
{
    ipcrun__say("%s", s);
}

void ipcrun__report_finish(struct ipcrun__launch *job)
{
    const struct ipcrun__opts *o = job->opts;
    struct ipcrun__report *rep = job->report;
    if (o->stats)
        ipcrun__report_stats_table(rep, say_line);
    if (o->stats_json) {
        FILE *f = fopen(o->stats_json, "we");
        int rc = f ? ipcrun__report_stats_json(rep, f) : -1;
        if (f && fclose(f) != 0)
            rc = -1;
        if (rc != 0)
            ipcrun__say("--stats-json '%s': cannot write it: %s", o->stats_json,
                        strerror(errno));
    }
    if (rep->trace) {
        const char **hosts = calloc((size_t)job->n, sizeof *hosts);
        for (int r = 0; hosts && r < job->n; r++)
            hosts[r] = job->ranks[r].host ? job->ranks[r].host : job->host;
        if (ipcrun__report_trace_close(rep, hosts) != 0)
            ipcrun__say("--trace '%s': cannot write it: %s", rep->trace_path,
                        strerror(errno));
        free(hosts);
    }
}
