/* errhandler.c - user error handlers (MPI-3.1 8.3): called with the
 * communicator and the code of an error on it, inherited by a dup, kept
 * alive by a communicator after MPI_Errhandler_free, invoked by
 * MPI_Comm_call_errhandler; user error classes, codes and strings (8.5)
 * and MPI_LASTUSEDCODE; the class of each bad argument under
 * MPI_ERRORS_RETURN. */
#include "mpicheck.h"

static int calls;
static MPI_Comm seen_comm;
static int seen_code;

static void handler(MPI_Comm *comm, int *code, ...)
{
    calls++;
    seen_comm = *comm;
    seen_code = *code;
}

static void check_class(int rc, int want, const char *what)
{
    int cls = -1;
    CHECK(rc != MPI_SUCCESS, "%s succeeded", what);
    MPI_Error_class(rc, &cls);
    CHECK(cls == want, "%s: class %d, expected %d", what, cls, want);
}

/* An error on comm: the handler runs once with comm and the code returned. */
static void check_handled(MPI_Comm comm, int size, const char *what)
{
    int x = 0, before = calls;
    int rc = MPI_Send(&x, 1, MPI_INT, size, 0, comm);
    check_class(rc, MPI_ERR_RANK, what);
    CHECK_INT(calls, before + 1, what);
    CHECK(seen_comm == comm, "%s: the handler got another communicator", what);
    CHECK_INT(seen_code, rc, what);
}

static void user_codes(void)
{
    int cls, code, code2, cls2, len, *last, flag;
    char text[MPI_MAX_ERROR_STRING];
    CHECK_INT(MPI_Add_error_class(&cls), MPI_SUCCESS, "MPI_Add_error_class");
    CHECK_INT(MPI_Add_error_code(cls, &code), MPI_SUCCESS, "MPI_Add_error_code");
    CHECK_INT(MPI_Add_error_code(MPI_ERR_ARG, &code2), MPI_SUCCESS,
              "MPI_Add_error_code on MPI_ERR_ARG");
    CHECK(cls != code && code != code2 && cls != code2, "user codes not distinct");
#ifndef OPEN_MPI /* Open MPI 4.1 gives MPI_ERR_UNKNOWN as the class of a user class */
    MPI_Error_class(cls, &cls2);
    CHECK_INT(cls2, cls, "the class of a user class");
#endif
    MPI_Error_class(code, &cls2);
    CHECK_INT(cls2, cls, "the class of a user code");
    MPI_Error_class(code2, &cls2);
    CHECK_INT(cls2, MPI_ERR_ARG, "the class of a user code of MPI_ERR_ARG");

    MPI_Add_error_string(code, "a code of the program");
    MPI_Add_error_string(cls, "a class of the program");
    MPI_Error_string(code, text, &len);
    CHECK(!strcmp(text, "a code of the program") && len == (int)strlen(text),
          "string of a user code: '%s'", text);
    MPI_Error_string(cls, text, &len);
    CHECK(!strcmp(text, "a class of the program"), "string of a user class: '%s'", text);
    MPI_Add_error_string(code, "changed");
    MPI_Error_string(code, text, &len);
    CHECK(!strcmp(text, "changed"), "string of a user code changed: '%s'", text);

    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &last, &flag);
    CHECK(flag && *last >= cls && *last >= code && *last >= code2,
          "MPI_LASTUSEDCODE %d below the codes added", flag ? *last : -1);

    /* MPI_Comm_call_errhandler passes the code on, and returns MPI_SUCCESS. */
    MPI_Errhandler eh;
    MPI_Comm c;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    MPI_Comm_create_errhandler(handler, &eh);
    MPI_Comm_set_errhandler(c, eh);
    MPI_Errhandler_free(&eh);
    int before = calls;
    CHECK_INT(MPI_Comm_call_errhandler(c, code), MPI_SUCCESS, "MPI_Comm_call_errhandler");
    CHECK_INT(calls, before + 1, "handler calls by MPI_Comm_call_errhandler");
    CHECK_INT(seen_code, code, "code given by MPI_Comm_call_errhandler");
    CHECK(seen_comm == c, "MPI_Comm_call_errhandler: another communicator");
    MPI_Comm_free(&c);

    /* Strings only for the program's own codes; classes must exist. */
    CHECK(MPI_Add_error_string(MPI_ERR_ARG, "no") != MPI_SUCCESS,
          "MPI_Add_error_string on a predefined code succeeded");
    MPI_Error_string(MPI_ERR_ARG, text, &len);
    CHECK(strcmp(text, "no"), "MPI_ERR_ARG's string was changed");
}

