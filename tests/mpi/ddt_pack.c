/* ddt_pack.c - MPI_Pack and MPI_Unpack: several items of different types into
 * one buffer and back, MPI_Pack_size as a bound, data
 * packed with MPI_Pack sent and received as MPI_PACKED; MPI_Pack_external
 * (external32: big-endian, the standard's sizes) to the exact bytes for ints,
 * shorts and doubles, and back with MPI_Unpack_external. */
#include <stddef.h>

#include "mpicheck.h"

enum { ROWS = 6, COLS = 5, BUF = 1024 };

struct item {
    int id;
    double w[2];
    char tag;
};

static int rank, size, left, right;
static MPI_Datatype column, item_type;

static void make_types(void)
{
    MPI_Datatype t;
    MPI_Type_vector(ROWS, 1, COLS, MPI_DOUBLE, &column);
    MPI_Type_commit(&column);
    MPI_Type_create_struct(3, (int[]){1, 2, 1},
                           (MPI_Aint[]){offsetof(struct item, id),
                                        offsetof(struct item, w),
                                        offsetof(struct item, tag)},
                           (MPI_Datatype[]){MPI_INT, MPI_DOUBLE, MPI_CHAR}, &t);
    MPI_Type_create_resized(t, 0, sizeof(struct item), &item_type);
    MPI_Type_free(&t);
    MPI_Type_commit(&item_type);
}

/* What rank `who` packs: 3 ints, a column of its matrix, 2 items. */
static void fill(int who, int ints[3], double m[ROWS][COLS], struct item items[2])
{
    for (int i = 0; i < 3; i++)
        ints[i] = who * 100 + i;
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            m[r][c] = who * 1000 + r * 10 + c;
    for (int k = 0; k < 2; k++)
        items[k] = (struct item){who + k, {who * 0.5, k * 0.25}, (char)('a' + who + k)};
}

static int pack_all(char *buf, int room)
{
    int ints[3], pos = 0;
    double m[ROWS][COLS];
    struct item items[2];
    fill(rank, ints, m, items);
    MPI_Pack(ints, 3, MPI_INT, buf, room, &pos, MPI_COMM_WORLD);
    MPI_Pack(&m[0][2], 1, column, buf, room, &pos, MPI_COMM_WORLD);
    MPI_Pack(items, 2, item_type, buf, room, &pos, MPI_COMM_WORLD);
    return pos;
}

/* Unpacks what pack_all of rank `who` made and checks it. */
static void unpack_check(const char *what, const char *buf, int bytes, int who)
{
    int ints[3], want_ints[3], pos = 0;
    double m[ROWS][COLS], want_m[ROWS][COLS];
    struct item items[2], want_items[2];
    fill(who, want_ints, want_m, want_items);
    memset(m, 0, sizeof m);
    MPI_Unpack(buf, bytes, &pos, ints, 3, MPI_INT, MPI_COMM_WORLD);
    MPI_Unpack(buf, bytes, &pos, &m[0][4], 1, column, MPI_COMM_WORLD);
    MPI_Unpack(buf, bytes, &pos, items, 2, item_type, MPI_COMM_WORLD);
    CHECK_INT(pos, bytes, "position after unpacking everything");
    for (int i = 0; i < 3; i++)
        CHECK_INT(ints[i], want_ints[i], what);
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            CHECK_DBL(m[r][c], c == 4 ? want_m[r][2] : 0, what);
    for (int k = 0; k < 2; k++) {
        CHECK_INT(items[k].id, want_items[k].id, what);
        CHECK_DBL(items[k].w[0], want_items[k].w[0], what);
        CHECK_DBL(items[k].w[1], want_items[k].w[1], what);
        CHECK_INT(items[k].tag, want_items[k].tag, what);
    }
}

