/* test_iofwd.c - assembling forwarded output into whole lines: split lines,
 * several lines in one chunk, no final newline, very long lines, the tag, and
 * which pieces start a line (where a timestamp goes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iofwd.h"

#define MAX_EMITS 4096

/* Everything emitted, and where each emitted unit starts and ends. */
struct sink {
    char *bytes;
    size_t len, cap;
    size_t ends[MAX_EMITS];
    bool starts[MAX_EMITS];
    int n;
};

static void collect(void *ctx, const char *data, size_t len, bool starts_line)
{
    struct sink *s = ctx;
    assert_true(s->n < MAX_EMITS);
    assert_true(len > 0);
    if (s->len + len > s->cap) {
        s->cap = (s->len + len) * 2;
        s->bytes = realloc(s->bytes, s->cap);
        assert_non_null(s->bytes);
    }
    memcpy(s->bytes + s->len, data, len);
    s->len += len;
    s->starts[s->n] = starts_line;
    s->ends[s->n++] = s->len;
}

/* Emitted unit i as a string (valid until the next call). */
static const char *unit(const struct sink *s, int i)
{
    static char buf[1 << 16];
    size_t start = i ? s->ends[i - 1] : 0, len = s->ends[i] - start;
    assert_true(len < sizeof buf);
    memcpy(buf, s->bytes + start, len);
    buf[len] = '\0';
    return buf;
}

struct fixture {
    struct ipcrun__linebuf lb;
    struct sink sink;
};

static int setup_plain(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || ipcrun__linebuf_init(&f->lb, NULL, IPCRUN__IOFWD_MAX_LINE))
        return -1;
    *state = f;
    return 0;
}

static int setup_tagged(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || ipcrun__linebuf_init(&f->lb, "[12] ", IPCRUN__IOFWD_MAX_LINE))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ipcrun__linebuf_fini(&f->lb);
    free(f->sink.bytes);
    free(f);
    return 0;
}

static void feed(struct fixture *f, const char *s)
{
    assert_int_equal(ipcrun__linebuf_feed(&f->lb, s, strlen(s), collect, &f->sink), 0);
}

static void one_line_one_chunk(void **state)
{
    struct fixture *f = *state;
    feed(f, "hello\n");
    assert_int_equal(f->sink.n, 1);
    assert_string_equal(unit(&f->sink, 0), "hello\n");
    assert_true(f->sink.starts[0]);
    assert_false(ipcrun__linebuf_pending(&f->lb));
}

static void line_split_across_chunks(void **state)
{
    struct fixture *f = *state;
    feed(f, "hel");
    assert_int_equal(f->sink.n, 0);
    assert_true(ipcrun__linebuf_pending(&f->lb));
    feed(f, "lo wo");
    assert_int_equal(f->sink.n, 0);
    feed(f, "rld\nnext");
    assert_int_equal(f->sink.n, 1);
    assert_string_equal(unit(&f->sink, 0), "hello world\n");
    feed(f, " one\n");
    assert_int_equal(f->sink.n, 2);
    assert_string_equal(unit(&f->sink, 1), "next one\n");
}

static void byte_by_byte(void **state)
{
    struct fixture *f = *state;
    const char *text = "ab\ncd\n\nefg\n";
    for (const char *p = text; *p; p++)
        assert_int_equal(ipcrun__linebuf_feed(&f->lb, p, 1, collect, &f->sink), 0);
    assert_int_equal(f->sink.n, 4);
    assert_string_equal(unit(&f->sink, 0), "ab\n");
    assert_string_equal(unit(&f->sink, 1), "cd\n");
    assert_string_equal(unit(&f->sink, 2), "\n");
    assert_string_equal(unit(&f->sink, 3), "efg\n");
}

