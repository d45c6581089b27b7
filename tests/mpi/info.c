/* info.c - MPI_Info objects (MPI-3.1 9): keys in insertion order,
 * overwriting in place, truncating gets, value lengths, delete, dup as an
 * independent copy, free; MPI_INFO_ENV; MPI_Comm_set_info/get_info; the
 * classes of bad arguments under MPI_ERRORS_RETURN. */
#include "mpicheck.h"

static void check_class(int rc, int want, const char *what)
{
    int cls = -1;
    CHECK(rc != MPI_SUCCESS, "%s succeeded", what);
    MPI_Error_class(rc, &cls);
    CHECK(cls == want, "%s: class %d, expected %d", what, cls, want);
}

static void check_keys(MPI_Info info, int n, const char *const keys[], const char *what)
{
    int nkeys = -1;
    char key[MPI_MAX_INFO_KEY + 1];
    MPI_Info_get_nkeys(info, &nkeys);
    CHECK_INT(nkeys, n, what);
    for (int i = 0; i < n; i++) {
        MPI_Info_get_nthkey(info, i, key);
        CHECK(!strcmp(key, keys[i]), "%s: key %d is '%s', expected '%s'", what, i, key,
              keys[i]);
    }
}

static void check_value(MPI_Info info, const char *key, const char *want)
{
    char value[MPI_MAX_INFO_VAL + 1];
    int flag = -1, len = -1;
    MPI_Info_get(info, key, MPI_MAX_INFO_VAL, value, &flag);
    CHECK(flag == (want != NULL), "key '%s': flag %d", key, flag);
    MPI_Info_get_valuelen(info, key, &len, &flag);
    CHECK(flag == (want != NULL), "key '%s': valuelen flag %d", key, flag);
    if (want) {
        CHECK(!strcmp(value, want), "key '%s' is '%s', expected '%s'", key, value, want);
        CHECK_INT(len, (int)strlen(want), "MPI_Info_get_valuelen");
    }
}

static void objects(void)
{
    MPI_Info info, copy;
    MPI_Info_create(&info);
    check_keys(info, 0, NULL, "a new info");
    MPI_Info_set(info, "zeta", "1");
    MPI_Info_set(info, "alpha", "two");
    MPI_Info_set(info, "mid", "three");
    const char *const order[] = {"zeta", "alpha", "mid"};
    check_keys(info, 3, order, "keys in insertion order");
    MPI_Info_set(info, "alpha", "changed"); /* keeps its place */
    check_keys(info, 3, order, "keys after overwriting");
    check_value(info, "alpha", "changed");
    check_value(info, "zeta", "1");
    check_value(info, "absent", NULL);

    /* A short buffer: valuelen characters and a '\0'. */
    char small[5];
    int flag;
    memset(small, 'x', sizeof small);
    MPI_Info_get(info, "alpha", 3, small, &flag);
    CHECK(flag && !strcmp(small, "cha"), "truncated get gave '%.5s'", small);

    MPI_Info_dup(info, &copy);
    MPI_Info_delete(info, "zeta");
    const char *const after_delete[] = {"alpha", "mid"};
    check_keys(info, 2, after_delete, "keys after delete");
    check_value(info, "zeta", NULL);
    check_keys(copy, 3, order, "the dup is unchanged by a delete on the original");
    MPI_Info_set(copy, "mid", "copy's own");
    check_value(info, "mid", "three");
    check_value(copy, "mid", "copy's own");

    /* Long keys and values (Open MPI takes at most MPI_MAX_INFO_KEY - 1). */
    char key[MPI_MAX_INFO_KEY + 1], value[MPI_MAX_INFO_VAL + 1];
    memset(key, 'k', MPI_MAX_INFO_KEY - 1);
    key[MPI_MAX_INFO_KEY - 1] = '\0';
    memset(value, 'v', MPI_MAX_INFO_VAL - 1);
    value[MPI_MAX_INFO_VAL - 1] = '\0';
    CHECK_INT(MPI_Info_set(info, key, value), MPI_SUCCESS, "a long key and value");
    check_value(info, key, value);

    MPI_Info_free(&info);
    CHECK(info == MPI_INFO_NULL, "MPI_Info_free did not set MPI_INFO_NULL");
    MPI_Info_free(&copy);
}

