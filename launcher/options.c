/* options.c - parsing and validating ipcrun's command line. */
#include "options.h"
#include "slurm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"
#include "names.h"

enum opt_id {
    OPT_NRANKS,
    OPT_TAG_OUTPUT,
    OPT_TRANSPORT,
    OPT_HELP,
    OPT_VERSION,
    OPT_KILL_GRACE,
    OPT_TIMEOUT,
    OPT_EXPORT,
    OPT_OVERSUBSCRIBE,
    OPT_STDIN,
    OPT_TIMESTAMP_OUTPUT,
    OPT_OUTPUT_DIR,
    OPT_WDIR,
    OPT_BIND_TO,
    OPT_MAP_BY,
    OPT_REPORT_BINDINGS,
    OPT_REPORT_TRANSPORTS,
    OPT_HOST,
    OPT_HOSTFILE,
    OPT_AGENT,
    OPT_PREFIX,
    OPT_TCP_IF,
    OPT_ENVALL,
    OPT_GENV,
    OPT_STATS,
    OPT_STATS_JSON,
    OPT_TRACE,
};

struct opt_def {
    const char *name;
    enum opt_id id;
    bool takes_value;
};

static const struct opt_def opt_defs[] = {
    {"-n", OPT_NRANKS, true},
    {"-np", OPT_NRANKS, true},
    {"--np", OPT_NRANKS, true},
    {"--tag-output", OPT_TAG_OUTPUT, false},
    {"-l", OPT_TAG_OUTPUT, false},
    {"--transport", OPT_TRANSPORT, true},
    {"-h", OPT_HELP, false},
    {"--help", OPT_HELP, false},
    {"-V", OPT_VERSION, false},
    {"--version", OPT_VERSION, false},
    {"--kill-grace", OPT_KILL_GRACE, true},
    {"--timeout", OPT_TIMEOUT, true},
    {"-x", OPT_EXPORT, true},
    {"-envall", OPT_ENVALL, false},
    /* NAME VALUE, two words: parsed apart in ipcrun__opts_parse. */
    {"-genv", OPT_GENV, false},
    {"-env", OPT_GENV, false},
    {"--oversubscribe", OPT_OVERSUBSCRIBE, false},
    {"--stdin", OPT_STDIN, true},
    {"--timestamp-output", OPT_TIMESTAMP_OUTPUT, false},
    {"--output-dir", OPT_OUTPUT_DIR, true},
    {"--wdir", OPT_WDIR, true},
    {"-wdir", OPT_WDIR, true},
    {"--bind-to", OPT_BIND_TO, true},
    {"--map-by", OPT_MAP_BY, true},
    {"--report-bindings", OPT_REPORT_BINDINGS, false},
    {"--report-transports", OPT_REPORT_TRANSPORTS, false},
    {"-H", OPT_HOST, true},
    {"--host", OPT_HOST, true},
    {"--hosts", OPT_HOST, true},
    {"--hostfile", OPT_HOSTFILE, true},
    {"--machinefile", OPT_HOSTFILE, true},
    {"-hostfile", OPT_HOSTFILE, true},
    {"--agent", OPT_AGENT, true},
    {"--prefix", OPT_PREFIX, true},
    {"--tcp-if", OPT_TCP_IF, true},
    {"--stats", OPT_STATS, false},
    {"--stats-json", OPT_STATS_JSON, true},
    {"--trace", OPT_TRACE, true},
};

static const char *const bind_names[] = {
    [IPCRUN__BIND_NONE] = "none",
    [IPCRUN__BIND_CORE] = "core",
    [IPCRUN__BIND_L3] = "l3",
    [IPCRUN__BIND_NUMA] = "numa",
};
static const char *const map_names[] = {
    [IPCRUN__MAP_CORE] = "core",
    [IPCRUN__MAP_L3] = "l3",
    [IPCRUN__MAP_NUMA] = "numa",
};
static const char *const map_hosts_names[] = {
    [IPCRUN__MAP_SLOT] = "slot",
    [IPCRUN__MAP_NODE] = "node",
};

