/* match.c - posted-receive and unexpected-message queues. */
#include "match.h"

#include "ipc.h"

void ipc__mq_init(struct ipc__match_queue *q)
{
    ipc__list_init(&q->head);
    q->length = 0;
}

void ipc__mq_push(struct ipc__match_queue *q, struct ipc__match_node *n)
{
    ipc__list_push_back(&q->head, &n->link);
    q->length++;
}

void ipc__mq_remove(struct ipc__match_queue *q, struct ipc__match_node *n)
{
    ipc__list_remove(&n->link);
    q->length--;
}

int ipc__match_fits(const struct ipc__match_key *pat, const struct ipc__match_key *msg)
{
    return pat->ctx == msg->ctx && (pat->src == IPC_ANY_SOURCE || pat->src == msg->src) &&
           (pat->tag == IPC_ANY_TAG || pat->tag == msg->tag);
}

struct ipc__match_node *ipc__mq_take_posted(struct ipc__match_queue *q,
                                            const struct ipc__match_key *msg)
{
    struct ipc__list *pos;
    ipc__list_for_each(pos, &q->head)
    {
        struct ipc__match_node *n = ipc__container_of(pos, struct ipc__match_node, link);
        if (ipc__match_fits(&n->key, msg)) {
            ipc__mq_remove(q, n);
            return n;
        }
    }
    return NULL;
}

struct ipc__match_node *ipc__mq_find_unexpected(struct ipc__match_queue *q,
                                                const struct ipc__match_key *pat,
                                                int take)
{
    struct ipc__list *pos;
    ipc__list_for_each(pos, &q->head)
    {
        struct ipc__match_node *n = ipc__container_of(pos, struct ipc__match_node, link);
        if (ipc__match_fits(pat, &n->key)) {
            if (take)
                ipc__mq_remove(q, n);
            return n;
        }
    }
    return NULL;
}

size_t ipc__match_copy_len(size_t msg_bytes, size_t cap_bytes, int *err)
{
    if (msg_bytes > cap_bytes) {
        *err = IPC_ERR_TRUNCATE;
        return cap_bytes;
    }
    *err = IPC_SUCCESS;
    return msg_bytes;
}
