/* ddt_envelope.c - MPI_Type_get_envelope and MPI_Type_get_contents for every
 * combiner (the arguments a type was built with come back, inner derived
 * types as new handles), MPI_Type_dup, names of predefined and derived types,
 * MPI_Type_match_size, MPI_Get_address with MPI_Aint_add/_diff, and the _x
 * queries.
 * MPITEST_RANKS: 1 2 */
#include "mpicheck.h"

static int rank, size;

/* Checks type's envelope, and that its contents are the given arrays. */
static void check_contents(const char *what, MPI_Datatype type, int combiner, int ni,
                           const int *ints, int na, const MPI_Aint *aints, int nt,
                           const MPI_Datatype *types)
{
    int gi, ga, gt, gc;
    int ri[64];
    MPI_Aint ra[16];
    MPI_Datatype rt[16];
    MPI_Type_get_envelope(type, &gi, &ga, &gt, &gc);
    CHECK(gc == combiner, "%s: combiner %d, expected %d", what, gc, combiner);
    CHECK(gi == ni && ga == na && gt == nt, "%s: envelope %d %d %d, expected %d %d %d",
          what, gi, ga, gt, ni, na, nt);
    MPI_Type_get_contents(type, gi, ga, gt, ri, ra, rt);
    for (int i = 0; i < ni; i++)
        CHECK(ri[i] == ints[i], "%s: integer %d is %d, expected %d", what, i, ri[i],
              ints[i]);
    for (int i = 0; i < na; i++)
        CHECK(ra[i] == aints[i], "%s: address %d is %ld, expected %ld", what, i,
              (long)ra[i], (long)aints[i]);
    for (int i = 0; i < nt; i++) {
        int ci, ca, ct, cc, cc_want;
        MPI_Type_get_envelope(types[i], &ci, &ca, &ct, &cc_want);
        if (cc_want == MPI_COMBINER_NAMED) {
            CHECK(rt[i] == types[i], "%s: type %d is not the predefined type given", what,
                  i);
            continue;
        }
        /* A derived type comes back as a handle of the same type. */
        MPI_Type_get_envelope(rt[i], &ci, &ca, &ct, &cc);
        CHECK(cc == cc_want, "%s: type %d has combiner %d, expected %d", what, i, cc,
              cc_want);
        int s1, s2;
        MPI_Type_size(rt[i], &s1);
        MPI_Type_size(types[i], &s2);
        CHECK_INT(s1, s2, "size of a type from MPI_Type_get_contents");
        MPI_Type_free(&rt[i]);
    }
}

