/*
 * stress - many rounds of random traffic between all ranks, every payload
 * checked.
 *
 *   stress [ROUNDS] [PER_RANK] [MAX_BYTES]     (defaults 20, 8, 8 MiB)
 *
 * Every round each rank sends PER_RANK messages to random ranks (itself
 * included), with random tags 0..3 and random sizes from 0 bytes to
 * MAX_BYTES (mostly small, some past every eager limit). Every rank derives
 * every other rank's plan from the same seed, so it knows what it must
 * receive. Receives are of three kinds, in turn: probe(ANY_SOURCE, ANY_TAG)
 * then a receive sized from the probe, a receive with both wildcards into a
 * buffer big enough for anything, and a receive naming source and tag. Per
 * (source, tag), messages must arrive in the order they were sent; each
 * payload is a hash of (round, source, index) so a wrong, shifted or foreign
 * byte shows.
 */
#include "check.h"

#include <string.h>

struct msg {
    int dest, tag;
    size_t size;
};

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t pick_size(uint64_t *s, size_t max)
{
    uint64_t r = rng_next(s) % 100;
    size_t cap = r < 55 ? 1024 : r < 85 ? 65536 : r < 95 ? (1 << 20) : max;
    if (cap > max)
        cap = max;
    return (size_t)(rng_next(s) % (cap + 1));
}

/* The messages `src` sends in `round`. */
static void plan(int round, int src, int per_rank, size_t max, struct msg *out)
{
    uint64_t s = 0x9e3779b97f4a7c15ull ^ ((uint64_t)round << 32 | (uint64_t)src);
    for (int i = 0; i < 4; i++)
        rng_next(&s);
    for (int k = 0; k < per_rank; k++) {
        out[k].dest = (int)(rng_next(&s) % (uint64_t)t_size);
        out[k].tag = (int)(rng_next(&s) % 4);
        out[k].size = pick_size(&s, max);
    }
}

static uint8_t byte_of(int round, int src, int k, size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u ^ (uint32_t)(round * 131 + src * 7919 + k * 31);
    return (uint8_t)(x >> 24 ^ x >> 11 ^ (uint32_t)(i >> 20));
}

static void fill(uint8_t *buf, int round, int src, int k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = byte_of(round, src, k, i);
}

/* What this rank still expects: for each (source, tag), the plan indices of
 * the messages not yet received, in send order. */
struct expect {
    int *next;  /* [src * 4 + tag]: position in `order` */
    int *order; /* [src][per_rank] plan indices sorted by tag, then send order */
    int *count; /* [src * 4 + tag] */
    int *start; /* [src * 4 + tag] */
};

static void check_one(int round, const struct msg *plans, int per_rank, struct expect *e,
                      const ipc_status *st, const uint8_t *buf, const char *how)
{
    int src = st->source, tag = st->tag;
    T_ASSERT(src >= 0 && src < t_size && tag >= 0 && tag < 4,
             "round %d (%s): message with source %d tag %d", round, how, src, tag);
    int slot = src * 4 + tag;
    T_ASSERT(e->next[slot] < e->count[slot],
             "round %d (%s): unexpected extra message from rank %d with tag %d", round, how,
             src, tag);
    int k = e->order[src * per_rank + e->start[slot] + e->next[slot]++];
    size_t want = plans[src * per_rank + k].size, got = 0;
    T_OK(ipc_get_count(st, IPC_BYTE, &got));
    T_ASSERT(got == want,
             "round %d (%s): message %d from rank %d tag %d has %zu bytes, expected %zu "
             "(order broken?)",
             round, how, k, src, tag, got, want);
    for (size_t i = 0; i < got; i++)
        T_ASSERT(buf[i] == byte_of(round, src, k, i),
                 "round %d (%s): message %d from rank %d (%zu bytes): byte %zu is wrong", round,
                 how, k, src, got, i);
}

