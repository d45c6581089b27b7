/*
 * wordcount - count the words of text files, map/reduce style.
 *
 *   ipcrun -n 4 build/apps/wordcount FILE...      count the words of the files
 *   ipcrun -n 4 build/apps/wordcount [-g WORDS]   of a generated text (default
 *                                                 2000000 words)
 *
 * A word is a run of ASCII letters and digits and of non-ASCII bytes (so a
 * UTF-8 word stays whole), counted with ASCII letters in lower case.
 *
 * The pattern: map, shuffle by key, reduce.
 *   map:     the input is split into `size` byte ranges, one per rank; a word
 *            belongs to the range it starts in (the rank reads on past its
 *            range's end to finish its last word, and skips a word that
 *            started before its range). Each rank counts its words in a hash
 *            table. A generated text is made by each rank for its own words.
 *   shuffle: every word has one owner, hash(word) % size. Each rank packs
 *            its (word, count) pairs by owner into one byte buffer;
 *            ipc_alltoall of the byte counts, then ipc_alltoallv of the bytes.
 *   reduce:  each owner adds up the counts it received.
 *
 * The check: rank 0 counts the whole input serially, gathers every owner's
 * table (ipc_gatherv) and compares: each word must come from exactly one
 * owner, with the serial count, and no word may be missing.
 */
#include "common/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a hash table of words and their counts ---- */

struct entry {
    char *word; /* NUL-terminated, owned; NULL: a free slot */
    uint64_t hash, count;
};

struct table {
    struct entry *slots;
    size_t capacity, used; /* capacity is a power of two */
};

/* FNV-1a: the owner of a word is its hash modulo the number of ranks. */
static uint64_t hash_word(const char *w, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)w[i]) * 0x100000001b3ULL;
    return h;
}

static void table_init(struct table *t)
{
    t->capacity = 1024;
    t->used = 0;
    t->slots = wl_alloc(t->capacity * sizeof *t->slots, "the word table");
    memset(t->slots, 0, t->capacity * sizeof *t->slots);
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->capacity; i++)
        free(t->slots[i].word);
    free(t->slots);
}

/* The slot of the word, or the free slot where it would go. */
static struct entry *table_slot(const struct table *t, const char *w, size_t len,
                                uint64_t h)
{
    size_t i = h & (t->capacity - 1);
    while (t->slots[i].word != NULL &&
           (t->slots[i].hash != h || strncmp(t->slots[i].word, w, len) != 0 ||
            t->slots[i].word[len] != '\0'))
        i = (i + 1) & (t->capacity - 1);
    return &t->slots[i];
}

static void table_grow(struct table *t)
{
    struct table bigger = {.capacity = 2 * t->capacity, .used = t->used};
    bigger.slots = wl_alloc(bigger.capacity * sizeof *bigger.slots, "the word table");
    memset(bigger.slots, 0, bigger.capacity * sizeof *bigger.slots);
    for (size_t i = 0; i < t->capacity; i++) {
        struct entry *e = &t->slots[i];
        if (e->word != NULL)
            *table_slot(&bigger, e->word, strlen(e->word), e->hash) = *e;
    }
    free(t->slots);
    *t = bigger;
}

/* Adds `count` to the word's count. Returns 1 if the word was new. */
static int table_add(struct table *t, const char *w, size_t len, uint64_t count)
{
    if (2 * (t->used + 1) > t->capacity)
        table_grow(t);
    uint64_t h = hash_word(w, len);
    struct entry *e = table_slot(t, w, len, h);
    if (e->word != NULL) {
        e->count += count;
        return 0;
    }
    e->word = wl_alloc(len + 1, "a word");
    memcpy(e->word, w, len);
    e->word[len] = '\0';
    e->hash = h;
    e->count = count;
    t->used++;
    return 1;
}

static const struct entry *table_find(const struct table *t, const char *w)
{
    size_t len = strlen(w);
    const struct entry *e = table_slot(t, w, len, hash_word(w, len));
    return e->word != NULL ? e : NULL;
}

