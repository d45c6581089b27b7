/*
 * mpi_attr.c - attributes (MPI-3.1 6.7): keyvals with copy and delete
 * callbacks, and the values cached on objects under them.
 *
 * One core serves every kind of object (communicators, datatypes, windows):
 * an object is a `struct obj` that names its kind, its handle as the
 * callbacks see it, and where its attribute list lives. A communicator keeps
 * its list in its MPI state (comm->mpi->attrs), a window in its own
 * (mpi_win.c hands it over); datatypes are another module's, so their lists
 * live here, keyed by handle.
 *
 * A keyval is an index into `keyvals`. It counts the attributes that use it:
 * one freed by the program (MPI_*_free_keyval) stays until the last of them is
 * deleted, since their delete callbacks still need it.
 */
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

enum kind { KIND_FREE, KIND_COMM, KIND_TYPE, KIND_WIN };

#define FIRST_USER_KEYVAL (MPI_WIN_MODEL + 1) /* below: the predefined ones */

struct keyval {
    enum kind kind; /* KIND_FREE: an unused slot */
    bool freed;     /* the program freed it: no longer a valid handle */
    int uses;       /* attributes cached under it */
    union {
        MPI_Comm_copy_attr_function *comm;
        MPI_Type_copy_attr_function *type;
        MPI_Win_copy_attr_function *win; /* kept, never called: no window is copied */
    } copy;
    union {
        MPI_Comm_delete_attr_function *comm;
        MPI_Type_delete_attr_function *type;
        MPI_Win_delete_attr_function *win;
    } del;
    void *extra;
};

static struct keyval *keyvals;
static int nkeyvals;

/* A value cached on an object; the newest first. */
struct ipc__mpi_attr {
    int keyval;
    void *val;
    struct ipc__mpi_attr *next;
};

struct obj {
    enum kind kind;
    MPI_Comm comm;
    MPI_Datatype type;
    MPI_Win win;
    struct ipc__mpi_attr **list; /* NULL: the object has no attributes yet */
};

/* ---- keyvals ---- */

static int keyval_new(enum kind kind, void *extra, int *keyval)
{
    if (!keyval)
        return MPI_ERR_ARG;
    int k = FIRST_USER_KEYVAL;
    while (k < nkeyvals && keyvals[k].kind != KIND_FREE)
        k++;
    if (k >= nkeyvals) {
        int n = nkeyvals ? 2 * nkeyvals : 2 * FIRST_USER_KEYVAL;
        struct keyval *grown = realloc(keyvals, (size_t)n * sizeof *grown);
        if (!grown)
            return MPI_ERR_NO_MEM;
        memset(grown + nkeyvals, 0, (size_t)(n - nkeyvals) * sizeof *grown);
        keyvals = grown;
        nkeyvals = n;
    }
    keyvals[k] = (struct keyval){.kind = kind, .extra = extra};
    *keyval = k;
    return MPI_SUCCESS;
}

/* A valid user keyval of this kind, or NULL. */
static struct keyval *keyval_of(enum kind kind, int k)
{
    if (k < FIRST_USER_KEYVAL || k >= nkeyvals || keyvals[k].kind != kind ||
        keyvals[k].freed)
        return NULL;
    return &keyvals[k];
}

/* For reading and deleting attributes: a keyval the program freed still
 * names the attributes that use it. MPI-3.1 6.7.2: "the actual free does
 * not transpire until after all references ... have been freed ... via
 * calls to MPI_COMM_DELETE_ATTR" (MPICH's attr/fkeyval relies on it). */
static bool keyval_names(enum kind kind, int k)
{
    return k >= FIRST_USER_KEYVAL && k < nkeyvals && keyvals[k].kind == kind &&
           (!keyvals[k].freed || keyvals[k].uses > 0);
}

static void keyval_unuse(int k)
{
    struct keyval *kv = &keyvals[k];
    if (--kv->uses == 0 && kv->freed)
        *kv = (struct keyval){.kind = KIND_FREE};
}

