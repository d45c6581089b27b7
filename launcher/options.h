/*
 * options.h - ipcrun's command line: what the user asked for, validated.
 * What the options name on the file system is checked by files.h.
 *
 * Parsing has no side effects beyond filling struct ipcrun__opts: it prints
 * nothing and exits nowhere, so that every form and every message can be
 * unit-tested. Error messages are one line without the "ipcrun: " prefix.
 */
#ifndef IPC_LAUNCHER_OPTIONS_H
#define IPC_LAUNCHER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "hosts.h"

#define IPCRUN__OPTS_MAX_RANKS 100000
#define IPCRUN__OPTS_DEFAULT_KILL_GRACE_MS 3000
#define IPCRUN__OPTS_DEFAULT_AGENT "ssh"

/* Exit statuses of ipcrun itself (the others come from the ranks). */
#define IPCRUN__EXIT_USAGE 2      /* bad command line, program not runnable */
#define IPCRUN__EXIT_TIMEOUT 124  /* --timeout / IPC_TIMEOUT expired */
#define IPCRUN__EXIT_LAUNCHER 125 /* ipcrun could not set up or run the job */

/* --stdin: which ranks read ipcrun's stdin (a rank number, or one of these). */
#define IPCRUN__STDIN_ALL (-1)
#define IPCRUN__STDIN_NONE (-2)

/* --bind-to: how wide each rank's cpu set is around the core it is mapped to. */
enum ipcrun__bind_to {
    IPCRUN__BIND_NONE,
    IPCRUN__BIND_CORE,
    IPCRUN__BIND_L3,
    IPCRUN__BIND_NUMA
};
/* --map-by core|l3|numa: the domains ranks are dealt to in turn on a host (a
 * core is its own domain). --map-by slot|node is enum ipcrun__map_hosts. */
enum ipcrun__map_by { IPCRUN__MAP_CORE, IPCRUN__MAP_L3, IPCRUN__MAP_NUMA };

struct ipcrun__opts {
    int nranks;
    bool tag_output;
    bool timestamp_output;
    int stdin_target; /* a rank, IPCRUN__STDIN_ALL or IPCRUN__STDIN_NONE; default 0 */
    const char *output_dir; /* NULL: output goes to ipcrun's stdout and stderr */
    const char *wdir;       /* NULL: ranks start in ipcrun's working directory */
    enum ipcrun__bind_to bind_to;
    enum ipcrun__map_by map_by;
    bool report_bindings;
    bool report_transports; /* ranks get IPC_REPORT_TRANSPORTS=1 */
    bool stats;             /* --stats: print the table at the end */
    const char *stats_json; /* --stats-json FILE; NULL: none */
    const char *trace;      /* --trace FILE; NULL: none */
    bool rank_stats;        /* ranks count (IPC_STATS=1): --stats or --stats-json */
    bool rank_trace;        /* ranks record a timeline (IPC_TRACE=1): --trace */
    const char *transport;  /* NULL: leave IPC_TRANSPORT as inherited */
    long kill_grace_ms;     /* SIGTERM to SIGKILL when stopping ranks */
    long timeout_ms;        /* 0: no time limit */
    const char **exports;   /* -x arguments, "NAME" or "NAME=VALUE", into argv */
    int nexports;
    char **env_pairs; /* "NAME=VALUE" made from -genv/-env, also in exports; owned */
    int nenv_pairs;
    char **prog_argv;      /* program and its arguments, NULL-terminated, into argv */
    const char *prog_path; /* the file to execute; NULL: look prog_argv[0] up in PATH */
    /* Hosts. A job "names hosts" when hosts.n > 0 or hostfile is set. */
    struct ipcrun__hosts hosts; /* --host lists merged, or the hostfile once read */
    const char *hostfile;       /* --hostfile, read by ipcrun__opts_read_hostfile() */
    enum ipcrun__map_hosts map_hosts; /* --map-by slot|node; default IPCRUN__MAP_SLOT */
    const char *agent;  /* --agent, else IPC_AGENT, else "ssh"; NULL without hosts */
    char **agent_argv;  /* agent split on blanks, NULL-terminated; NULL without hosts */
    const char *prefix; /* --prefix: absolute; NULL: see ipcrun__files_remote_ipcrun() */
    const char *tcp_if; /* --tcp-if, ranks get IPC_TCP_IF; NULL: left as inherited */
    bool slurm;         /* the hosts are the Slurm allocation's (slurm.h) */
};

/* The environment variables ipcrun's options depend on; NULL: not set. */
struct ipcrun__opts_env {
    const char *timeout; /* IPC_TIMEOUT; --timeout wins */
    /* MPIEXEC_TIMEOUT (MPI test harnesses set it); IPC_TIMEOUT wins */
    const char *mpiexec_timeout;
    const char *agent;   /* IPC_AGENT; --agent wins */
    /* Inside a Slurm allocation, without --host or --hostfile, the hosts and
     * slots are the allocation's, and the agent defaults to srun. */
    const char *slurm_nodelist; /* SLURM_JOB_NODELIST */
    const char *slurm_tasks;    /* SLURM_TASKS_PER_NODE */
};

enum ipcrun__opts_result {
    IPCRUN__OPTS_RUN,     /* *opts describes a job to start */
    IPCRUN__OPTS_HELP,    /* --help: print ipcrun__opts_usage() and exit 0 */
    IPCRUN__OPTS_VERSION, /* --version: print the version and exit 0 */
    IPCRUN__OPTS_ERROR,   /* err holds the reason; exit IPCRUN__EXIT_USAGE */
};

/* Parses argv (argv[0] is ipcrun itself); env (may be NULL) holds the
 * variables options fall back on. On IPCRUN__OPTS_RUN the caller owns what opts
 * allocated (exports, hosts, agent_argv) and releases it with
 * ipcrun__opts_free(). With --hostfile, nranks stays 0 without -n until
 * ipcrun__opts_read_hostfile() has read the file. */
enum ipcrun__opts_result ipcrun__opts_parse(struct ipcrun__opts *opts, int argc,
                                            char **argv,
                                            const struct ipcrun__opts_env *env, char *err,
                                            size_t errlen);
void ipcrun__opts_free(struct ipcrun__opts *opts);

/* Reads the --hostfile (if any) into opts->hosts and settles what depends on
 * the hosts: -n defaults to their slots, --stdin R must be below it. Returns
 * 0, or -1 with the reason in err. */
int ipcrun__opts_read_hostfile(struct ipcrun__opts *opts, char *err, size_t errlen);

/* The --help text. */
const char *ipcrun__opts_usage(void);

/* Writes a printf-style reason into err (errlen bytes; nothing if err is
 * NULL), for the functions that return -1 with one. */
void ipcrun__set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* IPC_LAUNCHER_OPTIONS_H */
