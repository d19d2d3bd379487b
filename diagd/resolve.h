/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/socket.h>
#include <systemd/sd-event.h>

/* One host name looked up with getaddrinfo_a(), without blocking the loop: glibc's
 * notification thread writes to an eventfd the loop watches. */

typedef struct resolve resolve;
/* addr is the first IPv4 or IPv6 address found, NULL when none (error: gai_strerror()'s). */
typedef void (*resolve_done_fn)(const struct sockaddr *addr, socklen_t addr_len, const char *error,
                                void *userdata);

/* family: AF_UNSPEC, AF_INET or AF_INET6. `done` is called once, from the event loop. */
int resolve_start(sd_event *event, const char *host, int family, resolve_done_fn done,
                  void *userdata, resolve **ret);
/* Stops waiting (the callback is not called) and frees what the lookup left. */
void resolve_free(resolve *r);
