/* test_netif.c - choosing the address a TCP rank listens on from
 * IPC_TCP_IF: the matcher over hand-made getifaddrs chains (down interfaces,
 * labels, IPv6 and address-less entries), every malformed spec, and the real
 * list of this host through lo. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netif.h"

#define MAX_ENTRIES 16

struct entry {
    struct ifaddrs ifa;
    struct sockaddr_storage addr;
};

/* A chain of entries in the order added, as getifaddrs would return it. */
struct chain {
    struct entry e[MAX_ENTRIES];
    int n;
};

/* family AF_INET or AF_INET6 with an address, AF_PACKET for a link entry,
 * or AF_UNSPEC for an entry without any address. */
static void add(struct chain *c, const char *name, unsigned flags, int family,
                const char *addr)
{
    assert_true(c->n < MAX_ENTRIES);
    struct entry *e = &c->e[c->n];
    memset(e, 0, sizeof *e);
    e->ifa.ifa_name = (char *)name;
    e->ifa.ifa_flags = flags;
    e->addr.ss_family = (sa_family_t)family;
    if (family == AF_INET)
        assert_int_equal(
            inet_pton(AF_INET, addr, &((struct sockaddr_in *)&e->addr)->sin_addr), 1);
    else if (family == AF_INET6)
        assert_int_equal(
            inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&e->addr)->sin6_addr), 1);
    e->ifa.ifa_addr = family == AF_UNSPEC ? NULL : (struct sockaddr *)&e->addr;
    if (c->n > 0)
        c->e[c->n - 1].ifa.ifa_next = &e->ifa;
    c->n++;
}

static const struct ifaddrs *head(const struct chain *c)
{
    return c->n ? &c->e[0].ifa : NULL;
}

#define UP (IFF_UP | IFF_RUNNING)
#define LOOP (UP | IFF_LOOPBACK)

/* Link entries first, then IPv4, then IPv6, as Linux lists them. eth1 (down)
 * comes before eth0 so that every match must pass it over. */
static struct chain host;
static const char host_list[] =
    "; this host has lo 127.0.0.1, eth1 10.1.2.3 (down), eth0 10.0.0.5, eth0:1 10.0.0.6";

static int make_host(void **state)
{
    (void)state;
    memset(&host, 0, sizeof host);
    add(&host, "lo", LOOP, AF_PACKET, NULL);
    add(&host, "eth1", 0, AF_PACKET, NULL);
    add(&host, "eth0", UP, AF_PACKET, NULL);
    add(&host, "eth2", UP, AF_PACKET, NULL);
    add(&host, "tun0", UP, AF_UNSPEC, NULL);
    add(&host, "lo", LOOP, AF_INET, "127.0.0.1");
    add(&host, "eth1", 0, AF_INET, "10.1.2.3");
    add(&host, "eth0", UP, AF_INET, "10.0.0.5");
    add(&host, "eth0:1", UP, AF_INET, "10.0.0.6");
    add(&host, "lo", LOOP, AF_INET6, "::1");
    add(&host, "eth0", UP, AF_INET6, "fd00::5");
    add(&host, "eth2", UP, AF_INET6, "fd00::7");
    return 0;
}

/* Expects spec to give want. */
static void picks(const struct ifaddrs *list, const char *spec, const char *want)
{
    char addr[INET_ADDRSTRLEN], why[256];
    int rc = ipc__netif_match(list, spec, addr, why, sizeof why);
    if (rc != 0)
        fail_msg("'%s': %d, %s", spec ? spec : "(null)", rc, why);
    assert_string_equal(addr, want);
}

/* Expects spec to fail with rc and the message want (the host list is
 * appended when list_host). */
static void refuses(const struct ifaddrs *list, const char *spec, int rc,
                    const char *want, const char *list_host)
{
    char addr[INET_ADDRSTRLEN] = "x", why[256], full[256];
    assert_int_equal(ipc__netif_match(list, spec, addr, why, sizeof why), rc);
    assert_string_equal(addr, "");
    snprintf(full, sizeof full, "%s%s", want, list_host ? list_host : "");
    assert_string_equal(why, full);
}

