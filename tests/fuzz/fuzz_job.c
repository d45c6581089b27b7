/*
 * fuzz_job.c - the JOB message ipcrun sends a node daemon first
 * ("key=value\0"... "\0" program "\0" args "\0"..., docs/wire-formats.md),
 * taken apart by ipcrun__daemon_parse_job (launcher/daemon.c). Input: the
 * payload. A job accepted must have a program, 1 or more ranks and a node for
 * each.
 */
#include "daemon.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_copy(data, size);
    if (!buf)
        return 0;
    struct ipcrun__daemon_job dj = IPCRUN__DAEMON_JOB_INIT;
    char err[512];
    if (ipcrun__daemon_parse_job(&dj, buf, size, err, sizeof err) == 0) {
        if (dj.opts.nranks < 1 || !dj.argv || !dj.argv[0] || !dj.node_of_rank ||
            !dj.layout.job_id || !dj.layout.job_secret)
            fuzz_fail("a job accepted without ranks, program, nodes, id or secret");
        for (int r = 0; r < dj.opts.nranks; r++)
            if (dj.node_of_rank[r] < 0)
                fuzz_fail("rank %d on node %d", r, dj.node_of_rank[r]);
        for (int i = 0; i < dj.nexports; i++)
            if (!dj.exports[i])
                fuzz_fail("export %d missing", i);
    } else if (!memchr(err, '\0', sizeof err)) {
        fuzz_fail("the reason is not a string");
    }
    ipcrun__daemon_job_free(&dj);
    free(buf);
    return 0;
}
