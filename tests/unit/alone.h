/* alone.h - group fixtures for unit tests that need libipc initialized: the
 * test process is a job of one rank (no ipcrun: IPC_CONTROL_FD unset). */
#ifndef IPC_TEST_ALONE_H
#define IPC_TEST_ALONE_H

#include <stdlib.h>

#include "ipc.h"

static int join(void **state)
{
    (void)state;
    unsetenv("IPC_CONTROL_FD");
    return ipc_init(NULL, NULL) == IPC_SUCCESS ? 0 : -1;
}

static int leave(void **state)
{
    (void)state;
    return ipc_finalize() == IPC_SUCCESS ? 0 : -1;
}

#endif /* IPC_TEST_ALONE_H */
