/*
 * wireup.h - ipcrun's side of the control channel (runtime/common/ctl.h): the
 * key/value store, fences, the pipes it hands to every pair of ranks of a
 * node, and each node's shared segment.
 */
#ifndef IPC_LAUNCHER_WIREUP_H
#define IPC_LAUNCHER_WIREUP_H

#include <stddef.h>
#include <stdint.h>

struct ipcrun__launch;

struct ipcrun__wireup {
    char **keys, **values; /* what ranks PUT; a later PUT of a key replaces it */
    int nkv, kvcap;
    int nfenced; /* ranks in the fence under way */
    int npipes;  /* ranks that sent PIPES */
    char *rxbuf; /* one packet, IPC__CTL_MAX_MSG bytes */
    struct ipcrun__wireup_segment *segs; /* one per node that asked (SHM) */
    int nsegs;
};

/* A node's shared segment (IPC__CTL_SHM). */
struct ipcrun__wireup_segment {
    unsigned node;
    int fd;                  /* until every rank of the node has it; then -1 */
    int err;                 /* errno of a failed creation, given to every asker */
    unsigned long long size; /* bytes, as the node's first asker said */
    unsigned nranks;         /* ranks of the node, as its first asker said */
    unsigned handed;         /* ranks answered */
};

/* Returns 0, or -ENOMEM. */
int ipcrun__wireup_init(struct ipcrun__wireup *w);
void ipcrun__wireup_fini(struct ipcrun__wireup *w);

/* Stores one key/value pair. Returns 0, or -ENOMEM. */
int ipcrun__wireup_put(struct ipcrun__wireup *w, const char *key, const char *value);

/* Every pair stored, as "k\0v\0k\0v\0..."; the caller frees it. NULL when out
 * of memory. */
char *ipcrun__wireup_blob(const struct ipcrun__wireup *w, size_t *len);

/* Handles every packet waiting on rank r's control socket (which must be
 * non-blocking) and closes it at end of file. Failures of the protocol end the
 * job through ipcrun__launch_fail(). */
void ipcrun__wireup_serve(struct ipcrun__launch *job, int r);

/* Acts on one packet rank r sent on its control channel (read here, or
 * relayed by its node daemon). */
void ipcrun__wireup_packet(struct ipcrun__launch *job, int r, uint32_t type,
                           const char *buf, size_t len);

/* Sends rank r (of this host) a control packet; a rank that is gone is
 * skipped. */
void ipcrun__wireup_deliver(struct ipcrun__launch *job, int r, uint32_t type,
                            const void *payload, size_t len);

/* A node daemon: passes a control packet of its rank r up to ipcrun. */
void ipcrun__wireup_relay(struct ipcrun__launch *job, int r, uint32_t type,
                          const char *buf, size_t len);

/* Registers every rank's control socket with the event loop (job->loop).
 * Returns 0, or -1 when out of memory. */
int ipcrun__wireup_watch(struct ipcrun__launch *job);

/* Closes rank r's control socket; a fence the others wait in that r can no
 * longer join ends the job. */
void ipcrun__wireup_close(struct ipcrun__launch *job, int r);

#endif /* IPC_LAUNCHER_WIREUP_H */
