/* main.c - ipcrun: start N ranks of a program and supervise them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "files.h"
#include "hosts.h"
#include "ipc.h"
#include "launch.h"
#include "netif.h"
#include "options.h"

/* Where the ranks of a job that names hosts run. */
struct host_plan {
    struct ipcrun__layout layout;
    struct ipcrun__nodes nodes;
    int *host_of_rank;
    const char **names; /* per node */
    char daemon_path[PATH_MAX];
    char addr[64]; /* the address ipcrun's own ranks listen on */
};

/* Deals the ranks to the hosts. Every name for this machine is one node,
 * which ipcrun runs itself; every other host gets a node daemon. Returns 1
 * when the job spans several hosts (plan->layout describes it), 0 when it
 * runs here only, -1 with the reason in err. */
static int plan_hosts(const struct ipcrun__opts *opts, struct host_plan *plan, char *err,
                      size_t errlen)
{
    const struct ipcrun__hosts *h = &opts->hosts;
    int n = opts->nranks, here = -1;
    if (h->n == 0)
        return 0;
    plan->host_of_rank = calloc((size_t)n, sizeof *plan->host_of_rank);
    if (!plan->host_of_rank ||
        ipcrun__hosts_map(h->v, h->n, n, opts->map_hosts, plan->host_of_rank) != 0)
        goto nomem;
    for (int i = 0; i < h->n && here < 0; i++)
        if (ipcrun__host_is_local(h->v[i].name))
            here = i;
    for (int r = 0; here >= 0 && r < n; r++)
        if (ipcrun__host_is_local(h->v[plan->host_of_rank[r]].name))
            plan->host_of_rank[r] = here;
    if (ipcrun__hosts_nodes(plan->host_of_rank, n, h->n, &plan->nodes) != 0)
        goto nomem;
    struct ipcrun__nodes *nodes = &plan->nodes;
    if (nodes->nnodes == 1 && nodes->host[0] == here)
        return 0;
    if (opts->stdin_target == IPCRUN__STDIN_ALL) {
        snprintf(err, errlen, "--stdin all reaches only ranks of this host; with other "
                              "hosts give --stdin R for a rank here, or --stdin none");
        return -1;
    }
    plan->names = calloc((size_t)nodes->nnodes, sizeof *plan->names);
    if (!plan->names)
        goto nomem;
    plan->layout.this_node = -1;
    for (int k = 0; k < nodes->nnodes; k++) {
        plan->names[k] = h->v[nodes->host[k]].name;
        if (nodes->host[k] == here)
            plan->layout.this_node = k;
    }
    if (ipcrun__files_remote_ipcrun(opts, plan->daemon_path, sizeof plan->daemon_path,
                                    err, errlen) != 0)
        return -1;
    plan->layout.nnodes = nodes->nnodes;
    plan->layout.hosts = plan->names;
    plan->layout.node_of_rank = nodes->node_of_rank;
    /* ipcrun's own ranks listen where the others can reach them: the first
     * address of this host that is not loopback, unless told. */
    plan->layout.tcp_if = opts->tcp_if;
    plan->layout.tcp_if_from = "--tcp-if";
    if (!opts->tcp_if && plan->layout.this_node >= 0 &&
        ipc__netif_pick(NULL, plan->addr, err, errlen) == 0) {
        plan->layout.tcp_if = plan->addr;
        plan->layout.tcp_if_from = "first-address";
    }
    plan->layout.agent_argv = opts->agent_argv;
    plan->layout.daemon_path = plan->daemon_path;
    return 1;
nomem:
    snprintf(err, errlen, "out of memory dealing %d ranks to %d hosts", n, h->n);
    return -1;
}

static void plan_free(struct host_plan *plan)
{
    free(plan->host_of_rank);
    free(plan->names);
    ipcrun__nodes_free(&plan->nodes);
}

int main(int argc, char **argv)
{
    struct ipcrun__opts opts;
    char err[1024], found[PATH_MAX];
    /* IPC_SLURM=0: ignore the Slurm allocation ipcrun runs in. */
    const char *use_slurm = getenv("IPC_SLURM");
    bool slurm = !use_slurm || strcmp(use_slurm, "0") != 0;
    const struct ipcrun__opts_env env = {
        .timeout = getenv("IPC_TIMEOUT"),
        .mpiexec_timeout = getenv("MPIEXEC_TIMEOUT"),
        .agent = getenv("IPC_AGENT"),
        .slurm_nodelist = slurm ? getenv("SLURM_JOB_NODELIST") : NULL,
        .slurm_tasks = slurm ? getenv("SLURM_TASKS_PER_NODE") : NULL,
    };

    /* Ranks inherit fds 0-2; a closed one would be taken by the next socket or
     * pipe ipcrun makes and confuse everyone. */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            return IPCRUN__EXIT_LAUNCHER;
    /* Started by another ipcrun on this host, through the launch agent. */
    if (argc >= 2 && !strcmp(argv[1], "--daemon"))
        return ipcrun__daemon_main(argc >= 3 ? argv[2] : "?", ipcrun__launch_run);
    switch (ipcrun__opts_parse(&opts, argc, argv, &env, err, sizeof err)) {
    case IPCRUN__OPTS_HELP:
        fputs(ipcrun__opts_usage(), stdout);
        return 0;
    case IPCRUN__OPTS_VERSION:
        printf("ipcrun (ipc) %s\n", IPC_VERSION_STRING);
        return 0;
    case IPCRUN__OPTS_ERROR:
        fprintf(stderr, "ipcrun: %s\n", err);
        return IPCRUN__EXIT_USAGE;
    case IPCRUN__OPTS_RUN:
        break;
    }
    if (ipcrun__opts_read_hostfile(&opts, err, sizeof err) != 0 ||
        ipcrun__files_check(&opts, found, sizeof found, err, sizeof err) != 0) {
        fprintf(stderr, "ipcrun: %s\n", err);
        ipcrun__opts_free(&opts);
        return IPCRUN__EXIT_USAGE;
    }
    struct host_plan plan = {0};
    int spans = plan_hosts(&opts, &plan, err, sizeof err);
    int status = IPCRUN__EXIT_USAGE;
    if (spans < 0)
        fprintf(stderr, "ipcrun: %s\n", err);
    else
        status = ipcrun__launch_run(&opts, spans ? &plan.layout : NULL);
    plan_free(&plan);
    ipcrun__opts_free(&opts);
    return status;
}
