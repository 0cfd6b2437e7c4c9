/*
 * relay: moving bytes and deciding read/write interest for a session.
 *
 * The one place that enables or disables reading on either side: read
 * from a side only while the other side's output is below the high
 * watermark (backpressure), and never read what the state cannot use.
 */
#ifndef DINDGATE_RELAY_H
#define DINDGATE_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>

struct session;

#define RELAY_HIGH_WATER	(256 * 1024)	/* output bytes before pausing */
#define RELAY_COPY_MAX		4096		/* copy, don't move, up to this */

/* Set read interest on both sides from the session's state and buffers. */
void	relay_recompute_interest(struct session *);
/* Move up to n bytes from src to dst without copying; returns bytes moved. */
size_t	relay_move(struct evbuffer *src, struct evbuffer *dst, size_t n);
/* End our write side: TLS close_notify, or FIN on a plain socket. */
void	relay_shutdown_write(struct bufferevent *);

#endif
