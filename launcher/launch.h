/*
 * launch.h - running one job from start to end (launch.c): ipcrun's main.c
 * calls it with the hosts it dealt the ranks to, and so does a node daemon
 * with the job ipcrun sent it (through main.c, which hands it over).
 */
#ifndef IPC_LAUNCHER_LAUNCH_H
#define IPC_LAUNCHER_LAUNCH_H

#include "job.h"
#include "options.h"

/* Runs the job opts describes (checked by options.c) to its end; returns
 * ipcrun's exit status. Prints the reason of any failure. layout: NULL when
 * every rank runs on this host. */
int ipcrun__launch_run(const struct ipcrun__opts *opts,
                       const struct ipcrun__layout *layout);

#endif /* IPC_LAUNCHER_LAUNCH_H */
