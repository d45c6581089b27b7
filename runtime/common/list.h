/* list.h - intrusive doubly-linked lists (queues of requests and messages). */
#ifndef IPC_LIST_H
#define IPC_LIST_H

#include <stddef.h>

struct ipc__list {
    struct ipc__list *prev, *next;
};

#define IPC__LIST_INIT(name)                                                             \
    {                                                                                    \
        &(name), &(name)                                                                 \
    }
#define ipc__container_of(ptr, type, member)                                             \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define ipc__list_for_each(pos, head)                                                    \
    for (pos = (head)->next; pos != (head); pos = pos->next)

static inline void ipc__list_init(struct ipc__list *l)
{
    l->prev = l->next = l;
}

static inline int ipc__list_empty(const struct ipc__list *l)
{
    return l->next == l;
}

static inline void ipc__list_push_back(struct ipc__list *head, struct ipc__list *node)
{
    node->prev = head->prev;
    node->next = head;
    head->prev->next = node;
    head->prev = node;
}

static inline void ipc__list_remove(struct ipc__list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = node;
}

#endif /* IPC_LIST_H */
