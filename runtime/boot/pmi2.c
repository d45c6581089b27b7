/*
 * pmi2.c - the bootstrap of ranks that a resource manager started through
 * PMI-2, e.g. `srun --mpi=pmi2 -n 8 ./prog`: rank, size, the node of every
 * rank (the PMI_process_mapping job attribute), key/value exchange and fences
 * through the manager's own PMI-2 library.
 *
 * The library is loaded with dlopen (libpmi2.so.0: Slurm's, Debian package
 * libpmi2-0) only when the environment says PMI-2 started the rank, so one
 * libipc works with and without Slurm installed and nothing links against
 * it. The few functions used are declared here as pmi2.h (PMI-2 standard, as
 * shipped by Slurm and MPICH) declares them.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "boot/boot.h"
#include "internal.h"

#define PMI2_LIBRARY "libpmi2.so.0"
#define PMI2_SUCCESS 0
#define PMI2_MAX_VALLEN 1024
#define SECRET_KEY "ipc.secret"

static struct {
    int (*init)(int *spawned, int *size, int *rank, int *appnum);
    int (*finalize)(void);
    int (*abort)(int flag, const char msg[]);
    int (*job_getid)(char jobid[], int jobid_size);
    int (*kvs_put)(const char key[], const char value[]);
    int (*kvs_fence)(void);
    int (*kvs_get)(const char *jobid, int src_pmi_id, const char key[], char value[],
                   int maxvalue, int *vallen);
    int (*info_getjobattr)(const char name[], char value[], int valuelen, int *found);
} pmi;

static char jobid[256];
static char value_buf[PMI2_MAX_VALLEN + 1];
static int my_rank;

/* Slurm's pmi2 plugin (and MPICH's hydra) give the rank its end of the
 * connection to the manager in PMI_FD. */
static bool pmi2_detect(void)
{
    return getenv("PMI_FD") != NULL && getenv("PMI_RANK") != NULL;
}

static int load_library(void)
{
    const struct ipc__boot_sym syms[] = {
        {"PMI2_Init", (void **)&pmi.init},
        {"PMI2_Finalize", (void **)&pmi.finalize},
        {"PMI2_Abort", (void **)&pmi.abort},
        {"PMI2_Job_GetId", (void **)&pmi.job_getid},
        {"PMI2_KVS_Put", (void **)&pmi.kvs_put},
        {"PMI2_KVS_Fence", (void **)&pmi.kvs_fence},
        {"PMI2_KVS_Get", (void **)&pmi.kvs_get},
        {"PMI2_Info_GetJobAttr", (void **)&pmi.info_getjobattr},
    };
    const struct ipc__boot_lib lib = {
        .file = PMI2_LIBRARY,
        .started_by = "PMI-2 (PMI_FD is set, e.g. srun --mpi=pmi2)",
        .advice = "install Slurm's PMI-2 library (Debian: libpmi2-0)",
        .kind = "a PMI-2 library",
        .syms = syms,
        .nsyms = sizeof syms / sizeof syms[0],
    };
    return ipc__boot_load(&lib);
}

/* One block of PMI_process_mapping: ranks_per_node ranks on each of nodes
 * nodes from first on. */
struct map_block {
    int first, nodes, ranks_per_node;
};

/* A decimal field: digits only, no sign or blank, at least min and at most
 * INT_MAX. Returns the text after it, or NULL. */
static const char *parse_field(const char *p, int min, int *out)
{
    long long v = 0;
    const char *start = p;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return NULL;
    }
    if (p == start || v < min)
        return NULL;
    *out = (int)v;
    return p;
}

/* "(first,nodes,ranks)": returns the text after it, or NULL. */
static const char *parse_block(const char *p, struct map_block *b)
{
    if (*p++ != '(' || !(p = parse_field(p, 0, &b->first)) || *p++ != ',' ||
        !(p = parse_field(p, 1, &b->nodes)) || *p++ != ',' ||
        !(p = parse_field(p, 1, &b->ranks_per_node)) || *p++ != ')')
        return NULL;
    /* Its last node must be a node number too. */
    return b->nodes - 1 <= INT_MAX - b->first ? p : NULL;
}