static const char usage_text[] =
    "usage: ipcrun [options] -n N prog [args...]\n"
    "       ipcrun [options] -H HOST[:SLOTS],... [-n N] prog [args...]\n"
    "\n"
    "Starts N copies (ranks) of prog on this host, forwards their input and\n"
    "output, and ends the job as soon as one rank fails. Options end at the\n"
    "program name (or at '--').\n"
    "\n"
    "  -n N, -np N, --np N, -n=N  number of ranks to start (1..100000; required\n"
    "                             unless hosts are named, or in a Slurm allocation:\n"
    "                             then their slots)\n"
    "  --transport NAME           how ranks talk: shm, unix, pipe or tcp (given to\n"
    "                             ranks as IPC_TRANSPORT; default: inherited, else\n"
    "                             shm); ranks of different nodes (hosts) use\n"
    "                             tcp whatever NAME; tcp connections prove they\n"
    "                             belong to the job with a per-job secret\n"
    "                             (IPC_JOB_SECRET)\n"
    "  --tcp-if NAME|ADDR|CIDR    the interface, address or network tcp listens on\n"
    "                             (given to ranks as IPC_TCP_IF)\n"
    "Input and output:\n"
    "  --stdin all|none|R         which ranks read ipcrun's stdin (default: rank 0)\n"
    "  --tag-output, -l           prefix every output line with '[R] ', R the rank\n"
    "  --timestamp-output         prefix every output line with the time it arrived\n"
    "  --output-dir DIR           write rank R's output to DIR/rank.R.stdout and\n"
    "                             DIR/rank.R.stderr instead (DIR is created)\n"
    "Environment:\n"
    "  -x NAME, -x NAME=VALUE     export NAME (its current value, or VALUE); ranks\n"
    "                             inherit ipcrun's whole environment anyway\n"
    "  -genv NAME VALUE, -env NAME VALUE\n"
    "                             the same as -x NAME=VALUE (MPICH's spelling)\n"
    "  -envall                    accepted for mpiexec compatibility: ranks get\n"
    "                             the whole environment anyway\n"
    "  --wdir DIR, -wdir DIR      start the ranks in DIR (prog is still looked up\n"
    "                             from ipcrun's directory)\n"
    "Placement:\n"
    "  --bind-to core|l3|numa|none\n"
    "                             bind each rank to its core, or the core's L3 cache\n"
    "                             or NUMA node (default: none; --map-by X alone: X)\n"
    "  --map-by core|l3|numa      deal ranks to cores, L3 caches or NUMA nodes in\n"
    "                             turn (default: core)\n"
    "  --report-bindings          print one line per rank: rank, pid, cpu set\n"
    "  --report-transports        at start-up rank 0 prints which transport each pair\n"
    "                             of ranks uses and why, and each rank what it uses\n"
    "                             (IPC_REPORT_TRANSPORTS=1)\n"
    "  --oversubscribe            accepted for mpirun compatibility: ipcrun never\n"
    "                             refuses more ranks than cpus; it leaves them\n"
    "                             unbound and tells them so (IPC_OVERSUBSCRIBED=1)\n"
    "Seeing inside the job (docs/observability.md):\n"
    "  --stats                    at the end, print per rank and per pair of ranks\n"
    "                             the messages and bytes sent and received, the time\n"
    "                             spent waiting in receives and collectives, and the\n"
    "                             unexpected and rendezvous messages (IPC_STATS=1)\n"
    "  --stats-json FILE          write the same as JSON to FILE\n"
    "  --trace FILE               write a timeline of every rank's calls and messages\n"
    "                             to FILE, in the Chrome trace event format (open it\n"
    "                             in Perfetto or chrome://tracing; IPC_TRACE=1)\n"
    "Hosts (ranks on other hosts run under a node daemon started by the agent):\n"
    "  -H LIST, --host LIST, --hosts LIST\n"
    "                             run on the hosts in LIST, HOST[:SLOTS],... (1 slot\n"
    "                             when not given); repeated lists and names add up\n"
    "  --hostfile FILE, --machinefile FILE, -hostfile FILE\n"
    "                             read the hosts from FILE: one a line, 'HOST',\n"
    "                             'HOST slots=N' or 'HOST:N'; '#' starts a comment\n"
    "  --map-by slot|node         fill each host's slots in turn (slot, the default)\n"
    "                             or give each host one rank in turn (node); with\n"
    "                             more ranks than slots the order starts again\n"
    "  --agent CMD                how to reach a host: CMD... HOST COMMAND... (split\n"
    "                             on blanks; default: IPC_AGENT, else ssh, or srun\n"
    "                             in a Slurm allocation)\n"
    "  (in a Slurm allocation, without --host or --hostfile, the hosts and slots\n"
    "  are the allocation's: SLURM_JOB_NODELIST, SLURM_TASKS_PER_NODE; IPC_SLURM=0\n"
    "  ignores it; see docs/slurm.md)\n"
    "  --prefix DIR               ipcrun is DIR/bin/ipcrun on the hosts (default: the\n"
    "                             path of this ipcrun)\n"
    "Supervision:\n"
    "  --timeout SEC              stop the job after SEC seconds (0: never; default:\n"
    "                             IPC_TIMEOUT from the environment, else\n"
    "                             MPIEXEC_TIMEOUT, else never),\n"
    "                             saying which call each rank was waiting in\n"
    "  --kill-grace SEC           after SIGTERM, wait SEC seconds before SIGKILL\n"
    "                             (default 3)\n"
    "  -h, --help                 print this help and exit\n"
    "  -V, --version              print the version and exit\n"
    "\n"
    "Options taking a value also accept --option=VALUE.\n"
    "\n"
    "Exit status:\n"
    "  0        every rank exited with status 0\n"
    "  1-255    the status of the lowest-numbered rank that failed on its own\n"
    "           (128+S for a rank killed by signal S; 1 for a rank that called\n"
    "           ipc_init but exited without ipc_finalize; the code given to\n"
    "           ipc_abort when a rank called it)\n"
    "  2        usage error: bad option or option value, or the program cannot\n"
    "           be run\n"
    "  124      the timeout expired\n"
    "  125      ipcrun itself failed (out of processes, descriptors, memory)\n"
    "  127      a rank could not execute the program\n"
    "  128+S    ipcrun was interrupted by signal S (SIGINT, SIGTERM, SIGHUP)\n"
    "\n"
    "On the first failure ipcrun prints one line naming the rank, its pid, the\n"
    "host and the cause, sends SIGTERM to the other ranks, then SIGKILL after the\n"
    "kill grace. A second SIGINT, SIGTERM or SIGHUP kills at once. SIGUSR1 and\n"
    "SIGUSR2 are forwarded to every rank. Ranks die with ipcrun, even on SIGKILL.\n"
    "See ipcrun(1).\n";

