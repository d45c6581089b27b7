/*
 * fuzz_nodemsg.c - the stream between ipcrun and a node daemon
 * (launcher/nodemsg.c): bytes read from a pipe in whatever pieces it gives
 * (ipcrun__nodelink_read) and cut into messages (ipcrun__nodelink_next),
 * as both ipcrun and the daemon read it. A message taken must lie within
 * what was read; a header past the largest payload ends the stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "nodemsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return 0;
    struct ipcrun__nodelink l;
    ipcrun__nodelink_init(&l, p[0], -1);
    size_t fed = 0, taken = 0;
    bool ended = false;
    while (!ended) {
        /* Feed the next piece (the pipe holds at least 4 KiB); its size comes
         * from the input too, so messages arrive split anywhere. */
        if (fed < size) {
            size_t piece = 1 + (data[fed] * 37u) % 4096;
            if (piece > size - fed)
                piece = size - fed;
            ssize_t w = write(p[1], data + fed, piece);
            if (w > 0)
                fed += (size_t)w;
        }
        if (fed == size && p[1] >= 0) {
            close(p[1]);
            p[1] = -1;
        }
        ssize_t n = ipcrun__nodelink_read(&l);
        if (n == 0)
            ended = true;
        else if (n < 0 && n != -EAGAIN)
            fuzz_fail("read: %s", strerror((int)-n));
        for (;;) {
            struct ipcrun__node_hdr h;
            const char *payload = NULL;
            int got = ipcrun__nodelink_next(&l, &h, &payload);
            if (got < 0) {
                ended = true;
                break;
            }
            if (got == 0)
                break;
            if (h.len > IPCRUN__NODE_MAX_PAYLOAD || !payload || payload < l.rx.data ||
                payload + h.len > l.rx.data + l.rx.len)
                fuzz_fail("a message of %u bytes outside what was read", h.len);
            if (memcmp(payload, data + taken + sizeof h, h.len) != 0)
                fuzz_fail("a message whose payload is not what was sent");
            taken += sizeof h + h.len;
        }
    }
    if (p[1] >= 0)
        close(p[1]);
    ipcrun__nodelink_fini(&l);
    return 0;
}
