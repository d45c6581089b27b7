/* ddt_layout.c - the layout of every datatype constructor against a byte map
 * computed by hand: which bytes of a buffer a type covers, in which order
 * they are packed, its size, lb, extent and true extent. Each type is checked
 * by MPI_Pack/MPI_Unpack on one rank and by a send to the next rank (as the
 * type, received as bytes, and back: bytes received into the type), so that
 * exactly the mapped bytes move and no other byte is touched. Covers
 * negative displacements and strides, resized extents, nested types (inner
 * types freed before use), subarray and darray against index lists. */
#include <stddef.h>

#include "mpicheck.h"

enum { BUFLEN = 4096, ORIGIN = 1024, MAXMAP = 1024, MARK = 0xEE };

static int rank, size, left, right;

struct map {
    long off[MAXMAP]; /* byte offsets from the origin, in type-map order */
    int n;
};

static void span(struct map *m, long disp, int bytes)
{
    for (int i = 0; i < bytes; i++)
        m->off[m->n++] = disp + i;
}

static unsigned char pattern(int owner, long i)
{
    return (unsigned char)(i * 13 + owner * 7 + 1);
}

/* Checks type (count elements) against the map of one element, its lb and
 * extent. */
static void check(const char *what, MPI_Datatype type, int count, const struct map *m,
                  MPI_Aint want_lb, MPI_Aint want_extent)
{
    static unsigned char src[BUFLEN], dst[BUFLEN], packed[BUFLEN], in[BUFLEN];
    static unsigned char want[BUFLEN];
    MPI_Aint lb, extent, tlb, textent;
    int sz, pos = 0;
    long lo = m->n ? m->off[0] : 0, hi = lo;
    for (int i = 0; i < m->n; i++) {
        lo = m->off[i] < lo ? m->off[i] : lo;
        hi = m->off[i] + 1 > hi ? m->off[i] + 1 : hi;
    }
    MPI_Type_size(type, &sz);
    CHECK(sz == m->n, "%s: MPI_Type_size is %d, expected %d", what, sz, m->n);
    MPI_Type_get_extent(type, &lb, &extent);
    CHECK(lb == want_lb && extent == want_extent,
          "%s: lb %ld extent %ld, expected %ld %ld", what, (long)lb, (long)extent,
          (long)want_lb, (long)want_extent);
    MPI_Type_get_true_extent(type, &tlb, &textent);
    CHECK(tlb == lo && textent == hi - lo, "%s: true lb %ld extent %ld, expected %ld %ld",
          what, (long)tlb, (long)textent, lo, hi - lo);
    MPI_Type_commit(&type);

    for (long i = 0; i < BUFLEN; i++)
        src[i] = pattern(rank, i);
    int bytes = count * m->n;
    MPI_Pack(src + ORIGIN, count, type, packed, BUFLEN, &pos, MPI_COMM_WORLD);
    CHECK(pos == bytes, "%s: MPI_Pack position %d, expected %d", what, pos, bytes);
    memset(want, MARK, sizeof want);
    for (int k = 0, b = 0; k < count; k++) {
        for (int i = 0; i < m->n; i++, b++) {
            long at = ORIGIN + k * extent + m->off[i];
            CHECK(packed[b] == src[at], "%s: packed byte %d is not byte %ld", what, b,
                  at - ORIGIN);
            want[at] = src[at];
        }
    }
    memset(dst, MARK, sizeof dst);
    pos = 0;
    MPI_Unpack(packed, bytes, &pos, dst + ORIGIN, count, type, MPI_COMM_WORLD);
    CHECK(pos == bytes, "%s: MPI_Unpack position %d", what, pos);
    for (long i = 0; i < BUFLEN; i++)
        CHECK(dst[i] == want[i], "%s: unpacked byte %ld is %d, expected %d", what,
              i - ORIGIN, dst[i], want[i]);

    /* Across ranks: the type out, bytes in; bytes out, the type in. */
    MPI_Status st;
    int got;
    MPI_Sendrecv(src + ORIGIN, count, type, right, 1, in, BUFLEN, MPI_BYTE, left, 1,
                 MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_BYTE, &got);
    CHECK(got == bytes, "%s: received %d bytes, expected %d", what, got, bytes);
    for (int k = 0, b = 0; k < count; k++)
        for (int i = 0; i < m->n; i++, b++)
            CHECK(in[b] == pattern(left, ORIGIN + k * extent + m->off[i]),
                  "%s: byte %d from rank %d", what, b, left);
    memset(dst, MARK, sizeof dst);
    MPI_Sendrecv(in, bytes, MPI_BYTE, right, 2, dst + ORIGIN, count, type, left, 2,
                 MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, type, &got);
    CHECK(got == count, "%s: MPI_Get_count %d, expected %d", what, got, count);
    int from = (left - 1 + size) % size;
    memset(want, MARK, sizeof want);
    for (int k = 0; k < count; k++)
        for (int i = 0; i < m->n; i++) {
            long at = ORIGIN + k * extent + m->off[i];
            want[at] = pattern(from, at);
        }
    for (long i = 0; i < BUFLEN; i++)
        CHECK(dst[i] == want[i], "%s: received-into byte %ld is %d, expected %d", what,
              i - ORIGIN, dst[i], want[i]);
}

