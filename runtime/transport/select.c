/* select.c - the list of transports, in the order ipc_init connects them,
 * and lookup by name. */
#include "names.h"
#include "transport.h"

/* In the order of the names (runtime/common/names.h). */
static const struct ipc__transport_ops *const transports[IPC__NAMES_NTRANSPORTS] = {
    [IPC__NAMES_SHM] = &ipc__transport_shm,
    [IPC__NAMES_UNIX] = &ipc__transport_unix,
    [IPC__NAMES_PIPE] = &ipc__transport_pipe,
    [IPC__NAMES_TCP] = &ipc__transport_tcp,
};

const struct ipc__transport_ops *ipc__transport_find(const char *name)
{
    int i = ipc__names_transport_index(name);
    return i >= 0 ? transports[i] : NULL;
}

const struct ipc__transport_ops *ipc__transport_at(size_t i)
{
    return i < sizeof transports / sizeof transports[0] ? transports[i] : NULL;
}
