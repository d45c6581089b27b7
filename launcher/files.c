/* files.c - what ipcrun checks on the file system before any rank starts
 * (see files.h). */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ipcrun__files_remote_ipcrun(const struct ipcrun__opts *o, char *out, size_t outlen,
                                char *err, size_t errlen)
{
    if (o->prefix) {
        size_t len = strlen(o->prefix);
        while (len > 0 && o->prefix[len - 1] == '/')
            len--;
        if ((size_t)snprintf(out, outlen, "%.*s/bin/ipcrun", (int)len, o->prefix) >=
            outlen) {
            ipcrun__set_err(err, errlen, "--prefix '%s' is too long", o->prefix);
            return -1;
        }
        return 0;
    }
    ssize_t n = readlink("/proc/self/exe", out, outlen);
    if (n < 0 || (size_t)n >= outlen) {
        ipcrun__set_err(
            err, errlen,
            "cannot find where this ipcrun is (/proc/self/exe: %s); give --prefix",
            n < 0 ? strerror(errno) : "path too long");
        return -1;
    }
    out[n] = '\0';
    return 0;
}

/* 0: an executable regular file; 1: a regular file without execute
 * permission; -1: nothing usable (errno says why). */
static int probe_file(const char *file)
{
    struct stat st;
    if (stat(file, &st) != 0)
        return -1;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = EACCES;
        return -1;
    }
    return access(file, X_OK) == 0 ? 0 : 1;
}

static int check_path_name(const char *prog, char *found, size_t foundlen, char *err,
                           size_t errlen)
{
    int r = probe_file(prog);
    if (r == 0) {
        if (found)
            snprintf(found, foundlen, "%s", prog);
        return 0;
    }
    if (r == 1)
        ipcrun__set_err(err, errlen, "cannot run '%s': it is not executable; chmod +x it",
                        prog);
    else
        ipcrun__set_err(err, errlen, "cannot run '%s': %s", prog, strerror(errno));
    return -1;
}

int ipcrun__files_check_program(const char *prog, const char *path, char *found,
                                size_t foundlen, char *err, size_t errlen)
{
    char defpath[PATH_MAX], file[PATH_MAX], noexec[PATH_MAX] = "";

    if (!*prog) {
        ipcrun__set_err(err, errlen, "the program name is empty; give a program to run");
        return -1;
    }
    if (strchr(prog, '/'))
        return check_path_name(prog, found, foundlen, err, errlen);
    if (!path) {
        size_t n = confstr(_CS_PATH, defpath, sizeof defpath);
        path = n > 0 && n <= sizeof defpath ? defpath : "/bin:/usr/bin";
    }
    for (const char *p = path;; p++) {
        size_t dirlen = strcspn(p, ":");
        int n = dirlen ? snprintf(file, sizeof file, "%.*s/%s", (int)dirlen, p, prog)
                       : snprintf(file, sizeof file, "%s", prog); /* empty entry: cwd */
        if (n > 0 && (size_t)n < sizeof file) {
            int r = probe_file(file);
            if (r == 0) {
                if (found)
                    snprintf(found, foundlen, "%s", file);
                return 0;
            }
            if (r == 1 && !noexec[0])
                snprintf(noexec, sizeof noexec, "%s", file);
        }
        p += dirlen;
        if (!*p)
            break;
    }
    if (noexec[0])
        ipcrun__set_err(err, errlen,
                        "program '%s' was found as '%s' but it is not executable; "
                        "chmod +x it or fix PATH",
                        prog, noexec);
    else
        ipcrun__set_err(err, errlen,
                        "program '%s' not found in PATH; give its path (e.g. ./%s) or "
                        "add its directory to PATH",
                        prog, prog);
    return -1;
}

int ipcrun__files_check_wdir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        ipcrun__set_err(err, errlen, "--wdir '%s': %s; give an existing directory", dir,
                        strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        ipcrun__set_err(err, errlen, "--wdir '%s' is not a directory; give a directory",
                        dir);
        return -1;
    }
    if (access(dir, X_OK) != 0) {
        ipcrun__set_err(err, errlen, "--wdir '%s': ranks could not enter it: %s", dir,
                        strerror(errno));
        return -1;
    }
    return 0;
}

/* mkdir -p: each missing component of dir, in order. On failure returns -1
 * with errno set and *failed_len the length of the prefix that failed. */
static int make_dirs(const char *dir, size_t *failed_len)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    *failed_len = len;
    if (len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        int rc = mkdir(path, 0777);
        path[i] = dir[i];
        if (rc != 0 && errno != EEXIST) {
            *failed_len = i;
            return -1;
        }
    }
    return 0;
}

