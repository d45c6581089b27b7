/*
 * files.h - what ipcrun checks on the file system before any rank starts,
 * so that a mistake is a usage error (status 2) and not a failed job: the
 * program, looked up once for all ranks the way execvp will, --wdir,
 * --output-dir (made, and how files are opened in it), the --trace and --stats-json
 * files, and the path of ipcrun on the other hosts.
 */
#ifndef IPC_LAUNCHER_FILES_H
#define IPC_LAUNCHER_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "options.h"

/* Every check the options of a job need, the hostfile already read: the
 * program is looked up from ipcrun's directory in PATH and opts->prog_path
 * set to found (absolute when ranks or daemons start elsewhere). Returns 0,
 * or -1 with the reason in err. */
int ipcrun__files_check(struct ipcrun__opts *opts, char *found, size_t foundlen,
                        char *err, size_t errlen);

/* The path of ipcrun on the other hosts: PREFIX/bin/ipcrun with --prefix,
 * else the absolute path of this ipcrun (/proc/self/exe). Returns 0, or -1
 * with the reason in err. */
int ipcrun__files_remote_ipcrun(const struct ipcrun__opts *opts, char *out, size_t outlen,
                                char *err, size_t errlen);

/* Checks, the way execvp will look it up, that prog names an executable
 * regular file. path is the PATH to search (NULL: the execvp default). On
 * success returns 0 and writes the file found to found (may be NULL);
 * otherwise returns -1 with the reason in err. */
int ipcrun__files_check_program(const char *prog, const char *path, char *found,
                                size_t foundlen, char *err, size_t errlen);

/* Checks that --wdir names a directory ranks can enter. Returns 0, or -1
 * with the reason in err. */
int ipcrun__files_check_wdir(const char *dir, char *err, size_t errlen);

/* Creates the --output-dir directory (and its parents) unless it exists and
 * checks that files can be made in it. Returns 0, or -1 with the reason in
 * err. */
int ipcrun__files_make_output_dir(const char *dir, char *err, size_t errlen);

/* Whether ipcrun may write rank files in --output-dir dir, whose stat is st:
 * one's own directory (0, *new_only false: files in it are replaced), another
 * user's sticky one (0, *new_only true: only new files), or another user's
 * that is not sticky (-1 with the reason in err: its owner could put a link
 * in place of any file). */
int ipcrun__files_output_dir_mode(const char *dir, const struct stat *st, bool *new_only,
                                  char *err, size_t errlen);

/* Opens name in the --output-dir dir (dirfd) for writing, emptied: never
 * through a symbolic link, and a file already there only if it is a regular
 * file of ipcrun's user with one link (with new_only, none may be there).
 * Returns the descriptor (close-on-exec), or -1 with the reason in err. */
int ipcrun__files_open_output(int dirfd, const char *dir, const char *name, bool new_only,
                              char *err, size_t errlen);

/* Checks that the file opt (--trace, --stats-json) names can be written at
 * the end of the job: its directory exists and is writable, and it is not a
 * directory. Returns 0, or -1 with the reason in err. */
int ipcrun__files_check_output_file(const char *opt, const char *path, char *err,
                                    size_t errlen);

#endif /* IPC_LAUNCHER_FILES_H */
