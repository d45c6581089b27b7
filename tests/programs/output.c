/*
 * output - many lines, fast, on stdout and stderr, to check that the
 * launcher forwards every line whole and never mixes two ranks' lines.
 *
 *   output [LINES]     (default 2000)
 *
 * Every rank writes, on each of stdout ("out") and stderr ("err"), lines
 *   <out|err> R I L PAYLOAD end R I
 * where PAYLOAD is L copies of the letter 'a' + (7R + I) mod 26, for
 * I = 0..LINES+1. Line LINES is longer than 100 KiB; line LINES+1 is the
 * last one and has no newline. A checker can tell from any line alone
 * whether it arrived whole. stdout is left fully buffered and stderr
 * unbuffered, so lines reach the launcher cut at arbitrary points.
 */
#include "check.h"

#include <errno.h>
#include <limits.h>

enum { LONG_LINE = 120 * 1024, LAST_LEN = 10 };

static char *letters;

static void emit(FILE *f, const char *stream, int i, int len, const char *end)
{
    memset(letters, 'a' + (7 * t_rank + i) % 26, (size_t)len);
    fprintf(f, "%s %d %d %d %.*s end %d %d%s", stream, t_rank, i, len, len, letters, t_rank, i,
            end);
}

static int parse_lines(int argc, char **argv)
{
    if (argc < 2)
        return 2000;
    char *end;
    errno = 0;
    long v = strtol(argv[1], &end, 10);
    if (errno || end == argv[1] || *end || v < 0 || v > INT_MAX / 2) {
        fprintf(stderr, "output: LINES must be a number of lines, got '%s'\n", argv[1]);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "output");
    int lines = parse_lines(argc, argv);
    letters = t_alloc(LONG_LINE + t_size);

    for (int i = 0; i < lines; i++) {
        int len = 1 + (i * 37 + t_rank * 11) % 300;
        emit(stdout, "out", i, len, "\n");
        emit(stderr, "err", i, len, "\n");
    }
    emit(stdout, "out", lines, LONG_LINE + t_rank, "\n");
    emit(stderr, "err", lines, LONG_LINE + t_rank, "\n");
    emit(stdout, "out", lines + 1, LAST_LEN, "");
    emit(stderr, "err", lines + 1, LAST_LEN, "");
    fflush(stdout);

    free(letters);
    T_OK(ipc_finalize());
    return 0;
}
