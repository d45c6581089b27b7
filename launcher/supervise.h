/*
 * supervise.h - the running job (supervise.c): ipcrun's one event loop
 * (loop.c) from the moment the ranks are started until every rank ended and
 * its output is forwarded.
 */
#ifndef IPC_LAUNCHER_SUPERVISE_H
#define IPC_LAUNCHER_SUPERVISE_H

#include "job.h"

/* Registers every descriptor's handler with job->loop, runs the loop, and
 * returns ipcrun's exit status. */
int ipcrun__supervise(struct ipcrun__launch *job);

#endif /* IPC_LAUNCHER_SUPERVISE_H */
