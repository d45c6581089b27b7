/* hosts.c - host lists, hostfiles, mapping ranks to hosts (see hosts.h). */
#include "hosts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* How much of a long host entry a message quotes. */
#define QUOTE_MAX 64

#define STR_(x) #x
#define STR(x) STR_(x)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* ---- the list ---- */

int ipcrun__hosts_add(struct ipcrun__hosts *list, const char *name, size_t namelen,
                      int slots, char *err, size_t errlen)
{
    for (int i = 0; i < list->n; i++) {
        struct ipcrun__host *h = &list->v[i];
        if (strlen(h->name) != namelen || strncasecmp(h->name, name, namelen) != 0)
            continue;
        if (slots > IPCRUN__HOST_SLOTS_MAX - h->slots) {
            snprintf(err, errlen, "host '%s' has more than %d slots in all", h->name,
                     IPCRUN__HOST_SLOTS_MAX);
            return -1;
        }
        h->slots += slots;
        return 0;
    }
    if (list->n >= IPCRUN__HOSTS_MAX) {
        snprintf(err, errlen, "more than %d hosts; name fewer", IPCRUN__HOSTS_MAX);
        return -1;
    }
    if (list->n == list->cap) {
        int cap = list->cap ? 2 * list->cap : 8;
        struct ipcrun__host *v = realloc(list->v, (size_t)cap * sizeof *v);
        if (!v) {
            snprintf(err, errlen, "out of memory reading the hosts");
            return -1;
        }
        list->v = v;
        list->cap = cap;
    }
    struct ipcrun__host *h = &list->v[list->n++];
    memcpy(h->name, name, namelen);
    h->name[namelen] = '\0';
    h->slots = slots;
    return 0;
}

long ipcrun__hosts_total_slots(const struct ipcrun__hosts *list)
{
    long total = 0;
    for (int i = 0; i < list->n; i++)
        total += list->v[i].slots;
    return total;
}

void ipcrun__hosts_free(struct ipcrun__hosts *list)
{
    free(list->v);
    *list = (struct ipcrun__hosts){0};
}

/* ---- one entry: "host", "host:N", "[v6]", "[v6]:N", "v6" ---- */

/* Slots as written after "host:" or "slots=": 1..IPCRUN__HOST_SLOTS_MAX in
 * plain decimal. Returns 0, or -1 with why saying what is wrong with them. */
static int parse_slots(const char *s, size_t len, int *slots, const char **why)
{
    long n = 0;
    bool digits = len > 0;
    for (size_t i = 0; i < len && digits; i++) {
        digits = s[i] >= '0' && s[i] <= '9';
        if (n <= IPCRUN__HOST_SLOTS_MAX)
            n = n * 10 + (s[i] - '0');
    }
    if (!digits || n == 0) {
        *why = "is not a positive number of slots";
        return -1;
    }
    if (n > IPCRUN__HOST_SLOTS_MAX) {
        *why = "is more slots than one host may have (" STR(IPCRUN__HOST_SLOTS_MAX) ")";
        return -1;
    }
    *slots = (int)n;
    return 0;
}

static int check_name(const char *name, size_t len, char *why, size_t whylen)
{
    if (len == 0) {
        snprintf(why, whylen, "empty host name");
        return -1;
    }
    if (len > IPCRUN__HOST_NAME_MAX) {
        snprintf(why, whylen, "the host name is longer than %d characters",
                 IPCRUN__HOST_NAME_MAX);
        return -1;
    }
    /* An agent such as ssh would take it for an option. */
    if (name[0] == '-') {
        snprintf(why, whylen, "a host name cannot start with '-'");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= ' ' || c == 0x7f) {
            snprintf(why, whylen,
                     "a host name cannot contain blanks or control characters");
            return -1;
        }
    }
    return 0;
}

/* Whether name (len bytes) is an IPv6 address, with or without a %zone. */
static bool is_ipv6(const char *name, size_t len)
{
    char addr[INET6_ADDRSTRLEN];
    struct in6_addr in6;
    const char *zone = memchr(name, '%', len);
    size_t addrlen = zone ? (size_t)(zone - name) : len;
    if (addrlen >= sizeof addr)
        return false;
    memcpy(addr, name, addrlen);
    addr[addrlen] = '\0';
    return inet_pton(AF_INET6, addr, &in6) == 1;
}

