/* test_files.c - the checks on the file system made before any rank starts:
 * the program looked up as execvp will, --wdir, --output-dir made, and the
 * path of ipcrun on the other hosts. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "files.h"
#include "options.h"

#define ERRLEN 512

struct dirs {
    char root[64];
    char bin[96];
    char other[96];
};

static void make_file(const char *dir, const char *name, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\nexit 0\n", f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static int dirs_setup(void **state)
{
    struct dirs *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->root, sizeof d->root, "/tmp/ipc-test-files-XXXXXX");
    if (!mkdtemp(d->root))
        return -1;
    snprintf(d->bin, sizeof d->bin, "%s/bin", d->root);
    snprintf(d->other, sizeof d->other, "%s/other", d->root);
    if (mkdir(d->bin, 0755) || mkdir(d->other, 0755))
        return -1;
    *state = d;
    return 0;
}

static int dirs_teardown(void **state)
{
    struct dirs *d = *state;
    const char *files[] = {"bin/tool",       "bin/plain", "other/plain", "other/tool",
                           "bin/sub/deeper", "bin/sub",   "hosts.txt"};
    char path[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", d->root, files[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(d->bin);
    rmdir(d->other);
    rmdir(d->root);
    free(d);
    return 0;
}

static void program_found_in_path(void **state)
{
    struct dirs *d = *state;
    char path[256], found[256], err[ERRLEN];
    make_file(d->bin, "tool", 0755);
    snprintf(path, sizeof path, "/nonexistent:%s:%s", d->other, d->bin);
    assert_int_equal(
        ipcrun__files_check_program("tool", path, found, sizeof found, err, sizeof err),
        0);
    char want[256];
    snprintf(want, sizeof want, "%s/tool", d->bin);
    assert_string_equal(found, want);
}

static void program_skips_non_executable(void **state)
{
    struct dirs *d = *state;
    char path[256], found[256], err[ERRLEN], want[256];
    make_file(d->other, "tool", 0644);
    make_file(d->bin, "tool", 0755);
    snprintf(path, sizeof path, "%s:%s", d->other, d->bin);
    assert_int_equal(
        ipcrun__files_check_program("tool", path, found, sizeof found, err, sizeof err),
        0);
    snprintf(want, sizeof want, "%s/tool", d->bin);
    assert_string_equal(found, want);
}

static void program_not_executable(void **state)
{
    struct dirs *d = *state;
    char path[256], err[ERRLEN], want[ERRLEN];
    make_file(d->bin, "plain", 0644);
    snprintf(path, sizeof path, "%s", d->bin);
    assert_int_equal(ipcrun__files_check_program("plain", path, NULL, 0, err, sizeof err),
                     -1);
    snprintf(
        want, sizeof want,
        "program 'plain' was found as '%s/plain' but it is not executable; chmod +x it "
        "or fix PATH",
        d->bin);
    assert_string_equal(err, want);
    snprintf(path, sizeof path, "%s/plain", d->bin);
    assert_int_equal(ipcrun__files_check_program(path, NULL, NULL, 0, err, sizeof err),
                     -1);
    snprintf(want, sizeof want,
             "cannot run '%s/plain': it is not executable; chmod +x it", d->bin);
    assert_string_equal(err, want);
}

static void program_not_found(void **state)
{
    struct dirs *d = *state;
    char err[ERRLEN], path[256];
    assert_int_equal(
        ipcrun__files_check_program("no-such-tool", d->bin, NULL, 0, err, sizeof err),
        -1);
    assert_string_equal(err,
                        "program 'no-such-tool' not found in PATH; give its path (e.g. "
                        "./no-such-tool) or add its directory to PATH");
    snprintf(path, sizeof path, "%s/missing", d->bin);
    assert_int_equal(ipcrun__files_check_program(path, NULL, NULL, 0, err, sizeof err),
                     -1);
    char want[ERRLEN];
    snprintf(want, sizeof want, "cannot run '%s/missing': No such file or directory",
             d->bin);
    assert_string_equal(err, want);
    assert_int_equal(ipcrun__files_check_program("", NULL, NULL, 0, err, sizeof err), -1);
    assert_string_equal(err, "the program name is empty; give a program to run");
}

static void program_directory_refused(void **state)
{
    struct dirs *d = *state;
    char err[ERRLEN], want[ERRLEN], sub[128];
    snprintf(sub, sizeof sub, "%s/sub", d->bin);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(ipcrun__files_check_program(d->bin, NULL, NULL, 0, err, sizeof err),
                     -1);
    snprintf(want, sizeof want, "cannot run '%s': Is a directory", d->bin);
    assert_string_equal(err, want);
    /* A directory in PATH with the program's name is not the program. */
    assert_int_equal(ipcrun__files_check_program("sub", d->bin, NULL, 0, err, sizeof err),
                     -1);
}

