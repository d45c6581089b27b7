/* loop.c - ipcrun's event loop (see loop.h). */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>

void ipcrun__loop_init(struct ipcrun__loop *l, void *ctx)
{
    *l = (struct ipcrun__loop){.ctx = ctx};
}

void ipcrun__loop_fini(struct ipcrun__loop *l)
{
    free(l->src);
    free(l->pfds);
    free(l->which);
    *l = (struct ipcrun__loop){0};
}

int ipcrun__loop_add(struct ipcrun__loop *l, const struct ipcrun__source *s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        struct ipcrun__source *src = realloc(l->src, (size_t)cap * sizeof *src);
        if (!src)
            return -ENOMEM;
        l->src = src;
        struct pollfd *pfds = realloc(l->pfds, (size_t)cap * sizeof *pfds);
        if (!pfds)
            return -ENOMEM;
        l->pfds = pfds;
        int *which = realloc(l->which, (size_t)cap * sizeof *which);
        if (!which)
            return -ENOMEM;
        l->which = which;
        l->cap = cap;
    }
    l->src[l->n++] = *s;
    return 0;
}

int ipcrun__loop_poll(struct ipcrun__loop *l, int timeout_ms)
{
    int k = 0;
    for (int i = 0; i < l->n; i++) {
        short events = 0;
        int fd = l->src[i].fd(l->ctx, l->src[i].arg, &events);
        if (fd < 0 || events == 0)
            continue;
        l->pfds[k] = (struct pollfd){.fd = fd, .events = events};
        l->which[k++] = i;
    }
    l->npolled = k;
    int rc = poll(l->pfds, (nfds_t)k, timeout_ms);
    return rc < 0 ? -errno : rc;
}

void ipcrun__loop_dispatch(struct ipcrun__loop *l, enum ipcrun__loop_stage stage)
{
    for (int k = 0; k < l->npolled; k++) {
        const struct ipcrun__source *s = &l->src[l->which[k]];
        short events = 0;
        if (!l->pfds[k].revents || s->stage != stage ||
            s->fd(l->ctx, s->arg, &events) != l->pfds[k].fd)
            continue;
        s->ready(l->ctx, s->arg, l->pfds[k].revents);
    }
}
