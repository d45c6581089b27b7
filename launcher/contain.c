/* contain.c - what the ranks leave running dies with the job (see contain.h). */
#include "contain.h"

#include <errno.h>
#include <linux/sched.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the end of a job waits for what it killed to be gone. */
#define CONTAIN_WAIT_MS 3000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where the cgroup v2 hierarchy is mounted (its root, "/", only), from
 * /proc/self/mountinfo. Returns 0, or -1 when it is not. */
static int cgroup2_mount(char *out, size_t len)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[1024];
    int rc = -1;
    if (!f)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f)) {
        char root[256], point[512];
        const char *dash = strstr(line, " - cgroup2 ");
        if (dash && sscanf(line, "%*s %*s %*s %255s %511s", root, point) == 2 &&
            !strcmp(root, "/") && !strchr(point, '\\') && strlen(point) < len) {
            snprintf(out, len, "%s", point);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* ipcrun's own cgroup in the v2 hierarchy, "/..." from /proc/self/cgroup. */
static int own_cgroup(char *out, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    int rc = -1;
    if (!f)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "0::/", 4) && strlen(line + 3) < len) {
            snprintf(out, len, "%s", line + 3);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* Writes "1" to the cgroup's cgroup.kill (Linux 5.14); before that, SIGKILL
 * to every process its cgroup.procs lists. */
static void kill_cgroup(int dir_fd)
{
    int fd = openat(dir_fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = write(fd, "1", 1);
        close(fd);
        if (n == 1)
            return;
    }
    fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    long pid;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while (fscanf(f, "%ld", &pid) == 1)
        kill((pid_t)pid, SIGKILL);
    fclose(f);
}

/* Whether the cgroup still holds a process ("populated 1" in cgroup.events). */
static bool populated(int dir_fd)
{
    char buf[256];
    int fd = openat(dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return strstr(buf, "populated 1") != NULL;
}

/* Kills the cgroup until it is empty (what it holds may still be forking),
 * then removes it. Bounded by CONTAIN_WAIT_MS. Returns whether it is gone. */
static bool kill_and_remove(int dir_fd, int parent_fd, const char *name)
{
    int64_t deadline = now_ms() + CONTAIN_WAIT_MS;
    for (;;) {
        kill_cgroup(dir_fd);
        if (!populated(dir_fd) || now_ms() >= deadline)
            break;
        poll(NULL, 0, 5);
    }
    return unlinkat(parent_fd, name, AT_REMOVEDIR) == 0;
}

/* Closes every descriptor but those in keep (ascending). */
static void close_all_but(const int *keep, int n)
{
    unsigned from = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned)keep[i] > from)
            close_range(from, (unsigned)keep[i] - 1, 0);
        from = (unsigned)keep[i] + 1;
    }
    close_range(from, ~0U, 0);
}

/* The guard: waits until ipcrun closes the pipe, or dies, then kills and
 * removes the cgroup. In a session of its own, so that a Ctrl-C for the job
 * does not end it first. */
static void __attribute__((noreturn)) guard(const struct ipcrun__contain *c, int read_fd)
{
    static const int ignored[] = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
                                  SIGUSR1, SIGUSR2, SIGPIPE};
    int keep[3] = {read_fd, c->dir_fd, c->parent_fd};
    char b;
    (void)setsid();
    (void)prctl(PR_SET_NAME, "ipcrun-guard");
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        signal(ignored[i], SIG_IGN);
    for (int i = 0; i < 2; i++) /* three descriptors: sort them */
        for (int j = 0; j < 2 - i; j++)
            if (keep[j] > keep[j + 1]) {
                int t = keep[j];
                keep[j] = keep[j + 1];
                keep[j + 1] = t;
            }
    close_all_but(keep, 3);
    while (read(read_fd, &b, 1) < 0 && errno == EINTR)
        ;
    kill_and_remove(c->dir_fd, c->parent_fd, c->name);
    _exit(0);
}

static int start_guard(struct ipcrun__contain *c)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        guard(c, p[0]);
    }
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return -1;
    }
    c->guard = pid;
    c->wake_fd = p[1];
    return 0;
}