static int keyval_free(enum kind kind, int *keyval)
{
    struct keyval *kv = keyval ? keyval_of(kind, *keyval) : NULL;
    if (!kv)
        return keyval ? MPI_ERR_KEYVAL : MPI_ERR_ARG;
    kv->freed = true;
    if (kv->uses == 0)
        *kv = (struct keyval){.kind = KIND_FREE};
    *keyval = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

/* ---- callbacks ---- */

static int call_copy(const struct obj *o, int k, void *in, void *out, int *flag)
{
    const struct keyval *kv = &keyvals[k];
    *flag = 0;
    if (kv->kind == KIND_COMM && kv->copy.comm)
        return kv->copy.comm(o->comm, k, kv->extra, in, out, flag);
    if (kv->kind == KIND_TYPE && kv->copy.type)
        return kv->copy.type(o->type, k, kv->extra, in, out, flag);
    return MPI_SUCCESS; /* a NULL callback copies nothing */
}

static int call_delete(const struct obj *o, const struct ipc__mpi_attr *a)
{
    const struct keyval *kv = &keyvals[a->keyval];
    if (kv->kind == KIND_COMM && kv->del.comm)
        return kv->del.comm(o->comm, a->keyval, a->val, kv->extra);
    if (kv->kind == KIND_TYPE && kv->del.type)
        return kv->del.type(o->type, a->keyval, a->val, kv->extra);
    if (kv->kind == KIND_WIN && kv->del.win)
        return kv->del.win(o->win, a->keyval, a->val, kv->extra);
    return MPI_SUCCESS;
}

/* ---- the core, on any object ---- */

static struct ipc__mpi_attr **attr_find(const struct obj *o, int k)
{
    if (!o->list)
        return NULL;
    for (struct ipc__mpi_attr **pp = o->list; *pp; pp = &(*pp)->next)
        if ((*pp)->keyval == k)
            return pp;
    return NULL;
}

/* Where a is in o's list now, or NULL: a delete callback may have changed
 * the list (MPICH's attr/attrdelete deletes other attributes from one), so
 * a pointer into it taken before the callback cannot be trusted after. */
static struct ipc__mpi_attr **attr_where(const struct obj *o,
                                         const struct ipc__mpi_attr *a)
{
    for (struct ipc__mpi_attr **pp = o->list; pp && *pp; pp = &(*pp)->next)
        if (*pp == a)
            return pp;
    return NULL;
}

/* The old value's delete callback runs first; when it fails, it stays. */
static int attr_set(const struct obj *o, int k, void *val)
{
    struct ipc__mpi_attr **pp = attr_find(o, k);
    if (pp) {
        struct ipc__mpi_attr *a = *pp;
        int rc = call_delete(o, a);
        if (rc == MPI_SUCCESS && attr_where(o, a))
            a->val = val;
        return rc;
    }
    struct ipc__mpi_attr *a = malloc(sizeof *a);
    if (!a)
        return MPI_ERR_NO_MEM;
    *a = (struct ipc__mpi_attr){.keyval = k, .val = val, .next = *o->list};
    *o->list = a;
    keyvals[k].uses++;
    return MPI_SUCCESS;
}

static void attr_get(const struct obj *o, int k, void *val, int *flag)
{
    struct ipc__mpi_attr **pp = attr_find(o, k);
    *flag = pp != NULL;
    if (pp)
        *(void **)val = (*pp)->val;
}

/* Deleting what is not there does nothing: MPI-3.1 does not make it an error
 * (MPICH succeeds; Open MPI 4.1 fails with MPI_ERR_INTERN). */
static int attr_delete(const struct obj *o, int k)
{
    struct ipc__mpi_attr **pp = attr_find(o, k);
    if (!pp)
        return MPI_SUCCESS;
    struct ipc__mpi_attr *a = *pp;
    int rc = call_delete(o, a);
    if (rc != MPI_SUCCESS)
        return rc;
    if ((pp = attr_where(o, a))) {
        *pp = a->next;
        keyval_unuse(a->keyval);
        free(a);
    }
    return MPI_SUCCESS;
}

/* Delete callbacks' failures are ignored: the object goes anyway. Each
 * attribute leaves the list before its callback runs, so a callback that
 * deletes others finds a consistent list. */
static void attrs_delete_all(const struct obj *o)
{
    while (o->list && *o->list) {
        struct ipc__mpi_attr *a = *o->list;
        *o->list = a->next;
        call_delete(o, a);
        keyval_unuse(a->keyval);
        free(a);
    }
}

/* Copies keep their order: `to` gets them in the order `from` holds them. */
static int attrs_copy(const struct obj *from, const struct obj *to)
{
    struct ipc__mpi_attr **tail = to->list;
    while (*tail)
        tail = &(*tail)->next;
    for (const struct ipc__mpi_attr *a = from->list ? *from->list : NULL; a;
         a = a->next) {
        void *val = NULL;
        int flag = 0;
        int rc = call_copy(from, a->keyval, a->val, &val, &flag);
        struct ipc__mpi_attr *copy =
            rc == MPI_SUCCESS && flag ? malloc(sizeof *copy) : NULL;
        if (rc == MPI_SUCCESS && flag && !copy)
            rc = MPI_ERR_NO_MEM;
        if (rc != MPI_SUCCESS) {
            attrs_delete_all(to);
            return rc;
        }
        if (!flag)
            continue;
        *copy = (struct ipc__mpi_attr){.keyval = a->keyval, .val = val};
        *tail = copy;
        tail = &copy->next;
        keyvals[a->keyval].uses++;
    }
    return MPI_SUCCESS;
}

/* ---- communicators ---- */

/* The predefined attributes, each a pointer to an int (MPI-3.1 8.1.2),
 * answered on every communicator. */
static int *predefined_value(int k)
{
    static int value[FIRST_USER_KEYVAL];
    switch (k) {
    case MPI_TAG_UB:
        value[k] = IPC_TAG_UB;
        break;
    case MPI_HOST:
        value[k] = MPI_PROC_NULL;
        break;
    case MPI_IO:
        value[k] = ipc__g.job.rank;
        break; /* every rank can do I/O */
    case MPI_WTIME_IS_GLOBAL:
        value[k] = 0;
        break;
    case MPI_UNIVERSE_SIZE:
        value[k] = ipc__g.job.size;
        break;
    case MPI_LASTUSEDCODE:
        value[k] = ipc__mpi_last_used_code;
        break;
    case MPI_APPNUM:
        value[k] = 0;
        break;
    default:
        return NULL;
    }
    return &value[k];
}

/* comm's object; with make, its state is made so that it can hold some. */
static int comm_obj(MPI_Comm comm, bool make, struct obj *o)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        return rc;
    struct ipc__mpi_comm *st = make ? ipc__mpi_comm_state(comm) : comm->mpi;
    if (make && !st)
        return MPI_ERR_NO_MEM;
    *o = (struct obj){.kind = KIND_COMM, .comm = comm, .list = st ? &st->attrs : NULL};
    return MPI_SUCCESS;
}

