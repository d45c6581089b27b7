/* iofwd.c - line assembly for forwarded output; no I/O here (see iofwd.h). */
#include "iofwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LINEBUF_INITIAL 256
/* A buffer grown past this for one long line is given back afterwards, so
 * that many ranks that each once wrote a long line do not pin the memory. */
#define LINEBUF_KEEP (64 * 1024)

int ipcrun__linebuf_init(struct ipcrun__linebuf *lb, const char *prefix, size_t max_line)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    size_t cap = plen + LINEBUF_INITIAL;

    *lb =
        (struct ipcrun__linebuf){.prefix_len = plen, .max_line = max_line ? max_line : 1};
    lb->buf = malloc(cap);
    if (!lb->buf)
        return -ENOMEM;
    lb->cap = cap;
    if (plen)
        memcpy(lb->buf, prefix, plen);
    return 0;
}

void ipcrun__linebuf_fini(struct ipcrun__linebuf *lb)
{
    free(lb->buf);
    *lb = (struct ipcrun__linebuf){0};
}

bool ipcrun__linebuf_pending(const struct ipcrun__linebuf *lb)
{
    return lb->len > 0 || lb->continued;
}

/* Room for the prefix, `want` pending bytes and the newline flush may add. */
static int reserve(struct ipcrun__linebuf *lb, size_t want)
{
    size_t need = lb->prefix_len + want + 1;
    if (need <= lb->cap)
        return 0;
    size_t cap = lb->cap;
    while (cap < need)
        cap *= 2;
    char *p = realloc(lb->buf, cap);
    if (!p)
        return -ENOMEM;
    lb->buf = p;
    lb->cap = cap;
    return 0;
}

/* A piece that starts a line carries the prefix; a continuation does not. */
static void emit_pending(struct ipcrun__linebuf *lb, ipcrun__line_emit_fn emit, void *ctx)
{
    if (lb->continued)
        emit(ctx, lb->buf + lb->prefix_len, lb->len, false);
    else
        emit(ctx, lb->buf, lb->prefix_len + lb->len, true);
    lb->len = 0;
    if (lb->cap > LINEBUF_KEEP) {
        size_t cap = lb->prefix_len + LINEBUF_INITIAL;
        char *p = realloc(lb->buf, cap);
        if (p) {
            lb->buf = p;
            lb->cap = cap;
        }
    }
}

int ipcrun__linebuf_feed(struct ipcrun__linebuf *lb, const char *data, size_t n,
                         ipcrun__line_emit_fn emit, void *ctx)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) + 1 : n;
        size_t room = lb->max_line - lb->len;
        bool complete = nl != NULL && take <= room;

        if (take > room)
            take = room;
        /* Without a prefix or a held partial line, a whole line goes out
         * straight from the caller's bytes. */
        if (complete && lb->len == 0 && lb->prefix_len == 0 && !lb->continued) {
            emit(ctx, data, take, true);
        } else {
            if (reserve(lb, lb->len + take))
                return -ENOMEM;
            memcpy(lb->buf + lb->prefix_len + lb->len, data, take);
            lb->len += take;
            if (complete || lb->len == lb->max_line) {
                emit_pending(lb, emit, ctx);
                lb->continued = !complete;
            }
        }
        data += take;
        n -= take;
    }
    return 0;
}

void ipcrun__linebuf_flush(struct ipcrun__linebuf *lb, ipcrun__line_emit_fn emit,
                           void *ctx)
{
    if (!ipcrun__linebuf_pending(lb))
        return;
    /* reserve() always leaves room for this newline. */
    lb->buf[lb->prefix_len + lb->len] = '\n';
    lb->len++;
    emit_pending(lb, emit, ctx);
    lb->continued = false;
}
