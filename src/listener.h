/*
 * listener: the sockets workers connect to.
 *
 * Owns: one evconnlistener per configured address (TCP or unix), the
 * connection bound (beyond it accepting pauses), and riding out
 * descriptor exhaustion (pause, retry on a timer) instead of crashing.
 */
#ifndef DINDGATE_LISTENER_H
#define DINDGATE_LISTENER_H

#include "config.h"

struct proxy;

/* Open every listen address of the config; -1 (logged) on any failure. */
int	listener_open_all(struct proxy *, const struct config *);
/* Stop accepting for good (SIGTERM) and free the listeners. */
void	listener_close_all(struct proxy *);
/* A session ended: resume accepting if we were at the bound. */
void	listener_session_gone(struct proxy *);

#endif