/* The text comes from the resource manager, through a library: every field is
 * checked, and the blocks and the output are sized from what was read. */
int ipc__pmi2_parse_mapping(const char *s, int size, char **out)
{
    static const char head[] = "(vector,";
    *out = NULL;
    if (size < 1 || strncmp(s, head, sizeof head - 1) != 0)
        return -1;
    const char *p = s + sizeof head - 1;
    /* A block takes at least 7 characters, "(0,1,1)". */
    size_t cap_blocks = strlen(p) / 7 + 1, nblocks = 0;
    struct map_block *blocks = malloc(cap_blocks * sizeof *blocks);
    if (!blocks)
        return -1;
    int widest = 1;
    for (;;) {
        if (nblocks == cap_blocks || !(p = parse_block(p, &blocks[nblocks])))
            goto bad;
        const struct map_block *b = &blocks[nblocks++];
        int d = ipc__topo_digits(b->first + (b->nodes - 1));
        widest = d > widest ? d : widest;
        if (*p != ',')
            break;
        p++;
    }
    if (strcmp(p, ")") != 0)
        goto bad;
    /* Each rank: its node's digits and a comma (none after the last). */
    size_t cap = (size_t)size * ((size_t)widest + 1), len = 0;
    char *text = malloc(cap);
    if (!text)
        goto bad;
    for (int rank = 0; rank < size;) {
        for (size_t i = 0; i < nblocks && rank < size; i++) {
            const struct map_block *b = &blocks[i];
            for (int k = 0; k < b->nodes && rank < size; k++)
                for (int j = 0; j < b->ranks_per_node && rank < size; j++, rank++) {
                    int n = snprintf(text + len, cap - len, "%s%d", rank ? "," : "",
                                     b->first + k);
                    if (n < 0 || (size_t)n >= cap - len) { /* cannot happen: sized */
                        free(text);
                        goto bad;
                    }
                    len += (size_t)n;
                }
        }
    }
    free(blocks);
    *out = text;
    return 0;
bad:
    free(blocks);
    return -1;
}

/* The secret tcp hellos carry: drawn by rank 0 and published at once; the
 * others read it after the first fence. */
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
    int rc = pmi.kvs_put(SECRET_KEY, hex);
    explicit_bzero(hex, sizeof hex);
    if (rc != PMI2_SUCCESS) {
        fprintf(stderr, "ipc: rank 0: PMI2_KVS_Put of the job secret failed (%d)\n", rc);
        return IPC_ERR_WIREUP;
    }
    return IPC_SUCCESS;
}

