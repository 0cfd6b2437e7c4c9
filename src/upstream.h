/*
 * upstream: connections to the engine, pooled.
 *
 * Owns: connecting (TCP with TLS as dind serves it, or a unix socket),
 * verifying the engine (certificate and name), TLS session resumption,
 * and the idle keep-alive pool of one generation.  A connection is either
 * idle in the pool or owned by exactly one session: a request is never
 * sent on a connection that is busy with another.
 */
#ifndef DINDGATE_UPSTREAM_H
#define DINDGATE_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>

struct generation;
struct upstream_conn;
struct upstream_pool;

/* Connect finished: err 0 and conn ready, or err != 0 with why. */
typedef void (*upstream_cb)(struct upstream_conn *, int err, const char *why,
    void *arg);

#define UPSTREAM_MAGIC	0x75707374u

/* Owned by the pool while idle, by one session while in use. */
struct upstream_conn {
	uint32_t		 magic;
	struct upstream_pool	*pool;		/* borrowed */
	struct bufferevent	*bev;
	struct upstream_conn	*next;		/* idle list */
	struct upstream_conn	*prev;
	bool			 idle;
	bool			 reused;	/* taken from the pool */
	uint64_t		 nreq;		/* requests carried */
	upstream_cb		 cb;		/* while connecting */
	void			*arg;
};

struct upstream_pool *upstream_pool_new(struct event_base *,
	    struct generation *);
/* Closes idle connections; in-use ones must be freed by their owner. */
void	upstream_pool_free(struct upstream_pool *);

/*
 * Get a connection.  An idle one is returned with *ready set; otherwise a
 * new one is started and returned with *ready false, and cb is called
 * when it is ready or has failed (never from inside upstream_get).  NULL
 * when not even a connect could be started.
 */
struct upstream_conn *upstream_get(struct upstream_pool *, upstream_cb,
	    void *arg, bool *ready);
/* Return a connection whose last exchange ended cleanly. */
void	upstream_put(struct upstream_conn *);
/* Close and free a connection (in use, connecting, or failed). */
void	upstream_free(struct upstream_conn *);
/* A reload replaced this pool: close idle connections, pool no more. */
void	upstream_pool_retire(struct upstream_pool *);
/* Counters for logs and metrics. */
unsigned upstream_pool_idle(const struct upstream_pool *);

#endif
