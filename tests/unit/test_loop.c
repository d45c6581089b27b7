/* test_loop.c - ipcrun's event loop over real pipes: sources are asked what
 * to wait for before each poll, handlers run stage by stage in registration
 * order, a source with nothing to wait for is not polled, and a handler does
 * not run for a descriptor its source closed (or replaced) during the round. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

#define NPIPES 4

struct world {
    int fd[NPIPES];    /* read ends the sources answer; -1: none */
    int wfd[NPIPES];   /* write ends */
    int ran[16];       /* sources whose handler ran, in order */
    int nran;
    int close_in_handler; /* the handler of this source closes this one's fd; -1 */
    int victim;
};

static int src_fd(void *ctx, int arg, short *events)
{
    struct world *w = ctx;
    *events = POLLIN;
    return w->fd[arg];
}

static void src_ready(void *ctx, int arg, short revents)
{
    struct world *w = ctx;
    char c;
    assert_true(revents & POLLIN);
    assert_int_equal(read(w->fd[arg], &c, 1), 1);
    w->ran[w->nran++] = arg;
    if (arg == w->close_in_handler) {
        close(w->fd[w->victim]);
        w->fd[w->victim] = -1;
    }
}

static void world_init(struct world *w)
{
    memset(w, 0, sizeof *w);
    w->close_in_handler = -1;
    for (int i = 0; i < NPIPES; i++) {
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        w->fd[i] = p[0];
        w->wfd[i] = p[1];
    }
}

static void world_fini(struct world *w)
{
    for (int i = 0; i < NPIPES; i++) {
        if (w->fd[i] >= 0)
            close(w->fd[i]);
        close(w->wfd[i]);
    }
}

static void poke(struct world *w, int i)
{
    assert_int_equal(write(w->wfd[i], "x", 1), 1);
}

static void dispatch_all(struct ipcrun__loop *l)
{
    for (int s = 0; s < IPCRUN__NSTAGES; s++)
        ipcrun__loop_dispatch(l, (enum ipcrun__loop_stage)s);
}

static void stages_then_registration_order(void **state)
{
    (void)state;
    struct world w;
    struct ipcrun__loop l;
    world_init(&w);
    ipcrun__loop_init(&l, &w);
    /* 0: signal stage, 1: ctl, 2 and 3: io, registered in that order. */
    const enum ipcrun__loop_stage stage[NPIPES] = {IPCRUN__STAGE_SIGNAL, IPCRUN__STAGE_CTL,
                                                   IPCRUN__STAGE_IO, IPCRUN__STAGE_IO};
    for (int i = 0; i < NPIPES; i++) {
        struct ipcrun__source s = {src_fd, src_ready, i, stage[i]};
        assert_int_equal(ipcrun__loop_add(&l, &s), 0);
    }
    for (int i = NPIPES - 1; i >= 0; i--)
        poke(&w, i);
    assert_int_equal(ipcrun__loop_poll(&l, 1000), NPIPES);
    dispatch_all(&l);
    assert_int_equal(w.nran, 4);
    assert_int_equal(w.ran[0], 2);
    assert_int_equal(w.ran[1], 3);
    assert_int_equal(w.ran[2], 1);
    assert_int_equal(w.ran[3], 0);
    /* Nothing ready: the poll times out and no handler runs. */
    w.nran = 0;
    assert_int_equal(ipcrun__loop_poll(&l, 10), 0);
    dispatch_all(&l);
    assert_int_equal(w.nran, 0);
    ipcrun__loop_fini(&l);
    world_fini(&w);
}

static void idle_sources_are_not_polled(void **state)
{
    (void)state;
    struct world w;
    struct ipcrun__loop l;
    world_init(&w);
    ipcrun__loop_init(&l, &w);
    for (int i = 0; i < NPIPES; i++) {
        struct ipcrun__source s = {src_fd, src_ready, i, IPCRUN__STAGE_IO};
        assert_int_equal(ipcrun__loop_add(&l, &s), 0);
    }
    /* Source 1 answers -1: its pipe is ready but not polled. */
    int saved = w.fd[1];
    w.fd[1] = -1;
    poke(&w, 1);
    poke(&w, 2);
    assert_int_equal(ipcrun__loop_poll(&l, 1000), 1);
    assert_int_equal(l.npolled, NPIPES - 1);
    dispatch_all(&l);
    assert_int_equal(w.nran, 1);
    assert_int_equal(w.ran[0], 2);
    w.fd[1] = saved;
    ipcrun__loop_fini(&l);
    world_fini(&w);
}

static void closed_during_the_round_is_skipped(void **state)
{
    (void)state;
    struct world w;
    struct ipcrun__loop l;
    world_init(&w);
    ipcrun__loop_init(&l, &w);
    for (int i = 0; i < NPIPES; i++) {
        struct ipcrun__source s = {src_fd, src_ready, i, IPCRUN__STAGE_IO};
        assert_int_equal(ipcrun__loop_add(&l, &s), 0);
    }
    /* Source 0's handler closes source 3's pipe, which was ready too. */
    w.close_in_handler = 0;
    w.victim = 3;
    poke(&w, 0);
    poke(&w, 3);
    assert_int_equal(ipcrun__loop_poll(&l, 1000), 2);
    dispatch_all(&l);
    assert_int_equal(w.nran, 1);
    assert_int_equal(w.ran[0], 0);
    ipcrun__loop_fini(&l);
    world_fini(&w);
}

static void no_source_just_waits(void **state)
{
    (void)state;
    struct ipcrun__loop l;
    ipcrun__loop_init(&l, NULL);
    /* No source: a plain timeout. */
    assert_int_equal(ipcrun__loop_poll(&l, 0), 0);
    ipcrun__loop_fini(&l);
    assert_null(l.src);
    assert_int_equal(l.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stages_then_registration_order),
        cmocka_unit_test(idle_sources_are_not_polled),
        cmocka_unit_test(closed_during_the_round_is_skipped),
        cmocka_unit_test(no_source_just_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
