/*
 * forward.h - moving the ranks' input and output (the I/O side of the event
 * loop, loop.c; line assembly itself is iofwd.c).
 *
 * Output: each rank's stdout and stderr pipes are read as they become
 * readable and written out in whole lines, one write() per line, to ipcrun's
 * stdout and stderr or to the rank's --output-dir files, with the --tag-output
 * and --timestamp-output prefixes.
 *
 * Input: by default one rank reads ipcrun's stdin itself (it inherits the
 * descriptor, so every byte reaches it and a terminal stays a terminal).
 * With --stdin all, ipcrun reads its stdin one chunk at a time and writes the
 * chunk to every rank's stdin pipe before reading the next, so a slow reader
 * holds the others back rather than making ipcrun buffer without bound. A rank
 * that closes its stdin or exits is skipped from then on.
 */
#ifndef IPC_LAUNCHER_FORWARD_H
#define IPC_LAUNCHER_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

struct ipcrun__launch;

/* Bytes of ipcrun's stdin read, forwarded and taken at a time. */
#define IPCRUN__FORWARD_STDIN_CHUNK (64 * 1024)

enum ipcrun__read_result { IPCRUN__READ_DATA, IPCRUN__READ_NOTHING, IPCRUN__READ_CLOSED };

/* Sets up forwarding for the job: line buffers, --output-dir files, the
 * --stdin all buffer. Every descriptor of job->ranks must be -1 before.
 * Returns 0, or -1 with the reason in err; ipcrun__forward_fini() releases what
 * was set up either way. */
int ipcrun__forward_init(struct ipcrun__launch *job, char *err, size_t errlen);
void ipcrun__forward_fini(struct ipcrun__launch *job);

/* Reads one chunk of rank r's stdout (or stderr) and forwards the lines it
 * completes; at end of file the pipe is closed and a last partial line is
 * written with a newline added. */
enum ipcrun__read_result ipcrun__forward_output(struct ipcrun__launch *job, int r,
                                                bool stderr_stream);

/* Forwards len bytes of rank r's stdout (or stderr) that were read from its
 * pipe here or that its node daemon sent; len 0 is the end of the stream (a
 * last partial line is written with a newline added). In a node daemon the
 * bytes go to ipcrun as they are. */
void ipcrun__forward_bytes(struct ipcrun__launch *job, int r, bool stderr_stream,
                           const char *data, size_t len);

/* When ipcrun's own stdout or stderr is gone, closes the ranks' matching
 * pipes, so that a rank writing there sees EPIPE as it would without ipcrun. */
void ipcrun__forward_drop_dead(struct ipcrun__launch *job);

/* Rank r has exited: forwards what it left in its pipes (a bounded number of
 * reads), so that its last words come before ipcrun's report of its end. */
void ipcrun__forward_drain_rank(struct ipcrun__launch *job, int r);

/* After the last rank ended: forwards what is left in every pipe (a bounded
 * number of reads, so that a leftover writer cannot hold ipcrun) and closes
 * them all. */
void ipcrun__forward_drain(struct ipcrun__launch *job);

/* --stdin all. Whether ipcrun should read its stdin now: every rank took the
 * last chunk and some rank still reads. */
bool ipcrun__forward_stdin_wanted(const struct ipcrun__launch *job);
/* Whether rank r's stdin pipe has bytes of the current chunk still to take. */
bool ipcrun__forward_stdin_pending(const struct ipcrun__launch *job, int r);
/* ipcrun's stdin is readable: reads the next chunk. */
void ipcrun__forward_stdin_read(struct ipcrun__launch *job);
/* Rank r's stdin pipe is writable (or broken): writes what it can. */
void ipcrun__forward_stdin_write(struct ipcrun__launch *job, int r);
/* Rank r is gone: stops writing to it. */
void ipcrun__forward_stdin_close(struct ipcrun__launch *job, int r);

/* Registers with the event loop (job->loop) ipcrun's stdin and every rank's
 * stdin, stdout and stderr pipes. Returns 0, or -1 when out of memory. */
int ipcrun__forward_watch(struct ipcrun__launch *job);

/* Formats the --timestamp-output prefix for the wall-clock time now,
 * "[YYYY-MM-DD HH:MM:SS.mmm] ", local time. Returns its length. */
size_t ipcrun__forward_timestamp(char *buf, size_t len);

#endif /* IPC_LAUNCHER_FORWARD_H */