const char *ipcrun__opts_usage(void)
{
    return usage_text;
}

void ipcrun__set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int parse_ranks(const char *name, const char *value, int *nranks, char *err,
                       size_t errlen)
{
    if (!all_digits(value)) {
        ipcrun__set_err(err, errlen, "%s needs a positive number of ranks, got '%s'", name,
                value);
        return -1;
    }
    errno = 0;
    unsigned long n = strtoul(value, NULL, 10);
    if (n == 0) {
        ipcrun__set_err(err, errlen, "%s needs a positive number of ranks, got '%s'", name,
                value);
        return -1;
    }
    if (errno == ERANGE || n > IPCRUN__OPTS_MAX_RANKS) {
        ipcrun__set_err(err, errlen, "%s: at most %d ranks can be started, got '%s'", name,
                IPCRUN__OPTS_MAX_RANKS, value);
        return -1;
    }
    *nranks = (int)n;
    return 0;
}

/* Seconds as plain decimal ("3", "0.5"); strtod alone would also take "inf",
 * hex and leading blanks. */
static int parse_seconds(const char *value, long *ms)
{
    int digits = 0, dots = 0;
    for (const char *p = value; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.')
            dots++;
        else
            return -1;
    }
    if (digits == 0 || dots > 1)
        return -1;
    double sec = strtod(value, NULL);
    if (!isfinite(sec) || sec > 1e7)
        return -1;
    *ms = lround(sec * 1000.0);
    return 0;
}

