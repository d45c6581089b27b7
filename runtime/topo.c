/*
 * topo.c - where the ranks are and how each pair talks: the node of every
 * rank (IPC_NODE_OF), each rank's index among the ranks of its node, the
 * transport of each pair, and the table --report-transports prints. Nothing
 * here communicates: every rank computes the same answers from the same
 * environment, which is what lets transports whose connect() is collective
 * know who takes part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NODE_MAX (1 << 24)
/* Up to this many ranks the report is a matrix; past it, a line per node. */
#define MATRIX_MAX 64

int ipc__topo_parse(const char *s, int size, int *node_of, char *why, size_t whylen)
{
    const char *p = s;
    int count = 0;
    for (;;) {
        const char *start = p;
        long v = 0;
        while (*p >= '0' && *p <= '9' && v <= NODE_MAX)
            v = v * 10 + (*p++ - '0');
        if (p == start || v > NODE_MAX || (*p && *p != ',')) {
            size_t len = strcspn(start, ",");
            snprintf(why, whylen,
                     "IPC_NODE_OF: entry %d ('%.*s') is not a node index (0 to %d); "
                     "give one per rank, in rank order, e.g. 0,0,1,1",
                     count + 1, (int)(len > 20 ? 20 : len), start, NODE_MAX);
            return -1;
        }
        if (count < size)
            node_of[count] = (int)v;
        count++;
        if (!*p++)
            break;
    }
    if (count != size) {
        snprintf(why, whylen,
                 "IPC_NODE_OF has %d entr%s but the job has %d rank%s (IPC_SIZE); give "
                 "one node index per rank, in rank order, e.g. 0,0,1,1",
                 count, count == 1 ? "y" : "ies", size, size == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

/* A rank's index among its node's ranks is how many ranks before it share
 * the node. Quadratic, once at start-up: 1000 ranks are half a million
 * compares, well under a millisecond. */
void ipc__topo_locals(const int *node_of, int size, int *local_index)
{
    for (int r = 0; r < size; r++) {
        local_index[r] = 0;
        for (int q = 0; q < r; q++)
            local_index[r] += node_of[q] == node_of[r];
    }
}

int ipc__topo_node_size(const int *node_of, int size, int node)
{
    int n = 0;
    for (int r = 0; r < size; r++)
        n += node_of[r] == node;
    return n;
}

/* The first rank of each node, in rank order. */
static bool first_of_node(const int *node_of, int r)
{
    for (int q = 0; q < r; q++)
        if (node_of[q] == node_of[r])
            return false;
    return true;
}

void ipc__topo_choose(struct ipc__job *job, const struct ipc__transport_ops *local,
                      bool forced)
{
    bool pairs_within = false;
    job->nnodes = 0;
    for (int r = 0; r < job->size; r++) {
        bool first = first_of_node(job->node_of, r);
        job->nnodes += first;
        pairs_within |= !first;
    }
    job->local = local;
    job->remote = &ipc__transport_tcp;
    job->forced = forced;
    job->nused = 0;
    for (size_t i = 0; ipc__transport_at(i); i++) {
        const struct ipc__transport_ops *t = ipc__transport_at(i);
        if ((pairs_within && t == job->local) || (job->nnodes > 1 && t == job->remote)) {
            job->transports[job->nused] = (struct ipc__transport){.ops = t};
            job->used[job->nused++] = t;
        }
    }
}

struct ipc__transport *ipc__job_transport(struct ipc__job *job,
                                          const struct ipc__transport_ops *ops)
{
    for (int i = 0; i < job->nused; i++)
        if (job->used[i] == ops)
            return &job->transports[i];
    return NULL;
}

const struct ipc__transport_ops *ipc__pair_transport(const struct ipc__job *job, int a,
                                                     int b)
{
    if (a == b)
        return NULL;
    return job->node_of[a] == job->node_of[b] ? job->local : job->remote;
}

/* ---- the report ---- */

/* Why each transport carries the pairs it does, for the line under the
 * table: with letters ("s = shm (same node)") or without. */
static void legend(const struct ipc__job *job, FILE *out, bool letters)
{
    const char *env = getenv("IPC_TRANSPORT");
    fputs("ipc: ", out);
    for (int i = 0; i < job->nused; i++) {
        const struct ipc__transport_ops *t = job->used[i];
        const char *scope = t == job->local && t == job->remote ? "every pair"
                            : t == job->local                   ? "same node"
                                                                : "other node";
        if (i)
            fputs(", ", out);
        if (letters)
            fprintf(out, "%c = ", t->name[0]);
        fprintf(out, "%s (%s", t->name, scope);
        if (job->forced && t == job->local)
            fprintf(out, ", forced by IPC_TRANSPORT=%s", env ? env : t->name);
        fputs(")", out);
    }
    fputs(letters ? ", . = self\n" : "\n", out);
}

int ipc__topo_digits(int v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

static void matrix(const struct ipc__job *job, FILE *out)
{
    int n = job->size, wr = ipc__topo_digits(n - 1), wn = 1;
    for (int r = 0; r < n; r++)
        if (ipc__topo_digits(job->node_of[r]) > wn)
            wn = ipc__topo_digits(job->node_of[r]);
    fprintf(out,
            "ipc: transport of each pair of the %d ranks on %d node%s (row: rank, "
            "column: peer):\n",
            n, job->nnodes, job->nnodes == 1 ? "" : "s");
    for (int r = 0; r < n; r++) {
        fprintf(out, "ipc:   %*d (node %*d)  ", wr, r, wn, job->node_of[r]);
        for (int p = 0; p < n; p++) {
            const struct ipc__transport_ops *t = ipc__pair_transport(job, r, p);
            if (p && p % 8 == 0)
                fputc(' ', out);
            fputc(t ? t->name[0] : '.', out);
        }
        fputc('\n', out);
    }
}

/* "0-3,8,10-12", cut short with ",..." past about 40 characters. */
static void rank_list(const struct ipc__job *job, int node, FILE *out)
{
    int written = 0;
    for (int r = 0; r < job->size; r++) {
        if (job->node_of[r] != node)
            continue;
        int last = r;
        while (last + 1 < job->size && job->node_of[last + 1] == node)
            last++;
        if (written > 40) {
            fputs(",...", out);
            return;
        }
        const char *sep = written ? "," : "";
        if (last > r)
            written += fprintf(out, "%s%d-%d", sep, r, last);
        else
            written += fprintf(out, "%s%d", sep, r);
        r = last;
    }
}

static void by_node(const struct ipc__job *job, FILE *out)
{
    fprintf(out, "ipc: transports of the %d ranks on %d node%s, by node:\n", job->size,
            job->nnodes, job->nnodes == 1 ? "" : "s");
    for (int r = 0; r < job->size; r++) {
        if (!first_of_node(job->node_of, r))
            continue;
        int node = job->node_of[r],
            k = ipc__topo_node_size(job->node_of, job->size, node);
        int others = job->size - k;
        fprintf(out, "ipc:   node %d: %d rank%s (", node, k, k == 1 ? "" : "s");
        rank_list(job, node, out);
        fputs("):", out);
        if (k > 1)
            fprintf(out, " %s among them%s", job->local->name, others ? "," : "");
        if (others)
            fprintf(out, " %s to the %d other%s", job->remote->name, others,
                    others == 1 ? "" : "s");
        fputc('\n', out);
    }
}

void ipc__topo_report(const struct ipc__job *job, FILE *out)
{
    if (job->size == 1)
        return;
    if (job->size <= MATRIX_MAX)
        matrix(job, out);
    else
        by_node(job, out);
    legend(job, out, job->size <= MATRIX_MAX);
}