int ipcrun__files_output_dir_mode(const char *dir, const struct stat *st, bool *new_only,
                                  char *err, size_t errlen)
{
    *new_only = false;
    if (st->st_uid == geteuid())
        return 0;
    /* Its owner can replace any file in it by a link to one of ours. In a
     * sticky directory only the files we create are out of other hands. */
    if (st->st_mode & S_ISVTX) {
        *new_only = true;
        return 0;
    }
    ipcrun__set_err(
        err, errlen,
        "--output-dir '%s' belongs to another user (uid %u) and is not sticky: "
        "its files could be links to anything; give a directory of your own",
        dir, (unsigned)st->st_uid);
    return -1;
}

int ipcrun__files_make_output_dir(const char *dir, char *err, size_t errlen)
{
    size_t failed_len;
    struct stat st;
    bool new_only;

    if (make_dirs(dir, &failed_len) != 0) {
        ipcrun__set_err(err, errlen, "--output-dir '%s': cannot create '%.*s': %s", dir,
                        (int)failed_len, dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ipcrun__set_err(err, errlen, "--output-dir '%s' exists and is not a directory",
                        dir);
        return -1;
    }
    if (ipcrun__files_output_dir_mode(dir, &st, &new_only, err, errlen) != 0)
        return -1;
    if (access(dir, W_OK | X_OK) != 0) {
        ipcrun__set_err(err, errlen, "--output-dir '%s': cannot create files in it: %s",
                        dir, strerror(errno));
        return -1;
    }
    return 0;
}

int ipcrun__files_open_output(int dirfd, const char *dir, const char *name, bool new_only,
                              char *err, size_t errlen)
{
    /* Non-blocking: a FIFO in its place must not hang ipcrun. */
    int fd = openat(dirfd, name,
                    O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
                        (new_only ? O_EXCL : 0),
                    0666);
    struct stat st;
    if (fd < 0) {
        if (errno == EEXIST)
            ipcrun__set_err(err, errlen,
                            "cannot create '%s/%s': it exists, and the directory belongs "
                            "to another user; remove it or give a directory of your own",
                            dir, name);
        else
            ipcrun__set_err(err, errlen, "cannot create '%s/%s': %s%s", dir, name,
                            strerror(errno),
                            errno == ELOOP ? " (it is a symbolic link; remove it)" : "");
        return -1;
    }
    /* A file already there is replaced only if it is a file of ours with no
     * other name. */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        st.st_nlink != 1) {
        ipcrun__set_err(err, errlen,
                        "cannot replace '%s/%s': it exists and is not a file of yours "
                        "alone; remove it",
                        dir, name);
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (ftruncate(fd, 0) != 0 || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        ipcrun__set_err(err, errlen, "cannot create '%s/%s': %s", dir, name,
                        strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int ipcrun__files_check_output_file(const char *opt, const char *path, char *err,
                                    size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        ipcrun__set_err(err, errlen, "%s '%s' is a directory; give a file name", opt,
                        path);
        return -1;
    }
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (access(dir, W_OK) != 0) {
        ipcrun__set_err(err, errlen,
                        "%s '%s': cannot write in '%s': %s; give a file in a "
                        "directory that exists and is writable",
                        opt, path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Ranks chdir to --wdir before exec: a relative program path must not
 * change meaning. */
static int absolute(char *path, size_t len, char *err, size_t errlen)
{
    char cwd[PATH_MAX], joined[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        snprintf(err, errlen, "cannot find the current directory: %s", strerror(errno));
        return -1;
    }
    if ((size_t)snprintf(joined, sizeof joined, "%s/%s", cwd, path) >= sizeof joined ||
        strlen(joined) >= len) {
        snprintf(err, errlen, "the path of '%s' is too long", path);
        return -1;
    }
    memcpy(path, joined, strlen(joined) + 1);
    return 0;
}

/* The checks that look at the file system, made before any rank starts so
 * that a mistake is a usage error (status 2) and not a failed job. The
 * program is looked up here, from ipcrun's directory, once for all ranks. */
int ipcrun__files_check(struct ipcrun__opts *opts, char *found, size_t foundlen,
                        char *err, size_t errlen)
{
    if (ipcrun__files_check_program(opts->prog_argv[0], getenv("PATH"), found, foundlen,
                                    err, errlen) != 0)
        return -1;
    opts->prog_path = found;
    if (opts->wdir && ipcrun__files_check_wdir(opts->wdir, err, errlen) != 0)
        return -1;
    /* Daemons on other hosts start elsewhere, and ranks in --wdir. */
    if ((opts->wdir || opts->hosts.n > 0) && found[0] != '/' &&
        absolute(found, foundlen, err, errlen) != 0)
        return -1;
    if (opts->output_dir &&
        ipcrun__files_make_output_dir(opts->output_dir, err, errlen) != 0)
        return -1;
    if ((opts->trace &&
         ipcrun__files_check_output_file("--trace", opts->trace, err, errlen)) ||
        (opts->stats_json &&
         ipcrun__files_check_output_file("--stats-json", opts->stats_json, err, errlen)))
        return -1;
    return 0;
}
