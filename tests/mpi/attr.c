/* attr.c - attribute caching (MPI-3.1 6.7): copy callbacks run at
 * MPI_Comm_dup (flag 0 copies nothing, a failing callback fails the dup),
 * delete callbacks at MPI_Comm_delete_attr, at MPI_Comm_set_attr replacing
 * a value, at MPI_Comm_free and, for MPI_COMM_SELF, at MPI_Finalize; a freed
 * keyval lives on while attributes use it; MPI_COMM_DUP_FN and the null
 * callbacks; the predefined attributes of MPI_COMM_WORLD; the deprecated
 * MPI-1 forms; datatype attributes; error classes for misuse. */
#include <stdint.h>

/* The MPI-1 forms are deprecated, and tested here on purpose. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "mpicheck.h"

/* What the callbacks saw, per keyval (extra_state points at one). */
struct counts {
    int copies, deletes;
    int last_keyval;
    intptr_t last_deleted;
    int copy_result; /* what the copy callback returns */
    int copy_flag;   /* the flag it sets */
};

static int count_copy(MPI_Comm oldcomm, int keyval, void *extra, void *in, void *out,
                      int *flag)
{
    struct counts *c = extra;
    (void)oldcomm;
    c->copies++;
    c->last_keyval = keyval;
    if (c->copy_result != MPI_SUCCESS)
        return c->copy_result;
    *(void **)out = (void *)((intptr_t)in + 1000); /* the copy is marked */
    *flag = c->copy_flag;
    return MPI_SUCCESS;
}

static int count_delete(MPI_Comm comm, int keyval, void *val, void *extra)
{
    struct counts *c = extra;
    int rank;
    CHECK_INT(MPI_Comm_rank(comm, &rank), MPI_SUCCESS,
              "MPI_Comm_rank in a delete callback");
    c->deletes++;
    c->last_keyval = keyval;
    c->last_deleted = (intptr_t)val;
    return MPI_SUCCESS;
}

static int type_deletes;
static int count_type_delete(MPI_Datatype type, int keyval, void *val, void *extra)
{
    (void)type, (void)keyval, (void)val, (void)extra;
    type_deletes++;
    return MPI_SUCCESS;
}

static int self_deleted; /* set by the delete callback of MPI_COMM_SELF's attribute */
static int self_delete(MPI_Comm comm, int keyval, void *val, void *extra)
{
    int finalized = 1;
    (void)keyval, (void)extra;
    MPI_Finalized(&finalized);
    if (comm == MPI_COMM_SELF && (intptr_t)val == 77 && !finalized)
        self_deleted = 1;
    return MPI_SUCCESS;
}

/* A delete callback that deletes two other attributes of the same
 * communicator (MPICH's attr/attrdelete does this). */
static int k_first, k_deleter, k_last;
static int delete_others(MPI_Comm comm, int keyval, void *val, void *extra)
{
    (void)keyval, (void)val, (void)extra;
    MPI_Comm_delete_attr(comm, k_first);
    MPI_Comm_delete_attr(comm, k_last);
    return MPI_SUCCESS;
}

static intptr_t get(MPI_Comm comm, int keyval, int *flag)
{
    void *val = NULL;
    CHECK_INT(MPI_Comm_get_attr(comm, keyval, &val, flag), MPI_SUCCESS,
              "MPI_Comm_get_attr");
    return (intptr_t)val;
}

static void check_class(int rc, int want, const char *what)
{
    int cls = -1;
    CHECK(rc != MPI_SUCCESS, "%s succeeded", what);
    MPI_Error_class(rc, &cls);
    CHECK(cls == want, "%s: class %d, expected %d", what, cls, want);
}

/* A bad keyval is MPI_ERR_KEYVAL (MPI-3.1 8.4); Open MPI 4.1 answers
 * MPI_ERR_INTERN for some, so with it only the failure is checked. */
static void check_keyval_error(int rc, const char *what)
{
#ifdef OPEN_MPI
    CHECK(rc != MPI_SUCCESS, "%s succeeded", what);
#else
    check_class(rc, MPI_ERR_KEYVAL, what);
#endif
}