/* ---- map: words of a text ---- */

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80;
}

/* Counts into t the words of text[0..len) that start before `end`. The text
 * must begin at a word's start or outside a word, and hold the whole of
 * every word that starts before `end`. */
static void count_words(struct table *t, char *text, size_t len, size_t end)
{
    size_t i = 0;
    for (;;) {
        while (i < len && !is_word_byte(text[i]))
            i++;
        if (i >= len || i >= end)
            return;
        size_t start = i;
        for (; i < len && is_word_byte(text[i]); i++)
            if (text[i] >= 'A' && text[i] <= 'Z')
                text[i] += 'a' - 'A';
        table_add(t, &text[start], i - start, 1);
    }
}

/* ---- map input: byte ranges of files ---- */

struct input {
    int nfiles;
    char **paths;
    long *sizes; /* bytes of each file */
    long total;  /* bytes of all of them */
};

/* Reads len bytes at off into buf; returns how many there were (fewer at the
 * end of the file), or -1. */
static long read_at(int fd, char *buf, long len, long off)
{
    long got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, (size_t)(len - got), off + got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += r;
    }
    return got;
}

/* Counts the words that start in bytes [from, to) of the file into t: reads
 * one byte before `from`, to tell whether a word runs into the range, and
 * past `to` until the last word ends. */
static void count_file_range(struct table *t, const char *path, long size, long from,
                             long to)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "wordcount: cannot open '%s': %s\n", path, strerror(errno));
        ipc_abort(IPC_COMM_WORLD, WL_FAILED);
    }
    long start = from > 0 ? from - 1 : 0, cap = to - start + 4096;
    char *buf = wl_alloc((size_t)cap, "the text");
    long len = read_at(fd, buf, to - start, start);
    while (len > 0 && start + len < size && is_word_byte(buf[len - 1])) {
        if (len + 4096 > cap) {
            cap *= 2;
            char *bigger = realloc(buf, (size_t)cap);
            if (bigger == NULL)
                wl_fail_call(IPC_ERR_NOMEM, "realloc");
            buf = bigger;
        }
        long more = read_at(fd, buf + len, 4096, start + len);
        if (more <= 0) {
            len = more < 0 ? more : len;
            break;
        }
        len += more;
    }
    if (len < 0) {
        fprintf(stderr, "wordcount: cannot read '%s': %s\n", path, strerror(errno));
        ipc_abort(IPC_COMM_WORLD, WL_FAILED);
    }
    close(fd);
    /* A word running into the range from before belongs to the rank before. */
    long skip = 0;
    if (from > 0 && is_word_byte(buf[0]))
        while (skip < len && is_word_byte(buf[skip]))
            skip++;
    else if (from > 0)
        skip = 1;
    long end = to - start - skip; /* where the range ends, after the skip */
    if (end > 0)
        count_words(t, buf + skip, (size_t)(len - skip), (size_t)end);
    free(buf);
}

/* The words starting in this rank's share of the concatenated files. */
static void map_files(struct table *t, const struct input *in)
{
    long lo, hi, file_start = 0;
    wl_block(in->total, wl_size(), wl_rank(), &lo, &hi);
    for (int f = 0; f < in->nfiles; file_start += in->sizes[f], f++) {
        long from = lo > file_start ? lo - file_start : 0;
        long to = hi - file_start < in->sizes[f] ? hi - file_start : in->sizes[f];
        if (from < to)
            count_file_range(t, in->paths[f], in->sizes[f], from, to);
    }
}

/* Every rank learns the files' sizes; 0, or -1 after rank 0 said which file
 * could not be read (every rank agrees, so that all stop together). */
