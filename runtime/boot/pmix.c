/*
 * pmix.c - the bootstrap of ranks that a resource manager started through
 * PMIx, e.g. `srun --mpi=pmix -n 8 ./prog`: rank, size and the node of every
 * rank (PMIX_NODEID) from PMIx_Get, key/value exchange with PMIx_Put,
 * PMIx_Commit and PMIx_Fence (collecting the data).
 *
 * Compiled only when configure finds pmix.h (IPC_HAVE_PMIX: the structures
 * and constants come from it); the library (libpmix.so.2) is loaded with
 * dlopen only when the environment says PMIx started the rank, so nothing
 * links against it and the same build runs where it is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "boot/boot.h"
#include "internal.h"

#ifdef IPC_HAVE_PMIX
#include <pmix.h>

#define PMIX_LIBRARY "libpmix.so.2"
#define SECRET_KEY "ipc.secret"
#define VALUE_MAX 1024

static struct {
    pmix_status_t (*init)(pmix_proc_t *proc, pmix_info_t info[], size_t ninfo);
    pmix_status_t (*finalize)(const pmix_info_t info[], size_t ninfo);
    pmix_status_t (*abort)(int status, const char msg[], pmix_proc_t procs[],
                           size_t nprocs);
    pmix_status_t (*put)(pmix_scope_t scope, const pmix_key_t key, pmix_value_t *val);
    pmix_status_t (*commit)(void);
    pmix_status_t (*fence)(const pmix_proc_t procs[], size_t nprocs,
                           const pmix_info_t info[], size_t ninfo);
    pmix_status_t (*get)(const pmix_proc_t *proc, const pmix_key_t key,
                         const pmix_info_t info[], size_t ninfo, pmix_value_t **val);
    void (*value_destruct)(pmix_value_t *val);
} px;

static pmix_proc_t me;
static char value_buf[VALUE_MAX + 1];

static bool pmix_detect(void)
{
    return getenv("PMIX_RANK") != NULL && getenv("PMIX_NAMESPACE") != NULL;
}

static int load_library(void)
{
    const struct ipc__boot_sym syms[] = {
        {"PMIx_Init", (void **)&px.init},
        {"PMIx_Finalize", (void **)&px.finalize},
        {"PMIx_Abort", (void **)&px.abort},
        {"PMIx_Put", (void **)&px.put},
        {"PMIx_Commit", (void **)&px.commit},
        {"PMIx_Fence", (void **)&px.fence},
        {"PMIx_Get", (void **)&px.get},
        {"PMIx_Value_destruct", (void **)&px.value_destruct},
    };
    const struct ipc__boot_lib lib = {
        .file = PMIX_LIBRARY,
        .global = true,
        .started_by = "PMIx (PMIX_RANK is set, e.g. srun --mpi=pmix)",
        .advice = "install it (Debian: libpmix2) or use srun --mpi=pmi2",
        .kind = "PMIx 4",
        .syms = syms,
        .nsyms = sizeof syms / sizeof syms[0],
    };
    return ipc__boot_load(&lib);
}

static void release(pmix_value_t *v)
{
    px.value_destruct(v);
    free(v);
}

/* A uint32 attribute of rank (PMIX_RANK_WILDCARD: of the job); -1 if none. */
static long get_u32(pmix_rank_t rank, const char *key)
{
    pmix_proc_t who = me;
    pmix_value_t *v = NULL;
    long out = -1;
    who.rank = rank;
    if (px.get(&who, key, NULL, 0, &v) != PMIX_SUCCESS || !v)
        return -1;
    if (v->type == PMIX_UINT32)
        out = v->data.uint32;
    release(v);
    return out;
}

static int pmix_put(const char *key, const char *value)
{
    pmix_value_t v = {.type = PMIX_STRING};
    v.data.string = (char *)value;
    pmix_status_t rc = px.put(PMIX_GLOBAL, key, &v);
    if (rc == PMIX_SUCCESS)
        return IPC_SUCCESS;
    fprintf(stderr, "ipc: rank %u: PMIx_Put of %s failed (%d)\n", me.rank, key, rc);
    return IPC_ERR_WIREUP;
}

