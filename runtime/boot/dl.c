/* dl.c - loading a bootstrap's library at run time (PMI-2, PMIx). */
#include <dlfcn.h>
#include <stdio.h>

#include "boot.h"
#include "ipc.h"

int ipc__boot_load(const struct ipc__boot_lib *lib)
{
    void *h = dlopen(lib->file, RTLD_NOW | (lib->global ? RTLD_GLOBAL : RTLD_LOCAL));
    if (!h) {
        fprintf(stderr, "ipc: started by %s but %s cannot be loaded: %s; %s\n",
                lib->started_by, lib->file, dlerror(), lib->advice);
        return IPC_ERR_WIREUP;
    }
    for (size_t i = 0; i < lib->nsyms; i++) {
        *lib->syms[i].fn = dlsym(h, lib->syms[i].name);
        if (!*lib->syms[i].fn) {
            fprintf(stderr, "ipc: %s has no %s; is it %s?\n", lib->file, lib->syms[i].name,
                    lib->kind);
            return IPC_ERR_WIREUP;
        }
    }
    return IPC_SUCCESS;
}
