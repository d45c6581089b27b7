/*
 * fuzz_pmi2_mapping.c - PMI_process_mapping, the job attribute a PMI-2
 * server (srun --mpi=pmi2) gives for where the ranks run,
 * "(vector,(0,2,4),(2,1,3))", turned into IPC_NODE_OF's text
 * (ipc__pmi2_parse_mapping, runtime/boot/pmi2.c), which ipc__topo_parse
 * then reads. Input: 2 bytes of job size (1..4096), then the text. Only the
 * public signature is used: the parser is being hardened on another branch.
 */
#include "boot/boot.h"
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int n = 1 + (int)(fuzz_take_u16(&data, &size) % 4096);
    char *s = fuzz_string(data, size);
    char *out = NULL;
    int *node_of = malloc((size_t)n * sizeof *node_of);
    char why[256];
    if (s && node_of && ipc__pmi2_parse_mapping(s, n, &out) == 0) {
        if (!out)
            fuzz_fail("success without a node map");
        /* Reads it as a string to its end: ASan sees one not ended in its
         * buffer. */
        (void)ipc__topo_parse(out, n, node_of, why, sizeof why);
    }
    free(out);
    free(node_of);
    free(s);
    return 0;
}
