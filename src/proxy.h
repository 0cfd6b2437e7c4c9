/*
 * proxy: the root object and the generation (everything a reload swaps).
 *
 * A generation bundles config, policy, both TLS contexts and the upstream
 * pool.  It is built whole off to the side on SIGHUP and swapped in only
 * if every part loaded; sessions keep a reference to the generation they
 * started under, so requests in flight finish under what they started with.
 */
#ifndef DINDGATE_PROXY_H
#define DINDGATE_PROXY_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "config.h"
#include "diag.h"
#include "policy.h"

struct session;
struct listener;
struct upstream_pool;

/* Refcounted; freed by generation_unref() when the last user lets go. */
struct generation {
	int			 refcnt;
	uint64_t		 id;		/* 1, 2, ... per reload */
	struct config		*conf;
	struct policyset	*policy;
	SSL_CTX			*server_ctx;	/* NULL without TCP listeners */
	SSL_CTX			*client_ctx;	/* NULL for a unix upstream */
	struct upstream_pool	*pool;		/* NULL until attached */
	struct sockaddr_storage	 up_addr;	/* resolved upstream */
	socklen_t		 up_addrlen;
};

TAILQ_HEAD(session_list, session);

/* The daemon.  One per process; owned by main.c. */
struct proxy {
	struct event_base	*base;
	struct generation	*gen;		/* current; holds one ref */
	struct listener		*listeners;	/* owned list */
	struct session_list	 sessions;	/* every live session */
	unsigned		 nsessions;
	uint64_t		 next_session_id;
	uint64_t		 next_gen_id;
	bool			 stopping;	/* SIGTERM: draining */
	char			*conf_path;
	struct event		*ev_stop;	/* drain deadline */
};

/*
 * Build a complete generation from the config file: config, policy, TLS
 * contexts, resolved upstream.  Every problem goes to diag; NULL if any.
 * Blocking (it reads files and resolves names): call it only at start
 * and on reload.
 */
struct generation *generation_load(const char *conf_path, uint64_t id,
	    struct diag *);
/* Attach a pool on base (only the daemon needs one; -t does not). */
int		 generation_start(struct generation *, struct event_base *);
struct generation *generation_ref(struct generation *);
void		 generation_unref(struct generation *);

#endif