/* new is the library's own and not checked: made by MPI_Comm_idup, it is
 * not usable (ipc__check_comm refuses it) until the idup completes. */
int ipc__mpi_comm_attrs_copy(MPI_Comm old, MPI_Comm new)
{
    struct obj from;
    int rc = comm_obj(old, false, &from);
    if (rc != MPI_SUCCESS)
        return rc;
    struct ipc__mpi_comm *st = ipc__mpi_comm_state(new);
    if (!st)
        return MPI_ERR_NO_MEM;
    return attrs_copy(&from,
                      &(struct obj){.kind = KIND_COMM, .comm = new, .list = &st->attrs});
}

void ipc__mpi_comm_attrs_delete(MPI_Comm comm)
{
    if (comm->mpi)
        attrs_delete_all(
            &(struct obj){.kind = KIND_COMM, .comm = comm, .list = &comm->mpi->attrs});
}

/* The calls' bodies, shared by the MPI-3.1 names and the MPI-1 ones (which
 * must not go through the MPI_ names: a profiler would count them twice). */

static int comm_create_keyval(MPI_Comm_copy_attr_function *copy,
                              MPI_Comm_delete_attr_function *del, int *keyval,
                              void *extra)
{
    int rc = keyval_new(KIND_COMM, extra, keyval);
    if (rc == MPI_SUCCESS) {
        keyvals[*keyval].copy.comm = copy;
        keyvals[*keyval].del.comm = del;
    }
    return rc;
}

static int comm_set_attr(MPI_Comm comm, int keyval, void *val)
{
    struct obj o;
    int rc = comm_obj(comm, true, &o);
    if (rc == MPI_SUCCESS && !keyval_of(KIND_COMM, keyval))
        rc = MPI_ERR_KEYVAL; /* predefined ones included: the program cannot set them */
    return rc == MPI_SUCCESS ? attr_set(&o, keyval, val) : rc;
}

static int comm_get_attr(MPI_Comm comm, int keyval, void *val, int *flag)
{
    struct obj o;
    int rc = comm_obj(comm, false, &o);
    int *predefined = predefined_value(keyval);
    if (rc == MPI_SUCCESS && (!val || !flag))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && !predefined && !keyval_names(KIND_COMM, keyval))
        rc = MPI_ERR_KEYVAL;
    if (rc != MPI_SUCCESS)
        return rc;
    if (predefined) {
        *(int **)val = predefined;
        *flag = 1;
    } else {
        attr_get(&o, keyval, val, flag);
    }
    return MPI_SUCCESS;
}

