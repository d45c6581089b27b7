/*
 * iofwd.h - assembling a rank's output stream into whole lines.
 *
 * ipcrun writes each line of each rank with one write(), so that lines of two
 * ranks never mix. This module does no I/O: the caller feeds it the bytes it
 * read from a rank's pipe and gets back, through a callback, the pieces to
 * write. Contract of what the callback receives:
 * - a complete line, prefix included, newline included, with starts_line set;
 * - when a line grows past max_line bytes without a newline: pieces of
 *   max_line bytes, the first with the prefix and starts_line, later ones
 *   without either (the bytes are kept as they are; only the line's atomicity
 *   is lost);
 * - at end of stream (ipcrun__linebuf_flush): the pending partial line with a
 *   newline added.
 */
#ifndef IPC_LAUNCHER_IOFWD_H
#define IPC_LAUNCHER_IOFWD_H

#include <stdbool.h>
#include <stddef.h>

/* Lines up to this long are written whole. Buffers grow to it only while such
 * a line is pending, and shrink back after it. */
#define IPCRUN__IOFWD_MAX_LINE (4 * 1024 * 1024)

/* Receives bytes to write out as one unit; they are valid only during the
 * call. starts_line: they begin a line (a timestamp may go in front). */
typedef void (*ipcrun__line_emit_fn)(void *ctx, const char *data, size_t len,
                                     bool starts_line);

struct ipcrun__linebuf {
    char *buf;         /* the prefix, then the pending part of a line */
    size_t cap;        /* bytes allocated at buf */
    size_t prefix_len; /* bytes of prefix at the start of buf */
    size_t len;        /* pending bytes after the prefix */
    size_t max_line;   /* pending bytes that force a piece out */
    bool continued;    /* the pending bytes continue a line already partly written */
};

/* prefix may be NULL or "" (no tag). max_line must be at least 1. Returns 0,
 * or -ENOMEM. */
int ipcrun__linebuf_init(struct ipcrun__linebuf *lb, const char *prefix, size_t max_line);
void ipcrun__linebuf_fini(struct ipcrun__linebuf *lb);

/* Takes n bytes of the stream; emits every line they complete. Returns 0, or
 * -ENOMEM (the bytes not taken are then lost). */
int ipcrun__linebuf_feed(struct ipcrun__linebuf *lb, const char *data, size_t n,
                         ipcrun__line_emit_fn emit, void *ctx);

/* End of stream: emits what is pending, ended with a newline. */
void ipcrun__linebuf_flush(struct ipcrun__linebuf *lb, ipcrun__line_emit_fn emit,
                           void *ctx);

/* Whether bytes of an unfinished line are held. */
bool ipcrun__linebuf_pending(const struct ipcrun__linebuf *lb);

#endif /* IPC_LAUNCHER_IOFWD_H */
