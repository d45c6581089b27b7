/*
 * netif.h - choosing the local IPv4 address a TCP rank listens on, from a
 * spec such as IPC_TCP_IF (docs/tcp.md, "Choosing the interface").
 *
 * A spec is one of:
 *   NAME   an interface (eth0, veth1): its first IPv4 address; it must be up
 *   CIDR   a subnet (10.1.0.0/16): the first address of an up interface in it
 *   ADDR   an IPv4 address (10.1.0.5): it must be an address of an up interface
 *   NULL or ""  the first address of an up interface that is not loopback,
 *          else 127.0.0.1 (the default for jobs over several hosts)
 *
 * Pure functions over getifaddrs' list, with no libipc state, so that
 * ipcrun can link this file too. Messages name what was wrong and list this
 * host's addresses: "no interface has an address in '10.9.0.0/16'; this
 * host has lo 127.0.0.1, eth0 10.0.0.5".
 */
#ifndef IPC_NETIF_H
#define IPC_NETIF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct ifaddrs;

/* Looks spec up among this host's interfaces (getifaddrs). On success writes
 * the dotted address to addr and returns 0; else addr is "", why says what
 * was wrong, and the result is -EINVAL (spec is malformed), -ENODEV (nothing
 * matches) or the -errno of getifaddrs. */
int ipc__netif_pick(const char *spec, char addr[INET_ADDRSTRLEN], char *why,
                    size_t whylen);

/* ipc__netif_pick over a given list (the chain getifaddrs returns, or one
 * made by hand; NULL is an empty list). Entries without an address or of
 * another family than AF_INET are only used to say that an interface exists. */
int ipc__netif_match(const struct ifaddrs *list, const char *spec,
                     char addr[INET_ADDRSTRLEN], char *why, size_t whylen);

/* For --report-transports: who chose the address a rank listens on, as
 * "from ipcrun --tcp-if eth1". tcp_if is IPC_TCP_IF ("" unset), from
 * IPC_TCP_IF_FROM (names.h; "" or unknown: the environment), picked: a
 * rank without ipcrun on several hosts took its host's first address.
 * Returns the length as snprintf does. */
int ipc__netif_origin(const char *tcp_if, const char *from, bool picked, char *buf,
                      size_t len);

#endif /* IPC_NETIF_H */