static bool valid_env_name(const char *s, size_t len)
{
    if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

static int check_export(const char *opt, const char *value, char *err, size_t errlen)
{
    const char *eq = strchr(value, '=');
    size_t len = eq ? (size_t)(eq - value) : strlen(value);
    if (!valid_env_name(value, len)) {
        ipcrun__set_err(err, errlen,
                "-x needs NAME or NAME=VALUE with NAME made of letters, digits "
                "and '_', got '%s'",
                value);
        return -1;
    }
    /* What ipcrun always sets for each rank: exporting it would lie to them. */
    int v = ipc__names_env_index(value, len);
    if (v >= 0 && ipc__names_env[v].always) {
        ipcrun__set_err(err, errlen,
                "%s %.*s: ipcrun sets %.*s for each rank itself; drop this %s", opt,
                (int)len, value, (int)len, value, opt);
        return -1;
    }
    if (!eq && !getenv(value)) {
        ipcrun__set_err(err, errlen, "-x %s: %s is not set here; give its value with -x %s=VALUE",
                value, value, value);
        return -1;
    }
    return 0;
}

static int check_transport(const char *value, char *err, size_t errlen)
{
    char names[64];
    if (ipc__names_transport_index(value) >= 0)
        return 0;
    ipc__names_transport_list(names, sizeof names, ", ", 0);
    ipcrun__set_err(err, errlen, "--transport must be one of %s; got '%s'", names, value);
    return -1;
}

/* Index of value in names[0..n), or -1. */
static int name_index(const char *const *names, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], value))
            return (int)i;
    return -1;
}

static int parse_stdin(const char *value, int *target, char *err, size_t errlen)
{
    if (!strcmp(value, "all")) {
        *target = IPCRUN__STDIN_ALL;
        return 0;
    }
    if (!strcmp(value, "none")) {
        *target = IPCRUN__STDIN_NONE;
        return 0;
    }
    if (all_digits(value) && strlen(value) <= 6 && atoi(value) < IPCRUN__OPTS_MAX_RANKS) {
        *target = atoi(value);
        return 0;
    }
    ipcrun__set_err(err, errlen, "--stdin needs all, none or a rank number, got '%s'", value);
    return -1;
}

static int parse_dir(const char *name, const char *value, const char **dir, char *err,
                     size_t errlen)
{
    if (!*value) {
        ipcrun__set_err(err, errlen, "%s needs a directory, got ''", name);
        return -1;
    }
    *dir = value;
    return 0;
}

static int parse_bind(const char *value, struct ipcrun__opts *o, bool *bind_given,
                      char *err, size_t errlen)
{
    int i = name_index(bind_names, sizeof bind_names / sizeof bind_names[0], value);
    if (i < 0) {
        ipcrun__set_err(err, errlen, "--bind-to must be one of core, l3, numa, none; got '%s'",
                value);
        return -1;
    }
    o->bind_to = (enum ipcrun__bind_to)i;
    *bind_given = true;
    return 0;
}

/* slot|node deal ranks to hosts, core|l3|numa to domains of a host: one of
 * each may be given. */
static int parse_map(const char *value, struct ipcrun__opts *o, bool *map_given,
                     char *err, size_t errlen)
{
    int i = name_index(map_hosts_names,
                       sizeof map_hosts_names / sizeof map_hosts_names[0], value);
    if (i >= 0) {
        o->map_hosts = (enum ipcrun__map_hosts)i;
        return 0;
    }
    i = name_index(map_names, sizeof map_names / sizeof map_names[0], value);
    if (i < 0) {
        ipcrun__set_err(err, errlen,
                "--map-by must be one of slot, node, core, l3, numa; got '%s'", value);
        return -1;
    }
    o->map_by = (enum ipcrun__map_by)i;
    *map_given = true;
    return 0;
}

/* Splits agent on blanks into a NULL-terminated vector allocated in one
 * block with the words. Returns 0; -1 when it has no word or memory ran out
 * (*argv is then NULL, and errno is 0 for no word). */
