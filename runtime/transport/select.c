/* select.c - the list of transports, in the order ipc_init connects them,
 * and lookup by name. */
#include <string.h>

#include "transport.h"

static const struct ipc__transport_ops *const transports[] = {
    &ipc__transport_shm,
    &ipc__transport_unix,
    &ipc__transport_pipe,
    &ipc__transport_tcp,
};

const struct ipc__transport_ops *ipc__transport_find(const char *name)
{
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++)
        if (!strcmp(transports[i]->name, name))
            return transports[i];
    return NULL;
}

const struct ipc__transport_ops *ipc__transport_at(size_t i)
{
    return i < sizeof transports / sizeof transports[0] ? transports[i] : NULL;
}