static void done(MPI_Datatype *type)
{
    MPI_Type_free(type);
    CHECK(*type == MPI_DATATYPE_NULL, "MPI_Type_free did not null the handle");
}

static void basic_constructors(void)
{
    MPI_Datatype t;
    struct map m = {0};

    span(&m, 0, 12);
    MPI_Type_contiguous(3, MPI_INT, &t);
    check("contiguous", t, 2, &m, 0, 12);
    done(&t);

    m.n = 0; /* 3 blocks of 2 shorts, 4 shorts apart */
    span(&m, 0, 4), span(&m, 8, 4), span(&m, 16, 4);
    MPI_Type_vector(3, 2, 4, MPI_SHORT, &t);
    check("vector", t, 2, &m, 0, 20);
    done(&t);

    m.n = 0; /* negative stride */
    span(&m, 0, 8), span(&m, -16, 8);
    MPI_Type_create_hvector(2, 1, -16, MPI_DOUBLE, &t);
    check("hvector, negative stride", t, 3, &m, -16, 24);
    done(&t);

    m.n = 0; /* an empty block and a negative displacement; type-map order kept */
    span(&m, 16, 8), span(&m, -8, 4);
    MPI_Type_indexed(3, (int[]){2, 0, 1}, (int[]){4, 1, -2}, MPI_INT, &t);
    check("indexed", t, 2, &m, -8, 32);
    done(&t);

    m.n = 0;
    span(&m, 10, 1), span(&m, 1, 2);
    MPI_Type_create_hindexed(2, (int[]){1, 2}, (MPI_Aint[]){10, 1}, MPI_CHAR, &t);
    check("hindexed", t, 3, &m, 1, 10);
    done(&t);

    m.n = 0;
    span(&m, 20, 4), span(&m, 0, 4), span(&m, 8, 4);
    MPI_Type_create_indexed_block(3, 1, (int[]){5, 0, 2}, MPI_FLOAT, &t);
    check("indexed_block", t, 2, &m, 0, 24);
    done(&t);

    m.n = 0;
    span(&m, -4, 4), span(&m, 8, 4);
    MPI_Type_create_hindexed_block(2, 2, (MPI_Aint[]){-4, 8}, MPI_SHORT, &t);
    check("hindexed_block", t, 2, &m, -4, 16);
    done(&t);
}

struct rec {
    int i;
    double d[2];
    char c;
};