static void combiners(void)
{
    MPI_Datatype vec, t, types[3];
    int ni, na, nt, c;
    MPI_Type_get_envelope(MPI_INT, &ni, &na, &nt, &c);
    CHECK(c == MPI_COMBINER_NAMED && ni == 0 && na == 0 && nt == 0,
          "MPI_INT's envelope is not MPI_COMBINER_NAMED");
    MPI_Type_get_envelope(MPI_DOUBLE_INT, &ni, &na, &nt, &c);
    CHECK(c == MPI_COMBINER_NAMED, "MPI_DOUBLE_INT's envelope is not MPI_COMBINER_NAMED");

    MPI_Type_vector(3, 2, 4, MPI_INT, &vec);
    check_contents("vector", vec, MPI_COMBINER_VECTOR, 3, (int[]){3, 2, 4}, 0, NULL, 1,
                   (MPI_Datatype[]){MPI_INT});

    MPI_Type_contiguous(5, vec, &t);
    check_contents("contiguous", t, MPI_COMBINER_CONTIGUOUS, 1, (int[]){5}, 0, NULL, 1,
                   &vec);
    MPI_Type_free(&t);

    MPI_Type_create_hvector(2, 3, -40, vec, &t);
    check_contents("hvector", t, MPI_COMBINER_HVECTOR, 2, (int[]){2, 3}, 1,
                   (MPI_Aint[]){-40}, 1, &vec);
    MPI_Type_free(&t);

    MPI_Type_indexed(2, (int[]){1, 3}, (int[]){5, -2}, MPI_SHORT, &t);
    check_contents("indexed", t, MPI_COMBINER_INDEXED, 5, (int[]){2, 1, 3, 5, -2}, 0,
                   NULL, 1, (MPI_Datatype[]){MPI_SHORT});
    MPI_Type_free(&t);

    MPI_Type_create_hindexed(2, (int[]){4, 1}, (MPI_Aint[]){16, 0}, vec, &t);
    check_contents("hindexed", t, MPI_COMBINER_HINDEXED, 3, (int[]){2, 4, 1}, 2,
                   (MPI_Aint[]){16, 0}, 1, &vec);
    MPI_Type_free(&t);

    MPI_Type_create_indexed_block(3, 2, (int[]){0, 7, 3}, MPI_DOUBLE, &t);
    check_contents("indexed_block", t, MPI_COMBINER_INDEXED_BLOCK, 5,
                   (int[]){3, 2, 0, 7, 3}, 0, NULL, 1, (MPI_Datatype[]){MPI_DOUBLE});
    MPI_Type_free(&t);

    MPI_Type_create_hindexed_block(2, 3, (MPI_Aint[]){8, 64}, MPI_FLOAT, &t);
    check_contents("hindexed_block", t, MPI_COMBINER_HINDEXED_BLOCK, 2, (int[]){2, 3}, 2,
                   (MPI_Aint[]){8, 64}, 1, (MPI_Datatype[]){MPI_FLOAT});
    MPI_Type_free(&t);

    types[0] = MPI_CHAR, types[1] = vec, types[2] = MPI_DOUBLE_INT;
    MPI_Type_create_struct(3, (int[]){3, 1, 2}, (MPI_Aint[]){0, 8, 200}, types, &t);
    check_contents("struct", t, MPI_COMBINER_STRUCT, 4, (int[]){3, 3, 1, 2}, 3,
                   (MPI_Aint[]){0, 8, 200}, 3, types);
    MPI_Type_free(&t);

    MPI_Type_create_subarray(2, (int[]){4, 5}, (int[]){2, 3}, (int[]){1, 0},
                             MPI_ORDER_FORTRAN, MPI_INT, &t);
    check_contents("subarray", t, MPI_COMBINER_SUBARRAY, 8,
                   (int[]){2, 4, 5, 2, 3, 1, 0, MPI_ORDER_FORTRAN}, 0, NULL, 1,
                   (MPI_Datatype[]){MPI_INT});
    MPI_Type_free(&t);

    MPI_Type_create_darray(
        4, 3, 2, (int[]){8, 6}, (int[]){MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK},
        (int[]){2, MPI_DISTRIBUTE_DFLT_DARG}, (int[]){2, 2}, MPI_ORDER_C, MPI_DOUBLE, &t);
    check_contents("darray", t, MPI_COMBINER_DARRAY, 12,
                   (int[]){4, 3, 2, 8, 6, MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK, 2,
                           MPI_DISTRIBUTE_DFLT_DARG, 2, 2, MPI_ORDER_C},
                   0, NULL, 1, (MPI_Datatype[]){MPI_DOUBLE});
    MPI_Type_free(&t);

    MPI_Type_create_resized(vec, -8, 100, &t);
    check_contents("resized", t, MPI_COMBINER_RESIZED, 0, NULL, 2, (MPI_Aint[]){-8, 100},
                   1, &vec);
    MPI_Type_free(&t);

    MPI_Type_dup(vec, &t);
    check_contents("dup", t, MPI_COMBINER_DUP, 0, NULL, 0, NULL, 1, &vec);
    /* The same layout: sizes, bounds, and data moved by it. */
    MPI_Aint lb1, ext1, lb2, ext2;
    int s1, s2;
    MPI_Type_get_extent(vec, &lb1, &ext1);
    MPI_Type_get_extent(t, &lb2, &ext2);
    MPI_Type_size(vec, &s1);
    MPI_Type_size(t, &s2);
    CHECK(lb1 == lb2 && ext1 == ext2 && s1 == s2, "MPI_Type_dup changed the layout");
    MPI_Type_commit(&t);
    int a[12], b[12], pos = 0;
    char packed[64];
    for (int i = 0; i < 12; i++)
        a[i] = i, b[i] = -1;
    MPI_Pack(a, 1, t, packed, 64, &pos, MPI_COMM_WORLD);
    CHECK_INT(pos, 24, "bytes packed with a dup of a vector");
    pos = 0;
    MPI_Unpack(packed, 64, &pos, b, 1, t, MPI_COMM_WORLD);
    for (int i = 0; i < 12; i++)
        CHECK_INT(b[i], i % 4 < 2 ? i : -1, "unpacked through a dup");
    MPI_Type_free(&t);
    MPI_Type_free(&vec);
}

