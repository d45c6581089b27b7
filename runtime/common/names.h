/*
 * names.h - the names ipcrun and libipc must agree on, each listed once:
 * the environment variables ipcrun gives every rank, and the transports.
 *
 * ipcrun sets the variables (launcher/spawn.c) and refuses to let -x set
 * those it always sets (launcher/options.c); libipc reads them
 * (runtime/core.c). The transports are the names --transport takes
 * (launcher/options.c), IPC_TRANSPORT names and ipc_init connects in this
 * order (runtime/transport/select.c).
 */
#ifndef IPC_NAMES_H
#define IPC_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The variables, in the order ipcrun adds them to a rank's environment. */
enum ipc__names_env {
    IPC__ENV_SIZE,              /* the job's ranks, decimal */
    IPC__ENV_LOCAL_SIZE,        /* the ranks of this host, decimal */
    IPC__ENV_JOB_ID,            /* uuid of the job (36 characters) */
    IPC__ENV_OVERSUBSCRIBED,    /* 1: more ranks than cpus here, wait without spinning */
    IPC__ENV_TRANSPORT,         /* --transport (absent: the default) */
    IPC__ENV_REPORT_TRANSPORTS, /* --report-transports: 1 */
    IPC__ENV_JOB_SECRET,        /* hex: proves a TCP connection comes from the job */
    IPC__ENV_TCP_IF,            /* --tcp-if, or the address picked for other hosts */
    IPC__ENV_TCP_IF_FROM,       /* where IPC_TCP_IF came from, for --report-transports:
                                   --tcp-if, first-address, ssh, or environment (the
                                   rank inherited it, or nobody set it) */
    IPC__ENV_NODE_OF,           /* the node of every rank, "0,0,1,1" (absent: one); the
                                   user's, for ranks started without ipcrun */
    IPC__ENV_NODES,             /* the job's nodes, decimal, when more than one: ask
                                   for the node map (IPC__CTL_NODES) */
    IPC__ENV_STATS,             /* --stats, --stats-json: 1 */
    IPC__ENV_TRACE,             /* --trace: 1 */
    /* per rank */
    IPC__ENV_RANK,       /* the rank, decimal */
    IPC__ENV_LOCAL_RANK, /* its index among the ranks of its host */
    IPC__ENV_CONTROL_FD, /* its end of the control socket (ctl.h) */
    IPC__ENV_COUNT
};

struct ipc__names_env_def {
    const char *name;
    bool per_rank; /* differs from rank to rank */
    bool always;   /* set for every job, so -x may not set it; otherwise set only
                    * when an option asks and inherited from ipcrun if not */
};

extern const struct ipc__names_env_def ipc__names_env[IPC__ENV_COUNT];

/* The variable name (len bytes, not terminated) is, or -1. */
int ipc__names_env_index(const char *name, size_t len);

/* The transports, in the order ipc_init connects them. */
enum ipc__names_transport {
    IPC__NAMES_SHM,
    IPC__NAMES_UNIX,
    IPC__NAMES_PIPE,
    IPC__NAMES_TCP,
    IPC__NAMES_NTRANSPORTS
};

extern const char *const ipc__names_transport[IPC__NAMES_NTRANSPORTS];

/* Which transport name is, or -1. */
int ipc__names_transport_index(const char *name);

/* Writes the transport names but those whose bit is set in skip (bit i:
 * transport i), separated by ", " and by `last` before the last one:
 * "shm, unix, pipe or tcp" with last " or ". Always terminated. */
void ipc__names_transport_list(char *buf, size_t len, const char *last, unsigned skip);

#endif /* IPC_NAMES_H */
