/* test_daemon.c - the JOB message a node daemon takes apart
 * (ipcrun__daemon_parse_job): the node of every rank, in runs ("0*4,1*4")
 * or one by one, up to the largest job ipcrun starts, and exactly as many
 * as the job has ranks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon.h"

/* Parses a job of `size` ranks whose node_of is `node_of`; returns what
 * ipcrun__daemon_parse_job returned, with the job in *dj. */
static int parse(struct ipcrun__daemon_job *dj, int size, const char *node_of)
{
    char head[64];
    int hl = snprintf(head, sizeof head, "size=%d", size);
    const char *rest[] = {"node=1", "id=00000000-0000-0000-0000-000000000000",
                          "secret=00", ""};
    size_t nl = strlen(node_of), len = (size_t)hl + 1 + 8 + nl + 1;
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        len += strlen(rest[i]) + 1;
    len += sizeof "prog";
    char *buf = malloc(len), *p = buf;
    assert_non_null(buf);
    p += sprintf(p, "%s", head) + 1;
    p += sprintf(p, "node_of=%s", node_of) + 1;
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        p += sprintf(p, "%s", rest[i]) + 1;
    memcpy(p, "prog", sizeof "prog");
    char err[256];
    *dj = IPCRUN__DAEMON_JOB_INIT;
    int rc = ipcrun__daemon_parse_job(dj, buf, len, err, sizeof err);
    free(buf); /* only the nodes are looked at after this */
    return rc;
}

static void runs_of_100000_ranks_are_accepted(void **state)
{
    (void)state;
    struct ipcrun__daemon_job dj;
    assert_int_equal(parse(&dj, 100000, "0*50000,7,1*49999"), 0);
    assert_int_equal(dj.opts.nranks, 100000);
    assert_int_equal(dj.node_of_rank[0], 0);
    assert_int_equal(dj.node_of_rank[49999], 0);
    assert_int_equal(dj.node_of_rank[50000], 7);
    assert_int_equal(dj.node_of_rank[50001], 1);
    assert_int_equal(dj.node_of_rank[99999], 1);
    ipcrun__daemon_job_free(&dj);
}

static void one_by_one_at_100000_ranks_is_accepted(void **state)
{
    (void)state;
    enum { N = 100000 };
    char *text = malloc(N * 6 + 1), *p = text;
    assert_non_null(text);
    for (int r = 0; r < N; r++)
        p += sprintf(p, "%s%d", r ? "," : "", r % 1000);
    struct ipcrun__daemon_job dj;
    assert_int_equal(parse(&dj, N, text), 0);
    for (int r = 0; r < N; r++)
        assert_int_equal(dj.node_of_rank[r], r % 1000);
    ipcrun__daemon_job_free(&dj);
    free(text);
}

static void a_map_that_does_not_fit_the_size_is_refused(void **state)
{
    (void)state;
    const struct {
        int size;
        const char *node_of;
    } bad[] = {
        {4, "0*3"},           /* too few */
        {4, "0*5"},           /* too many */
        {4, "0*2,1*2,1"},     /* too many */
        {4, "0*0,1*4"},       /* an empty run */
        {4, "0*,1*4"},        /* no count */
        {4, "0*2 1*2"},       /* not a comma */
        {4, "0*2,1*2,"},      /* a comma at the end */
        {2, "-1,0"},          /* not a node */
        {100001, "0*100001"}, /* larger than any job ipcrun starts */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct ipcrun__daemon_job dj;
        if (parse(&dj, bad[i].size, bad[i].node_of) != -1)
            fail_msg("size=%d node_of=%s was accepted", bad[i].size, bad[i].node_of);
        ipcrun__daemon_job_free(&dj);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_of_100000_ranks_are_accepted),
        cmocka_unit_test(one_by_one_at_100000_ranks_is_accepted),
        cmocka_unit_test(a_map_that_does_not_fit_the_size_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
