/*
 * replay.c - runs a fuzz target (tests/fuzz/fuzz_*.c) over files, as
 * libFuzzer would run one input: `fuzz_hosts tests/fuzz/corpus/fuzz_hosts/...`
 * (a directory stands for the files in it). Linked with each target by every
 * build, with gcc, so that make check replays the seed corpora without clang
 * (tests/integration/test_fuzz_replay.sh); under SAN=1 with the sanitizers.
 * Prints one line per input; a crash is the target's, a sanitizer report
 * ends the run. Exits 1 when an input could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target over one file; returns 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    for (;;) {
        if (!data) {
            fclose(f);
            fprintf(stderr, "replay: %s: out of memory\n", path);
            return -1;
        }
        len += fread(data + len, 1, cap - len, f);
        if (len < cap)
            break;
        cap *= 2;
        uint8_t *more = realloc(data, cap);
        if (!more)
            free(data);
        data = more;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(data);
        return -1;
    }
    /* An exact-size copy, so that ASan sees any read past the input. */
    uint8_t *input = malloc(len ? len : 1);
    if (!input) {
        free(data);
        fprintf(stderr, "replay: %s: out of memory\n", path);
        return -1;
    }
    memcpy(input, data, len);
    free(data);
    printf("replay: %s (%zu bytes)\n", path, len);
    fflush(stdout);
    LLVMFuzzerTestOneInput(input, len);
    free(input);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **more = realloc(names, cap * sizeof *names);
            if (!more) {
                rc = -1;
                break;
            }
            names = more;
        }
        if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc)
        fprintf(stderr, "replay: %s: out of memory\n", dir);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...: runs the fuzz target over each input\n",
                argv[0]);
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc |= replay_dir(argv[i]);
        else
            rc |= replay_file(argv[i]);
    }
    return rc ? 1 : 0;
}
