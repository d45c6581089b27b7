/* test_handle.c - handle tables (handle.h): a handle names its object until
 * the object dies, then never again, also once its slot holds another
 * object; forged values name nothing (under SAN=1, ASan also sees that none
 * is followed); objects stay where they are as the table grows; a retired
 * handle dies while its object lives on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "handle.h"

struct obj {
    struct ipc__hslot slot;
    int value;
};

static struct obj *obj_of(const struct ipc__htab *t, const void *h)
{
    struct ipc__hslot *s = ipc__htab_get(t, h);
    return s ? (struct obj *)s : NULL;
}

static struct obj *obj_new(struct ipc__htab *t, int value)
{
    struct obj *o = (struct obj *)ipc__htab_alloc(t);
    assert_non_null(o);
    o->value = value;
    return o;
}

static void a_handle_names_its_object_until_it_dies(void **state)
{
    (void)state;
    struct ipc__htab t = IPC__HTAB_INIT(struct obj);
    struct obj *a = obj_new(&t, 1), *b = obj_new(&t, 2);
    void *ha = ipc__hslot_handle(&a->slot), *hb = ipc__hslot_handle(&b->slot);
    assert_non_null(ha);
    assert_non_null(hb);
    assert_ptr_not_equal(ha, hb);
    assert_ptr_equal(obj_of(&t, ha), a);
    assert_ptr_equal(obj_of(&t, hb), b);

    ipc__htab_free(&t, &a->slot);
    assert_null(obj_of(&t, ha));
    assert_ptr_equal(obj_of(&t, hb), b);

    /* The slot freed last is the next one taken: a stale handle's slot now
     * holds c, and the stale handle still names nothing. */
    struct obj *c = obj_new(&t, 3);
    assert_ptr_equal(c, a);
    void *hc = ipc__hslot_handle(&c->slot);
    assert_ptr_not_equal(hc, ha);
    assert_null(obj_of(&t, ha));
    assert_ptr_equal(obj_of(&t, hc), c);
    assert_int_equal(c->value, 3);

    /* Many lives of one slot: only the last handle names it. */
    void *old[50];
    for (int i = 0; i < 50; i++) {
        old[i] = ipc__hslot_handle(&c->slot);
        ipc__htab_free(&t, &c->slot);
        assert_ptr_equal(obj_new(&t, i), c);
    }
    for (int i = 0; i < 50; i++)
        assert_null(obj_of(&t, old[i]));
    assert_ptr_equal(obj_of(&t, ipc__hslot_handle(&c->slot)), c);
    ipc__htab_fini(&t);
}

static void forged_values_name_nothing(void **state)
{
    (void)state;
    struct ipc__htab t = IPC__HTAB_INIT(struct obj);
    struct obj *a = obj_new(&t, 1);
    uintptr_t h = (uintptr_t)ipc__hslot_handle(&a->slot);
    const uintptr_t gen1 = (uintptr_t)1 << IPC__HANDLE_GEN_SHIFT;
    int local;
    const uintptr_t forged[] = {
        0,
        UINTPTR_MAX,
        h + gen1, /* its next generations */
        h + 2 * gen1,
        h - gen1,               /* the generation before it */
        h - 1 + gen1 * 7,       /* index 0 is no slot, whatever the generation */
        h + IPC__HTAB_CHUNK,    /* past the table */
        IPC__HANDLE_INDEX_MASK, /* the last index */
        (uintptr_t)&local,      /* addresses */
        (uintptr_t)a,
        (uintptr_t)&t,
    };
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++)
        assert_null(obj_of(&t, (void *)forged[i]));
    /* A slot that holds no object yet, whatever generation is asked for. */
    for (uintptr_t g = 0; g < 4; g++)
        assert_null(obj_of(&t, (void *)(h + 1 + g * gen1 - gen1)));
    /* A freed slot, with the value it holds while free. */
    struct obj *b = obj_new(&t, 2);
    ipc__htab_free(&t, &b->slot);
    assert_null(obj_of(&t, (void *)b->slot.handle));
    assert_null(obj_of(&t, (void *)(b->slot.handle + gen1)));
    assert_ptr_equal(obj_of(&t, (void *)h), a);
    ipc__htab_fini(&t);
    /* An empty table refuses everything, its old handles too. */
    assert_null(obj_of(&t, (void *)h));
}

static void objects_stay_put_as_the_table_grows(void **state)
{
    (void)state;
    enum { N = 3 * IPC__HTAB_CHUNK + 5 };
    struct ipc__htab t = IPC__HTAB_INIT(struct obj);
    static struct obj *objs[N];
    static void *handles[N];
    for (int i = 0; i < N; i++) {
        objs[i] = obj_new(&t, i);
        handles[i] = ipc__hslot_handle(&objs[i]->slot);
    }
    assert_int_equal(t.nslots, 4 * IPC__HTAB_CHUNK);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(obj_of(&t, handles[i]), objs[i]);
        assert_int_equal(objs[i]->value, i);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(objs[j], objs[i]);
    }
    /* Freeing half and taking them back reuses the slots, with new handles. */
    for (int i = 0; i < N; i += 2)
        ipc__htab_free(&t, &objs[i]->slot);
    for (int i = 0; i < N; i += 2) {
        assert_null(obj_of(&t, handles[i]));
        struct obj *o = obj_new(&t, -i);
        assert_null(obj_of(&t, handles[i]));
        assert_ptr_equal(obj_of(&t, ipc__hslot_handle(&o->slot)), o);
    }
    assert_int_equal(t.nslots, 4 * IPC__HTAB_CHUNK); /* no growth */
    for (int i = 1; i < N; i += 2)
        assert_ptr_equal(obj_of(&t, handles[i]), objs[i]);
    ipc__htab_fini(&t);
}

static void a_retired_handle_dies_with_its_object_alive(void **state)
{
    (void)state;
    struct ipc__htab t = IPC__HTAB_INIT(struct obj);
    struct obj *a = obj_new(&t, 1);
    void *h = ipc__hslot_handle(&a->slot);
    ipc__hslot_retire(&a->slot);
    assert_null(obj_of(&t, h));
    /* Not free: the next object is elsewhere. */
    struct obj *b = obj_new(&t, 2);
    assert_ptr_not_equal(b, a);
    assert_int_equal(a->value, 1);
    ipc__htab_free(&t, &a->slot);
    assert_null(obj_of(&t, h));
    assert_ptr_equal(obj_new(&t, 3), a);
    assert_null(obj_of(&t, h));
    ipc__htab_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_handle_names_its_object_until_it_dies),
        cmocka_unit_test(forged_values_name_nothing),
        cmocka_unit_test(objects_stay_put_as_the_table_grows),
        cmocka_unit_test(a_retired_handle_dies_with_its_object_alive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