/* rank 0 draws the secret tcp hellos carry; the others read it after a fence. */
static int publish_secret(void)
{
    unsigned char b[IPC__SECRET_BYTES];
    char hex[IPC__SECRET_HEX + 1];
    if (getrandom(b, sizeof b, 0) != sizeof b) {
        fprintf(stderr, "ipc: rank 0: cannot draw the job secret (getrandom)\n");
        return IPC_ERR_WIREUP;
    }
    for (int i = 0; i < IPC__SECRET_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    explicit_bzero(b, sizeof b);
    int rc = pmix_put(SECRET_KEY, hex);
    explicit_bzero(hex, sizeof hex);
    return rc;
}

/* The node of every rank: PMIX_NODEID, renumbered from 0 in order of first
 * appearance, as IPC_NODE_OF gives it. */
static int node_layout(int size, char **out)
{
    long *seen = malloc((size_t)size * sizeof *seen);
    size_t cap = (size_t)size * 9 + 1, len = 0;
    char *text = malloc(cap);
    int nseen = 0;
    if (!seen || !text) {
        free(seen);
        free(text);
        return IPC_ERR_NOMEM;
    }
    for (int r = 0; r < size; r++) {
        long id = get_u32((pmix_rank_t)r, PMIX_NODEID);
        if (id < 0) {
            fprintf(
                stderr,
                "ipc: rank %u: PMIx gives no PMIX_NODEID for rank %d; set IPC_NODE_OF\n",
                me.rank, r);
            free(seen);
            free(text);
            return IPC_ERR_WIREUP;
        }
        int node = 0;
        while (node < nseen && seen[node] != id)
            node++;
        if (node == nseen)
            seen[nseen++] = id;
        len += (size_t)snprintf(text + len, cap - len, "%s%d", r ? "," : "", node);
    }
    free(seen);
    *out = text;
    return IPC_SUCCESS;
}

static int pmix_init(struct ipc__job *job, char **node_of)
{
    int rc;
    *node_of = NULL;
    job->ctl_fd = -1;
    if ((rc = load_library()) != IPC_SUCCESS)
        return rc;
    pmix_status_t st = px.init(&me, NULL, 0);
    if (st != PMIX_SUCCESS) {
        fprintf(stderr, "ipc: PMIx_Init failed (%d)\n", st);
        return IPC_ERR_WIREUP;
    }
    long size = get_u32(PMIX_RANK_WILDCARD, PMIX_JOB_SIZE);
    if (size < 1 || me.rank >= (pmix_rank_t)size) {
        fprintf(stderr, "ipc: PMIx gives rank %u of %ld\n", me.rank, size);
        return IPC_ERR_WIREUP;
    }
    job->rank = (int)me.rank;
    job->size = (int)size;
    snprintf(job->job_id, sizeof job->job_id, "pmix-%.34s", me.nspace);
    if (job->rank == 0 && job->size > 1 && (rc = publish_secret()) != IPC_SUCCESS)
        return rc;
    const char *forced = getenv("IPC_NODE_OF");
    if (forced)
        return (*node_of = strdup(forced)) ? IPC_SUCCESS : IPC_ERR_NOMEM;
    return node_layout(job->size, node_of);
}

static int pmix_fence(void)
{
    pmix_info_t collect;
    memset(&collect, 0, sizeof collect);
    snprintf(collect.key, sizeof collect.key, "%s", PMIX_COLLECT_DATA);
    collect.value.type = PMIX_BOOL;
    collect.value.data.flag = true;
    pmix_status_t rc = px.commit();
    if (rc == PMIX_SUCCESS)
        rc = px.fence(NULL, 0, &collect, 1);
    if (rc == PMIX_SUCCESS)
        return IPC_SUCCESS;
    fprintf(stderr, "ipc: rank %u: PMIx_Fence failed (%d)\n", me.rank, rc);
    return IPC_ERR_WIREUP;
}

static const char *pmix_get(const char *key, int from)
{
    pmix_proc_t who = me;
    pmix_value_t *v = NULL;
    const char *out = NULL;
    who.rank = (pmix_rank_t)from;
    if (px.get(&who, key, NULL, 0, &v) != PMIX_SUCCESS || !v)
        return NULL;
    if (v->type == PMIX_STRING && v->data.string) {
        snprintf(value_buf, sizeof value_buf, "%s", v->data.string);
        out = value_buf;
    }
    release(v);
    return out;
}

static int pmix_secret(unsigned char out[IPC__SECRET_BYTES], char *why, size_t whylen)
{
    int rc = ipc__secret_parse(pmix_get(SECRET_KEY, 0), out);
    explicit_bzero(value_buf, sizeof value_buf);
    if (rc == 0)
        return IPC_SUCCESS;
    snprintf(why, whylen, "rank 0 published no job secret (%s) through PMIx", SECRET_KEY);
    return IPC_ERR_WIREUP;
}

static void pmix_finalize(void)
{
    px.finalize(NULL, 0);
}

static void pmix_abort(int code)
{
    char msg[64];
    snprintf(msg, sizeof msg, "ipc: rank %u called %s(%d)", me.rank,
             ipc__obs.api == IPC__API_MPI ? "MPI_Abort" : "ipc_abort", code);
    px.abort(code, msg, NULL, 0);
}

const struct ipc__boot_ops ipc__boot_pmix = {
    .name = "PMIx",
    .detect = pmix_detect,
    .init = pmix_init,
    .put = pmix_put,
    .fence = pmix_fence,
    .get = pmix_get,
    .secret = pmix_secret,
    .finalize = pmix_finalize,
    .abort = pmix_abort,
};

#else /* !IPC_HAVE_PMIX */

/* Built without pmix.h: a rank PMIx started is told what to do instead. */
static bool pmix_detect(void)
{
    return getenv("PMIX_RANK") != NULL;
}

static int pmix_init(struct ipc__job *job, char **node_of)
{
    (void)job;
    *node_of = NULL;
    fprintf(stderr, "ipc: started by PMIx (srun --mpi=pmix), but this libipc was built "
                    "without pmix.h (Debian: libpmix-dev); use srun --mpi=pmi2\n");
    return IPC_ERR_WIREUP;
}

const struct ipc__boot_ops ipc__boot_pmix = {
    .name = "PMIx",
    .detect = pmix_detect,
    .init = pmix_init,
};
#endif
