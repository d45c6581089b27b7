/*
 * mpi_info.c - MPI_Info objects (MPI-3.1 9): (key, value) strings in the
 * order their keys were first set; MPI_INFO_ENV; communicator hints.
 *
 * The program's info objects are kept on a list so that a bad handle is
 * MPI_ERR_INFO rather than a crash. MPI_INFO_ENV is the handle 1 (as
 * MPI_GROUP_EMPTY): it stands for env_info, filled at MPI_Init and read-only.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mpi_internal.h"

struct entry {
    char *key, *val;
};

struct ipc__mpi_info {
    int n, cap;
    struct entry *e;
    struct ipc__mpi_info *next; /* on the list of live objects */
};

static struct ipc__mpi_info *live;
static struct ipc__mpi_info env_info;

static struct ipc__mpi_info *info_of(MPI_Info info)
{
    return info == MPI_INFO_ENV ? &env_info : info;
}

int ipc__mpi_info_check(MPI_Info info)
{
    if (info == MPI_INFO_ENV)
        return MPI_SUCCESS;
    for (const struct ipc__mpi_info *i = live; i; i = i->next)
        if (i == info)
            return MPI_SUCCESS;
    return MPI_ERR_INFO;
}

/* The program may change only its own objects. */
static int check_writable(MPI_Info info)
{
    return info == MPI_INFO_ENV ? MPI_ERR_INFO : ipc__mpi_info_check(info);
}

static int check_key(const char *key)
{
    if (!key)
        return MPI_ERR_ARG;
    size_t len = strlen(key);
    return len == 0 || len > MPI_MAX_INFO_KEY ? MPI_ERR_INFO_KEY : MPI_SUCCESS;
}

static struct entry *find(const struct ipc__mpi_info *i, const char *key)
{
    for (int k = 0; k < i->n; k++)
        if (!strcmp(i->e[k].key, key))
            return &i->e[k];
    return NULL;
}

static int set(struct ipc__mpi_info *i, const char *key, const char *value)
{
    char *val = strdup(value);
    if (!val)
        return MPI_ERR_NO_MEM;
    struct entry *e = find(i, key);
    if (e) {
        free(e->val);
        e->val = val;
        return MPI_SUCCESS;
    }
    if (i->n == i->cap) {
        int cap = i->cap ? 2 * i->cap : 8;
        struct entry *grown = realloc(i->e, (size_t)cap * sizeof *grown);
        if (!grown) {
            free(val);
            return MPI_ERR_NO_MEM;
        }
        i->e = grown;
        i->cap = cap;
    }
    char *k = strdup(key);
    if (!k) {
        free(val);
        return MPI_ERR_NO_MEM;
    }
    i->e[i->n++] = (struct entry){.key = k, .val = val};
    return MPI_SUCCESS;
}

static void clear(struct ipc__mpi_info *i)
{
    for (int k = 0; k < i->n; k++) {
        free(i->e[k].key);
        free(i->e[k].val);
    }
    free(i->e);
    *i = (struct ipc__mpi_info){.next = i->next};
}

static int info_new(MPI_Info *info)
{
    struct ipc__mpi_info *i = calloc(1, sizeof *i);
    if (!i)
        return MPI_ERR_NO_MEM;
    i->next = live;
    live = i;
    *info = i;
    return MPI_SUCCESS;
}

void ipc__mpi_info_release(MPI_Info info)
{
    if (!info || info == MPI_INFO_ENV)
        return;
    for (struct ipc__mpi_info **pp = &live; *pp; pp = &(*pp)->next) {
        if (*pp == info) {
            *pp = info->next;
            ipc__mpi_handle_forget(info);
            clear(info);
            free(info);
            return;
        }
    }
}

int ipc__mpi_info_copy(MPI_Info info, MPI_Info *copy)
{
    MPI_Info c = MPI_INFO_NULL;
    int rc = info_new(&c);
    const struct ipc__mpi_info *from = info ? info_of(info) : NULL;
    for (int k = 0; rc == MPI_SUCCESS && from && k < from->n; k++)
        rc = set(c, from->e[k].key, from->e[k].val);
    if (rc == MPI_SUCCESS)
        *copy = c;
    else
        ipc__mpi_info_release(c);
    return rc;
}

int MPI_Info_create(MPI_Info *info)
{
    IPC__MPI_RET(MPI_COMM_WORLD, info ? info_new(info) : MPI_ERR_ARG);
}

int MPI_Info_set(MPI_Info info, const char *key, const char *value)
{
    int rc = check_writable(info);
    if (rc == MPI_SUCCESS)
        rc = check_key(key);
    if (rc == MPI_SUCCESS && !value)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && strlen(value) > MPI_MAX_INFO_VAL)
        rc = MPI_ERR_INFO_VALUE;
    if (rc == MPI_SUCCESS)
        rc = set(info, key, value);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* value has room for valuelen characters and a '\0'; longer values are cut. */
int MPI_Info_get(MPI_Info info, const char *key, int valuelen, char *value, int *flag)
{
    int rc = ipc__mpi_info_check(info);
    if (rc == MPI_SUCCESS)
        rc = check_key(key);
    if (rc == MPI_SUCCESS && (valuelen < 0 || !value || !flag))
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    const struct entry *e = find(info_of(info), key);
    *flag = e != NULL;
    if (e) {
        size_t len = strnlen(e->val, (size_t)valuelen);
        memcpy(value, e->val, len);
        value[len] = '\0';
    }
    return MPI_SUCCESS;
}