static void pack_unpack(void)
{
    char buf[BUF];
    int s1, s2, s3;
    MPI_Pack_size(3, MPI_INT, MPI_COMM_WORLD, &s1);
    MPI_Pack_size(1, column, MPI_COMM_WORLD, &s2);
    MPI_Pack_size(2, item_type, MPI_COMM_WORLD, &s3);
    CHECK(s1 >= 3 * 4 && s2 >= ROWS * 8 && s3 >= 2 * 21, "MPI_Pack_size too small");
    int bytes = pack_all(buf, BUF);
    CHECK(bytes <= s1 + s2 + s3, "packed %d bytes, more than MPI_Pack_size's %d", bytes,
          s1 + s2 + s3);
    unpack_check("own round trip", buf, bytes, rank);

    /* Over p2p as MPI_PACKED. */
    char in[BUF];
    MPI_Status st;
    int got;
    MPI_Sendrecv(buf, bytes, MPI_PACKED, right, 1, in, BUF, MPI_PACKED, left, 1,
                 MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_PACKED, &got);
    CHECK_INT(got, bytes, "MPI_Get_count in MPI_PACKED");
    unpack_check("received as MPI_PACKED", in, got, left);

    /* A packed message received straight into the types it holds. */
    int ints[3];
    MPI_Sendrecv(buf, 3 * (int)sizeof(int), MPI_PACKED, right, 2, ints, 3, MPI_INT, left,
                 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int i = 0; i < 3; i++)
        CHECK_INT(ints[i], left * 100 + i, "MPI_PACKED received as MPI_INT");
}

static void check_bytes(const char *what, const unsigned char *got,
                        const unsigned char *want, int n)
{
    for (int i = 0; i < n; i++)
        CHECK(got[i] == want[i], "%s: byte %d is %02x, expected %02x", what, i, got[i],
              want[i]);
}

static void external32(void)
{
    unsigned char buf[BUF];
    MPI_Aint pos = 0, sz;
    int ints[2] = {0x01020304, -2};
    short shorts[2] = {0x0a0b, -1};
    double dbls[2] = {1.0, -2.5};
    MPI_Pack_external_size("external32", 2, MPI_INT, &sz);
    CHECK_INT(sz, 8, "external32 size of 2 MPI_INT");
    MPI_Pack_external_size("external32", 2, MPI_DOUBLE, &sz);
    CHECK_INT(sz, 16, "external32 size of 2 MPI_DOUBLE");
    MPI_Pack_external_size("external32", 3, MPI_SHORT, &sz);
    CHECK_INT(sz, 6, "external32 size of 3 MPI_SHORT");

    MPI_Pack_external("external32", ints, 2, MPI_INT, buf, BUF, &pos);
    MPI_Pack_external("external32", shorts, 2, MPI_SHORT, buf, BUF, &pos);
    MPI_Pack_external("external32", dbls, 2, MPI_DOUBLE, buf, BUF, &pos);
    CHECK_INT(pos, 8 + 4 + 16, "external32 position");
    const unsigned char want[] = {
        0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe, /* ints */
        0x0a, 0x0b, 0xff, 0xff,                         /* shorts */
        0x3f, 0xf0, 0,    0,    0,    0,    0,    0,    /* 1.0 */
        0xc0, 0x04, 0,    0,    0,    0,    0,    0,    /* -2.5 */
    };
    check_bytes("external32", buf, want, (int)sizeof want);

    int ints2[2];
    short shorts2[2];
    double dbls2[2];
    pos = 0;
    MPI_Unpack_external("external32", buf, BUF, &pos, ints2, 2, MPI_INT);
    MPI_Unpack_external("external32", buf, BUF, &pos, shorts2, 2, MPI_SHORT);
    MPI_Unpack_external("external32", buf, BUF, &pos, dbls2, 2, MPI_DOUBLE);
    CHECK_INT(pos, 28, "external32 position after unpacking");
    CHECK_INT(ints2[0], ints[0], "external32 int");
    CHECK_INT(ints2[1], ints[1], "external32 negative int");
    CHECK_INT(shorts2[1], -1, "external32 short");
    CHECK_DBL(dbls2[1], -2.5, "external32 double");

    /* A derived type: a column of the matrix, big-endian doubles in order. */
    double m[ROWS][COLS], back[ROWS][COLS];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            m[r][c] = r == 0 && c == 1 ? 1.0 : r + c / 10.0;
    pos = 0;
    MPI_Pack_external("external32", &m[0][1], 1, column, buf, BUF, &pos);
    CHECK_INT(pos, ROWS * 8, "external32 column size");
    check_bytes("external32 column", buf, want + 12, 8);
    memset(back, 0, sizeof back);
    pos = 0;
    MPI_Unpack_external("external32", buf, BUF, &pos, &back[0][3], 1, column);
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            CHECK_DBL(back[r][c], c == 3 ? m[r][1] : 0, "external32 column round trip");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("ddt_pack", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    make_types();
    pack_unpack();
    external32();
    MPI_Type_free(&column);
    MPI_Type_free(&item_type);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