static int pmi2_init(struct ipc__job *job, char **node_of)
{
    int spawned = 0, appnum = 0, found = 0, rc;
    char mapping[PMI2_MAX_VALLEN + 1] = "";
    *node_of = NULL;
    job->ctl_fd = -1;
    if ((rc = load_library()) != IPC_SUCCESS)
        return rc;
    if ((rc = pmi.init(&spawned, &job->size, &job->rank, &appnum)) != PMI2_SUCCESS) {
        fprintf(stderr,
                "ipc: PMI2_Init failed (%d); was the program started with "
                "srun --mpi=pmi2?\n",
                rc);
        return IPC_ERR_WIREUP;
    }
    my_rank = job->rank;
    if (job->size < 1 || job->rank < 0 || job->rank >= job->size) {
        fprintf(stderr, "ipc: PMI2_Init gave rank %d of %d\n", job->rank, job->size);
        return IPC_ERR_WIREUP;
    }
    if (pmi.job_getid(jobid, sizeof jobid) != PMI2_SUCCESS) {
        fprintf(stderr, "ipc: rank %d: PMI2_Job_GetId failed\n", job->rank);
        return IPC_ERR_WIREUP;
    }
    snprintf(job->job_id, sizeof job->job_id, "pmi2-%.34s", jobid);
    if (job->rank == 0 && job->size > 1 && (rc = publish_secret()) != IPC_SUCCESS)
        return rc;
    /* IPC_NODE_OF still wins: it makes one host look like several. */
    const char *forced = getenv("IPC_NODE_OF");
    if (forced)
        return (*node_of = strdup(forced)) ? IPC_SUCCESS : IPC_ERR_NOMEM;
    int got =
        pmi.info_getjobattr("PMI_process_mapping", mapping, sizeof mapping - 1, &found);
    mapping[sizeof mapping - 1] = '\0'; /* whatever the library wrote */
    if (got != PMI2_SUCCESS || !found || mapping[0] == '\0') {
        fprintf(stderr,
                "ipc: rank %d: the PMI-2 server gives no PMI_process_mapping; set "
                "IPC_NODE_OF to say which node each rank is on\n",
                job->rank);
        return IPC_ERR_WIREUP;
    }
    if (ipc__pmi2_parse_mapping(mapping, job->size, node_of) != 0) {
        fprintf(stderr, "ipc: rank %d: cannot read PMI_process_mapping '%.200s'\n",
                job->rank, mapping);
        return IPC_ERR_WIREUP;
    }
    return IPC_SUCCESS;
}

static int pmi2_put(const char *key, const char *value)
{
    int rc = pmi.kvs_put(key, value);
    if (rc == PMI2_SUCCESS)
        return IPC_SUCCESS;
    fprintf(stderr, "ipc: rank %d: PMI2_KVS_Put of %s failed (%d)\n", my_rank, key, rc);
    return IPC_ERR_WIREUP;
}

static int pmi2_fence(void)
{
    int rc = pmi.kvs_fence();
    if (rc == PMI2_SUCCESS)
        return IPC_SUCCESS;
    fprintf(stderr, "ipc: rank %d: PMI2_KVS_Fence failed (%d)\n", my_rank, rc);
    return IPC_ERR_WIREUP;
}

static const char *pmi2_get(const char *key, int from)
{
    int len = 0;
    if (pmi.kvs_get(jobid, from, key, value_buf, PMI2_MAX_VALLEN, &len) != PMI2_SUCCESS ||
        len < 0)
        return NULL;
    value_buf[len < PMI2_MAX_VALLEN ? len : PMI2_MAX_VALLEN] = '\0';
    return value_buf;
}

static int pmi2_secret(unsigned char out[IPC__SECRET_BYTES], char *why, size_t whylen)
{
    const char *hex = pmi2_get(SECRET_KEY, 0);
    int rc = ipc__secret_parse(hex, out);
    explicit_bzero(value_buf, sizeof value_buf);
    if (rc == 0)
        return IPC_SUCCESS;
    snprintf(why, whylen,
             "rank 0 published no job secret (%s) in the PMI-2 key/value store",
             SECRET_KEY);
    return IPC_ERR_WIREUP;
}

static void pmi2_finalize(void)
{
    pmi.finalize();
}

/* The manager ends every rank of the job step. */
static void pmi2_abort(int code)
{
    char msg[64];
    snprintf(msg, sizeof msg, "ipc: rank %d called %s(%d)", my_rank,
             ipc__obs.api == IPC__API_MPI ? "MPI_Abort" : "ipc_abort", code);
    pmi.abort(1, msg);
}

const struct ipc__boot_ops ipc__boot_pmi2 = {
    .name = "PMI-2",
    .detect = pmi2_detect,
    .init = pmi2_init,
    .put = pmi2_put,
    .fence = pmi2_fence,
    .get = pmi2_get,
    .secret = pmi2_secret,
    .finalize = pmi2_finalize,
    .abort = pmi2_abort,
};