static void names(void)
{
    char name[MPI_MAX_OBJECT_NAME];
    int len;
    const struct {
        MPI_Datatype type;
        const char *name;
    } predefined[] = {
        {MPI_INT, "MPI_INT"},
        {MPI_DOUBLE, "MPI_DOUBLE"},
        {MPI_CHAR, "MPI_CHAR"},
        {MPI_UNSIGNED_LONG, "MPI_UNSIGNED_LONG"},
        {MPI_DOUBLE_INT, "MPI_DOUBLE_INT"},
        {MPI_2INT, "MPI_2INT"},
        {MPI_LONG_LONG_INT, "MPI_LONG_LONG_INT"},
        {MPI_INT64_T, "MPI_INT64_T"},
        {MPI_C_DOUBLE_COMPLEX, "MPI_C_DOUBLE_COMPLEX"},
        {MPI_PACKED, "MPI_PACKED"},
        {MPI_BYTE, "MPI_BYTE"},
    };
    for (size_t i = 0; i < sizeof predefined / sizeof *predefined; i++) {
        MPI_Type_get_name(predefined[i].type, name, &len);
        CHECK(!strcmp(name, predefined[i].name), "name of %s is \"%s\"",
              predefined[i].name, name);
        CHECK_INT(len, strlen(predefined[i].name), "length of a type's name");
    }
    MPI_Datatype t;
    MPI_Type_contiguous(2, MPI_INT, &t);
    MPI_Type_set_name(t, "pair of ints");
    MPI_Type_get_name(t, name, &len);
    CHECK(!strcmp(name, "pair of ints") && len == 12, "derived type named \"%s\"", name);
    MPI_Type_free(&t);
}

static void queries(void)
{
    MPI_Datatype t;
    int sz;
    const struct {
        int typeclass, size;
    } match[] = {{MPI_TYPECLASS_INTEGER, 1}, {MPI_TYPECLASS_INTEGER, 4},
                 {MPI_TYPECLASS_INTEGER, 8}, {MPI_TYPECLASS_REAL, 4},
                 {MPI_TYPECLASS_REAL, 8},    {MPI_TYPECLASS_COMPLEX, 8},
                 {MPI_TYPECLASS_COMPLEX, 16}};
    for (size_t i = 0; i < sizeof match / sizeof *match; i++) {
        MPI_Type_match_size(match[i].typeclass, match[i].size, &t);
        MPI_Type_size(t, &sz);
        CHECK_INT(sz, match[i].size, "size of the type MPI_Type_match_size found");
    }

    double arr[10];
    MPI_Aint a0, a7;
    MPI_Get_address(&arr[0], &a0);
    MPI_Get_address(&arr[7], &a7);
    CHECK_INT(MPI_Aint_diff(a7, a0), 7 * sizeof(double), "MPI_Aint_diff");
    CHECK(MPI_Aint_add(a0, 7 * sizeof(double)) == a7, "MPI_Aint_add");

    MPI_Count csz, lb, ext, tlb, text;
    MPI_Type_create_hvector(3, 1, -24, MPI_DOUBLE, &t);
    MPI_Type_size_x(t, &csz);
    MPI_Type_get_extent_x(t, &lb, &ext);
    MPI_Type_get_true_extent_x(t, &tlb, &text);
    CHECK(csz == 24 && lb == -48 && ext == 56 && tlb == -48 && text == 56,
          "_x queries: size %lld lb %lld extent %lld true %lld %lld", csz, lb, ext, tlb,
          text);
    MPI_Datatype r;
    MPI_Type_create_resized(t, 0, 8, &r);
    MPI_Type_get_extent_x(r, &lb, &ext);
    MPI_Type_get_true_extent_x(r, &tlb, &text);
    CHECK(lb == 0 && ext == 8 && tlb == -48 && text == 56,
          "resized: lb %lld extent %lld, true %lld %lld", lb, ext, tlb, text);
    MPI_Type_free(&r);
    MPI_Type_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("ddt_envelope", &rank, &size);
    combiners();
    names();
    queries();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