static void several_lines_in_one_chunk(void **state)
{
    struct fixture *f = *state;
    feed(f, "one\ntwo\n\nthree\nfour");
    assert_int_equal(f->sink.n, 4);
    assert_string_equal(unit(&f->sink, 0), "one\n");
    assert_string_equal(unit(&f->sink, 1), "two\n");
    assert_string_equal(unit(&f->sink, 2), "\n");
    assert_string_equal(unit(&f->sink, 3), "three\n");
    assert_true(ipcrun__linebuf_pending(&f->lb));
}

static void no_final_newline_is_added_at_eof(void **state)
{
    struct fixture *f = *state;
    feed(f, "done\nno newline");
    assert_int_equal(f->sink.n, 1);
    ipcrun__linebuf_flush(&f->lb, collect, &f->sink);
    assert_int_equal(f->sink.n, 2);
    assert_string_equal(unit(&f->sink, 1), "no newline\n");
    assert_false(ipcrun__linebuf_pending(&f->lb));
    /* Nothing pending: flushing again emits nothing. */
    ipcrun__linebuf_flush(&f->lb, collect, &f->sink);
    assert_int_equal(f->sink.n, 2);
}

static void flush_of_nothing(void **state)
{
    struct fixture *f = *state;
    ipcrun__linebuf_flush(&f->lb, collect, &f->sink);
    feed(f, "x\n");
    ipcrun__linebuf_flush(&f->lb, collect, &f->sink);
    assert_int_equal(f->sink.n, 1);
    assert_string_equal(unit(&f->sink, 0), "x\n");
}

static void tag_prefixes_every_line(void **state)
{
    struct fixture *f = *state;
    feed(f, "a\nbb\n");
    feed(f, "c");
    feed(f, "c\n\n");
    feed(f, "tail");
    ipcrun__linebuf_flush(&f->lb, collect, &f->sink);
    assert_int_equal(f->sink.n, 5);
    assert_string_equal(unit(&f->sink, 0), "[12] a\n");
    assert_string_equal(unit(&f->sink, 1), "[12] bb\n");
    assert_string_equal(unit(&f->sink, 2), "[12] cc\n");
    assert_string_equal(unit(&f->sink, 3), "[12] \n");
    assert_string_equal(unit(&f->sink, 4), "[12] tail\n");
    for (int i = 0; i < 5; i++)
        assert_true(f->sink.starts[i]);
}

/* Lines longer than the buffer leave in pieces; no byte is lost and only the
 * first piece of a line carries the tag. */
