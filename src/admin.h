/*
 * admin: the optional admin listener (loopback or unix socket only).
 *
 *   GET /metrics   Prometheus text (metrics.c)
 *   GET /health    200 when the engine answers GET /_ping, else 503
 *
 * Plain HTTP/1.0-style: one request per connection, then close.
 */
#ifndef DINDGATE_ADMIN_H
#define DINDGATE_ADMIN_H

#include "config.h"

struct proxy;

/* Open the admin listener at a; 0 or -1 (logged). */
int	admin_open(struct proxy *, const struct config_addr *a);
void	admin_close(void);

#endif