static int open_input(struct input *in, int nfiles, char **paths)
{
    in->nfiles = nfiles;
    in->paths = paths;
    in->sizes = wl_alloc((size_t)nfiles * sizeof(long), "the file sizes");
    in->total = 0;
    int bad = -1, saved_errno = 0;
    for (int f = 0; f < nfiles && bad < 0; f++) {
        struct stat st;
        int fd = open(paths[f], O_RDONLY);
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            saved_errno = fd < 0 ? errno : EINVAL;
            bad = f;
        } else {
            in->sizes[f] = st.st_size;
            in->total += st.st_size;
        }
        if (fd >= 0)
            close(fd);
    }
    int any_bad = bad >= 0;
    wl_try(ipc_allreduce(IPC_IN_PLACE, &any_bad, 1, IPC_INT, IPC_LOR, IPC_COMM_WORLD),
           "ipc_allreduce");
    if (any_bad && wl_rank() == 0)
        fprintf(stderr, "wordcount: cannot read '%s': %s\n",
                bad >= 0 ? paths[bad] : "a file (on another rank)",
                saved_errno == EINVAL ? "not a regular file" : strerror(saved_errno));
    return any_bad ? -1 : 0;
}

/* ---- map input: a generated text ---- */

/* Word i of the generated text: one of VOCABULARY made-up words, the more
 * common the lower its number (log-uniform, roughly Zipf's law), spelt in
 * syllables; a line of 12 words starts with a capital and ends in a stop. */
enum { VOCABULARY = 50000, WORDS_PER_LINE = 12 };

static size_t generated_word(unsigned long long i, char *out)
{
    static const char syllables[16][3] = {"ka", "lo", "mi", "nu", "pe", "ra", "si", "to",
                                          "va", "we", "yo", "zu", "be", "do", "fi", "gu"};
    long number = (long)pow(VOCABULARY, wl_uniform(i)) - 1;
    size_t len = 0;
    do {
        memcpy(&out[len], syllables[number % 16], 2);
        len += 2;
        number /= 16;
    } while (number > 0);
    if (i % WORDS_PER_LINE == 0)
        out[0] += 'A' - 'a';
    if (i % WORDS_PER_LINE == WORDS_PER_LINE - 1) {
        memcpy(&out[len], ".\n", 2);
        len += 2;
    } else {
        out[len++] = ' ';
    }
    return len;
}

/* Words [lo, hi) of the generated text, as text. */
static char *generate_text(long lo, long hi, size_t *len)
{
    char *text = wl_alloc((size_t)(hi - lo) * 12, "the generated text");
    *len = 0;
    for (long i = lo; i < hi; i++)
        *len += generated_word((unsigned long long)i, &text[*len]);
    return text;
}

static void map_generated(struct table *t, long words)
{
    long lo, hi;
    size_t len;
    wl_block(words, wl_size(), wl_rank(), &lo, &hi);
    char *text = generate_text(lo, hi, &len);
    count_words(t, text, len, len);
    free(text);
}

/* ---- shuffle and reduce ---- */

/* Packs the entries of t owned by `owner` (all of them when owner < 0) into
 * buf as word, NUL, 8-byte count; returns the bytes. buf NULL: just counts. */
static size_t pack(const struct table *t, int owner, int size, char *buf)
{
    size_t bytes = 0;
    for (size_t i = 0; i < t->capacity; i++) {
        const struct entry *e = &t->slots[i];
        if (e->word == NULL || (owner >= 0 && (int)(e->hash % (uint64_t)size) != owner))
            continue;
        size_t len = strlen(e->word) + 1;
        if (buf != NULL) {
            memcpy(buf + bytes, e->word, len);
            memcpy(buf + bytes + len, &e->count, sizeof e->count);
        }
        bytes += len + sizeof e->count;
    }
    return bytes;
}

/* Adds the packed pairs of buf[0..bytes) to t; returns how many words were
 * already there. */