static void long_line_in_pieces(void **state)
{
    (void)state;
    struct ipcrun__linebuf lb;
    struct sink s = {0};
    assert_int_equal(ipcrun__linebuf_init(&lb, "[3] ", 8), 0);
    const char *text = "abcdefghijklmnopqrst\nshort\n";
    assert_int_equal(ipcrun__linebuf_feed(&lb, text, strlen(text), collect, &s), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(unit(&s, 0), "[3] abcdefgh");
    assert_string_equal(unit(&s, 1), "ijklmnop");
    assert_string_equal(unit(&s, 2), "qrst\n");
    assert_string_equal(unit(&s, 3), "[3] short\n");
    assert_true(s.starts[0]);
    assert_false(s.starts[1]);
    assert_false(s.starts[2]);
    assert_true(s.starts[3]);
    ipcrun__linebuf_fini(&lb);
    free(s.bytes);
}

static void line_of_exactly_the_buffer(void **state)
{
    (void)state;
    struct ipcrun__linebuf lb;
    struct sink s = {0};
    assert_int_equal(ipcrun__linebuf_init(&lb, NULL, 8), 0);
    /* Seven bytes and the newline fill the buffer exactly: still one line. */
    assert_int_equal(ipcrun__linebuf_feed(&lb, "1234567\n", 8, collect, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(unit(&s, 0), "1234567\n");
    /* Eight bytes without newline leave as a piece; the newline follows alone. */
    assert_int_equal(ipcrun__linebuf_feed(&lb, "12345678", 8, collect, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(unit(&s, 1), "12345678");
    assert_true(ipcrun__linebuf_pending(&lb));
    assert_int_equal(ipcrun__linebuf_feed(&lb, "\n", 1, collect, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(unit(&s, 2), "\n");
    assert_false(ipcrun__linebuf_pending(&lb));
    ipcrun__linebuf_fini(&lb);
    free(s.bytes);
}

static void piece_then_eof_ends_the_line(void **state)
{
    (void)state;
    struct ipcrun__linebuf lb;
    struct sink s = {0};
    assert_int_equal(ipcrun__linebuf_init(&lb, "[0] ", 4), 0);
    assert_int_equal(ipcrun__linebuf_feed(&lb, "abcd", 4, collect, &s), 0);
    ipcrun__linebuf_flush(&lb, collect, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(unit(&s, 0), "[0] abcd");
    assert_string_equal(unit(&s, 1), "\n");
    assert_true(s.starts[0]);
    assert_false(s.starts[1]);
    ipcrun__linebuf_fini(&lb);
    free(s.bytes);
}

/* A line longer than the real limit, fed in odd-sized chunks: pieces of the
 * limit's size, every byte kept. */
static void very_long_line_keeps_every_byte(void **state)
{
    struct fixture *f = *state;
    size_t n = IPCRUN__IOFWD_MAX_LINE + 12345;
    char *text = malloc(n + 1);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)('a' + i % 26);
    text[n] = '\n';
    for (size_t off = 0; off < n + 1;) {
        size_t chunk = n + 1 - off < 7777 ? n + 1 - off : 7777;
        assert_int_equal(
            ipcrun__linebuf_feed(&f->lb, text + off, chunk, collect, &f->sink), 0);
        off += chunk;
    }
    assert_int_equal(f->sink.len, n + 1);
    assert_memory_equal(f->sink.bytes, text, n + 1);
    assert_int_equal(f->sink.n, 2);
    assert_int_equal(f->sink.ends[0], IPCRUN__IOFWD_MAX_LINE);
    assert_true(f->sink.starts[0]);
    assert_false(f->sink.starts[1]);
    free(text);
}

/* A 1 MiB line, far more than a pipe holds, arrives as one unit. */
static void megabyte_line_stays_whole(void **state)
{
    struct fixture *f = *state;
    size_t n = 1u << 20;
    char *text = malloc(n);
    assert_non_null(text);
    memset(text, 'x', n - 1);
    text[n - 1] = '\n';
    for (size_t off = 0; off < n; off += 65536)
        assert_int_equal(
            ipcrun__linebuf_feed(&f->lb, text + off, 65536, collect, &f->sink), 0);
    assert_int_equal(f->sink.n, 1);
    assert_int_equal(f->sink.len, n);
    assert_memory_equal(f->sink.bytes, text, n);
    assert_false(ipcrun__linebuf_pending(&f->lb));
    free(text);
}

static void many_lines_in_a_big_chunk(void **state)
{
    struct fixture *f = *state;
    char text[4000];
    size_t len = 0;
    for (int i = 0; i < 500; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d\n", i % 1000);
    assert_int_equal(ipcrun__linebuf_feed(&f->lb, text, len, collect, &f->sink), 0);
    assert_int_equal(f->sink.n, 500);
    assert_string_equal(unit(&f->sink, 0), "[12] 0\n");
    assert_string_equal(unit(&f->sink, 499), "[12] 499\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(one_line_one_chunk, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(line_split_across_chunks, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(byte_by_byte, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(several_lines_in_one_chunk, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_final_newline_is_added_at_eof, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(flush_of_nothing, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(tag_prefixes_every_line, setup_tagged, teardown),
        cmocka_unit_test(long_line_in_pieces),
        cmocka_unit_test(line_of_exactly_the_buffer),
        cmocka_unit_test(piece_then_eof_ends_the_line),
        cmocka_unit_test_setup_teardown(very_long_line_keeps_every_byte, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(megabyte_line_stays_whole, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(many_lines_in_a_big_chunk, setup_tagged,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
