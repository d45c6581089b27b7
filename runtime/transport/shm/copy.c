/*
 * copy.c - single copy over shm: direct access to a peer's memory with
 * process_vm_readv/writev (the transport's can_access/get/put members). The
 * kernel checks only that the peer's range is mapped and that ptrace rules
 * let us at it; which addresses may be asked for is the caller's contract
 * (transport.h: a region the peer registered with us).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shm.h"

volatile uint64_t ipc__shm_probe_word = PROBE_MAGIC;

/* Ptrace rules decide: containers and Yama may forbid it. */
bool ipc__shm_probe_single_copy(const struct shm_seg *seg)
{
    int peer = (seg->me + 1) % seg->nranks;
    uint64_t got = 0;
    if (!ipc__shm_pid_is_sibling(seg->pids[peer]))
        return false;
    struct iovec local = {&got, sizeof got};
    struct iovec remote = {(void *)(uintptr_t)seg->bells[peer].probe_addr, sizeof got};
    return process_vm_readv(seg->pids[peer], &local, 1, &remote, 1, 0) ==
               sizeof got &&
           got == PROBE_MAGIC;
}

/* Is pid a process of our user whose parent is ours? The node's ranks are
 * all children of one launcher (ipcrun, a node daemon or slurmstepd); a pid
 * that a peer wrote wrong into the segment names another process, which a
 * copy must never write into. */
bool ipc__shm_pid_is_sibling(pid_t pid)
{
    char path[64], line[512];
    struct stat st;
    if (pid <= 0)
        return false;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, line, sizeof line - 1);
    bool ours = fstat(fd, &st) == 0 && st.st_uid == geteuid();
    close(fd);
    if (n <= 0 || !ours)
        return false;
    line[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold anything, even ") ". */
    const char *end = strrchr(line, ')');
    char state;
    int ppid;
    return end && sscanf(end + 1, " %c %d", &state, &ppid) == 2 && ppid == getppid();
}

/* Under Yama's ptrace_scope 1 only ancestors may read our memory; our peers
 * are siblings. Yama also lets a declared tracer's descendants in, so we
 * declare our parent, the launcher (ipcrun, a node daemon or slurmstepd):
 * the job's ranks get in, processes outside the launcher's tree do not. A
 * rank started through a wrapper that forks (its parent is the wrapper) is
 * refused by its peers; the probe then finds single copy off and messages
 * go through the rings. */
void ipc__shm_allow_peer_reads(void)
{
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
    int scope = 0;
    if (f) {
        if (fscanf(f, "%d", &scope) != 1)
            scope = 0;
        fclose(f);
    }
    if (scope == 1)
        prctl(PR_SET_PTRACER, (unsigned long)getppid(), 0, 0, 0);
}

/* Copies only with a peer whose pid is a rank's (our user, our parent): a
 * pid written wrong into the segment names another process, which a copy
 * must never write into. Checked once per peer, on first use. */
bool ipc__shm_can_access(const struct ipc__link *l)
{
    struct shm_link *s = l->priv;
    if (!s->seg->single_copy)
        return false;
    if (!s->pid_checked) {
        s->pid_ok = ipc__shm_pid_is_sibling(s->seg->pids[s->peer]);
        s->pid_checked = true;
    }
    return s->pid_ok;
}

/* Copies len bytes between our memory and the peer's, in either direction;
 * the kernel may do it in several pieces. */
static int copy_with_peer(const struct shm_link *s, char *local, uint64_t addr,
                          size_t len, bool to_peer)
{
    pid_t pid = s->seg->pids[s->peer]; /* our copy, not the segment's */
    while (len) {
        struct iovec mine = {local, len};
        struct iovec theirs = {(void *)(uintptr_t)addr, len};
        ssize_t n = to_peer ? process_vm_writev(pid, &mine, 1, &theirs, 1, 0)
                            : process_vm_readv(pid, &mine, 1, &theirs, 1, 0);
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        local += n;
        addr += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int ipc__shm_get(struct ipc__link *l, void *dst, uint64_t remote_addr, size_t len)
{
    return copy_with_peer(l->priv, dst, remote_addr, len, false);
}

int ipc__shm_put(struct ipc__link *l, uint64_t remote_addr, const void *src, size_t len)
{
    return copy_with_peer(l->priv, (char *)src, remote_addr, len, true);
}