static void structs(void)
{
    MPI_Datatype t, r;
    struct map m = {0};
    int bl[3] = {1, 2, 1};
    MPI_Aint disp[3] = {offsetof(struct rec, i), offsetof(struct rec, d),
                        offsetof(struct rec, c)};
    MPI_Datatype types[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
    span(&m, (long)disp[0], 4), span(&m, (long)disp[1], 16), span(&m, (long)disp[2], 1);
    MPI_Type_create_struct(3, bl, disp, types, &t);
    /* The extent is padded to the alignment of double: that of the C struct. */
    check("struct", t, 3, &m, 0, sizeof(struct rec));
    /* Resized larger, and with a negative lb. */
    MPI_Type_create_resized(t, 0, 48, &r);
    check("struct resized to 48", r, 3, &m, 0, 48);
    done(&r);
    MPI_Type_create_resized(t, -8, 40, &r);
    check("struct resized to lb -8", r, 2, &m, -8, 40);
    done(&r);
    done(&t);

    m.n = 0; /* a struct of negative displacements, elements in map order */
    span(&m, 8, 2), span(&m, -6, 4);
    MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){8, -6},
                           (MPI_Datatype[]){MPI_SHORT, MPI_INT}, &t);
    check("struct, negative displacement", t, 1, &m, -6, 16);
    done(&t);

    /* Pair types: the standard's type maps. */
    m.n = 0;
    span(&m, 0, sizeof(double)), span(&m, sizeof(double), sizeof(int));
    check("MPI_DOUBLE_INT", MPI_DOUBLE_INT, 3, &m, 0, 16);
    m.n = 0;
    span(&m, 0, sizeof(short)), span(&m, sizeof(int), sizeof(int));
    check("MPI_SHORT_INT", MPI_SHORT_INT, 3, &m, 0, 8);
    m.n = 0;
    span(&m, 0, 8), span(&m, 8, 4);
    check("MPI_LONG_INT", MPI_LONG_INT, 2, &m, 0, 16);
    m.n = 0;
    span(&m, 0, 8);
    check("MPI_2INT", MPI_2INT, 3, &m, 0, 8);
}

static void nested(void)
{
    MPI_Datatype inner, mid, outer, t;
    struct map m = {0};
    /* inner: ints 0 and 2; extent 12. mid: 2 of them, 12 apart. outer: 2 of
     * mid, 32 bytes apart. inner and mid are freed before outer is used. */
    MPI_Type_vector(2, 1, 2, MPI_INT, &inner);
    MPI_Type_contiguous(2, inner, &mid);
    MPI_Type_create_hvector(2, 1, 32, mid, &outer);
    MPI_Type_free(&inner);
    MPI_Type_free(&mid);
    for (int k = 0; k < 2; k++) {
        span(&m, 32 * k + 0, 4), span(&m, 32 * k + 8, 4);
        span(&m, 32 * k + 12, 4), span(&m, 32 * k + 20, 4);
    }
    check("nested vector in contiguous in hvector", outer, 2, &m, 0, 56);

    /* A resized int with a negative lb: elements 12 apart, data at 0. */
    MPI_Type_create_resized(MPI_INT, -4, 12, &inner);
    m.n = 0;
    span(&m, 0, 4);
    check("resized int", inner, 3, &m, -4, 12);
    /* Three of them contiguous: the resized extent is the stride. */
    MPI_Type_contiguous(3, inner, &t);
    m.n = 0;
    span(&m, 0, 4), span(&m, 12, 4), span(&m, 24, 4);
    check("contiguous of resized", t, 2, &m, -4, 36);
    done(&t);
    /* A struct of the outer vector and the resized int. The resized int's
     * bounds are markers, which win over the data's bounds (MPI-3.1 4.1.7),
     * so the outer vector is resized to its own bounds too. */
    MPI_Type_create_resized(outer, 0, 56, &mid);
    done(&outer);
    MPI_Type_create_struct(2, (int[]){1, 2}, (MPI_Aint[]){0, 100},
                           (MPI_Datatype[]){mid, inner}, &t);
    done(&mid);
    done(&inner);
    m.n = 0;
    for (int k = 0; k < 2; k++) {
        span(&m, 32 * k + 0, 4), span(&m, 32 * k + 8, 4);
        span(&m, 32 * k + 12, 4), span(&m, 32 * k + 20, 4);
    }
    span(&m, 100, 4), span(&m, 112, 4);
    check("struct of nested and resized", t, 2, &m, 0, 120);
    done(&t);
}