static size_t unpack(struct table *t, const char *buf, size_t bytes)
{
    size_t repeated = 0;
    for (size_t at = 0; at < bytes;) {
        size_t len = strlen(buf + at);
        uint64_t count;
        memcpy(&count, buf + at + len + 1, sizeof count);
        repeated += !table_add(t, buf + at, len, count);
        at += len + 1 + sizeof count;
    }
    return repeated;
}

/* Sends every word's count to its owner; returns the owner's table. */
static struct table shuffle(const struct table *mine)
{
    int size = wl_size();
    size_t *counts = wl_alloc(4 * (size_t)size * sizeof(size_t), "the counts");
    size_t *send_counts = counts, *send_displs = counts + size,
           *recv_counts = counts + 2 * size, *recv_displs = counts + 3 * size;
    size_t send_total = 0, recv_total = 0;
    for (int d = 0; d < size; d++) {
        send_counts[d] = pack(mine, d, size, NULL);
        send_displs[d] = send_total;
        send_total += send_counts[d];
    }
    char *send = wl_alloc(send_total, "the shuffle");
    for (int d = 0; d < size; d++)
        pack(mine, d, size, send + send_displs[d]);
    wl_try(ipc_alltoall(send_counts, sizeof(size_t), IPC_BYTE, recv_counts,
                        sizeof(size_t), IPC_BYTE, IPC_COMM_WORLD),
           "ipc_alltoall");
    for (int s = 0; s < size; s++) {
        recv_displs[s] = recv_total;
        recv_total += recv_counts[s];
    }
    char *recv = wl_alloc(recv_total, "the shuffle");
    wl_try(ipc_alltoallv(send, send_counts, send_displs, IPC_BYTE, recv, recv_counts,
                         recv_displs, IPC_BYTE, IPC_COMM_WORLD),
           "ipc_alltoallv");
    struct table owned;
    table_init(&owned);
    unpack(&owned, recv, recv_total);
    free(recv);
    free(send);
    free(counts);
    return owned;
}

/* ---- the check ---- */

/* Rank 0: the serial count of the whole input. */
static void count_serially(struct table *t, const struct input *in, long words)
{
    if (in->nfiles == 0) {
        size_t len;
        char *text = generate_text(0, words, &len);
        count_words(t, text, len, len);
        free(text);
        return;
    }
    for (int f = 0; f < in->nfiles; f++)
        if (in->sizes[f] > 0)
            count_file_range(t, in->paths[f], in->sizes[f], 0, in->sizes[f]);
}

/* The most frequent word: the first in byte order among equals. */
struct top_word {
    char word[64];
    uint64_t count;
};

/* Gathers every owner's table at rank 0 and compares it with the serial
 * count; returns 1 when they agree (at rank 0; 1 elsewhere) and sets *top. */
static int agrees_with_serial(const struct table *owned, const struct input *in,
                              long words, char *why, size_t why_len, struct top_word *top)
{
    int rank = wl_rank(), size = wl_size();
    size_t bytes = pack(owned, -1, size, NULL);
    char *mine = wl_alloc(bytes, "the gather");
    pack(owned, -1, size, mine);
    size_t *counts = wl_alloc(2 * (size_t)size * sizeof(size_t), "the counts");
    size_t *displs = counts + size, total = 0;
    wl_try(ipc_gather(&bytes, sizeof bytes, IPC_BYTE, counts, sizeof bytes, IPC_BYTE, 0,
                      IPC_COMM_WORLD),
           "ipc_gather");
    for (int r = 0; rank == 0 && r < size; r++) {
        displs[r] = total;
        total += counts[r];
    }
    char *all = rank == 0 ? wl_alloc(total, "the gather") : NULL;
    wl_try(ipc_gatherv(mine, bytes, IPC_BYTE, all, counts, displs, IPC_BYTE, 0,
                       IPC_COMM_WORLD),
           "ipc_gatherv");
    int ok = 1;
    if (rank == 0) {
        struct table gathered, serial;
        table_init(&gathered);
        table_init(&serial);
        size_t repeated = unpack(&gathered, all, total);
        count_serially(&serial, in, words);
        if (repeated > 0) {
            snprintf(why, why_len, "%zu words came from more than one rank", repeated);
            ok = 0;
        } else if (gathered.used != serial.used) {
            snprintf(why, why_len, "%zu distinct words, the serial count found %zu",
                     gathered.used, serial.used);
            ok = 0;
        }
        for (size_t i = 0; ok && i < serial.capacity; i++) {
            const struct entry *s = &serial.slots[i], *g;
            if (s->word == NULL)
                continue;
            g = table_find(&gathered, s->word);
            if (g == NULL || g->count != s->count) {
                snprintf(why, why_len,
                         "'%.40s' counted %llu times, the serial count %llu", s->word,
                         g ? (unsigned long long)g->count : 0ULL,
                         (unsigned long long)s->count);
                ok = 0;
            } else if (s->count > top->count ||
                       (s->count == top->count && strcmp(s->word, top->word) < 0)) {
                snprintf(top->word, sizeof top->word, "%s", s->word);
                top->count = s->count;
            }
        }
        table_free(&gathered);
        table_free(&serial);
    }
    free(all);
    free(counts);
    free(mine);
    return ok;
}