static void errors(void)
{
    MPI_Info info;
    char key[MPI_MAX_INFO_KEY + 2], value[MPI_MAX_INFO_VAL + 2];
    int flag, n;
    MPI_Info_create(&info);
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    check_class(MPI_Info_set(info, key, "v"), MPI_ERR_INFO_KEY, "a key too long");
    check_class(MPI_Info_set(info, "k", value), MPI_ERR_INFO_VALUE, "a value too long");
    check_class(MPI_Info_get(info, key, 4, value, &flag), MPI_ERR_INFO_KEY,
                "MPI_Info_get with a key too long");
    check_class(MPI_Info_delete(info, "absent"), MPI_ERR_INFO_NOKEY, "deleting no key");
    check_class(MPI_Info_get_nkeys(MPI_INFO_NULL, &n), MPI_ERR_INFO, "MPI_INFO_NULL");
    check_class(MPI_Info_set(MPI_INFO_NULL, "k", "v"), MPI_ERR_INFO,
                "set on MPI_INFO_NULL");
    MPI_Info_free(&info);
}

/* MPI_INFO_ENV: what the values are is the implementation's, but they are
 * strings and the keys can be listed and read. */
static void env(void)
{
    int nkeys = -1, flag, len;
    char key[MPI_MAX_INFO_KEY + 1], value[MPI_MAX_INFO_VAL + 1];
    MPI_Info_get_nkeys(MPI_INFO_ENV, &nkeys);
    CHECK(nkeys >= 0, "MPI_INFO_ENV has %d keys", nkeys);
    for (int i = 0; i < nkeys; i++) {
        MPI_Info_get_nthkey(MPI_INFO_ENV, i, key);
        MPI_Info_get_valuelen(MPI_INFO_ENV, key, &len, &flag);
        CHECK(flag && len >= 0 && len <= MPI_MAX_INFO_VAL, "MPI_INFO_ENV's '%s'", key);
        MPI_Info_get(MPI_INFO_ENV, key, MPI_MAX_INFO_VAL, value, &flag);
        CHECK(flag && (int)strlen(value) == len, "MPI_INFO_ENV's '%s'", key);
    }
    MPI_Info_get(MPI_INFO_ENV, "command", MPI_MAX_INFO_VAL, value, &flag);
    CHECK(!flag || strstr(value, "info"), "MPI_INFO_ENV's command is '%s'", value);
}

/* Hints the library does not know may be dropped: only the object is checked,
 * and the value of a hint that was kept. */
static void comm_hints(void)
{
    MPI_Info info, used;
    MPI_Comm dup;
    char value[MPI_MAX_INFO_VAL + 1];
    int flag, nkeys;
    MPI_Info_create(&info);
    MPI_Info_set(info, "ipc_test_hint", "yes");
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    CHECK_INT(MPI_Comm_set_info(dup, info), MPI_SUCCESS, "MPI_Comm_set_info");
    MPI_Info_free(&info);
    CHECK_INT(MPI_Comm_get_info(dup, &used), MPI_SUCCESS, "MPI_Comm_get_info");
    CHECK(used != MPI_INFO_NULL, "MPI_Comm_get_info gave MPI_INFO_NULL");
    CHECK_INT(MPI_Info_get_nkeys(used, &nkeys), MPI_SUCCESS, "nkeys of the hints");
    MPI_Info_get(used, "ipc_test_hint", MPI_MAX_INFO_VAL, value, &flag);
    CHECK(!flag || !strcmp(value, "yes"), "the hint kept is '%s'", value);
    MPI_Info_free(&used);
    MPI_Comm_free(&dup);
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("info", &rank, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    objects();
    errors();
    env();
    comm_hints();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
