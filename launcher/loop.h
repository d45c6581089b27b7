/*
 * loop.h - ipcrun's one event loop: poll() over the descriptors that
 * sources registered, then each source's handler, stage by stage.
 *
 * A source is one descriptor's owner (a rank's stdout pipe in forward.c, its
 * control socket in wireup.c, a node daemon's stream in remote.c, ...). It
 * registers once; before every poll the loop asks it which descriptor to wait
 * on now and for what, so that a source whose descriptor closed, or that has
 * nothing to wait for, simply answers -1. A handler runs only when the
 * source still answers the descriptor that was polled: one closed and reused
 * within the same round is not mistaken for the old one.
 *
 * The loop knows nothing of jobs: ctx is given back to every callback.
 */
#ifndef IPC_LAUNCHER_LOOP_H
#define IPC_LAUNCHER_LOOP_H

#include <poll.h>

/* The order handlers run in within one round, so that a rank's last output
 * is read before its control packets, and both before its death. */
enum ipcrun__loop_stage {
    IPCRUN__STAGE_IO,     /* output, input, node daemons' streams */
    IPCRUN__STAGE_CTL,    /* the ranks' control channels */
    IPCRUN__STAGE_SIGNAL, /* the signalfd: deaths, interrupts */
    IPCRUN__NSTAGES
};

struct ipcrun__source {
    /* The descriptor to wait on now, with the events in *events; -1: none. */
    int (*fd)(void *ctx, int arg, short *events);
    /* poll() reported revents on it. */
    void (*ready)(void *ctx, int arg, short revents);
    int arg; /* given back to both: a rank, a daemon, ... */
    enum ipcrun__loop_stage stage;
};

struct ipcrun__loop {
    void *ctx;
    struct ipcrun__source *src;
    int n, cap;
    struct pollfd *pfds; /* one per source, the first npolled in use */
    int *which;          /* the source of each pfds entry */
    int npolled;
};

void ipcrun__loop_init(struct ipcrun__loop *l, void *ctx);
void ipcrun__loop_fini(struct ipcrun__loop *l);

/* Registers a source (copied). Returns 0, or -ENOMEM. */
int ipcrun__loop_add(struct ipcrun__loop *l, const struct ipcrun__source *s);

/* Asks every source what to wait for and polls for at most timeout_ms (-1:
 * no limit). Returns poll()'s result, or -errno. */
int ipcrun__loop_poll(struct ipcrun__loop *l, int timeout_ms);

/* Runs the handlers of one stage for what the last poll reported. */
void ipcrun__loop_dispatch(struct ipcrun__loop *l, enum ipcrun__loop_stage stage);

#endif /* IPC_LAUNCHER_LOOP_H */