static void wdir_checks(void **state)
{
    struct dirs *d = *state;
    char err[ERRLEN], want[ERRLEN], path[256];
    assert_int_equal(ipcrun__files_check_wdir(d->bin, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/missing", d->bin);
    assert_int_equal(ipcrun__files_check_wdir(path, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "--wdir '%s': No such file or directory; give an existing directory", path);
    assert_string_equal(err, want);
    make_file(d->bin, "plain", 0644);
    snprintf(path, sizeof path, "%s/plain", d->bin);
    assert_int_equal(ipcrun__files_check_wdir(path, err, sizeof err), -1);
    snprintf(want, sizeof want, "--wdir '%s' is not a directory; give a directory", path);
    assert_string_equal(err, want);
}

static void output_dir_is_made(void **state)
{
    struct dirs *d = *state;
    char err[ERRLEN], want[ERRLEN], path[256];
    struct stat st;
    /* Missing parents are made too; an existing directory is fine. */
    snprintf(path, sizeof path, "%s/sub/deeper/", d->bin);
    assert_int_equal(ipcrun__files_make_output_dir(path, err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(ipcrun__files_make_output_dir(path, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/sub/deeper", d->bin);
    assert_int_equal(rmdir(path), 0);
    /* Under a file: the component that cannot be made is named. */
    make_file(d->bin, "plain", 0644);
    snprintf(path, sizeof path, "%s/plain/x/y", d->bin);
    assert_int_equal(ipcrun__files_make_output_dir(path, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "--output-dir '%s/plain/x/y': cannot create '%s/plain/x': Not a directory",
             d->bin, d->bin);
    assert_string_equal(err, want);
    snprintf(path, sizeof path, "%s/plain", d->bin);
    assert_int_equal(ipcrun__files_make_output_dir(path, err, sizeof err), -1);
    snprintf(want, sizeof want, "--output-dir '%s/plain' exists and is not a directory",
             d->bin);
    assert_string_equal(err, want);
}

static void program_with_slash_ignores_path(void **state)
{
    (void)state;
    char found[256], err[ERRLEN];
    assert_int_equal(ipcrun__files_check_program("/bin/sh", "/nonexistent", found,
                                                 sizeof found, err, sizeof err),
                     0);
    assert_string_equal(found, "/bin/sh");
    /* With PATH unset, the default search path applies, as for execvp. */
    assert_int_equal(
        ipcrun__files_check_program("sh", NULL, found, sizeof found, err, sizeof err), 0);
}

static void remote_ipcrun(void **state)
{
    (void)state;
    struct ipcrun__opts o = {.prefix = "/opt/ipc"};
    char err[ERRLEN], path[4096], self[4096];
    assert_int_equal(ipcrun__files_remote_ipcrun(&o, path, sizeof path, err, sizeof err),
                     0);
    assert_string_equal(path, "/opt/ipc/bin/ipcrun");
    o.prefix = "/opt/ipc//";
    assert_int_equal(ipcrun__files_remote_ipcrun(&o, path, sizeof path, err, sizeof err),
                     0);
    assert_string_equal(path, "/opt/ipc/bin/ipcrun");
    o.prefix = "/";
    assert_int_equal(ipcrun__files_remote_ipcrun(&o, path, sizeof path, err, sizeof err),
                     0);
    assert_string_equal(path, "/bin/ipcrun");
    /* Without --prefix: this very program's absolute path. */
    o.prefix = NULL;
    assert_int_equal(ipcrun__files_remote_ipcrun(&o, path, sizeof path, err, sizeof err),
                     0);
    assert_non_null(realpath("/proc/self/exe", self));
    assert_string_equal(path, self);
    assert_non_null(strstr(path, "/tests/unit/test_files"));
    assert_int_equal(ipcrun__files_remote_ipcrun(&o, path, 8, err, sizeof err), -1);
    assert_string_equal(err, "cannot find where this ipcrun is (/proc/self/exe: path too "
                             "long); give --prefix");
}

/* Rank files in --output-dir: never through a link or into a FIFO, a file of
 * ours replaced, and in another user's sticky directory only new files. */
static void output_files_opened_safely(void **state)
{
    struct dirs *d = *state;
    char err[ERRLEN], path[256];
    struct stat st = {.st_uid = geteuid(), .st_mode = S_IFDIR | 0755};
    bool new_only = true;
    assert_int_equal(
        ipcrun__files_output_dir_mode(d->other, &st, &new_only, err, sizeof err), 0);
    assert_false(new_only);
    st.st_uid = geteuid() + 1;
    assert_int_equal(
        ipcrun__files_output_dir_mode(d->other, &st, &new_only, err, sizeof err), -1);
    assert_non_null(strstr(err, "belongs to another user"));
    st.st_mode |= S_ISVTX;
    assert_int_equal(
        ipcrun__files_output_dir_mode(d->other, &st, &new_only, err, sizeof err), 0);
    assert_true(new_only);

    int dirfd = open(d->other, O_RDONLY | O_DIRECTORY);
    assert_true(dirfd >= 0);
    make_file(d->other, "plain", 0644); /* a file of ours: emptied */
    int fd = ipcrun__files_open_output(dirfd, d->other, "plain", false, err, sizeof err);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    close(fd);
    /* with new_only, not even ours */
    assert_int_equal(
        ipcrun__files_open_output(dirfd, d->other, "plain", true, err, sizeof err), -1);
    assert_non_null(strstr(err, "it exists"));
    snprintf(path, sizeof path, "%s/plain", d->other);
    assert_int_equal(symlinkat(path, dirfd, "tool"), 0); /* a link: refused */
    assert_int_equal(
        ipcrun__files_open_output(dirfd, d->other, "tool", false, err, sizeof err), -1);
    assert_non_null(strstr(err, "symbolic link"));
    assert_int_equal(unlinkat(dirfd, "tool", 0), 0);
    assert_int_equal(mkfifoat(dirfd, "tool", 0644), 0); /* a FIFO: refused, no hang */
    assert_int_equal(
        ipcrun__files_open_output(dirfd, d->other, "tool", false, err, sizeof err), -1);
    close(dirfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(program_found_in_path, dirs_setup, dirs_teardown),
        cmocka_unit_test_setup_teardown(program_skips_non_executable, dirs_setup,
                                        dirs_teardown),
        cmocka_unit_test_setup_teardown(program_not_executable, dirs_setup,
                                        dirs_teardown),
        cmocka_unit_test_setup_teardown(program_not_found, dirs_setup, dirs_teardown),
        cmocka_unit_test_setup_teardown(program_directory_refused, dirs_setup,
                                        dirs_teardown),
        cmocka_unit_test(program_with_slash_ignores_path),
        cmocka_unit_test(remote_ipcrun),
        cmocka_unit_test_setup_teardown(wdir_checks, dirs_setup, dirs_teardown),
        cmocka_unit_test_setup_teardown(output_dir_is_made, dirs_setup, dirs_teardown),
        cmocka_unit_test_setup_teardown(output_files_opened_safely, dirs_setup,
                                        dirs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