/* Splits entry s (len bytes, not empty) into a host name and its slots, 0
 * when the entry gives none. An address with two colons or more is IPv6 and
 * takes slots only as "[addr]:N". Returns 0, or -1 with why saying what is
 * wrong with the entry. */
static int parse_entry(const char *s, size_t len, const char **name, size_t *namelen,
                       int *slots, char *why, size_t whylen)
{
    const char *colon = NULL, *slot_why;
    *slots = 0;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close) {
            snprintf(why, whylen, "no ']' after the IPv6 address");
            return -1;
        }
        if (close + 1 < s + len && close[1] != ':') {
            snprintf(why, whylen, "only ':SLOTS' may follow ']'");
            return -1;
        }
        *name = s + 1;
        *namelen = (size_t)(close - s - 1);
        colon = close + 1 < s + len ? close + 1 : NULL;
    } else {
        const char *first = memchr(s, ':', len);
        bool v6 = first && memchr(first + 1, ':', len - (size_t)(first + 1 - s));
        colon = v6 ? NULL : first;
        *name = s;
        *namelen = colon ? (size_t)(colon - s) : len;
    }
    if (check_name(*name, *namelen, why, whylen) != 0)
        return -1;
    if (memchr(*name, ':', *namelen) && !is_ipv6(*name, *namelen)) {
        snprintf(why, whylen,
                 "not an IPv6 address; write HOST:SLOTS, or [ADDRESS]:SLOTS for IPv6");
        return -1;
    }
    if (!colon)
        return 0;
    size_t slotlen = len - (size_t)(colon + 1 - s);
    if (parse_slots(colon + 1, slotlen, slots, &slot_why) != 0) {
        snprintf(why, whylen, "'%.*s' %s", (int)slotlen, colon + 1, slot_why);
        return -1;
    }
    return 0;
}