static void name_gives_its_first_ipv4(void **state)
{
    (void)state;
    picks(head(&host), "eth0", "10.0.0.5");
    picks(head(&host), "eth0:1", "10.0.0.6");
    picks(head(&host), "lo", "127.0.0.1");
}

static void name_must_be_up_with_ipv4(void **state)
{
    (void)state;
    refuses(head(&host), "eth1", -ENODEV, "interface 'eth1' is down", host_list);
    refuses(head(&host), "eth2", -ENODEV, "interface 'eth2' has no IPv4 address",
            host_list);
    refuses(head(&host), "tun0", -ENODEV, "interface 'tun0' has no IPv4 address",
            host_list);
    refuses(head(&host), "eth9", -ENODEV, "no interface named 'eth9'", host_list);
    refuses(head(&host), "eth", -ENODEV, "no interface named 'eth'", host_list);
}

static void cidr_gives_first_up_address_inside(void **state)
{
    (void)state;
    picks(head(&host), "10.0.0.0/8", "10.0.0.5");
    picks(head(&host), "10.0.0.6/32", "10.0.0.6");
    picks(head(&host), "10.0.0.99/24", "10.0.0.5"); /* host bits are ignored */
    picks(head(&host), "0.0.0.0/0", "127.0.0.1");
    picks(head(&host), "127.0.0.0/8", "127.0.0.1");
    refuses(head(&host), "10.1.0.0/16", -ENODEV,
            "no up interface has an address in '10.1.0.0/16' (eth1 10.1.2.3 is down)",
            host_list);
    refuses(head(&host), "192.168.0.0/16", -ENODEV,
            "no interface has an address in '192.168.0.0/16'", host_list);
}

static void address_must_be_local_and_up(void **state)
{
    (void)state;
    picks(head(&host), "10.0.0.5", "10.0.0.5");
    picks(head(&host), "10.0.0.6", "10.0.0.6");
    refuses(head(&host), "10.1.2.3", -ENODEV,
            "10.1.2.3 is the address of eth1, which is down", host_list);
    refuses(head(&host), "10.0.0.9", -ENODEV, "10.0.0.9 is not an address of this host",
            host_list);
}

static void malformed_specs_refused(void **state)
{
    (void)state;
    static const char *const subnets[] = {
        "10.0.0.0/33",  "10.0.0.0/",   "/8",      "10.0.0/8",     "10.0.0.0/8x",
        "10.0.0.0/123", "10.0.0.0/-1", "eth0/24", "10.0.0.0/8/8",
    };
    char want[128];
    for (size_t i = 0; i < sizeof subnets / sizeof *subnets; i++) {
        snprintf(want, sizeof want, "'%s' is not a subnet such as 10.1.0.0/16",
                 subnets[i]);
        refuses(head(&host), subnets[i], -EINVAL, want, NULL);
    }
    refuses(head(&host), "1.2.3", -EINVAL,
            "'1.2.3' is not an IPv4 address such as 10.1.0.5", NULL);
    refuses(head(&host), "10.0.0.256", -EINVAL,
            "'10.0.0.256' is not an IPv4 address such as 10.1.0.5", NULL);
    refuses(head(&host), "fd00::5", -EINVAL,
            "'fd00::5' is an IPv6 address: only IPv4 is supported", NULL);
    refuses(head(&host), "averyveryverylongname", -EINVAL,
            "'averyveryverylongname' is no interface name (at most 15 characters), "
            "IPv4 address or subnet",
            NULL);
}

static void default_is_first_up_non_loopback(void **state)
{
    (void)state;
    struct chain c = {.n = 0};
    picks(head(&host), NULL, "10.0.0.5");
    picks(head(&host), "", "10.0.0.5");
    picks(NULL, NULL, "127.0.0.1");
    add(&c, "lo", LOOP, AF_INET, "127.0.0.1");
    add(&c, "eth1", 0, AF_INET, "10.1.2.3");
    add(&c, "eth0", UP, AF_INET6, "fd00::5");
    picks(head(&c), NULL, "127.0.0.1");
}

