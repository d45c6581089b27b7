/* netif.c - choosing a local IPv4 address by interface name, subnet or
 * address (see netif.h). */
#include "netif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum spec_kind { SPEC_DEFAULT, SPEC_NAME, SPEC_CIDR, SPEC_ADDR };

struct spec {
    enum spec_kind kind;
    const char *text; /* as given, for messages */
    uint32_t net;     /* SPEC_CIDR, SPEC_ADDR: host order */
    uint32_t mask;    /* SPEC_CIDR */
};

/* Appends to a message; one that does not fit ends in "...". */
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strnlen(buf, cap);
    if (cap < 4 || len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= cap - len)
        memcpy(buf + cap - 4, "...", 4);
}

static bool parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

/* "a.b.c.d/len"; host bits may be set (10.1.0.5/16 means 10.1.0.0/16). */
static bool parse_cidr(const char *s, struct spec *out)
{
    char host[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    const char *len = slash + 1;
    if ((size_t)(slash - s) >= sizeof host || len[0] < '0' || len[0] > '9')
        return false;
    memcpy(host, s, (size_t)(slash - s));
    host[slash - s] = '\0';
    int bits = len[0] - '0';
    if (len[1] >= '0' && len[1] <= '9')
        bits = bits * 10 + len[1] - '0';
    if (len[bits >= 10 ? 2 : 1] != '\0' || bits > 32 || !parse_ipv4(host, &out->net))
        return false;
    out->mask = bits ? UINT32_MAX << (32 - bits) : 0;
    return true;
}

/* An address, then a CIDR, then an interface name: a name holds no '/' and
 * is never a dotted quad (nor an IPv6 address, which is refused). */
static int parse_spec(const char *text, struct spec *out, char *why, size_t whylen)
{
    *out = (struct spec){.kind = SPEC_DEFAULT, .text = text ? text : ""};
    if (!text || !text[0])
        return 0;
    if (parse_ipv4(text, &out->net)) {
        out->kind = SPEC_ADDR;
        return 0;
    }
    if (strchr(text, '/')) {
        out->kind = SPEC_CIDR;
        if (parse_cidr(text, out))
            return 0;
        snprintf(why, whylen, "'%s' is not a subnet such as 10.1.0.0/16", text);
        return -EINVAL;
    }
    struct in6_addr in6;
    if (inet_pton(AF_INET6, text, &in6) == 1) {
        snprintf(why, whylen, "'%s' is an IPv6 address: only IPv4 is supported", text);
        return -EINVAL;
    }
    if (strspn(text, "0123456789.") == strlen(text)) {
        snprintf(why, whylen, "'%s' is not an IPv4 address such as 10.1.0.5", text);
        return -EINVAL;
    }
    if (strlen(text) >= IFNAMSIZ) {
        snprintf(why, whylen,
                 "'%s' is no interface name (at most %d characters), IPv4 address "
                 "or subnet",
                 text, IFNAMSIZ - 1);
        return -EINVAL;
    }
    out->kind = SPEC_NAME;
    return 0;
}

/* An entry's IPv4 address in host order; false for every other entry. */
static bool ipv4_of(const struct ifaddrs *ifa, uint32_t *out)
{
    if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET)
        return false;
    *out = ntohl(((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr);
    return true;
}

/* The interface itself, or one of its labels ("eth0:1" carries a secondary
 * address of eth0). */
static bool on_interface(const struct ifaddrs *ifa, const char *name)
{
    size_t n = strlen(name);
    return ifa->ifa_name && strncmp(ifa->ifa_name, name, n) == 0 &&
           (ifa->ifa_name[n] == '\0' || ifa->ifa_name[n] == ':');
}

static const char *name_of(const struct ifaddrs *ifa)
{
    return ifa->ifa_name ? ifa->ifa_name : "?";
}

static bool matches(const struct spec *s, const struct ifaddrs *ifa, uint32_t a)
{
    switch (s->kind) {
    case SPEC_DEFAULT:
        return !(ifa->ifa_flags & IFF_LOOPBACK);
    case SPEC_NAME:
        return on_interface(ifa, s->text);
    case SPEC_CIDR:
        return (a & s->mask) == (s->net & s->mask);
    case SPEC_ADDR:
        return a == s->net;
    }
    return false;
}

static void format_ipv4(uint32_t a, char out[INET_ADDRSTRLEN])
{
    struct in_addr in = {.s_addr = htonl(a)};
    inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
}

/* Appends "; this host has lo 127.0.0.1, eth1 10.0.0.7 (down)". */
static void append_host(const struct ifaddrs *list, char *why, size_t whylen)
{
    const char *sep = "; this host has ";
    for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
        char text[INET_ADDRSTRLEN];
        uint32_t a;
        if (!ipv4_of(ifa, &a))
            continue;
        format_ipv4(a, text);
        appendf(why, whylen, "%s%s %s%s", sep, name_of(ifa), text,
                ifa->ifa_flags & IFF_UP ? "" : " (down)");
        sep = ", ";
    }
    if (sep[0] == ';')
        appendf(why, whylen, "; this host has no IPv4 address");
}

/* Why nothing matched; down is the first matching entry of a down
 * interface, named says whether a SPEC_NAME interface exists at all. */
static void explain(const struct spec *s, const struct ifaddrs *down, bool named,
                    char *why, size_t whylen)
{
    char text[INET_ADDRSTRLEN] = "";
    uint32_t a;
    if (down && ipv4_of(down, &a))
        format_ipv4(a, text);
    switch (s->kind) {
    case SPEC_NAME:
        if (!named)
            snprintf(why, whylen, "no interface named '%s'", s->text);
        else if (down)
            snprintf(why, whylen, "interface '%s' is down", s->text);
        else
            snprintf(why, whylen, "interface '%s' has no IPv4 address", s->text);
        break;
    case SPEC_CIDR:
        if (down)
            snprintf(why, whylen,
                     "no up interface has an address in '%s' (%s %s is down)", s->text,
                     name_of(down), text);
        else
            snprintf(why, whylen, "no interface has an address in '%s'", s->text);
        break;
    case SPEC_ADDR:
        if (down)
            snprintf(why, whylen, "%s is the address of %s, which is down", s->text,
                     name_of(down));
        else
            snprintf(why, whylen, "%s is not an address of this host", s->text);
        break;
    case SPEC_DEFAULT:
        break;
    }
}

int ipc__netif_match(const struct ifaddrs *list, const char *spec,
                     char addr[INET_ADDRSTRLEN], char *why, size_t whylen)
{
    struct spec s;
    addr[0] = '\0';
    if (whylen)
        why[0] = '\0';
    int rc = parse_spec(spec, &s, why, whylen);
    if (rc < 0)
        return rc;
    const struct ifaddrs *down = NULL;
    bool named = false;
    for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
        uint32_t a;
        if (s.kind == SPEC_NAME && on_interface(ifa, s.text))
            named = true;
        if (!ipv4_of(ifa, &a) || !matches(&s, ifa, a))
            continue;
        if (ifa->ifa_flags & IFF_UP) {
            format_ipv4(a, addr);
            return 0;
        }
        if (!down)
            down = ifa;
    }
    if (s.kind == SPEC_DEFAULT) {
        snprintf(addr, INET_ADDRSTRLEN, "127.0.0.1");
        return 0;
    }
    explain(&s, down, named, why, whylen);
    append_host(list, why, whylen);
    return -ENODEV;
}

