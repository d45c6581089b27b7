/* test_names.c - the names ipcrun and libipc share (runtime/common/names.h):
 * every transport name is the one its transport calls itself, in the order
 * ipc_init connects them; the lists messages print; the environment
 * variables are unique, IPC_ names, and per rank where ipcrun sets them per
 * rank. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "names.h"
#include "transport/transport.h"

static void transports_match_the_runtime(void **state)
{
    (void)state;
    for (size_t i = 0; i < IPC__NAMES_NTRANSPORTS; i++) {
        const struct ipc__transport_ops *t = ipc__transport_at(i);
        assert_non_null(t);
        assert_string_equal(t->name, ipc__names_transport[i]);
        assert_ptr_equal(ipc__transport_find(ipc__names_transport[i]), t);
        assert_int_equal(ipc__names_transport_index(ipc__names_transport[i]), (int)i);
    }
    assert_null(ipc__transport_at(IPC__NAMES_NTRANSPORTS));
    assert_null(ipc__transport_find("udp"));
    assert_int_equal(ipc__names_transport_index("SHM"), -1);
    assert_int_equal(ipc__names_transport_index(""), -1);
}

static void transport_lists(void **state)
{
    (void)state;
    char buf[64];
    ipc__names_transport_list(buf, sizeof buf, " or ", 0);
    assert_string_equal(buf, "shm, unix, pipe or tcp");
    ipc__names_transport_list(buf, sizeof buf, ", ", 0);
    assert_string_equal(buf, "shm, unix, pipe, tcp");
    ipc__names_transport_list(buf, sizeof buf, " or ", 1u << IPC__NAMES_PIPE);
    assert_string_equal(buf, "shm, unix or tcp");
    ipc__names_transport_list(buf, sizeof buf, " or ",
                              1u << IPC__NAMES_SHM | 1u << IPC__NAMES_UNIX |
                                  1u << IPC__NAMES_PIPE);
    assert_string_equal(buf, "tcp");
    /* Too small: cut, still terminated. */
    ipc__names_transport_list(buf, 8, " or ", 0);
    assert_true(strlen(buf) < 8);
}

static void environment(void **state)
{
    (void)state;
    int per_rank = 0;
    for (int i = 0; i < IPC__ENV_COUNT; i++) {
        const struct ipc__names_env_def *v = &ipc__names_env[i];
        assert_non_null(v->name);
        assert_int_equal(strncmp(v->name, "IPC_", 4), 0);
        assert_int_equal(ipc__names_env_index(v->name, strlen(v->name)), i);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(v->name, ipc__names_env[j].name);
        /* What differs per rank ipcrun always sets. */
        if (v->per_rank) {
            assert_true(v->always);
            per_rank++;
        }
    }
    assert_int_equal(per_rank, 3);
    assert_int_equal(ipc__names_env_index("IPC_RANKS", 9), -1);
    assert_int_equal(ipc__names_env_index("IPC_RANK=3", 8), IPC__ENV_RANK);
    assert_true(ipc__names_env[IPC__ENV_JOB_SECRET].always);
    assert_false(ipc__names_env[IPC__ENV_TCP_IF].always);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transports_match_the_runtime),
        cmocka_unit_test(transport_lists),
        cmocka_unit_test(environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
