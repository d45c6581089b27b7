/* names.c - the names ipcrun and libipc agree on (see names.h). */
#include "names.h"

#include <stdio.h>
#include <string.h>

const struct ipc__names_env_def ipc__names_env[IPC__ENV_COUNT] = {
    [IPC__ENV_SIZE] = {"IPC_SIZE", false, true},
    [IPC__ENV_LOCAL_SIZE] = {"IPC_LOCAL_SIZE", false, true},
    [IPC__ENV_JOB_ID] = {"IPC_JOB_ID", false, true},
    [IPC__ENV_OVERSUBSCRIBED] = {"IPC_OVERSUBSCRIBED", false, true},
    [IPC__ENV_TRANSPORT] = {"IPC_TRANSPORT", false, false},
    [IPC__ENV_REPORT_TRANSPORTS] = {"IPC_REPORT_TRANSPORTS", false, false},
    [IPC__ENV_JOB_SECRET] = {"IPC_JOB_SECRET", false, true},
    [IPC__ENV_TCP_IF] = {"IPC_TCP_IF", false, false},
    [IPC__ENV_TCP_IF_FROM] = {"IPC_TCP_IF_FROM", false, true},
    [IPC__ENV_NODE_OF] = {"IPC_NODE_OF", false, false},
    [IPC__ENV_NODES] = {"IPC_NODES", false, false},
    [IPC__ENV_STATS] = {"IPC_STATS", false, false},
    [IPC__ENV_TRACE] = {"IPC_TRACE", false, false},
    [IPC__ENV_RANK] = {"IPC_RANK", true, true},
    [IPC__ENV_LOCAL_RANK] = {"IPC_LOCAL_RANK", true, true},
    [IPC__ENV_CONTROL_FD] = {"IPC_CONTROL_FD", true, true},
};

int ipc__names_env_index(const char *name, size_t len)
{
    for (int i = 0; i < IPC__ENV_COUNT; i++)
        if (strlen(ipc__names_env[i].name) == len &&
            !strncmp(ipc__names_env[i].name, name, len))
            return i;
    return -1;
}

const char *const ipc__names_transport[IPC__NAMES_NTRANSPORTS] = {
    [IPC__NAMES_SHM] = "shm",
    [IPC__NAMES_UNIX] = "unix",
    [IPC__NAMES_PIPE] = "pipe",
    [IPC__NAMES_TCP] = "tcp",
};

int ipc__names_transport_index(const char *name)
{
    for (int i = 0; i < IPC__NAMES_NTRANSPORTS; i++)
        if (!strcmp(ipc__names_transport[i], name))
            return i;
    return -1;
}

void ipc__names_transport_list(char *buf, size_t len, const char *last, unsigned skip)
{
    int left = 0;
    size_t used = 0;
    for (int i = 0; i < IPC__NAMES_NTRANSPORTS; i++)
        left += !(skip & (1u << i));
    if (len == 0)
        return;
    buf[0] = '\0';
    for (int i = 0; i < IPC__NAMES_NTRANSPORTS; i++) {
        if (skip & (1u << i))
            continue;
        const char *sep = used == 0 ? "" : left == 1 ? last : ", ";
        int n = snprintf(buf + used, len - used, "%s%s", sep, ipc__names_transport[i]);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
        left--;
    }
}