static int split_agent(const char *agent, char ***argv)
{
    size_t len = strlen(agent), nwords = 0;
    const char *blanks = " \t";
    *argv = NULL;
    for (const char *p = agent + strspn(agent, blanks); *p; p += strspn(p, blanks)) {
        nwords++;
        p += strcspn(p, blanks);
    }
    errno = 0;
    if (nwords == 0)
        return -1;
    char **v = malloc((nwords + 1) * sizeof *v + len + 1);
    if (!v)
        return -1;
    char *words = memcpy((char *)(v + nwords + 1), agent, len + 1);
    size_t k = 0;
    for (char *p = words + strspn(words, blanks); *p; p += strspn(p, blanks)) {
        v[k++] = p;
        p += strcspn(p, blanks);
        if (*p)
            *p++ = '\0';
    }
    v[k] = NULL;
    *argv = v;
    return 0;
}

static bool blank_only(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static int parse_agent(const char *value, const char **agent, char *err, size_t errlen)
{
    if (blank_only(value)) {
        ipcrun__set_err(err, errlen,
                "--agent needs a command to reach the hosts, such as ssh, got '%s'",
                value);
        return -1;
    }
    *agent = value;
    return 0;
}

static int parse_prefix(const char *value, const char **prefix, char *err, size_t errlen)
{
    if (value[0] != '/') {
        ipcrun__set_err(err, errlen,
                "--prefix needs the absolute directory ipcrun is installed in on the "
                "hosts (e.g. /opt/ipc), got '%s'",
                value);
        return -1;
    }
    if (strlen(value) + strlen("/bin/ipcrun") >= PATH_MAX) {
        ipcrun__set_err(err, errlen, "--prefix: the directory is longer than %d characters",
                PATH_MAX - 12);
        return -1;
    }
    *prefix = value;
    return 0;
}

/* An interface name as Linux allows it: 1 to 15 bytes, no '/' or blank. */
static bool valid_ifname(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len >= 16)
        return false;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s <= ' ' || *s == 0x7f)
            return false;
    return true;
}

/* An IPv4 address, or anything made of digits and dots that tries to be. */
static bool looks_numeric(const char *s, size_t len)
{
    return len > 0 && strspn(s, "0123456789.") >= len;
}

static int parse_tcp_if(const char *value, const char **tcp_if, char *err, size_t errlen)
{
    const char *slash = strchr(value, '/');
    size_t addrlen = slash ? (size_t)(slash - value) : strlen(value);
    char addr[INET_ADDRSTRLEN];
    struct in_addr in;

    if (!*value) {
        ipcrun__set_err(err, errlen,
                "--tcp-if needs an interface name, an IPv4 address or a network such as "
                "10.1.0.0/16, got ''");
        return -1;
    }
    if (slash || looks_numeric(value, addrlen)) {
        snprintf(addr, sizeof addr, "%.*s", (int)addrlen, value);
        if (addrlen >= sizeof addr || inet_pton(AF_INET, addr, &in) != 1) {
            ipcrun__set_err(err, errlen, "--tcp-if '%s': '%.*s' is not an IPv4 address", value,
                    (int)addrlen, value);
            return -1;
        }
        if (slash &&
            !(all_digits(slash + 1) && strlen(slash + 1) <= 2 && atoi(slash + 1) <= 32)) {
            ipcrun__set_err(err, errlen,
                    "--tcp-if '%s': the prefix length after '/' must be 0 to 32", value);
            return -1;
        }
    } else if (!valid_ifname(value)) {
        ipcrun__set_err(err, errlen,
                "--tcp-if '%s' is not an interface name (1 to 15 characters, no '/' or "
                "blank), an IPv4 address or a network such as 10.1.0.0/16",
                value);
        return -1;
    }
    *tcp_if = value;
    return 0;
}

static const struct opt_def *find_opt(const char *arg, size_t len)
{
    for (size_t i = 0; i < sizeof opt_defs / sizeof opt_defs[0]; i++)
        if (strlen(opt_defs[i].name) == len && !strncmp(opt_defs[i].name, arg, len))
            return &opt_defs[i];
    return NULL;
}

/* Which options were given, for defaults that depend on each other. */
struct given {
    bool timeout, bind, map;
};

static int parse_hostfile(const char *name, const char *value, const char **hostfile,
                          char *err, size_t errlen)
{
    if (!*value) {
        ipcrun__set_err(err, errlen, "%s needs a file, got ''", name);
        return -1;
    }
    *hostfile = value;
    return 0;
}