/* The class of each bad argument, under MPI_ERRORS_RETURN on world. */
static void bad_arguments(void)
{
    int x = 0, n;
    MPI_Info info;
    char key[MPI_MAX_INFO_KEY + 2];
    check_class(MPI_Comm_rank(MPI_COMM_NULL, &n), MPI_ERR_COMM, "MPI_Comm_rank(NULL)");
    check_class(MPI_Send(&x, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                "MPI_Send(MPI_DATATYPE_NULL)");
    check_class(MPI_Send(&x, 1, MPI_INT, 0, -3, MPI_COMM_WORLD), MPI_ERR_TAG,
                "MPI_Send with tag -3");
    check_class(MPI_Send(&x, -1, MPI_INT, 0, 0, MPI_COMM_WORLD), MPI_ERR_COUNT,
                "MPI_Send with count -1");
    check_class(MPI_Allreduce(&x, &n, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD),
                MPI_ERR_OP, "MPI_Allreduce with MPI_OP_NULL");
    check_class(MPI_Group_size(MPI_GROUP_NULL, &n), MPI_ERR_GROUP,
                "MPI_Group_size(MPI_GROUP_NULL)");
    check_class(MPI_Info_get_nkeys(MPI_INFO_NULL, &n), MPI_ERR_INFO,
                "MPI_Info_get_nkeys(MPI_INFO_NULL)");
    MPI_Info_create(&info);
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    check_class(MPI_Info_set(info, key, "v"), MPI_ERR_INFO_KEY,
                "MPI_Info_set, key too long");
    check_class(MPI_Info_delete(info, "absent"), MPI_ERR_INFO_NOKEY,
                "MPI_Info_delete of an absent key");
    /* No class is named for this one: Open MPI says MPI_ERR_INFO_KEY, we MPI_ERR_ARG. */
    CHECK(MPI_Info_get_nthkey(info, 0, key) != MPI_SUCCESS,
          "MPI_Info_get_nthkey past the end succeeded");
    MPI_Info_free(&info);
    int rc = MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_KEYVAL_INVALID, NULL);
#ifdef OPEN_MPI /* Open MPI 4.1 says MPI_ERR_INTERN */
    CHECK(rc != MPI_SUCCESS, "MPI_Comm_set_attr with MPI_KEYVAL_INVALID succeeded");
#else
    check_class(rc, MPI_ERR_KEYVAL, "MPI_Comm_set_attr with MPI_KEYVAL_INVALID");
#endif
    MPI_Request req = MPI_REQUEST_NULL;
    check_class(MPI_Request_free(&req), MPI_ERR_REQUEST, "MPI_Request_free(NULL)");
}

