/*
 * fuzz_topo.c - the node map, IPC_NODE_OF ("0,0,1,1"), as ipc_init reads it
 * (ipc__topo_parse, runtime/topo.c), then the local ranks and node sizes
 * derived from it. Input: 2 bytes of IPC_SIZE (0..4096), then the text.
 */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int n = (int)(fuzz_take_u16(&data, &size) % 4097);
    char *s = fuzz_string(data, size);
    int *node_of = malloc((size_t)n * sizeof *node_of + 1);
    int *local = malloc((size_t)n * sizeof *local + 1);
    char why[256];
    if (s && node_of && local && ipc__topo_parse(s, n, node_of, why, sizeof why) == 0) {
        for (int r = 0; r < n; r++)
            if (node_of[r] < 0 || node_of[r] > (1 << 24))
                fuzz_fail("rank %d: node %d accepted", r, node_of[r]);
        ipc__topo_locals(node_of, n, local);
        for (int r = 0; r < n; r++) {
            int on_node = ipc__topo_node_size(node_of, n, node_of[r]);
            if (local[r] < 0 || local[r] >= on_node)
                fuzz_fail("rank %d: local index %d of %d", r, local[r], on_node);
        }
    } else if (s && node_of && local && !memchr(why, '\0', sizeof why)) {
        fuzz_fail("the reason is not a string");
    }
    free(s);
    free(node_of);
    free(local);
    return 0;
}