static void subarrays(void)
{
    MPI_Datatype t;
    struct map m = {0};
    /* 4x5 ints, rows 1-2, columns 2-4. */
    const int c_index[] = {7, 8, 9, 12, 13, 14};
    for (int i = 0; i < 6; i++)
        span(&m, 4 * c_index[i], 4);
    MPI_Type_create_subarray(2, (int[]){4, 5}, (int[]){2, 3}, (int[]){1, 2}, MPI_ORDER_C,
                             MPI_INT, &t);
    check("subarray C", t, 1, &m, 0, 80);
    done(&t);
    /* The same in Fortran order: dimension 0 varies fastest. */
    const int f_index[] = {9, 10, 13, 14, 17, 18};
    m.n = 0;
    for (int i = 0; i < 6; i++)
        span(&m, 4 * f_index[i], 4);
    MPI_Type_create_subarray(2, (int[]){4, 5}, (int[]){2, 3}, (int[]){1, 2},
                             MPI_ORDER_FORTRAN, MPI_INT, &t);
    check("subarray Fortran", t, 2, &m, 0, 80);
    done(&t);
    /* 3-d, of a struct-like pair type. */
    m.n = 0;
    for (int a = 1; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 1; c < 3; c++) {
                long at = (long)((a * 2 + b) * 3 + c) * 16;
                span(&m, at, 8), span(&m, at + 8, 4);
            }
    MPI_Type_create_subarray(3, (int[]){2, 2, 3}, (int[]){1, 2, 2}, (int[]){1, 0, 1},
                             MPI_ORDER_C, MPI_DOUBLE_INT, &t);
    check("subarray 3-d of MPI_DOUBLE_INT", t, 1, &m, 0, 12 * 16);
    done(&t);
}

static void darrays(void)
{
    MPI_Datatype t;
    struct map m;
    int covered[30] = {0};
    /* 6x5, rows BLOCK over 2, columns CYCLIC(2) over 2, C order, for each of
     * 4 ranks of a 2x2 grid (row-major): rows 3*p0.., columns {0,1,4} or {2,3}. */
    for (int r = 0; r < 4; r++) {
        int p0 = r / 2, p1 = r % 2;
        const int cols[2][3] = {{0, 1, 4}, {2, 3, -1}};
        m.n = 0;
        for (int row = 3 * p0; row < 3 * p0 + 3; row++)
            for (int k = 0; k < 3 && cols[p1][k] >= 0; k++) {
                span(&m, 4 * (row * 5 + cols[p1][k]), 4);
                covered[row * 5 + cols[p1][k]]++;
            }
        MPI_Type_create_darray(4, r, 2, (int[]){6, 5},
                               (int[]){MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
                               (int[]){MPI_DISTRIBUTE_DFLT_DARG, 2}, (int[]){2, 2},
                               MPI_ORDER_C, MPI_INT, &t);
        check("darray C block/cyclic", t, 1, &m, 0, 120);
        done(&t);
    }
    for (int i = 0; i < 30; i++)
        CHECK(covered[i] == 1, "darray: element %d owned %d times", i, covered[i]);
    /* 4x6 in Fortran order: dimension 0 CYCLIC(1) over 2, dimension 1 BLOCK
     * over 1; element (i, j) at i + 4 * j. */
    for (int r = 0; r < 2; r++) {
        m.n = 0;
        for (int j = 0; j < 6; j++)
            for (int i = r; i < 4; i += 2)
                span(&m, 8 * (i + 4 * j), 8);
        MPI_Type_create_darray(
            2, r, 2, (int[]){4, 6}, (int[]){MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK},
            (int[]){MPI_DISTRIBUTE_DFLT_DARG, MPI_DISTRIBUTE_DFLT_DARG}, (int[]){2, 1},
            MPI_ORDER_FORTRAN, MPI_DOUBLE, &t);
        check("darray Fortran cyclic/block", t, 1, &m, 0, 192);
        done(&t);
    }
    /* BLOCK(2) over 3 of 5 elements: the last process holds one. */
    m.n = 0;
    span(&m, 16, 4);
    MPI_Type_create_darray(3, 2, 1, (int[]){5}, (int[]){MPI_DISTRIBUTE_BLOCK}, (int[]){2},
                           (int[]){3}, MPI_ORDER_C, MPI_FLOAT, &t);
    check("darray block(2), last", t, 1, &m, 0, 20);
    done(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("ddt_layout", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    basic_constructors();
    structs();
    nested();
    subarrays();
    darrays();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