/* Every class of MPI-3.1 table 8.2 has a string and is its own class. */
static void classes(void)
{
    static const int all[] = {MPI_SUCCESS,
                              MPI_ERR_BUFFER,
                              MPI_ERR_COUNT,
                              MPI_ERR_TYPE,
                              MPI_ERR_TAG,
                              MPI_ERR_COMM,
                              MPI_ERR_RANK,
                              MPI_ERR_REQUEST,
                              MPI_ERR_ROOT,
                              MPI_ERR_GROUP,
                              MPI_ERR_OP,
                              MPI_ERR_TOPOLOGY,
                              MPI_ERR_DIMS,
                              MPI_ERR_ARG,
                              MPI_ERR_UNKNOWN,
                              MPI_ERR_TRUNCATE,
                              MPI_ERR_OTHER,
                              MPI_ERR_INTERN,
                              MPI_ERR_PENDING,
                              MPI_ERR_IN_STATUS,
                              MPI_ERR_ACCESS,
                              MPI_ERR_AMODE,
                              MPI_ERR_ASSERT,
                              MPI_ERR_BAD_FILE,
                              MPI_ERR_BASE,
                              MPI_ERR_CONVERSION,
                              MPI_ERR_DISP,
                              MPI_ERR_DUP_DATAREP,
                              MPI_ERR_FILE_EXISTS,
                              MPI_ERR_FILE_IN_USE,
                              MPI_ERR_FILE,
                              MPI_ERR_INFO_KEY,
                              MPI_ERR_INFO_NOKEY,
                              MPI_ERR_INFO_VALUE,
                              MPI_ERR_INFO,
                              MPI_ERR_IO,
                              MPI_ERR_KEYVAL,
                              MPI_ERR_LOCKTYPE,
                              MPI_ERR_NAME,
                              MPI_ERR_NO_MEM,
                              MPI_ERR_NOT_SAME,
                              MPI_ERR_NO_SPACE,
                              MPI_ERR_NO_SUCH_FILE,
                              MPI_ERR_PORT,
                              MPI_ERR_QUOTA,
                              MPI_ERR_READ_ONLY,
                              MPI_ERR_RMA_ATTACH,
                              MPI_ERR_RMA_CONFLICT,
                              MPI_ERR_RMA_RANGE,
                              MPI_ERR_RMA_SHARED,
                              MPI_ERR_RMA_SYNC,
                              MPI_ERR_RMA_FLAVOR,
                              MPI_ERR_SERVICE,
                              MPI_ERR_SIZE,
                              MPI_ERR_SPAWN,
                              MPI_ERR_UNSUPPORTED_DATAREP,
                              MPI_ERR_UNSUPPORTED_OPERATION,
                              MPI_ERR_WIN,
                              MPI_T_ERR_MEMORY,
                              MPI_T_ERR_NOT_INITIALIZED,
                              MPI_T_ERR_CANNOT_INIT,
                              MPI_T_ERR_INVALID_INDEX,
                              MPI_T_ERR_INVALID_ITEM,
                              MPI_T_ERR_INVALID_HANDLE,
                              MPI_T_ERR_OUT_OF_HANDLES,
                              MPI_T_ERR_OUT_OF_SESSIONS,
                              MPI_T_ERR_INVALID_SESSION,
                              MPI_T_ERR_CVAR_SET_NOT_NOW,
                              MPI_T_ERR_CVAR_SET_NEVER,
                              MPI_T_ERR_PVAR_NO_STARTSTOP,
                              MPI_T_ERR_PVAR_NO_WRITE,
                              MPI_T_ERR_PVAR_NO_ATOMIC,
                              MPI_T_ERR_INVALID_NAME,
                              MPI_T_ERR_INVALID,
                              MPI_ERR_LASTCODE};
    char text[MPI_MAX_ERROR_STRING];
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        int len = -1, cls = -1;
        CHECK(all[i] >= 0 && all[i] <= MPI_ERR_LASTCODE, "class %d beyond LASTCODE",
              all[i]);
        for (size_t j = 0; j < i; j++)
            CHECK(all[i] != all[j], "classes %zu and %zu share the value %d", i, j,
                  all[i]);
        CHECK_INT(MPI_Error_string(all[i], text, &len), MPI_SUCCESS, "MPI_Error_string");
        CHECK(len > 0 && len == (int)strlen(text), "string of class %d", all[i]);
        if (all[i] != MPI_ERR_LASTCODE) {
            MPI_Error_class(all[i], &cls);
            CHECK_INT(cls, all[i], "the class of a class");
        }
    }
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Comm c1, c2;
    MPI_Errhandler eh, got;

    MPI_Init(&argc, &argv);
    mc_init("errhandler", &rank, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    MPI_Comm_dup(MPI_COMM_WORLD, &c1);
    CHECK_INT(MPI_Comm_create_errhandler(handler, &eh), MPI_SUCCESS,
              "MPI_Comm_create_errhandler");
    MPI_Comm_set_errhandler(c1, eh);
    MPI_Comm_get_errhandler(c1, &got);
    CHECK(got == eh, "MPI_Comm_get_errhandler is not the handler set");
    MPI_Errhandler_free(&got);
    CHECK(got == MPI_ERRHANDLER_NULL, "MPI_Errhandler_free did not null the handle");
    check_handled(c1, size, "an error on c1");

    /* Freed by the program, the handler lives on in c1 and its dup. */
    MPI_Errhandler_free(&eh);
    CHECK(eh == MPI_ERRHANDLER_NULL, "MPI_Errhandler_free did not null the handle");
    check_handled(c1, size, "an error on c1 after MPI_Errhandler_free");
    MPI_Comm_dup(c1, &c2);
    check_handled(c2, size, "an error on a dup of c1");
    MPI_Comm_free(&c1);
    check_handled(c2, size, "an error on c2 after freeing c1");
    MPI_Comm_set_errhandler(c2, MPI_ERRORS_RETURN);
    int before = calls, x = 0;
    check_class(MPI_Send(&x, 1, MPI_INT, size, 0, c2), MPI_ERR_RANK, "MPI_ERRORS_RETURN");
    CHECK_INT(calls, before, "handler calls after MPI_ERRORS_RETURN was set");
    MPI_Comm_free(&c2);

    user_codes();
    bad_arguments();
    classes();

    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