static int parse_file(const char *name, const char *value, const char **file, char *err,
                      size_t errlen)
{
    if (!*value) {
        ipcrun__set_err(err, errlen, "%s needs a file name, got ''", name);
        return -1;
    }
    *file = value;
    return 0;
}

static int apply_opt(struct ipcrun__opts *o, const struct opt_def *d, const char *value,
                     struct given *given, char *err, size_t errlen)
{
    switch (d->id) {
    case OPT_NRANKS:
        return parse_ranks(d->name, value, &o->nranks, err, errlen);
    case OPT_TAG_OUTPUT:
        o->tag_output = true;
        return 0;
    case OPT_TRANSPORT:
        if (check_transport(value, err, errlen))
            return -1;
        o->transport = value;
        return 0;
    case OPT_KILL_GRACE:
        if (parse_seconds(value, &o->kill_grace_ms) == 0)
            return 0;
        ipcrun__set_err(err, errlen,
                "--kill-grace needs a number of seconds (0 or more), got '%s'", value);
        return -1;
    case OPT_TIMEOUT:
        given->timeout = true;
        if (parse_seconds(value, &o->timeout_ms) == 0)
            return 0;
        ipcrun__set_err(err, errlen,
                "--timeout needs a number of seconds (0: no limit), got '%s'", value);
        return -1;
    case OPT_EXPORT:
        if (check_export(d->name, value, err, errlen))
            return -1;
        o->exports[o->nexports++] = value;
        return 0;
    case OPT_STDIN:
        return parse_stdin(value, &o->stdin_target, err, errlen);
    case OPT_TIMESTAMP_OUTPUT:
        o->timestamp_output = true;
        return 0;
    case OPT_OUTPUT_DIR:
        return parse_dir(d->name, value, &o->output_dir, err, errlen);
    case OPT_WDIR:
        return parse_dir(d->name, value, &o->wdir, err, errlen);
    case OPT_BIND_TO:
        return parse_bind(value, o, &given->bind, err, errlen);
    case OPT_MAP_BY:
        return parse_map(value, o, &given->map, err, errlen);
    case OPT_REPORT_TRANSPORTS:
        o->report_transports = true;
        return 0;
    case OPT_REPORT_BINDINGS:
        o->report_bindings = true;
        return 0;
    case OPT_HOST:
        return ipcrun__hosts_parse_list(&o->hosts, d->name, value, err, errlen);
    case OPT_HOSTFILE:
        return parse_hostfile(d->name, value, &o->hostfile, err, errlen);
    case OPT_AGENT:
        return parse_agent(value, &o->agent, err, errlen);
    case OPT_PREFIX:
        return parse_prefix(value, &o->prefix, err, errlen);
    case OPT_TCP_IF:
        return parse_tcp_if(value, &o->tcp_if, err, errlen);
    case OPT_STATS:
        o->stats = o->rank_stats = true;
        return 0;
    case OPT_STATS_JSON:
        o->rank_stats = true;
        return parse_file(d->name, value, &o->stats_json, err, errlen);
    case OPT_TRACE:
        o->rank_trace = true;
        return parse_file(d->name, value, &o->trace, err, errlen);
    case OPT_OVERSUBSCRIBE:
    case OPT_ENVALL:
    case OPT_GENV: /* parsed by parse_genv */
    case OPT_HELP:
    case OPT_VERSION:
        return 0;
    }
    return 0;
}

/* -genv NAME VALUE (MPICH): exported as NAME=VALUE, a string opts owns. */
static int parse_genv(struct ipcrun__opts *o, const char *opt, const char *name,
                      const char *value, char *err, size_t errlen)
{
    if (!valid_env_name(name, strlen(name)) || strchr(name, '=')) {
        ipcrun__set_err(err, errlen,
                "%s needs NAME VALUE with NAME made of letters, digits and '_', got '%s'",
                opt, name);
        return -1;
    }
    char *pair = malloc(strlen(name) + strlen(value) + 2);
    if (!pair) {
        ipcrun__set_err(err, errlen, "out of memory parsing the command line");
        return -1;
    }
    sprintf(pair, "%s=%s", name, value);
    o->env_pairs[o->nenv_pairs++] = pair;
    if (check_export(opt, pair, err, errlen))
        return -1;
    o->exports[o->nexports++] = pair;
    return 0;
}