static void predefined(int size)
{
    int flag, *v;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
    CHECK(flag && *v >= 32767, "MPI_TAG_UB: flag %d", flag);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_HOST, &v, &flag);
    CHECK(flag && (*v == MPI_PROC_NULL || (*v >= 0 && *v < size)), "MPI_HOST");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_IO, &v, &flag);
    CHECK(flag && (*v == MPI_PROC_NULL || *v == MPI_ANY_SOURCE || (*v >= 0 && *v < size)),
          "MPI_IO");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &v, &flag);
    CHECK(!flag || *v == 0 || *v == 1, "MPI_WTIME_IS_GLOBAL is %d", *v);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &v, &flag);
    CHECK(!flag || *v > 0, "MPI_UNIVERSE_SIZE %d", *v);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &v, &flag);
    CHECK(!flag || *v >= 0, "MPI_APPNUM %d", *v);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &v, &flag);
    CHECK(flag && *v >= MPI_ERR_LASTCODE, "MPI_LASTUSEDCODE");
    /* The program cannot set or delete them. */
    int x = 5;
    check_keyval_error(MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, &x),
                       "MPI_Comm_set_attr(MPI_TAG_UB)");
    check_keyval_error(MPI_Comm_delete_attr(MPI_COMM_WORLD, MPI_TAG_UB),
                       "MPI_Comm_delete_attr(MPI_TAG_UB)");
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
    CHECK(flag && *v >= 32767, "MPI_TAG_UB after trying to change it");
}