static int comm_delete_attr(MPI_Comm comm, int keyval)
{
    struct obj o;
    int rc = comm_obj(comm, false, &o);
    if (rc == MPI_SUCCESS && !keyval_names(KIND_COMM, keyval))
        rc = MPI_ERR_KEYVAL;
    return rc == MPI_SUCCESS ? attr_delete(&o, keyval) : rc;
}

int MPI_Comm_create_keyval(MPI_Comm_copy_attr_function *comm_copy_attr_fn,
                           MPI_Comm_delete_attr_function *comm_delete_attr_fn,
                           int *comm_keyval, void *extra_state)
{
    IPC__MPI_RET(MPI_COMM_WORLD,
                 comm_create_keyval(comm_copy_attr_fn, comm_delete_attr_fn, comm_keyval,
                                    extra_state));
}

int MPI_Comm_free_keyval(int *comm_keyval)
{
    IPC__MPI_RET(MPI_COMM_WORLD, keyval_free(KIND_COMM, comm_keyval));
}

int MPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val)
{
    IPC__MPI_RET(comm, comm_set_attr(comm, comm_keyval, attribute_val));
}

int MPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag)
{
    IPC__MPI_RET(comm, comm_get_attr(comm, comm_keyval, attribute_val, flag));
}

int MPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval)
{
    IPC__MPI_RET(comm, comm_delete_attr(comm, comm_keyval));
}

/* The MPI-1 names (deprecated, not removed): the same calls. */

int MPI_Keyval_create(MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn,
                      int *keyval, void *extra_state)
{
    IPC__MPI_RET(MPI_COMM_WORLD,
                 comm_create_keyval(copy_fn, delete_fn, keyval, extra_state));
}

int MPI_Keyval_free(int *keyval)
{
    IPC__MPI_RET(MPI_COMM_WORLD, keyval_free(KIND_COMM, keyval));
}

int MPI_Attr_put(MPI_Comm comm, int keyval, void *attribute_val)
{
    IPC__MPI_RET(comm, comm_set_attr(comm, keyval, attribute_val));
}

int MPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag)
{
    IPC__MPI_RET(comm, comm_get_attr(comm, keyval, attribute_val, flag));
}

int MPI_Attr_delete(MPI_Comm comm, int keyval)
{
    IPC__MPI_RET(comm, comm_delete_attr(comm, keyval));
}

/* ---- datatypes: lists kept here, by handle ---- */

struct type_attrs {
    MPI_Datatype type;
    struct ipc__mpi_attr *attrs;
    struct type_attrs *next;
};
static struct type_attrs *typed;

/* type's object; with make, a list entry is made so that it can hold some. */
static int type_obj(MPI_Datatype type, bool make, struct obj *o)
{
    if (!ipc__mpi_type(type))
        return MPI_ERR_TYPE;
    struct type_attrs *t = typed;
    while (t && t->type != type)
        t = t->next;
    if (!t && make) {
        if (!(t = malloc(sizeof *t)))
            return MPI_ERR_NO_MEM;
        *t = (struct type_attrs){.type = type, .next = typed};
        typed = t;
    }
    *o = (struct obj){.kind = KIND_TYPE, .type = type, .list = t ? &t->attrs : NULL};
    return MPI_SUCCESS;
}

int ipc__mpi_type_attrs_copy(MPI_Datatype old, MPI_Datatype new)
{
    struct obj from, to;
    int rc = type_obj(old, false, &from);
    if (rc != MPI_SUCCESS || !from.list || !*from.list)
        return rc;
    rc = type_obj(new, true, &to);
    return rc == MPI_SUCCESS ? attrs_copy(&from, &to) : rc;
}

void ipc__mpi_type_attrs_delete(MPI_Datatype type)
{
    for (struct type_attrs **pp = &typed; *pp; pp = &(*pp)->next) {
        struct type_attrs *t = *pp;
        if (t->type == type) {
            attrs_delete_all(
                &(struct obj){.kind = KIND_TYPE, .type = type, .list = &t->attrs});
            *pp = t->next;
            free(t);
            return;
        }
    }
}