static void build_expect(const struct msg *plans, int per_rank, struct expect *e, int *total)
{
    *total = 0;
    for (int src = 0; src < t_size; src++) {
        int pos = 0;
        for (int tag = 0; tag < 4; tag++) {
            int slot = src * 4 + tag;
            e->start[slot] = pos;
            e->count[slot] = 0;
            e->next[slot] = 0;
            for (int k = 0; k < per_rank; k++) {
                const struct msg *m = &plans[src * per_rank + k];
                if (m->dest == t_rank && m->tag == tag) {
                    e->order[src * per_rank + pos++] = k;
                    e->count[slot]++;
                }
            }
        }
        *total += pos;
    }
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "stress");
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    int per_rank = argc > 2 ? atoi(argv[2]) : 8;
    size_t max = argc > 3 ? (size_t)atol(argv[3]) : (size_t)8 << 20;
    T_ASSERT(rounds > 0 && per_rank > 0, "usage: stress [ROUNDS] [PER_RANK] [MAX_BYTES]");

    struct msg *plans = t_alloc(sizeof *plans * (size_t)t_size * (size_t)per_rank);
    struct expect e = {
        .next = t_alloc(sizeof(int) * 4 * (size_t)t_size),
        .order = t_alloc(sizeof(int) * (size_t)t_size * (size_t)per_rank),
        .count = t_alloc(sizeof(int) * 4 * (size_t)t_size),
        .start = t_alloc(sizeof(int) * 4 * (size_t)t_size),
    };
    uint8_t **sbufs = t_alloc(sizeof *sbufs * (size_t)per_rank);
    ipc_request *sreqs = t_alloc(sizeof *sreqs * (size_t)per_rank);
    uint8_t *big = t_alloc(max);
    size_t received_bytes = 0;

    for (int round = 0; round < rounds; round++) {
        for (int src = 0; src < t_size; src++)
            plan(round, src, per_rank, max, &plans[src * per_rank]);
        int total;
        build_expect(plans, per_rank, &e, &total);
        for (int k = 0; k < per_rank; k++) {
            const struct msg *m = &plans[t_rank * per_rank + k];
            sbufs[k] = t_alloc(m->size);
            fill(sbufs[k], round, t_rank, k, m->size);
            T_OK(ipc_isend(sbufs[k], m->size, IPC_BYTE, m->dest, m->tag, IPC_COMM_WORLD,
                           &sreqs[k]));
        }
        for (int got = 0; got < total; got++) {
            ipc_status st;
            switch ((got + round) % 3) {
            case 0: { /* probe, then receive exactly that message */
                size_t bytes = 0;
                T_OK(ipc_probe(IPC_ANY_SOURCE, IPC_ANY_TAG, IPC_COMM_WORLD, &st));
                T_OK(ipc_get_count(&st, IPC_BYTE, &bytes));
                uint8_t *buf = t_alloc(bytes);
                int src = st.source, tag = st.tag;
                T_OK(ipc_recv(buf, bytes, IPC_BYTE, src, tag, IPC_COMM_WORLD, &st));
                check_one(round, plans, per_rank, &e, &st, buf, "probe");
                free(buf);
                break;
            }
            case 1: /* both wildcards */
                T_OK(ipc_recv(big, max, IPC_BYTE, IPC_ANY_SOURCE, IPC_ANY_TAG, IPC_COMM_WORLD,
                              &st));
                check_one(round, plans, per_rank, &e, &st, big, "wildcards");
                break;
            default: { /* name the first source and tag still owed */
                int slot = 0;
                while (e.next[slot] == e.count[slot])
                    slot++;
                T_OK(ipc_recv(big, max, IPC_BYTE, slot / 4, slot % 4, IPC_COMM_WORLD, &st));
                check_one(round, plans, per_rank, &e, &st, big, "named");
                break;
            }
            }
            size_t n = 0;
            ipc_get_count(&st, IPC_BYTE, &n);
            received_bytes += n;
        }
        T_OK(ipc_waitall(per_rank, sreqs, IPC_STATUSES_IGNORE));
        for (int k = 0; k < per_rank; k++)
            free(sbufs[k]);
        T_OK(ipc_barrier(IPC_COMM_WORLD));
    }
    printf("stress: rank %d received %zu bytes\n", t_rank, received_bytes);
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 0)
        printf("stress: %d ranks, %d rounds of %d messages per rank: ok\n", t_size, rounds,
               per_rank);
    free(big);
    free(sbufs);
    free(sreqs);
    free(plans);
    free(e.next);
    free(e.order);
    free(e.count);
    free(e.start);
    T_OK(ipc_finalize());
    return 0;
}