int main(int argc, char **argv)
{
    int rank, size, flag;
    MPI_Comm c1, c2, c3;

    MPI_Init(&argc, &argv);
    mc_init("attr", &rank, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    predefined(size);

    /* Copied with flag 1, and with flag 0 (not copied). */
    struct counts kept = {.copy_flag = 1}, dropped = {.copy_flag = 0};
    int k_kept, k_dropped, k_dup, k_null;
    MPI_Comm_create_keyval(count_copy, count_delete, &k_kept, &kept);
    MPI_Comm_create_keyval(count_copy, count_delete, &k_dropped, &dropped);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &k_dup, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &k_null, NULL);
    CHECK(k_kept != k_dropped && k_kept != MPI_KEYVAL_INVALID, "keyvals not distinct");

    MPI_Comm_dup(MPI_COMM_WORLD, &c1);
    MPI_Comm_set_errhandler(c1, MPI_ERRORS_RETURN);
    get(c1, k_kept, &flag);
    CHECK_INT(flag, 0, "flag of an attribute never set");
    MPI_Comm_set_attr(c1, k_kept, (void *)(intptr_t)1);
    MPI_Comm_set_attr(c1, k_dropped, (void *)(intptr_t)2);
    MPI_Comm_set_attr(c1, k_dup, (void *)(intptr_t)3);
    MPI_Comm_set_attr(c1, k_null, (void *)(intptr_t)4);
    CHECK_INT(get(c1, k_kept, &flag), 1, "c1's k_kept");
    CHECK_INT(flag, 1, "flag of c1's k_kept");

    MPI_Comm_dup(c1, &c2);
    CHECK_INT(kept.copies, 1, "copies of k_kept at dup");
    CHECK_INT(dropped.copies, 1, "copies of k_dropped at dup");
    CHECK_INT(kept.last_keyval, k_kept, "keyval given to the copy callback");
    CHECK_INT(get(c2, k_kept, &flag), 1001, "c2's k_kept (copied value)");
    CHECK_INT(flag, 1, "flag of c2's k_kept");
    get(c2, k_dropped, &flag);
    CHECK_INT(flag, 0, "flag of c2's k_dropped (copy flag 0)");
    CHECK_INT(get(c2, k_dup, &flag), 3, "c2's k_dup (MPI_COMM_DUP_FN)");
    CHECK_INT(flag, 1, "flag of c2's k_dup");
    get(c2, k_null, &flag);
    CHECK_INT(flag, 0, "flag of c2's k_null (MPI_COMM_NULL_COPY_FN)");
    CHECK_INT(get(c1, k_kept, &flag), 1, "c1's k_kept after the dup");
    CHECK_INT(kept.deletes + dropped.deletes, 0, "deletes at dup");

    /* Replacing a value deletes the old one. */
    MPI_Comm_set_attr(c2, k_kept, (void *)(intptr_t)5);
    CHECK_INT(kept.deletes, 1, "deletes of k_kept after replacing");
    CHECK_INT(kept.last_deleted, 1001, "value deleted when replacing");
    CHECK_INT(get(c2, k_kept, &flag), 5, "c2's k_kept after replacing");

    /* MPI_Comm_delete_attr. */
    MPI_Comm_delete_attr(c1, k_dropped);
    CHECK_INT(dropped.deletes, 1, "deletes of k_dropped after delete_attr");
    CHECK_INT(dropped.last_deleted, 2, "value given to delete");
    get(c1, k_dropped, &flag);
    CHECK_INT(flag, 0, "flag after delete_attr");

    /* MPI_Comm_free deletes every attribute. */
    MPI_Comm_free(&c2);
    CHECK_INT(kept.deletes, 2, "deletes of k_kept after freeing c2");
    CHECK_INT(kept.last_deleted, 5, "value deleted at free");
    CHECK_INT(dropped.deletes, 1, "deletes of k_dropped after freeing c2 (it had none)");

    /* A freed keyval lives on while c1's attribute uses it; c1 keeps it. */
    int k_saved = k_kept;
    CHECK_INT(MPI_Comm_free_keyval(&k_kept), MPI_SUCCESS, "MPI_Comm_free_keyval");
    CHECK_INT(k_kept, MPI_KEYVAL_INVALID, "keyval after MPI_Comm_free_keyval");
    MPI_Comm_dup(c1, &c3);
    CHECK_INT(kept.copies, 2, "copies of a freed keyval's attribute at dup");
    MPI_Comm_free(&c3);
    CHECK_INT(kept.deletes, 3, "deletes after freeing c3");
    MPI_Comm_free(&c1);
    CHECK_INT(kept.deletes, 4, "deletes after freeing c1");
    CHECK_INT(kept.last_keyval, k_saved, "keyval given to delete after free_keyval");
    CHECK_INT(kept.last_deleted, 1, "value deleted with c1");

    /* A copy callback's failure fails the dup with its code. */
    struct counts failing = {.copy_result = MPI_ERR_OTHER};
    int k_fail;
    MPI_Comm_create_keyval(count_copy, count_delete, &k_fail, &failing);
    MPI_Comm_dup(MPI_COMM_WORLD, &c1);
    MPI_Comm_set_errhandler(c1, MPI_ERRORS_RETURN);
    MPI_Comm_set_attr(c1, k_fail, (void *)(intptr_t)9);
    c2 = MPI_COMM_NULL;
    check_class(MPI_Comm_dup(c1, &c2), MPI_ERR_OTHER, "MPI_Comm_dup with a failing copy");
    CHECK_INT(failing.copies, 1, "copies of the failing keyval");
    MPI_Comm_free(&c1);
    CHECK_INT(failing.deletes, 1, "deletes of the failing keyval with c1");
    MPI_Comm_free_keyval(&k_fail);

    /* Misuse: a freed keyval, a type keyval on a communicator. */
    check_keyval_error(MPI_Comm_set_attr(MPI_COMM_WORLD, k_saved, NULL),
                       "MPI_Comm_set_attr with a freed keyval");
    int k_type;
    MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, count_type_delete, &k_type, NULL);
    check_keyval_error(MPI_Comm_set_attr(MPI_COMM_WORLD, k_type, NULL),
                       "MPI_Comm_set_attr with a datatype keyval");

    /* Datatype attributes, on a derived type. */
    MPI_Datatype pair;
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    void *val;
    MPI_Type_get_attr(pair, k_type, &val, &flag);
    CHECK_INT(flag, 0, "flag of a type attribute never set");
    MPI_Type_set_attr(pair, k_type, (void *)(intptr_t)11);
    MPI_Type_get_attr(pair, k_type, &val, &flag);
    CHECK(flag && (intptr_t)val == 11, "type attribute: flag %d", flag);
    MPI_Type_set_attr(pair, k_type, (void *)(intptr_t)12);
    CHECK_INT(type_deletes, 1, "type deletes after replacing");
    MPI_Type_delete_attr(pair, k_type);
    CHECK_INT(type_deletes, 2, "type deletes after delete_attr");
    MPI_Type_get_attr(pair, k_type, &val, &flag);
    CHECK_INT(flag, 0, "flag of a deleted type attribute");
    MPI_Type_free(&pair);
    MPI_Type_free_keyval(&k_type);
    CHECK_INT(k_type, MPI_KEYVAL_INVALID, "keyval after MPI_Type_free_keyval");

    /* The deprecated MPI-1 forms. */
    int k_old, k_old_dup;
    MPI_Keyval_create(MPI_NULL_COPY_FN, MPI_NULL_DELETE_FN, &k_old, NULL);
    MPI_Keyval_create(MPI_DUP_FN, MPI_NULL_DELETE_FN, &k_old_dup, NULL);
    MPI_Attr_put(MPI_COMM_WORLD, k_old, (void *)(intptr_t)21);
    MPI_Attr_put(MPI_COMM_WORLD, k_old_dup, (void *)(intptr_t)22);
    MPI_Attr_get(MPI_COMM_WORLD, k_old, &val, &flag);
    CHECK(flag && (intptr_t)val == 21, "MPI_Attr_get: flag %d", flag);
    MPI_Comm_dup(MPI_COMM_WORLD, &c1);
    MPI_Attr_get(c1, k_old, &val, &flag);
    CHECK_INT(flag, 0, "MPI_NULL_COPY_FN copied the attribute");
    MPI_Attr_get(c1, k_old_dup, &val, &flag);
    CHECK(flag && (intptr_t)val == 22, "MPI_DUP_FN: flag %d", flag);
    MPI_Comm_free(&c1);
    MPI_Attr_delete(MPI_COMM_WORLD, k_old);
    MPI_Attr_delete(MPI_COMM_WORLD, k_old_dup);
    MPI_Attr_get(MPI_COMM_WORLD, k_old, &val, &flag);
    CHECK_INT(flag, 0, "flag after MPI_Attr_delete");
    MPI_Keyval_free(&k_old);
    MPI_Keyval_free(&k_old_dup);
    CHECK_INT(k_old, MPI_KEYVAL_INVALID, "keyval after MPI_Keyval_free");
    MPI_Comm_free_keyval(&k_dropped);
    MPI_Comm_free_keyval(&k_dup);
    MPI_Comm_free_keyval(&k_null);

    /* A freed keyval still names the attributes that use it: they can be
     * read and deleted through the value the program kept (MPI-3.1 6.7.2). */
    {
        struct counts c = {.copy_flag = 1};
        int k, kept;
        MPI_Comm_create_keyval(count_copy, count_delete, &k, &c);
        kept = k;
        MPI_Comm_set_attr(MPI_COMM_WORLD, k, (void *)(intptr_t)5);
        MPI_Comm_free_keyval(&k);
        CHECK(get(MPI_COMM_WORLD, kept, &flag) == 5 && flag,
              "attribute under a freed keyval: flag %d", flag);
        MPI_Comm_delete_attr(MPI_COMM_WORLD, kept);
        CHECK_INT(c.deletes, 1, "deletes through a freed keyval");
    }

    /* A delete callback may delete other attributes of its communicator. */
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &k_first, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, delete_others, &k_deleter, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &k_last, NULL);
    MPI_Comm_dup(MPI_COMM_WORLD, &c1);
    MPI_Comm_set_attr(c1, k_first, (void *)(intptr_t)1);
    MPI_Comm_set_attr(c1, k_deleter, (void *)(intptr_t)2);
    MPI_Comm_set_attr(c1, k_last, (void *)(intptr_t)3);
    MPI_Comm_delete_attr(c1, k_deleter);
    get(c1, k_first, &flag);
    CHECK_INT(flag, 0, "attribute deleted by another's delete callback");
    get(c1, k_last, &flag);
    CHECK_INT(flag, 0, "attribute deleted by another's delete callback");
    MPI_Comm_set_attr(c1, k_first, (void *)(intptr_t)4);
    MPI_Comm_set_attr(c1, k_deleter, (void *)(intptr_t)5);
    MPI_Comm_set_attr(c1, k_last, (void *)(intptr_t)6);
    MPI_Comm_free(&c1); /* every callback, one of them deleting the others */
    MPI_Comm_free_keyval(&k_first);
    MPI_Comm_free_keyval(&k_deleter);
    MPI_Comm_free_keyval(&k_last);

    /* MPI_COMM_SELF's attributes are deleted first thing in MPI_Finalize. */
    int k_self;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, self_delete, &k_self, NULL);
    MPI_Comm_set_attr(MPI_COMM_SELF, k_self, (void *)(intptr_t)77);
    MPI_Comm_free_keyval(&k_self);

    mc_ok(rank, size);
    MPI_Finalize();
    if (!self_deleted) {
        fprintf(stderr,
                "attr: rank %d: MPI_COMM_SELF's attribute not deleted in "
                "MPI_Finalize\n",
                rank);
        return 1;
    }
    return 0;
}