int MPI_Info_get_valuelen(MPI_Info info, const char *key, int *valuelen, int *flag)
{
    int rc = ipc__mpi_info_check(info);
    if (rc == MPI_SUCCESS)
        rc = check_key(key);
    if (rc == MPI_SUCCESS && (!valuelen || !flag))
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    const struct entry *e = find(info_of(info), key);
    *flag = e != NULL;
    if (e)
        *valuelen = (int)strlen(e->val);
    return MPI_SUCCESS;
}

int MPI_Info_get_nkeys(MPI_Info info, int *nkeys)
{
    int rc = ipc__mpi_info_check(info);
    if (rc == MPI_SUCCESS && !nkeys)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        *nkeys = info_of(info)->n;
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* key has room for MPI_MAX_INFO_KEY characters and a '\0'. */
int MPI_Info_get_nthkey(MPI_Info info, int n, char *key)
{
    int rc = ipc__mpi_info_check(info);
    if (rc == MPI_SUCCESS && (!key || n < 0 || n >= info_of(info)->n))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        strcpy(key, info_of(info)->e[n].key);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Info_delete(MPI_Info info, const char *key)
{
    int rc = check_writable(info);
    if (rc == MPI_SUCCESS)
        rc = check_key(key);
    struct entry *e = rc == MPI_SUCCESS ? find(info, key) : NULL;
    if (rc == MPI_SUCCESS && !e)
        rc = MPI_ERR_INFO_NOKEY;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    free(e->key);
    free(e->val);
    memmove(e, e + 1, (size_t)(info->e + info->n - (e + 1)) * sizeof *e);
    info->n--;
    return MPI_SUCCESS;
}

int MPI_Info_dup(MPI_Info info, MPI_Info *newinfo)
{
    int rc = ipc__mpi_info_check(info);
    if (rc == MPI_SUCCESS && !newinfo)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_info_copy(info, newinfo);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Info_free(MPI_Info *info)
{
    int rc = info ? check_writable(*info) : MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    ipc__mpi_info_release(*info);
    *info = MPI_INFO_NULL;
    return MPI_SUCCESS;
}

bool ipc__mpi_info_true(MPI_Info info, const char *key)
{
    const struct entry *e = info ? find(info_of(info), key) : NULL;
    return e && strcmp(e->val, "true") == 0;
}

/* ---- communicator hints: kept, and given back by MPI_Comm_get_info ---- */

int MPI_Comm_set_info(MPI_Comm comm, MPI_Info info)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_info_check(info);
    struct ipc__mpi_comm *st = rc == MPI_SUCCESS ? ipc__mpi_comm_state(comm) : NULL;
    if (rc == MPI_SUCCESS && !st)
        rc = MPI_ERR_NO_MEM;
    MPI_Info hints = MPI_INFO_NULL;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_info_copy(info, &hints);
    if (rc == MPI_SUCCESS) {
        ipc__mpi_info_release(st->hints);
        st->hints = hints;
    }
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_get_info(MPI_Comm comm, MPI_Info *info_used)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !info_used)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_info_copy(comm->mpi ? comm->mpi->hints : MPI_INFO_NULL, info_used);
    IPC__MPI_RET(comm, rc);
}

/* ---- MPI_INFO_ENV (MPI-3.1 9 and 10.3.1): what is known of the start ---- */

/* The words of argv from `from` on, separated by spaces, in buf (len bytes). */
static void join(char *buf, size_t len, int argc, char **argv, int from)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int a = from; a < argc && argv[a] && used + 1 < len; a++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", a > from ? " " : "",
                                 argv[a]);
}

/* The program's arguments when MPI_Init was given none: /proc/self/cmdline,
 * NUL-separated, read into raw (len bytes), at most max of them. */
static int proc_cmdline(char *raw, size_t len, char **argv, int max)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    if (!f)
        return 0;
    size_t n = fread(raw, 1, len - 1, f);
    fclose(f);
    raw[n] = '\0';
    int argc = 0;
    for (size_t i = 0; i < n && argc < max; i += strlen(raw + i) + 1)
        argv[argc++] = raw + i;
    return argc;
}

void ipc__mpi_info_env_init(int argc, char **argv, int thread_level)
{
    static const char *const level_names[] = {"MPI_THREAD_SINGLE", "MPI_THREAD_FUNNELED",
                                              "MPI_THREAD_SERIALIZED",
                                              "MPI_THREAD_MULTIPLE"};
    char buf[MPI_MAX_INFO_VAL + 1], raw[2 * MPI_MAX_INFO_VAL];
    char *proc_argv[MPI_MAX_INFO_VAL / 2];
    clear(&env_info);
    if (argc <= 0 || !argv) {
        argv = proc_argv;
        argc = proc_cmdline(raw, sizeof raw, proc_argv, MPI_MAX_INFO_VAL / 2);
    }
    if (argc > 0 && argv[0]) {
        set(&env_info, "command", argv[0]);
        join(buf, sizeof buf, argc, argv, 1);
        set(&env_info, "argv", buf);
    }
    snprintf(buf, sizeof buf, "%d", ipc__g.job.size);
    set(&env_info, "maxprocs", buf);
    if (gethostname(buf, sizeof buf) == 0) {
        buf[sizeof buf - 1] = '\0';
        set(&env_info, "host", buf);
    }
    struct utsname u;
    if (uname(&u) == 0)
        set(&env_info, "arch", u.machine);
    if (getcwd(buf, sizeof buf))
        set(&env_info, "wdir", buf);
    set(&env_info, "thread_level", level_names[thread_level]);
}

void ipc__mpi_info_fini(void)
{
    clear(&env_info);
    while (live)
        ipc__mpi_info_release(live);
}