int MPI_Type_create_keyval(MPI_Type_copy_attr_function *type_copy_attr_fn,
                           MPI_Type_delete_attr_function *type_delete_attr_fn,
                           int *type_keyval, void *extra_state)
{
    int rc = keyval_new(KIND_TYPE, extra_state, type_keyval);
    if (rc == MPI_SUCCESS) {
        keyvals[*type_keyval].copy.type = type_copy_attr_fn;
        keyvals[*type_keyval].del.type = type_delete_attr_fn;
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_free_keyval(int *type_keyval)
{
    IPC__MPI_RET(MPI_COMM_WORLD, keyval_free(KIND_TYPE, type_keyval));
}

int MPI_Type_set_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val)
{
    struct obj o;
    int rc = type_obj(datatype, true, &o);
    if (rc == MPI_SUCCESS && !keyval_of(KIND_TYPE, type_keyval))
        rc = MPI_ERR_KEYVAL;
    if (rc == MPI_SUCCESS)
        rc = attr_set(&o, type_keyval, attribute_val);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_get_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val,
                      int *flag)
{
    struct obj o;
    int rc = type_obj(datatype, false, &o);
    if (rc == MPI_SUCCESS && (!attribute_val || !flag))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && !keyval_names(KIND_TYPE, type_keyval))
        rc = MPI_ERR_KEYVAL;
    if (rc == MPI_SUCCESS)
        attr_get(&o, type_keyval, attribute_val, flag);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_delete_attr(MPI_Datatype datatype, int type_keyval)
{
    struct obj o;
    int rc = type_obj(datatype, false, &o);
    if (rc == MPI_SUCCESS && !keyval_names(KIND_TYPE, type_keyval))
        rc = MPI_ERR_KEYVAL;
    if (rc == MPI_SUCCESS)
        rc = attr_delete(&o, type_keyval);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* ---- windows: lists in the window's MPI state ---- */

static struct obj win_obj(MPI_Win win, struct ipc__mpi_win *st)
{
    return (struct obj){.kind = KIND_WIN, .win = win, .list = &st->attrs};
}

int MPI_Win_create_keyval(MPI_Win_copy_attr_function *win_copy_attr_fn,
                          MPI_Win_delete_attr_function *win_delete_attr_fn,
                          int *win_keyval, void *extra_state)
{
    int rc = keyval_new(KIND_WIN, extra_state, win_keyval);
    if (rc == MPI_SUCCESS) {
        keyvals[*win_keyval].copy.win = win_copy_attr_fn;
        keyvals[*win_keyval].del.win = win_delete_attr_fn;
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Win_free_keyval(int *win_keyval)
{
    IPC__MPI_RET(MPI_COMM_WORLD, keyval_free(KIND_WIN, win_keyval));
}

int ipc__mpi_win_attr_set(MPI_Win win, struct ipc__mpi_win *st, int keyval, void *val)
{
    if (!keyval_of(KIND_WIN, keyval))
        return MPI_ERR_KEYVAL; /* the predefined ones too: they cannot be set */
    struct obj o = win_obj(win, st);
    return attr_set(&o, keyval, val);
}

int ipc__mpi_win_attr_get(MPI_Win win, struct ipc__mpi_win *st, int keyval, void *val,
                          int *flag)
{
    if (!val || !flag)
        return MPI_ERR_ARG;
    void *predefined = NULL;
    switch (keyval) {
    case MPI_WIN_BASE:
        *(void **)val = st->base; /* the address itself (MPI-3.1 11.2.6) */
        *flag = 1;
        return MPI_SUCCESS;
    case MPI_WIN_SIZE:
        predefined = &st->size;
        break;
    case MPI_WIN_DISP_UNIT:
        predefined = &st->disp_unit;
        break;
    case MPI_WIN_CREATE_FLAVOR:
        predefined = &st->flavor;
        break;
    case MPI_WIN_MODEL:
        predefined = &st->model;
        break;
    default:
        if (!keyval_names(KIND_WIN, keyval))
            return MPI_ERR_KEYVAL;
        struct obj o = win_obj(win, st);
        attr_get(&o, keyval, val, flag);
        return MPI_SUCCESS;
    }
    *(void **)val = predefined;
    *flag = 1;
    return MPI_SUCCESS;
}

int ipc__mpi_win_attr_delete(MPI_Win win, struct ipc__mpi_win *st, int keyval)
{
    if (!keyval_names(KIND_WIN, keyval))
        return MPI_ERR_KEYVAL;
    struct obj o = win_obj(win, st);
    return attr_delete(&o, keyval);
}

void ipc__mpi_win_attrs_delete(MPI_Win win, struct ipc__mpi_win *st)
{
    struct obj o = win_obj(win, st);
    attrs_delete_all(&o);
}

/* Type attributes still cached go without their callbacks (MPI-3.1 runs
 * callbacks at MPI_Finalize for MPI_COMM_SELF's only). */
void ipc__mpi_attr_fini(void)
{
    while (typed) {
        struct type_attrs *t = typed;
        typed = t->next;
        while (t->attrs) {
            struct ipc__mpi_attr *a = t->attrs;
            t->attrs = a->next;
            free(a);
        }
        free(t);
    }
    free(keyvals);
    keyvals = NULL;
    nkeyvals = 0;
}
