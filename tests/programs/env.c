/*
 * env - the environment ipcrun gives each rank agrees with the library.
 *
 * Each rank prints one line with IPC_RANK, IPC_SIZE, IPC_LOCAL_RANK,
 * IPC_LOCAL_SIZE, IPC_JOB_ID and IPC_TRANSPORT ("-" when unset), and one
 * line "env: rank R: NAME=VALUE" per NAME given as an argument, then checks
 * that ipc_comm_rank/ipc_comm_size match IPC_RANK/IPC_SIZE, that the local
 * rank is within the local size, and that IPC_JOB_ID is a uuid, the same on
 * every rank (rank 0 collects them all). Run without ipcrun (no IPC_RANK),
 * it checks that the program is rank 0 of a job of one.
 */
#include "check.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>

enum { UUID_LEN = 36, TAG_JOB_ID = 1 };

static const char *env_or_dash(const char *name)
{
    const char *v = getenv(name);
    return v ? v : "-";
}

static long env_int(const char *name)
{
    const char *v = getenv(name);
    T_ASSERT(v, "%s is not set", name);
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    T_ASSERT(!errno && end != v && !*end && n >= 0 && n <= INT_MAX,
             "%s is '%s', not a non-negative integer", name, v);
    return n;
}

/* 8-4-4-4-12 hex digits. */
static int is_uuid(const char *s)
{
    if (strlen(s) != UUID_LEN)
        return 0;
    for (int i = 0; i < UUID_LEN; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static void check_job_id_everywhere(const char *job_id)
{
    if (t_rank != 0) {
        T_OK(ipc_send(job_id, UUID_LEN, IPC_CHAR, 0, TAG_JOB_ID, IPC_COMM_WORLD));
        return;
    }
    for (int r = 1; r < t_size; r++) {
        char other[UUID_LEN + 1] = {0};
        T_OK(ipc_recv(other, UUID_LEN, IPC_CHAR, r, TAG_JOB_ID, IPC_COMM_WORLD,
                      IPC_STATUS_IGNORE));
        T_ASSERT(!strcmp(other, job_id), "rank %d has IPC_JOB_ID %s, rank 0 has %s", r, other,
                 job_id);
    }
}

static void check_under_ipcrun(void)
{
    long rank = env_int("IPC_RANK"), size = env_int("IPC_SIZE");
    long local_rank = env_int("IPC_LOCAL_RANK"), local_size = env_int("IPC_LOCAL_SIZE");
    T_ASSERT(rank == t_rank, "IPC_RANK is %ld, ipc_comm_rank says %d", rank, t_rank);
    T_ASSERT(size == t_size, "IPC_SIZE is %ld, ipc_comm_size says %d", size, t_size);
    T_ASSERT(local_size >= 1 && local_size <= size,
             "IPC_LOCAL_SIZE is %ld, expected 1..%ld", local_size, size);
    T_ASSERT(local_rank < local_size, "IPC_LOCAL_RANK is %ld, not below IPC_LOCAL_SIZE %ld",
             local_rank, local_size);
    const char *job_id = env_or_dash("IPC_JOB_ID");
    T_ASSERT(is_uuid(job_id), "IPC_JOB_ID is '%s', not a uuid", job_id);
    check_job_id_everywhere(job_id);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "env");
    printf("env: rank %d: IPC_RANK=%s IPC_SIZE=%s IPC_LOCAL_RANK=%s IPC_LOCAL_SIZE=%s "
           "IPC_JOB_ID=%s IPC_TRANSPORT=%s\n",
           t_rank, env_or_dash("IPC_RANK"), env_or_dash("IPC_SIZE"),
           env_or_dash("IPC_LOCAL_RANK"), env_or_dash("IPC_LOCAL_SIZE"),
           env_or_dash("IPC_JOB_ID"), env_or_dash("IPC_TRANSPORT"));
    for (int i = 1; i < argc; i++) /* more variables the test asks about */
        printf("env: rank %d: %s=%s\n", t_rank, argv[i], env_or_dash(argv[i]));
    fflush(stdout);

    if (getenv("IPC_RANK"))
        check_under_ipcrun();
    else
        T_ASSERT(t_rank == 0 && t_size == 1,
                 "without ipcrun (no IPC_RANK) this is rank %d of %d, expected 0 of 1", t_rank,
                 t_size);

    T_OK(ipc_finalize());
    return 0;
}
