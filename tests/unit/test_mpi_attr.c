/* test_mpi_attr.c - datatype attributes through the two calls MPI_Type_dup
 * and MPI_Type_free will make (ipc__mpi_type_attrs_copy/_delete): copy
 * callbacks with flag 1 and 0, a failing copy undoing the copies made, delete
 * callbacks, a freed keyval living on while an attribute uses it. No MPI_Init:
 * keyvals and predefined types need none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mpi/mpi_internal.h"

struct counts {
    int copies, deletes;
    int copy_result, copy_flag;
    int last_keyval;
    intptr_t last_deleted;
};

static int count_copy(MPI_Datatype type, int keyval, void *extra, void *in, void *out,
                      int *flag)
{
    struct counts *c = extra;
    (void)type;
    c->copies++;
    if (c->copy_result != MPI_SUCCESS)
        return c->copy_result;
    *(void **)out = (void *)((intptr_t)in + 1);
    *flag = c->copy_flag;
    c->last_keyval = keyval;
    return MPI_SUCCESS;
}

static int count_delete(MPI_Datatype type, int keyval, void *val, void *extra)
{
    struct counts *c = extra;
    (void)type;
    c->deletes++;
    c->last_keyval = keyval;
    c->last_deleted = (intptr_t)val;
    return MPI_SUCCESS;
}

static intptr_t get(MPI_Datatype type, int keyval, int *flag)
{
    void *val = NULL;
    assert_int_equal(MPI_Type_get_attr(type, keyval, &val, flag), MPI_SUCCESS);
    return (intptr_t)val;
}

static int teardown(void **state)
{
    (void)state;
    ipc__mpi_attr_fini();
    return 0;
}

static void copy_and_delete(void **state)
{
    (void)state;
    struct counts kept = {.copy_flag = 1}, dropped = {.copy_flag = 0};
    int k_kept, k_dropped, flag;
    MPI_Type_create_keyval(count_copy, count_delete, &k_kept, &kept);
    MPI_Type_create_keyval(count_copy, count_delete, &k_dropped, &dropped);
    MPI_Type_set_attr(MPI_INT, k_kept, (void *)(intptr_t)5);
    MPI_Type_set_attr(MPI_INT, k_dropped, (void *)(intptr_t)7);

    assert_int_equal(ipc__mpi_type_attrs_copy(MPI_INT, MPI_DOUBLE), MPI_SUCCESS);
    assert_int_equal(kept.copies, 1);
    assert_int_equal(dropped.copies, 1);
    assert_int_equal(kept.last_keyval, k_kept);
    assert_int_equal(get(MPI_DOUBLE, k_kept, &flag), 6);
    assert_int_equal(flag, 1);
    get(MPI_DOUBLE, k_dropped, &flag);
    assert_int_equal(flag, 0);

    ipc__mpi_type_attrs_delete(MPI_DOUBLE);
    assert_int_equal(kept.deletes, 1);
    assert_int_equal(kept.last_deleted, 6);
    assert_int_equal(dropped.deletes, 0);
    get(MPI_DOUBLE, k_kept, &flag);
    assert_int_equal(flag, 0);
    assert_int_equal(get(MPI_INT, k_kept, &flag), 5); /* the original keeps its own */

    /* A type without attributes copies nothing. */
    assert_int_equal(ipc__mpi_type_attrs_copy(MPI_FLOAT, MPI_SHORT), MPI_SUCCESS);
    assert_int_equal(kept.copies, 1);

    /* A freed keyval lives on until the attribute using it is deleted. */
    int saved = k_kept;
    MPI_Type_free_keyval(&k_kept);
    assert_int_equal(k_kept, MPI_KEYVAL_INVALID);
    ipc__mpi_type_attrs_delete(MPI_INT);
    assert_int_equal(kept.deletes, 2);
    assert_int_equal(kept.last_keyval, saved);
    assert_int_equal(kept.last_deleted, 5);
    assert_int_equal(dropped.deletes, 1);
    MPI_Type_free_keyval(&k_dropped);
}

static void failing_copy(void **state)
{
    (void)state;
    struct counts kept = {.copy_flag = 1}, failing = {.copy_result = MPI_ERR_OTHER};
    int k_kept, k_failing, flag;
    MPI_Type_create_keyval(count_copy, count_delete, &k_failing, &failing);
    MPI_Type_create_keyval(count_copy, count_delete, &k_kept, &kept);
    MPI_Type_set_attr(MPI_CHAR, k_failing, (void *)(intptr_t)1);
    MPI_Type_set_attr(MPI_CHAR, k_kept, (void *)(intptr_t)2);

    assert_int_equal(ipc__mpi_type_attrs_copy(MPI_CHAR, MPI_LONG), MPI_ERR_OTHER);
    assert_int_equal(failing.copies, 1);
    /* k_kept, newer, was copied first; the failure deleted the copy again. */
    assert_int_equal(kept.copies, 1);
    assert_int_equal(kept.deletes, kept.copies);
    get(MPI_LONG, k_kept, &flag);
    assert_int_equal(flag, 0);
    assert_int_equal(get(MPI_CHAR, k_kept, &flag), 2);

    ipc__mpi_type_attrs_delete(MPI_CHAR);
    assert_int_equal(failing.deletes, 1);
    MPI_Type_free_keyval(&k_failing);
    MPI_Type_free_keyval(&k_kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(copy_and_delete, teardown),
        cmocka_unit_test_teardown(failing_copy, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