static void empty_host_says_so(void **state)
{
    (void)state;
    refuses(NULL, "eth0", -ENODEV, "no interface named 'eth0'",
            "; this host has no IPv4 address");
}

/* A message that does not fit is cut with "..." and stays a string. */
static void short_buffer_cut(void **state)
{
    (void)state;
    char addr[INET_ADDRSTRLEN], why[40];
    memset(why, 'z', sizeof why);
    assert_int_equal(ipc__netif_match(head(&host), "eth9", addr, why, sizeof why),
                     -ENODEV);
    assert_int_equal(strlen(why), sizeof why - 1);
    assert_string_equal(why + sizeof why - 4, "...");
    assert_int_equal(ipc__netif_match(head(&host), "eth9", addr, why, 0), -ENODEV);
    assert_int_equal(ipc__netif_match(head(&host), "/8", addr, why, 0), -EINVAL);
}

/* This host's own list always has lo. */
static void real_host_has_lo(void **state)
{
    (void)state;
    char addr[INET_ADDRSTRLEN], why[256];
    assert_int_equal(ipc__netif_pick("lo", addr, why, sizeof why), 0);
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(ipc__netif_pick("127.0.0.0/8", addr, why, sizeof why), 0);
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(ipc__netif_pick("127.0.0.1", addr, why, sizeof why), 0);
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(ipc__netif_pick(NULL, addr, why, sizeof why), 0);
    assert_int_equal(inet_pton(AF_INET, addr, &(struct in_addr){0}), 1);

    assert_int_equal(ipc__netif_pick("nosuchif0", addr, why, sizeof why), -ENODEV);
    assert_string_equal(addr, "");
    assert_non_null(strstr(why, "no interface named 'nosuchif0'; this host has "));
    assert_non_null(strstr(why, "lo 127.0.0.1"));
    assert_int_equal(ipc__netif_pick("10.9.0.0/99", addr, why, sizeof why), -EINVAL);
}

/* --report-transports: who chose the address, in the user's words. */
static void origin_of_the_address(void **state)
{
    (void)state;
    char buf[200];
    ipc__netif_origin("", "environment", false, buf, sizeof buf);
    assert_string_equal(buf, "loopback: one host, IPC_TCP_IF is not set");
    ipc__netif_origin("", "", true, buf, sizeof buf);
    assert_string_equal(buf, "this host's first address that is not loopback");
    ipc__netif_origin("eth1", "--tcp-if", false, buf, sizeof buf);
    assert_string_equal(buf, "from ipcrun --tcp-if eth1");
    ipc__netif_origin("10.0.0.5", "first-address", false, buf, sizeof buf);
    assert_string_equal(buf, "this host's first address that is not loopback, as ipcrun "
                             "picks for a job on several hosts");
    ipc__netif_origin("10.0.0.5", "ssh", false, buf, sizeof buf);
    assert_string_equal(buf, "the address ssh reached this host on");
    ipc__netif_origin("lo", "environment", false, buf, sizeof buf);
    assert_string_equal(buf, "from IPC_TCP_IF=lo in the environment");
    /* Without ipcrun (srun, PMI-2) nobody says: the environment. */
    ipc__netif_origin("10.1.0.0/16", "", false, buf, sizeof buf);
    assert_string_equal(buf, "from IPC_TCP_IF=10.1.0.0/16 in the environment");
    assert_int_equal(ipc__netif_origin("lo", "x", false, buf, 8), 37);
    assert_string_equal(buf, "from IP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(name_gives_its_first_ipv4, make_host),
        cmocka_unit_test_setup(name_must_be_up_with_ipv4, make_host),
        cmocka_unit_test_setup(cidr_gives_first_up_address_inside, make_host),
        cmocka_unit_test_setup(address_must_be_local_and_up, make_host),
        cmocka_unit_test_setup(malformed_specs_refused, make_host),
        cmocka_unit_test_setup(default_is_first_up_non_loopback, make_host),
        cmocka_unit_test(empty_host_says_so),
        cmocka_unit_test_setup(short_buffer_cut, make_host),
        cmocka_unit_test(real_host_has_lo),
        cmocka_unit_test(origin_of_the_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