/* Parses entry s (len bytes); on error err is "<context>'<entry>': <why>". */
static int parse_quoted_entry(const char *context, const char *s, size_t len,
                              const char **name, size_t *namelen, int *slots, char *err,
                              size_t errlen)
{
    char why[160];
    if (parse_entry(s, len, name, namelen, slots, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s'%.*s%s': %s", context,
             (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s, len > QUOTE_MAX ? "..." : "",
             why);
    return -1;
}

int ipcrun__hosts_parse_list(struct ipcrun__hosts *list, const char *option,
                             const char *spec, char *err, size_t errlen)
{
    char context[64];
    snprintf(context, sizeof context, "%s ", option);
    for (const char *p = spec;; p++) {
        size_t len = strcspn(p, ","), namelen;
        const char *name;
        int slots;
        if (len == 0) {
            snprintf(err, errlen,
                     "%s '%s': empty host name; write HOST[:SLOTS][,HOST[:SLOTS]...]",
                     option, spec);
            return -1;
        }
        if (parse_quoted_entry(context, p, len, &name, &namelen, &slots, err, errlen) ||
            ipcrun__hosts_add(list, name, namelen, slots ? slots : 1, err, errlen))
            return -1;
        p += len;
        if (!*p)
            return 0;
    }
}

/* ---- hostfiles ---- */

#define MAX_WORDS 8

/* Cuts line at its comment and splits the rest into blank-separated words;
 * returns how many (MAX_WORDS + 1: too many). */
static int split_words(char *line, char **words)
{
    int n = 0;
    line[strcspn(line, "#")] = '\0';
    for (char *p = line;;) {
        while (is_blank(*p))
            p++;
        if (!*p)
            return n;
        if (n == MAX_WORDS)
            return MAX_WORDS + 1;
        words[n++] = p;
        while (*p && !is_blank(*p))
            p++;
        if (*p)
            *p++ = '\0';
    }
}

static bool has_key(const char *word, const char *key)
{
    size_t len = strlen(key);
    return !strncmp(word, key, len) && word[len] == '=';
}

/* The slots a line's "slots=N" words give (0: none). On error err is
 * "<where>what is wrong". */
static int line_slots(char **words, int n, int entry_slots, const char *where, int *slots,
                      char *err, size_t errlen)
{
    const char *why;
    *slots = entry_slots;
    for (int i = 1; i < n; i++) {
        if (has_key(words[i], "max_slots"))
            continue;
        if (!has_key(words[i], "slots")) {
            snprintf(err, errlen, "%s'%s' is not understood; write HOST [slots=N]", where,
                     words[i]);
            return -1;
        }
        const char *v = words[i] + strlen("slots=");
        if (parse_slots(v, strlen(v), slots, &why) != 0) {
            snprintf(err, errlen, "%s'%s' %s", where, words[i], why);
            return -1;
        }
        if (entry_slots) {
            snprintf(err, errlen, "%s'%s' and '%s' both give the slots; keep one", where,
                     words[0], words[i]);
            return -1;
        }
    }
    return 0;
}

/* One hostfile line. Returns 1 when it named a host, 0 when it is blank or a
 * comment, -1 with "<where>what is wrong" in err. */
static int parse_line(struct ipcrun__hosts *list, char *line, const char *where,
                      char *err, size_t errlen)
{
    char *words[MAX_WORDS], why[256];
    int n = split_words(line, words), entry_slots, slots;
    const char *name;
    size_t namelen;

    if (n == 0)
        return 0;
    if (n > MAX_WORDS) {
        snprintf(err, errlen, "%stoo many words; write HOST [slots=N]", where);
        return -1;
    }
    if (parse_quoted_entry(where, words[0], strlen(words[0]), &name, &namelen,
                           &entry_slots, err, errlen) ||
        line_slots(words, n, entry_slots, where, &slots, err, errlen))
        return -1;
    if (ipcrun__hosts_add(list, name, namelen, slots ? slots : 1, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s%s", where, why);
        return -1;
    }
    return 1;
}

int ipcrun__hosts_read_file(struct ipcrun__hosts *list, const char *path, char *err,
                            size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, where[512];
    size_t cap = 0;
    int lineno = 0, named = 0, rc = 0;

    if (!f) {
        snprintf(err, errlen, "--hostfile '%s': %s; give a readable file", path,
                 strerror(errno));
        return -1;
    }
    errno = 0;
    while (rc >= 0 && getline(&line, &cap, f) >= 0) {
        snprintf(where, sizeof where, "%s:%d: ", path, ++lineno);
        rc = parse_line(list, line, where, err, errlen);
        named += rc > 0;
        errno = 0;
    }
    if (rc >= 0 && ferror(f)) {
        snprintf(err, errlen, "--hostfile '%s': cannot read it: %s", path,
                 strerror(errno ? errno : EIO));
        rc = -1;
    } else if (rc >= 0 && named == 0) {
        snprintf(
            err, errlen,
            "--hostfile '%s' names no host; write one per line, e.g. 'node1 slots=4'",
            path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc < 0 ? -1 : 0;
}

/* ---- mapping ---- */

static void map_by_slot(const struct ipcrun__host *hosts, int nranks, int *host_of_rank)
{
    int h = 0, used = 0;
    for (int r = 0; r < nranks; r++) {
        host_of_rank[r] = h;
        if (++used == hosts[h].slots) {
            h++;
            used = 0;
        }
    }
}

/* Round k gives one rank to every host with more than k slots: that is the
 * round-robin that skips full hosts, in time proportional to the ranks. */
static int map_by_node(const struct ipcrun__host *hosts, int nhosts, int nranks,
                       int *host_of_rank)
{
    int *open = malloc((size_t)nhosts * sizeof *open);
    if (!open)
        return -1;
    int nopen = nhosts, r = 0;
    for (int i = 0; i < nhosts; i++)
        open[i] = i;
    for (int k = 0; r < nranks && nopen > 0; k++) {
        int kept = 0;
        for (int i = 0; i < nopen && r < nranks; i++) {
            host_of_rank[r++] = open[i];
            if (hosts[open[i]].slots > k + 1)
                open[kept++] = open[i];
        }
        nopen = kept;
    }
    free(open);
    return 0;
}

int ipcrun__hosts_map(const struct ipcrun__host *hosts, int nhosts, int nranks,
                      enum ipcrun__map_hosts by, int *host_of_rank)
{
    long total = 0;
    for (int i = 0; i < nhosts; i++)
        total += hosts[i].slots;
    int once = total < nranks ? (int)total : nranks;
    if (by == IPCRUN__MAP_NODE) {
        if (map_by_node(hosts, nhosts, once, host_of_rank) != 0)
            return -1;
    } else {
        map_by_slot(hosts, once, host_of_rank);
    }
    for (int r = once; r < nranks; r++)
        host_of_rank[r] = host_of_rank[r - once];
    return 0;
}

/* ---- nodes ---- */

void ipcrun__nodes_free(struct ipcrun__nodes *nodes)
{
    free(nodes->host);
    free(nodes->first);
    free(nodes->ranks);
    free(nodes->node_of_rank);
    free(nodes->local_rank);
    *nodes = (struct ipcrun__nodes){0};
}

int ipcrun__hosts_nodes(const int *host_of_rank, int nranks, int nhosts,
                        struct ipcrun__nodes *out)
{
    int *node_of_host = calloc((size_t)nhosts, sizeof *node_of_host);
    int *count = calloc((size_t)nhosts + 1, sizeof *count);
    struct ipcrun__nodes n = {.nranks = nranks};

    n.host = malloc((size_t)nhosts * sizeof *n.host);
    n.first = calloc((size_t)nhosts + 1, sizeof *n.first);
    n.ranks = malloc((size_t)nranks * sizeof *n.ranks);
    n.node_of_rank = malloc((size_t)nranks * sizeof *n.node_of_rank);
    n.local_rank = malloc((size_t)nranks * sizeof *n.local_rank);
    *out = (struct ipcrun__nodes){0};
    if (!node_of_host || !count || !n.host || !n.first || !n.ranks || !n.node_of_rank ||
        !n.local_rank)
        goto fail;
    for (int r = 0; r < nranks; r++)
        count[host_of_rank[r]]++;
    for (int h = 0; h < nhosts; h++) {
        if (count[h] == 0)
            continue;
        node_of_host[h] = n.nnodes;
        n.host[n.nnodes] = h;
        n.first[n.nnodes + 1] = n.first[n.nnodes] + count[h];
        count[h] = 0; /* from here: ranks placed on the host so far */
        n.nnodes++;
    }
    for (int r = 0; r < nranks; r++) {
        int h = host_of_rank[r], node = node_of_host[h];
        n.node_of_rank[r] = node;
        n.local_rank[r] = count[h];
        n.ranks[n.first[node] + count[h]++] = r;
    }
    free(node_of_host);
    free(count);
    *out = n;
    return 0;
fail:
    free(node_of_host);
    free(count);
    ipcrun__nodes_free(&n);
    return -1;
}

char *ipcrun__hosts_node_of_string(const struct ipcrun__nodes *nodes)
{
    /* Each entry is at most 6 digits (nodes <= IPCRUN__HOSTS_MAX) and a comma. */
    size_t cap = (size_t)nodes->nranks * 8 + 1, used = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int r = 0; r < nodes->nranks; r++)
        used += (size_t)snprintf(s + used, cap - used, "%s%d", r ? "," : "",
                                 nodes->node_of_rank[r]);
    return s;
}

/* ---- this host ---- */

/* Whether a and b name the same host, b perhaps being a's short form (up to
 * the first '.'). Only a name without a domain matches a longer one: node1
 * is node1.example.com, but node1.a.org is not node1.b.org. */
static bool same_name(const char *a, const char *b)
{
    if (!strcasecmp(a, b))
        return true;
    size_t la = strcspn(a, "."), lb = strcspn(b, ".");
    if (!b[lb] && a[la])
        return la == lb && !strncasecmp(a, b, la);
    if (!a[la] && b[lb])
        return la == lb && !strncasecmp(a, b, lb);
    return false;
}

bool ipcrun__host_is_local_to(const char *name, const char *self)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (!strcasecmp(name, "localhost") || !strcasecmp(name, "localhost.localdomain"))
        return true;
    if (inet_pton(AF_INET, name, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, name, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return *name && self && *self && same_name(name, self);
}

bool ipcrun__host_is_local(const char *name)
{
    char self[IPCRUN__HOST_NAME_MAX + 1];
    if (gethostname(self, sizeof self) != 0)
        self[0] = '\0';
    self[sizeof self - 1] = '\0';
    /* Inside a Slurm job step, the node's Slurm name is this host's too. */
    const char *node = getenv("SLURMD_NODENAME");
    return ipcrun__host_is_local_to(name, self) ||
           (node && *node && !strcasecmp(name, node));
}
