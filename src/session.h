/*
 * session: one client connection and its state machine.
 *
 * Owns: struct session, enum session_state and its one setter, the
 * request loop (keep-alive, pipelining in order), the decision call, local
 * answers (400/403/413/502), forwarding a request and relaying its
 * response, the tunnel after an upgrade, timeouts per state, and teardown.
 * relay.c moves bytes and sets read/write interest for it.
 */
#ifndef DINDGATE_SESSION_H
#define DINDGATE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <http_parser.h>

#include "facts.h"
#include "httpmsg.h"
#include "policy.h"
#include "proxy.h"
#include "route.h"

enum session_state {
	SESSION_HANDSHAKE,	/* TLS handshake with the client */
	SESSION_READ_HEAD,	/* waiting for / reading a request head */
	SESSION_READ_BODY,	/* buffering a body the policy must see */
	SESSION_CONNECT,	/* allowed; waiting for an engine connection */
	SESSION_FORWARD,	/* request going up, response coming down */
	SESSION_TUNNEL,		/* upgraded: raw bytes both ways */
	SESSION_DENY,		/* local answer written; draining the body */
	SESSION_CLOSING,	/* flushing what is left, then free */
	SESSION_NSTATES
};

/* How the request body is framed (by the client). */
enum session_body {
	SESSION_BODY_NONE,	/* no body */
	SESSION_BODY_CL,	/* Content-Length */
	SESSION_BODY_CHUNKED,	/* chunked */
};

#define SESSION_MAGIC		0x73657373u

/* Session flags. */
#define SESSION_F_UNIX		0x0001	/* client came over a unix socket */
#define SESSION_F_CLIENT_EOF	0x0002	/* client ended its side */
#define SESSION_F_UP_EOF	0x0004	/* engine ended its side */
#define SESSION_F_UP_SHUT	0x0008	/* we ended our side to the engine */
#define SESSION_F_CLIENT_SHUT	0x0010	/* we ended our side to the client */
#define SESSION_F_CLOSE_AFTER	0x0020	/* no request after this one */
#define SESSION_F_LINGER	0x0040	/* closing: discard input a while */
#define SESSION_F_FREEING	0x0080	/* free scheduled */
#define SESSION_F_HEAD_STARTED	0x0100	/* first byte of a head seen */
#define SESSION_F_RAW_LINGER	0x0200	/* TLS failed: discard raw bytes */

/* The request in progress.  Owned by the session; freed at its end. */
struct request {
	struct httpmsg		 msg;		/* client's head, parsed */
	struct route_target	 target;	/* canonical target */
	const struct route_def	*route;		/* NULL: unknown */
	const char		*obj;		/* object in the path */
	size_t			 objlen;
	struct decision		 dec;
	enum session_body	 body;
	uint64_t		 body_left;	/* CL bytes still to come */
	uint64_t		 body_bytes;	/* body bytes seen */
	bool			 body_done;
	bool			 upgrade;	/* forward Upgrade headers */
	bool			 retry_safe;	/* may be resent */
	bool			 retried;
	bool			 sent;		/* head written upstream */
	struct evbuffer		*bodybuf;	/* READ_BODY: the body so far */
	bool			 audited;	/* request record written */
	double			 own_time;	/* seconds spent deciding etc. */
	char			 body_sha[65];	/* of the forwarded body */
	/* response */
	struct httpmsg		 resp;		/* engine's head, parsed */
	char			*rhead;		/* copy of it (and headers) */
	bool			 resp_head_done;
	bool			 resp_done;
	bool			 resp_dechunk;	/* HTTP/1.0 client */
	bool			 resp_close;	/* close-delimited */
	uint64_t		 resp_bytes;
	uint64_t		 up_bytes;	/* bytes sent to the engine */
	struct timeval		 start;
	size_t			 headlen;
	char			*head;		/* points into this allocation */
	char			*pathbuf;	/* likewise */
};

/* One client connection.  Owned by struct proxy; freed in session_free. */
struct session {
	uint32_t		 magic;
	uint64_t		 id;
	enum session_state	 state;		/* session_set_state() only */
	unsigned		 flags;		/* SESSION_F_* */
	struct proxy		*px;		/* borrowed */
	struct generation	*gen;		/* ref taken at accept */
	struct bufferevent	*cbev;		/* client side */
	struct upstream_conn	*up;		/* owned while attached */
	struct request		*req;		/* NULL between requests */
	struct peer_id		 peer;
	char			 who[160];	/* "cn@addr" for logs */
	struct event		 timer;		/* the one deadline */
	http_parser		 rparser;	/* request (body) parser */
	http_parser		 uparser;	/* response parser */
	struct httpmsg_scan	 scan;		/* client head scanner */
	struct httpmsg_scan	 uscan;		/* response head scanner */
	uint64_t		 nreq;		/* requests on this session */
	uint64_t		 drained;	/* bytes discarded */
	unsigned		 linger_ticks;	/* raw linger polls left */
	TAILQ_ENTRY(session)	 entry;
};

/*
 * Start a session on an accepted descriptor (taken over: closed on any
 * failure).  is_unix: plain unix socket, else TLS.
 */
void	session_accept(struct proxy *, int fd, struct sockaddr *, int socklen,
	    bool is_unix);
/* Begin teardown (idempotent); reason goes to the log. */
void	session_close(struct session *, const char *reason);
/* SIGTERM: close idle sessions now, let busy ones finish their request. */
void	session_drain_all(struct proxy *);
/* Shutdown deadline passed: close everything. */
void	session_close_all(struct proxy *);
const char *session_state_name(enum session_state);

#endif