static enum ipcrun__opts_result fail(struct ipcrun__opts *o)
{
    ipcrun__opts_free(o);
    return IPCRUN__OPTS_ERROR;
}

/* --map-by X alone binds to X: a mapping without binding would change
 * nothing the ranks can notice. */
static void placement_defaults(struct ipcrun__opts *o, const struct given *given)
{
    static const enum ipcrun__bind_to bind_of_map[] = {
        [IPCRUN__MAP_CORE] = IPCRUN__BIND_CORE,
        [IPCRUN__MAP_L3] = IPCRUN__BIND_L3,
        [IPCRUN__MAP_NUMA] = IPCRUN__BIND_NUMA,
    };
    if (given->map && !given->bind)
        o->bind_to = bind_of_map[o->map_by];
}

/* -n, which defaults to the hosts' slots, and --stdin, which must name one
 * of the ranks. */
static int settle_ranks(struct ipcrun__opts *o, char *err, size_t errlen)
{
    if (o->nranks == 0 && o->hosts.n > 0) {
        long slots = ipcrun__hosts_total_slots(&o->hosts);
        if (slots > IPCRUN__OPTS_MAX_RANKS) {
            ipcrun__set_err(err, errlen,
                    "the hosts have %ld slots, more than the %d ranks ipcrun can start; "
                    "give -n N",
                    slots, IPCRUN__OPTS_MAX_RANKS);
            return -1;
        }
        o->nranks = (int)slots;
    }
    if (o->nranks == 0) {
        ipcrun__set_err(err, errlen,
                "say how many ranks to start with -n N, e.g. 'ipcrun -n 4 %s'",
                o->prog_argv[0]);
        return -1;
    }
    if (o->stdin_target >= o->nranks) {
        ipcrun__set_err(err, errlen,
                "--stdin %d: the job has ranks 0..%d only; give one of them, all or none",
                o->stdin_target, o->nranks - 1);
        return -1;
    }
    return 0;
}

/* The launch agent of a job that names hosts: --agent, else IPC_AGENT (an
 * empty one counts as unset), else ssh. */
static int settle_agent(struct ipcrun__opts *o, const char *env_agent, char *err,
                        size_t errlen)
{
    if (!o->agent)
        o->agent = env_agent && *env_agent ? env_agent
                   : o->slurm              ? IPCRUN__SLURM_AGENT
                                           : IPCRUN__OPTS_DEFAULT_AGENT;
    if (split_agent(o->agent, &o->agent_argv) == 0)
        return 0;
    if (errno == 0)
        ipcrun__set_err(err, errlen,
                "IPC_AGENT names no command; set it to one such as ssh, or unset it");
    else
        ipcrun__set_err(err, errlen, "out of memory parsing the command line");
    return -1;
}

static enum ipcrun__opts_result finish(struct ipcrun__opts *o, int argc, char **argv,
                                       int prog, const struct given *given,
                                       const struct ipcrun__opts_env *env, char *err,
                                       size_t errlen)
{
    if (prog >= argc) {
        ipcrun__set_err(err, errlen,
                "no program to run; usage: ipcrun [options] -n N prog [args...]");
        return fail(o);
    }
    o->prog_argv = argv + prog;
    if (o->hosts.n > 0 && o->hostfile) {
        ipcrun__set_err(err, errlen,
                "--host and --hostfile both name the hosts; give one of them");
        return fail(o);
    }
    if (o->hosts.n == 0 && !o->hostfile && env && env->slurm_nodelist &&
        *env->slurm_nodelist) {
        if (ipcrun__slurm_hosts(env->slurm_nodelist, env->slurm_tasks, &o->hosts, err,
                                errlen) != 0)
            return fail(o);
        o->slurm = true;
    }
    /* With a hostfile this waits until it is read. */
    if (!o->hostfile && settle_ranks(o, err, errlen) != 0)
        return fail(o);
    if (!given->timeout && env && env->timeout && *env->timeout &&
        parse_seconds(env->timeout, &o->timeout_ms) != 0) {
        ipcrun__set_err(err, errlen,
                "IPC_TIMEOUT must be a number of seconds (0: no limit), got '%s'",
                env->timeout);
        return fail(o);
    }
    if (!given->timeout && env && !(env->timeout && *env->timeout) &&
        env->mpiexec_timeout && *env->mpiexec_timeout &&
        parse_seconds(env->mpiexec_timeout, &o->timeout_ms) != 0) {
        ipcrun__set_err(err, errlen,
                "MPIEXEC_TIMEOUT must be a number of seconds (0: no limit), got '%s'",
                env->mpiexec_timeout);
        return fail(o);
    }
    if ((o->hosts.n > 0 || o->hostfile) &&
        settle_agent(o, env ? env->agent : NULL, err, errlen) != 0)
        return fail(o);
    placement_defaults(o, given);
    return IPCRUN__OPTS_RUN;
}