int main(int argc, char **argv)
{
    wl_start(&argc, &argv, "wordcount");
    const char *usage = "wordcount [-g WORDS | FILE...]";
    long words = 2000000;
    struct wl_size_arg words_arg = {.name = "WORDS",
                                    .about = "words to generate",
                                    .value = &words,
                                    .min = 1,
                                    .max = 1L << 36};
    struct input in = {0};
    int first_file = 1;
    if (argc > 1 && strcmp(argv[1], "-g") == 0) {
        if (argc != 3) {
            wl_usage_error(usage, "-g needs one number of words and no files");
            return wl_end(WL_USAGE);
        }
        if (wl_parse_size(argv[2], &words_arg, usage) != 0)
            return wl_end(WL_USAGE);
        first_file = argc;
    } else if (argc > 1 && argv[1][0] == '-') {
        wl_usage_error(usage, "unknown option '%s' (a file named so: write ./%s)",
                       argv[1], argv[1]);
        return wl_end(WL_USAGE);
    }
    if (open_input(&in, argc - first_file, argv + first_file) != 0) {
        free(in.sizes);
        return wl_end(WL_USAGE);
    }

    double t0 = wl_clock_start();
    struct table mine;
    table_init(&mine);
    if (in.nfiles > 0)
        map_files(&mine, &in);
    else
        map_generated(&mine, words);
    struct table owned = shuffle(&mine);
    double seconds = wl_clock_stop(t0);

    /* The totals, from the owners' tables. */
    uint64_t totals[2] = {owned.used, 0}; /* distinct words, words */
    for (size_t i = 0; i < owned.capacity; i++)
        totals[1] += owned.slots[i].count;
    wl_try(ipc_allreduce(IPC_IN_PLACE, totals, 2, IPC_UINT64, IPC_SUM, IPC_COMM_WORLD),
           "ipc_allreduce");

    char why[160] = "";
    struct top_word top = {.word = "", .count = 0};
    int ok = agrees_with_serial(&owned, &in, words, why, sizeof why, &top);
    ok = wl_check(ok, "%s", why);
    char source[64];
    if (in.nfiles > 0)
        snprintf(source, sizeof source, "%d file%s, %ld bytes", in.nfiles,
                 in.nfiles == 1 ? "" : "s", in.total);
    else
        snprintf(source, sizeof source, "generated text");
    wl_result(ok, seconds, "%s: %llu words, %llu distinct, most frequent '%s' (%llu)%s",
              source, (unsigned long long)totals[1], (unsigned long long)totals[0],
              top.word, (unsigned long long)top.count,
              ok ? ", same as the serial count" : "");
    table_free(&owned);
    table_free(&mine);
    free(in.sizes);
    return wl_end(ok ? WL_OK : WL_FAILED);
}
