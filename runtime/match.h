/*
 * match.h - message matching: the queue of posted receives and the queue of
 * unexpected messages, in arrival order.
 *
 * A message is identified by (context, source, tag), all concrete. A receive
 * is a pattern whose source and tag may be IPC_ANY_SOURCE / IPC_ANY_TAG but
 * whose context is always concrete. MPI's ordering rule follows from keeping
 * both queues in order and always taking the first match: an arriving message
 * takes the oldest posted receive it fits; a new receive takes the oldest
 * unexpected message it fits.
 */
#ifndef IPC_MATCH_H
#define IPC_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"

struct ipc__match_key {
    uint32_t ctx;
    int32_t src; /* rank in the communicator, or IPC_ANY_SOURCE in a pattern */
    int32_t tag; /* >= 0, or IPC_ANY_TAG in a pattern */
};

/* An element of either queue; embed it in the request or message it stands for. */
struct ipc__match_node {
    struct ipc__list link;
    struct ipc__match_key key;
};

struct ipc__match_queue {
    struct ipc__list head;
    size_t length;
};

void ipc__mq_init(struct ipc__match_queue *q);
void ipc__mq_push(struct ipc__match_queue *q, struct ipc__match_node *n);
void ipc__mq_remove(struct ipc__match_queue *q, struct ipc__match_node *n);

/* Does the receive pattern `pat` accept the message `msg`? */
int ipc__match_fits(const struct ipc__match_key *pat, const struct ipc__match_key *msg);

/* First posted receive (patterns in q) that accepts message `msg`, removed
 * from q; NULL if none. */
struct ipc__match_node *ipc__mq_take_posted(struct ipc__match_queue *q,
                                            const struct ipc__match_key *msg);

/* First unexpected message (in q) that pattern `pat` accepts; NULL if none.
 * With take != 0 it is removed from q (a receive), else left (a probe). */
struct ipc__match_node *ipc__mq_find_unexpected(struct ipc__match_queue *q,
                                                const struct ipc__match_key *pat,
                                                int take);

/* How many bytes of a `msg_bytes` message go into a `cap_bytes` buffer;
 * sets *err to IPC_ERR_TRUNCATE when the message is longer, else IPC_SUCCESS. */
size_t ipc__match_copy_len(size_t msg_bytes, size_t cap_bytes, int *err);

#endif /* IPC_MATCH_H */
