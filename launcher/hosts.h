/*
 * hosts.h - the hosts of a multi-host job: reading them from --host lists and
 * hostfiles, dealing the ranks to them, and telling this host from others.
 *
 * A host list is merged as it is built: a name given twice (compared without
 * regard to case) is one host with the slots added up, kept where it first
 * appeared. A slot is a place for one rank; more ranks than slots is allowed
 * (oversubscription) and the mapping then wraps around.
 *
 * Everything here is pure except ipcrun__hosts_read_file (reads the file) and
 * ipcrun__host_is_local (asks gethostname). Error messages are one line without
 * the "ipcrun: " prefix.
 */
#ifndef IPC_LAUNCHER_HOSTS_H
#define IPC_LAUNCHER_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#define IPCRUN__HOST_NAME_MAX 255     /* bytes in a host name (DNS allows 253) */
#define IPCRUN__HOSTS_MAX 100000      /* distinct hosts in one list */
#define IPCRUN__HOST_SLOTS_MAX 100000 /* slots of one host, merged entries included */

struct ipcrun__host {
    char name[IPCRUN__HOST_NAME_MAX + 1]; /* as given; an IPv6 address without [] */
    int slots;                            /* 1..IPCRUN__HOST_SLOTS_MAX */
};

struct ipcrun__hosts {
    struct ipcrun__host *v; /* v[0..n), in the order first named */
    int n;
    int cap;
};

/* --map-by slot|node: how ranks are dealt to hosts. */
enum ipcrun__map_hosts {
    IPCRUN__MAP_SLOT, /* fill host 0's slots, then host 1's, ... */
    IPCRUN__MAP_NODE, /* one rank per host in turn, skipping hosts that are full */
};

/* Adds host name (namelen bytes, not checked) with slots to list, merging it
 * into an entry of the same name. Returns 0, or -1 with the reason in err. */
int ipcrun__hosts_add(struct ipcrun__hosts *list, const char *name, size_t namelen,
                      int slots, char *err, size_t errlen);

/* Adds the hosts of a --host value, "a:2,b,[::1]:3" (a host alone has 1
 * slot), to list. option names the option in messages ("--host"). Returns 0,
 * or -1 with the reason in err (hosts before the bad one stay added). */
int ipcrun__hosts_parse_list(struct ipcrun__hosts *list, const char *option,
                             const char *spec, char *err, size_t errlen);

/* Adds the hosts of a hostfile to list: per line "host", "host slots=N" or
 * "host:N", optionally "max_slots=N" (ignored); '#' starts a comment; blank
 * lines are skipped. Returns 0, or -1 with the reason in err: "PATH:LINE:
 * what is wrong" for a bad line, or why the file cannot be read or names no
 * host. */
int ipcrun__hosts_read_file(struct ipcrun__hosts *list, const char *path, char *err,
                            size_t errlen);

/* The slots of every host in list added up. */
long ipcrun__hosts_total_slots(const struct ipcrun__hosts *list);

void ipcrun__hosts_free(struct ipcrun__hosts *list);

/* Deals ranks 0..nranks) to hosts[0..nhosts) (nhosts >= 1), writing the index
 * of each rank's host to host_of_rank[0..nranks). By slot: host 0 takes as
 * many ranks as it has slots, then host 1, ...; by node: hosts take one rank
 * each in turn, those whose slots are full being skipped. Once every slot is
 * taken the same order starts again from host 0. Returns 0, or -1 when out
 * of memory. */
int ipcrun__hosts_map(const struct ipcrun__host *hosts, int nhosts, int nranks,
                      enum ipcrun__map_hosts by, int *host_of_rank);

/* A mapped job seen per node: the hosts that got ranks, in host order. */
struct ipcrun__nodes {
    int nnodes;
    int nranks;
    int *host;         /* [node]: its index in the host list */
    int *first;        /* [node]: node's ranks are ranks[first[node] .. first[node+1]) */
    int *ranks;        /* [nranks]: every node's ranks, ascending within a node */
    int *node_of_rank; /* [rank]: the node it runs on */
    int *local_rank;   /* [rank]: its place among its node's ranks (IPC_LOCAL_RANK) */
};

/* Groups the ranks of a mapping (host_of_rank[0..nranks), hosts 0..nhosts)
 * by node. Returns 0, or -1 when out of memory (out is then empty). */
int ipcrun__hosts_nodes(const int *host_of_rank, int nranks, int nhosts,
                        struct ipcrun__nodes *out);
void ipcrun__nodes_free(struct ipcrun__nodes *nodes);

/* IPC_NODE_OF's value: the node of every rank, comma-separated ("0,0,1,1").
 * Returns a string to free(), or NULL when out of memory. At 2 to 6 bytes a
 * rank it passes Linux's 128 KiB limit on one environment string
 * (MAX_ARG_STRLEN) at some 20000 ranks. */
char *ipcrun__hosts_node_of_string(const struct ipcrun__nodes *nodes);

/* Whether name is this host as seen from self, a host name such as
 * gethostname() gives: "localhost", "localhost.localdomain", 127.x.x.x, ::1,
 * self, or either one's short form when the other has no domain ("node1" and
 * "node1.example.com"). Case does not matter. Pure. */
bool ipcrun__host_is_local_to(const char *name, const char *self);

/* ipcrun__host_is_local_to(name, this host's gethostname()), or name is
 * SLURMD_NODENAME (the node's name in a Slurm job). */
bool ipcrun__host_is_local(const char *name);

#endif /* IPC_LAUNCHER_HOSTS_H */
