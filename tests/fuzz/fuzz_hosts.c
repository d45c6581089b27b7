/*
 * fuzz_hosts.c - the hosts of a job as the user gives them: a --host value
 * ("a:2,b,[::1]:3", ipcrun__hosts_parse_list) or a hostfile ("node1
 * slots=4" per line, ipcrun__hosts_read_file, read from a memfd), then the
 * ranks dealt to them (ipcrun__hosts_map, by slot or by node), grouped per
 * node (ipcrun__hosts_nodes) and written as IPC_NODE_OF
 * (ipcrun__hosts_node_of_string), all in launcher/hosts.c. Input: 1 byte
 * (bit 0: hostfile, bit 1: map by node), 1 byte of ranks (1..256), then the
 * text.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "hosts.h"

/* The hostfile as a file of its own: a memfd, reached by its /proc path. */
static int read_hostfile(struct ipcrun__hosts *list, const uint8_t *data, size_t size,
                         char *err, size_t errlen)
{
    int fd = memfd_create("fuzz-hostfile", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc = -1;
    if (size == 0 || write(fd, data, size) == (ssize_t)size)
        rc = ipcrun__hosts_read_file(list, path, err, errlen);
    close(fd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    bool file = data[0] & 1;
    enum ipcrun__map_hosts by = data[0] & 2 ? IPCRUN__MAP_NODE : IPCRUN__MAP_SLOT;
    int nranks = 1 + data[1];
    data += 2, size -= 2;

    struct ipcrun__hosts list = {0};
    char err[1024] = "";
    int rc;
    if (file) {
        rc = read_hostfile(&list, data, size, err, sizeof err);
    } else {
        char *spec = fuzz_string(data, size);
        if (!spec)
            return 0;
        rc = ipcrun__hosts_parse_list(&list, "--host", spec, err, sizeof err);
        free(spec);
    }
    if (rc != 0 || list.n == 0) {
        ipcrun__hosts_free(&list);
        return 0;
    }
    for (int i = 0; i < list.n; i++) {
        const struct ipcrun__host *h = &list.v[i];
        if (!memchr(h->name, '\0', sizeof h->name) || !h->name[0] || h->slots < 1 ||
            h->slots > IPCRUN__HOST_SLOTS_MAX)
            fuzz_fail("host %d: name or slots (%d) out of range", i, h->slots);
        (void)ipcrun__host_is_local_to(h->name, "node1.example.com");
    }
    if (ipcrun__hosts_total_slots(&list) < list.n)
        fuzz_fail("fewer slots than hosts");
    int *host_of_rank = malloc((size_t)nranks * sizeof *host_of_rank);
    struct ipcrun__nodes nodes;
    if (host_of_rank &&
        ipcrun__hosts_map(list.v, list.n, nranks, by, host_of_rank) == 0) {
        for (int r = 0; r < nranks; r++)
            if (host_of_rank[r] < 0 || host_of_rank[r] >= list.n)
                fuzz_fail("rank %d mapped to host %d of %d", r, host_of_rank[r], list.n);
        if (ipcrun__hosts_nodes(host_of_rank, nranks, list.n, &nodes) == 0) {
            char *s = ipcrun__hosts_node_of_string(&nodes);
            if (s && strlen(s) > (size_t)nranks * 8)
                fuzz_fail("IPC_NODE_OF past its buffer");
            free(s);
            ipcrun__nodes_free(&nodes);
        }
    }
    free(host_of_rank);
    ipcrun__hosts_free(&list);
    return 0;
}
