/* select.c - the list of transports and lookup by name. */
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