enum ipcrun__opts_result ipcrun__opts_parse(struct ipcrun__opts *o, int argc, char **argv,
                                            const struct ipcrun__opts_env *env, char *err,
                                            size_t errlen)
{
    struct given given = {0};
    int i = 1;

    *o = (struct ipcrun__opts){.kill_grace_ms = IPCRUN__OPTS_DEFAULT_KILL_GRACE_MS};
    o->exports = calloc((size_t)(argc > 0 ? argc : 1), sizeof *o->exports);
    o->env_pairs = calloc((size_t)(argc > 0 ? argc : 1), sizeof *o->env_pairs);
    if (!o->exports || !o->env_pairs) {
        ipcrun__opts_free(o);
        ipcrun__set_err(err, errlen, "out of memory parsing the command line");
        return IPCRUN__OPTS_ERROR;
    }
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--")) {
            i++;
            break;
        }
        if (arg[0] != '-' || arg[1] == '\0')
            break;
        const char *eq = strchr(arg, '=');
        size_t namelen = eq ? (size_t)(eq - arg) : strlen(arg);
        const struct opt_def *d = find_opt(arg, namelen);
        if (!d) {
            ipcrun__set_err(err, errlen, "unknown option '%.*s'; see 'ipcrun --help'",
                    (int)namelen, arg);
            return fail(o);
        }
        if (d->id == OPT_HELP || d->id == OPT_VERSION) {
            ipcrun__opts_free(o);
            return d->id == OPT_HELP ? IPCRUN__OPTS_HELP : IPCRUN__OPTS_VERSION;
        }
        if (d->id == OPT_GENV) {
            if (eq || i + 2 >= argc) {
                ipcrun__set_err(err, errlen,
                        "%s needs NAME and VALUE as two words, e.g. '%s OMP_NUM_THREADS 2'",
                        d->name, d->name);
                return fail(o);
            }
            if (parse_genv(o, d->name, argv[i + 1], argv[i + 2], err, errlen))
                return fail(o);
            i += 2;
            continue;
        }
        if (eq && !d->takes_value) {
            ipcrun__set_err(err, errlen, "option '%s' takes no value, got '%s'", d->name, arg);
            return fail(o);
        }
        const char *value = eq ? eq + 1 : NULL;
        if (d->takes_value && !value) {
            if (i + 1 >= argc) {
                ipcrun__set_err(err, errlen, "%s needs a value; see 'ipcrun --help'", d->name);
                return fail(o);
            }
            value = argv[++i];
        }
        if (apply_opt(o, d, value, &given, err, errlen))
            return fail(o);
    }
    return finish(o, argc, argv, i, &given, env, err, errlen);
}

void ipcrun__opts_free(struct ipcrun__opts *o)
{
    free(o->exports);
    o->exports = NULL;
    o->nexports = 0;
    for (int i = 0; i < o->nenv_pairs; i++)
        free(o->env_pairs[i]);
    free(o->env_pairs);
    o->env_pairs = NULL;
    o->nenv_pairs = 0;
    ipcrun__hosts_free(&o->hosts);
    free(o->agent_argv);
    o->agent_argv = NULL;
}

int ipcrun__opts_read_hostfile(struct ipcrun__opts *o, char *err, size_t errlen)
{
    if (!o->hostfile)
        return 0;
    if (ipcrun__hosts_read_file(&o->hosts, o->hostfile, err, errlen) != 0)
        return -1;
    return settle_ranks(o, err, errlen);
}