int ipc__netif_pick(const char *spec, char addr[INET_ADDRSTRLEN], char *why,
                    size_t whylen)
{
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) < 0) {
        int err = errno;
        addr[0] = '\0';
        snprintf(why, whylen, "cannot list this host's interfaces: %s", strerror(err));
        return -err;
    }
    int rc = ipc__netif_match(list, spec, addr, why, whylen);
    freeifaddrs(list);
    return rc;
}

int ipc__netif_origin(const char *tcp_if, const char *from, bool picked, char *buf,
                      size_t len)
{
    if (!tcp_if[0] && picked)
        return snprintf(buf, len, "this host's first address that is not loopback");
    if (!tcp_if[0])
        return snprintf(buf, len, "loopback: one host, IPC_TCP_IF is not set");
    if (!strcmp(from, "--tcp-if"))
        return snprintf(buf, len, "from ipcrun --tcp-if %s", tcp_if);
    if (!strcmp(from, "first-address"))
        return snprintf(buf, len,
                        "this host's first address that is not loopback, as ipcrun picks "
                        "for a job on several hosts");
    if (!strcmp(from, "ssh"))
        return snprintf(buf, len, "the address ssh reached this host on");
    return snprintf(buf, len, "from IPC_TCP_IF=%s in the environment", tcp_if);
}