static void release(struct ipcrun__contain *c)
{
    int *fds[] = {&c->procs_fd, &c->dir_fd, &c->parent_fd, &c->wake_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

void ipcrun__contain_init(struct ipcrun__contain *c, const char *job_id)
{
    char mount[512], own[512], path[1100];
    *c = IPCRUN__CONTAIN_NONE;
    if (cgroup2_mount(mount, sizeof mount) != 0 || own_cgroup(own, sizeof own) != 0)
        return;
    snprintf(path, sizeof path, "%s%s", mount, own);
    snprintf(c->name, sizeof c->name, "ipcrun.%.8s.%d", job_id, (int)getpid());
    c->parent_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->parent_fd < 0)
        return;
    if (mkdirat(c->parent_fd, c->name, 0755) != 0) {
        release(c);
        return;
    }
    c->dir_fd = openat(c->parent_fd, c->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dir_fd >= 0)
        c->procs_fd = openat(c->dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (c->procs_fd < 0 || start_guard(c) != 0) {
        (void)unlinkat(c->parent_fd, c->name, AT_REMOVEDIR);
        release(c);
    }
}

bool ipcrun__contain_cgroup(const struct ipcrun__contain *c)
{
    return c && c->procs_fd >= 0;
}

pid_t ipcrun__contain_vfork(const struct ipcrun__contain *c, void (*fn)(void *),
                            void *arg, void *stack, size_t stack_size)
{
/* Not under AddressSanitizer: it knows vfork, but a child on a stack it does
 * not know makes it warn on every call that does not return. */
#if defined(__x86_64__) && defined(SYS_clone3) && !defined(__SANITIZE_ADDRESS__)
    if (!c || c->dir_fd < 0 || !stack) {
        errno = ENOSYS;
        return -1;
    }
    struct clone_args args = {
        .flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP,
        .exit_signal = SIGCHLD,
        .stack = (uint64_t)(uintptr_t)stack,
        .stack_size = stack_size,
        .cgroup = (uint64_t)c->dir_fd,
    };
    /* The child starts on its own stack, right after the syscall: it calls
     * fn(arg) there and never comes back (fn execs or exits). */
    register long rax __asm__("rax") = SYS_clone3;
    register long rdi __asm__("rdi") = (long)&args;
    register long rsi __asm__("rsi") = (long)sizeof args;
    register long r12 __asm__("r12") = (long)fn;
    register long r13 __asm__("r13") = (long)arg;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "mov %%r13, %%rdi\n\t"
                     "call *%%r12\n\t"
                     "ud2\n"
                     "1:\n"
                     : "+r"(rax)
                     : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
                     : "rcx", "r11", "memory");
    if (rax < 0) {
        errno = (int)-rax;
        return -1;
    }
    return (pid_t)rax;
#else
    (void)c, (void)fn, (void)arg, (void)stack, (void)stack_size;
    errno = ENOSYS;
    return -1;
#endif
}

void ipcrun__contain_enter(const struct ipcrun__contain *c)
{
    if (c && c->procs_fd >= 0)
        (void)!write(c->procs_fd, "0", 1);
}

bool ipcrun__contain_is_guard(const struct ipcrun__contain *c, pid_t pid)
{
    return c && c->guard > 0 && pid == c->guard;
}

void ipcrun__contain_reaped(struct ipcrun__contain *c, pid_t pid)
{
    if (ipcrun__contain_is_guard(c, pid))
        c->guard = 0;
}

void ipcrun__contain_kill(struct ipcrun__contain *c)
{
    if (c && c->dir_fd >= 0)
        kill_cgroup(c->dir_fd);
}

/* SIGKILL to every child of ipcrun but the guard; returns how many there
 * were (zombies included). */
static int kill_adopted(const struct ipcrun__contain *c)
{
    char path[64];
    long pid;
    int n = 0;
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    while (fscanf(f, "%ld", &pid) == 1)
        if (!ipcrun__contain_is_guard(c, (pid_t)pid)) {
            kill((pid_t)pid, SIGKILL);
            n++;
        }
    fclose(f);
    return n;
}

/* Reaps every child that has ended (the guard too, should it have died). */
static void reap_adopted(struct ipcrun__contain *c)
{
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
        ipcrun__contain_reaped(c, pid);
}

bool ipcrun__contain_children_left(const struct ipcrun__contain *c)
{
    char path[64];
    long pid;
    bool any = false;
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    while (!any && fscanf(f, "%ld", &pid) == 1)
        any = !ipcrun__contain_is_guard(c, (pid_t)pid);
    fclose(f);
    return any;
}

void ipcrun__contain_end(struct ipcrun__contain *c)
{
    int64_t deadline = now_ms() + CONTAIN_WAIT_MS;
    bool removed = c->dir_fd >= 0 && kill_and_remove(c->dir_fd, c->parent_fd, c->name);
    /* What escaped the cgroup, or every leftover without one: ipcrun adopted
     * it. Killing a process hands its children to ipcrun in turn. */
    while (kill_adopted(c) > 0 && now_ms() < deadline) {
        poll(NULL, 0, 2);
        reap_adopted(c);
    }
    /* With the cgroup gone the guard has nothing left to do: ending it
     * saves waiting for it to be scheduled. Otherwise it tries again. */
    if (c->guard > 0 && removed)
        kill(c->guard, SIGKILL);
    if (c->wake_fd >= 0) {
        close(c->wake_fd);
        c->wake_fd = -1;
    }
    if (c->guard > 0)
        waitpid(c->guard, NULL, 0);
    c->guard = 0;
    release(c);
}
