/* slurm.c - the hosts of a Slurm allocation (see slurm.h). */
#include "slurm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The slot counts of SLURM_TASKS_PER_NODE, "2(x3),1" = 2,2,2,1, into
 * counts[0..cap); returns how many nodes the text covers, or -1. */
static long parse_tasks(const char *s, int *counts, long cap)
{
    long n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long c = strtol(p, &end, 10), times = 1;
        if (end == p || errno || c < 1 || c > IPCRUN__HOST_SLOTS_MAX)
            return -1;
        p = end;
        if (!strncmp(p, "(x", 2)) {
            times = strtol(p + 2, &end, 10);
            if (end == p + 2 || *end != ')' || times < 1 || times > IPCRUN__HOSTS_MAX)
                return -1;
            p = end + 1;
        }
        for (long i = 0; i < times; i++, n++)
            if (n < cap)
                counts[n] = (int)c;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return n;
}

/* Adds the names one item of the node list stands for: "n07", or
 * "n[01-03,07]" with an optional suffix ("n[1-2]-ib"). A range keeps the
 * width of its first number ("01-03": n01 n02 n03). */
static int expand_item(const char *item, size_t len, struct ipcrun__hosts *hosts,
                       const int *counts, long ncounts, char *err, size_t errlen)
{
    const char *open = memchr(item, '[', len);
    if (!open) {
        if (hosts->n >= ncounts)
            goto count;
        return ipcrun__hosts_add(hosts, item, len, counts[hosts->n], err, errlen);
    }
    const char *close = memchr(open, ']', len - (size_t)(open - item));
    if (!close || memchr(close, '[', len - (size_t)(close - item))) {
        set_err(err, errlen,
                "SLURM_JOB_NODELIST: cannot read '%.*s' (one [range] per name is "
                "understood); give the hosts with --host",
                (int)len, item);
        return -1;
    }
    const char *prefix = item, *suffix = close + 1;
    int plen = (int)(open - item), slen = (int)(len - (size_t)(suffix - item));
    for (const char *p = open + 1; p < close;) {
        char *end;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        int width = (int)(end - p);
        if (end == p)
            goto bad;
        if (*end == '-') {
            const char *q = end + 1;
            hi = strtoul(q, &end, 10);
            if (end == q || hi < lo || hi - lo > IPCRUN__HOSTS_MAX)
                goto bad;
        }
        if (end != close && *end != ',')
            goto bad;
        p = end + (end != close);
        for (unsigned long v = lo; v <= hi; v++) {
            char name[IPCRUN__HOST_NAME_MAX + 1];
            int n = snprintf(name, sizeof name, "%.*s%0*lu%.*s", plen, prefix, width, v,
                             slen, suffix);
            if (n < 0 || (size_t)n >= sizeof name)
                goto bad;
            if (hosts->n >= ncounts)
                goto count;
            if (ipcrun__hosts_add(hosts, name, (size_t)n, counts[hosts->n], err,
                                  errlen) != 0)
                return -1;
        }
    }
    return 0;
bad:
    set_err(err, errlen,
            "SLURM_JOB_NODELIST: cannot read '%.*s'; give the hosts with --host",
            (int)len, item);
    return -1;
count:
    set_err(err, errlen,
            "SLURM_JOB_NODELIST names more nodes than SLURM_TASKS_PER_NODE counts (%ld)",
            ncounts);
    return -1;
}

int ipcrun__slurm_hosts(const char *nodelist, const char *tasks,
                        struct ipcrun__hosts *hosts, char *err, size_t errlen)
{
    long ncounts = tasks ? parse_tasks(tasks, NULL, 0) : -1;
    if (ncounts < 1) {
        set_err(err, errlen,
                "SLURM_TASKS_PER_NODE='%s' is not a list such as 2(x3),1; give -n N and "
                "the hosts with --host",
                tasks ? tasks : "");
        return -1;
    }
    int *counts = malloc((size_t)ncounts * sizeof *counts);
    if (!counts) {
        set_err(err, errlen, "out of memory reading the Slurm allocation");
        return -1;
    }
    parse_tasks(tasks, counts, ncounts);
    int rc = 0;
    const char *p = nodelist;
    while (rc == 0 && *p) {
        /* An item ends at a comma outside brackets. */
        size_t len = 0;
        int depth = 0;
        while (p[len] && (depth || p[len] != ',')) {
            depth += p[len] == '[' ? 1 : p[len] == ']' ? -1 : 0;
            len++;
        }
        if (len)
            rc = expand_item(p, len, hosts, counts, ncounts, err, errlen);
        p += len + (p[len] == ',');
    }
    if (rc == 0 && hosts->n != ncounts) {
        set_err(
            err, errlen,
            "SLURM_JOB_NODELIST='%.100s' names %d node%s but SLURM_TASKS_PER_NODE='%s' "
            "counts %ld",
            nodelist, hosts->n, hosts->n == 1 ? "" : "s", tasks, ncounts);
        rc = -1;
    }
    free(counts);
    return rc;
}
