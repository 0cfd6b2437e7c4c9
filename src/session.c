/*
 * session: the client connection state machine.  See session.h.
 *
 *   HANDSHAKE -> READ_HEAD -> (decide) -> CONNECT -> FORWARD -> READ_HEAD
 *                         \-> DENY -> READ_HEAD      \-> TUNNEL -> CLOSING
 *   any state -> CLOSING -> (deferred) free
 *
 * One request at a time: a pipelined request waits in the input buffer
 * until the answer to the one before it is complete, so answers go out
 * in order and each request is judged on its own.  Callbacks are thin:
 * check the session, call session_step(), recompute interest.
 */
#include "autoconf.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "listener.h"
#include "log.h"
#include "audit.h"
#include "metrics.h"
#include "record.h"
#include "relay.h"
#include "session.h"
#include "tlsctx.h"
#include "upstream.h"

#define slog_info(s, ...)	log_session(LOG_INFO, (s)->id, (s)->who, __VA_ARGS__)
#define slog_warnx(s, ...)	log_session(LOG_WARNING, (s)->id, (s)->who, __VA_ARGS__)
#define slog_debug(s, ...)	log_session(LOG_DEBUG, (s)->id, (s)->who, __VA_ARGS__)

#define SESSION_CHECK(s) do {						\
	if ((s) == NULL || (s)->magic != SESSION_MAGIC)			\
		fatalx("%s: bad session", __func__);			\
} while (0)

#define SESSION_LINGER_MS	2000	/* discard input after a refusal */

static const char *const session_state_names[SESSION_NSTATES] = {
	[SESSION_HANDSHAKE] = "handshake",
	[SESSION_READ_HEAD] = "read-head",
	[SESSION_READ_BODY] = "read-body",
	[SESSION_CONNECT] = "connect",
	[SESSION_FORWARD] = "forward",
	[SESSION_TUNNEL] = "tunnel",
	[SESSION_DENY] = "deny",
	[SESSION_CLOSING] = "closing",
};

#define B(x)	(1u << (x))
/* Which transitions are legal: allowed[from] has bit `to`. */
static const uint32_t session_allowed[SESSION_NSTATES] = {
	[SESSION_HANDSHAKE] = B(SESSION_READ_HEAD) | B(SESSION_CLOSING),
	[SESSION_READ_HEAD] = B(SESSION_CONNECT) | B(SESSION_FORWARD) |
	    B(SESSION_DENY) | B(SESSION_CLOSING) | B(SESSION_READ_BODY),
	[SESSION_READ_BODY] = B(SESSION_CONNECT) | B(SESSION_FORWARD) |
	    B(SESSION_DENY) | B(SESSION_CLOSING),
	[SESSION_CONNECT] = B(SESSION_FORWARD) | B(SESSION_DENY) |
	    B(SESSION_CLOSING),
	[SESSION_FORWARD] = B(SESSION_READ_HEAD) | B(SESSION_TUNNEL) |
	    B(SESSION_DENY) | B(SESSION_CONNECT) | B(SESSION_CLOSING),
	[SESSION_TUNNEL] = B(SESSION_CLOSING),
	[SESSION_DENY] = B(SESSION_READ_HEAD) | B(SESSION_CLOSING),
	[SESSION_CLOSING] = 0,
};
#undef B

static void	session_step(struct session *);
static void	session_get_up(struct session *);
static void	session_timer_cb(evutil_socket_t, short, void *);
static void	session_up_ready_cb(struct upstream_conn *, int, const char *,
		    void *);

const char *
session_state_name(enum session_state st)
{
	return st < SESSION_NSTATES ? session_state_names[st] : "?";
}

static void
session_timer_set(struct session *s, unsigned ms)
{
	struct timeval	tv;

	evtimer_del(&s->timer);
	if (ms == 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&s->timer, &tv);
}

/*
 * The only writer of s->state.  Sets the deadline that belongs to the new
 * state: handshakes and request heads are bounded (slowloris), tunnels
 * and responses never are (docker logs -f, events, attach).
 */
static void
session_set_state(struct session *s, enum session_state to)
{
	const struct config	*c = s->gen->conf;

	if (!(session_allowed[s->state] & (1u << to)) && s->state != to)
		fatalx("session %llu: bad transition %s -> %s",
		    (unsigned long long)s->id, session_state_name(s->state),
		    session_state_name(to));
	slog_debug(s, "%s -> %s", session_state_name(s->state),
	    session_state_name(to));
	s->state = to;
	switch (to) {
	case SESSION_HANDSHAKE:
		session_timer_set(s, c->t_handshake);
		break;
	case SESSION_READ_HEAD:
		s->flags &= ~SESSION_F_HEAD_STARTED;
		memset(&s->scan, 0, sizeof(s->scan));
		session_timer_set(s, c->t_idle);
		break;
	case SESSION_READ_BODY:
		/* The bodies we inspect are small: bound the whole read. */
		session_timer_set(s, c->t_request_head);
		break;
	case SESSION_DENY:
		session_timer_set(s, c->t_drain);
		break;
	case SESSION_CLOSING:
		session_timer_set(s, SESSION_LINGER_MS);
		break;
	default:
		session_timer_set(s, 0);
		break;
	}
}

static void
session_request_free(struct session *s)
{
	if (s->req == NULL)
		return;
	free(s->req->rhead);
	if (s->req->bodybuf)
		evbuffer_free(s->req->bodybuf);
	decision_clear(&s->req->dec);
	free(s->req);
	s->req = NULL;
}

/*
 * A request is over: its audit record (or, after a tunnel or a stream
 * that was already recorded when it began, the end record), then free.
 */
static void
session_request_done(struct session *s, const char *outcome)
{
	struct request	*r = s->req;

	if (r == NULL)
		return;
	record_request(s, r->audited ? AUDIT_STREAM_END : AUDIT_REQUEST,
	    outcome);
	session_request_free(s);
}

static void
session_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct proxy	*px = s->px;

	SESSION_CHECK(s);
	evtimer_del(&s->timer);
	session_request_done(s, "closed");
	upstream_free(s->up);
	if (s->cbev)
		bufferevent_free(s->cbev);
	tlsctx_peer_clear(&s->peer);
	TAILQ_REMOVE(&px->sessions, s, entry);
	px->nsessions--;
	generation_unref(s->gen);
	s->magic = 0;
	free(s);
	listener_session_gone(px);
}

/* Second phase of teardown: free on a later loop turn, never in place. */
static void
session_schedule_free(struct session *s)
{
	if (s->flags & SESSION_F_FREEING)
		return;
	s->flags |= SESSION_F_FREEING;
	evtimer_del(&s->timer);
	event_assign(&s->timer, s->px->base, -1, 0, session_free_cb, s);
	event_active(&s->timer, EV_TIMEOUT, 1);
}

/*
 * First phase of teardown.  Drops the engine connection (it is in an
 * unknown state), stops reading, and lets what we already wrote to the
 * client go out before the free.
 */
void
session_close(struct session *s, const char *reason)
{
	if (s->state == SESSION_CLOSING)
		return;
	slog_debug(s, "close: %s", reason);
	session_request_done(s, reason);
	if (s->up) {
		upstream_free(s->up);
		s->up = NULL;
	}
	session_set_state(s, SESSION_CLOSING);
	if (s->flags & SESSION_F_RAW_LINGER) {
		session_timer_set(s, 100);
		return;
	}
	if (s->cbev == NULL || (s->flags & SESSION_F_CLIENT_SHUT) ||
	    evbuffer_get_length(bufferevent_get_output(s->cbev)) == 0) {
		if (!(s->flags & SESSION_F_LINGER) || s->cbev == NULL)
			session_schedule_free(s);
	}
	relay_recompute_interest(s);
}

/* Close once the client has our last bytes, discarding input a while. */
static void
session_close_lingering(struct session *s, const char *reason)
{
	s->flags |= SESSION_F_LINGER;
	session_close(s, reason);
}

/* Minimal JSON string escaping for messages we compose ourselves. */
static size_t
session_json_escape(char *dst, size_t len, const char *src)
{
	size_t	o = 0;

	for (; *src && o + 7 < len; src++) {
		unsigned char	c = (unsigned char)*src;

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(dst + o, len - o, "\\u%04x", c);
		} else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o;
}

/*
 * Write an answer of our own in Docker's error shape: the CLI prints the
 * message only when Content-Type is exactly application/json.
 */
static void
session_write_error(struct session *s, unsigned status, const char *msg,
    bool close)
{
	struct evbuffer	*out = bufferevent_get_output(s->cbev);
	char		 esc[768], body[900];
	int		 n;

	session_json_escape(esc, sizeof(esc), msg);
	n = snprintf(body, sizeof(body), "{\"message\":\"dindgate: %s\"}\n",
	    esc);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = (int)strlen(body);
	evbuffer_add_printf(out, "HTTP/1.1 %u %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "%s\r\n", status, httpmsg_reason(status), n,
	    close ? "Connection: close\r\n" : "");
	/* An answer to HEAD announces its length but carries no body. */
	if (s->req == NULL || s->req->msg.method != HTTP_HEAD)
		evbuffer_add(out, body, (size_t)n);
	if (s->req)
		s->req->resp_bytes += evbuffer_get_length(out);
}

/*
 * Refuse the current request: answer, then drain its body (bounded) so
 * a client still uploading sees the answer instead of a broken pipe.
 */
static void
session_refuse(struct session *s, unsigned status, const char *msg,
    bool close)
{
	struct request	*r = s->req;

	if (r) {
		r->dec.verdict = DECISION_DENY;
		r->dec.status = status;
		if (msg != r->dec.reason)
			snprintf(r->dec.reason, sizeof(r->dec.reason), "%s",
			    msg);
		if (r->dec.rule[0] == '\0')
			snprintf(r->dec.rule, sizeof(r->dec.rule), "%s",
			    status == 400 ? "malformed" : status == 502 ?
			    "upstream" : "refused");
		r->resp.status = status;
	}
	/* With Expect: 100-continue we never know whether a body follows. */
	if (r && (r->msg.flags & HTTPMSG_F_EXPECT) && !r->body_done)
		close = true;
	if (close || s->px->stopping)
		s->flags |= SESSION_F_CLOSE_AFTER;
	session_write_error(s, status, msg,
	    (s->flags & SESSION_F_CLOSE_AFTER) != 0);
	s->drained = 0;
	session_set_state(s, SESSION_DENY);
}

/* Parse callbacks while a request body streams through. */
static int
session_body_cb(http_parser *p, const char *at, size_t len)
{
	struct session	*s = p->data;
	struct request	*r = s->req;
	struct evbuffer	*out;

	r->body_bytes += len;
	if (s->state == SESSION_READ_BODY) {
		evbuffer_add(r->bodybuf, at, len);
		return 0;
	}
	if (s->state == SESSION_DENY || s->up == NULL) {
		s->drained += len;
		return 0;
	}
	/* We write our own chunk framing: the engine never sees the client's. */
	out = bufferevent_get_output(s->up->bev);
	evbuffer_add_printf(out, "%zx\r\n", len);
	evbuffer_add(out, at, len);
	evbuffer_add(out, "\r\n", 2);
	r->up_bytes += len;
	return 0;
}

static int
session_body_done_cb(http_parser *p)
{
	struct session	*s = p->data;

	s->req->body_done = true;
	if (s->state == SESSION_FORWARD && s->up != NULL)
		evbuffer_add(bufferevent_get_output(s->up->bev), "0\r\n\r\n",
		    5);
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings session_body_settings = {
	.on_body = session_body_cb,
	.on_message_complete = session_body_done_cb,
};

/*
 * Consume request body bytes from the client: forward them (or, when
 * refusing, discard them).  Returns -1 on a malformed chunked body.
 */
static int
session_pump_body(struct session *s)
{
	struct request	*r = s->req;
	struct evbuffer	*in = bufferevent_get_input(s->cbev);
	struct evbuffer_iovec v[8];
	size_t		 n, used, total = 0;
	int		 i, nv;

	if (r == NULL || r->body_done)
		return 0;
	if (r->body == SESSION_BODY_CL) {
		n = evbuffer_get_length(in);
		if (n > r->body_left)
			n = (size_t)r->body_left;
		if (s->state == SESSION_READ_BODY) {
			relay_move(in, r->bodybuf, n);
		} else if (s->state == SESSION_DENY || s->up == NULL) {
			evbuffer_drain(in, n);
			s->drained += n;
		} else {
			relay_move(in, bufferevent_get_output(s->up->bev), n);
			r->up_bytes += n;
		}
		r->body_left -= n;
		r->body_bytes += n;
		if (r->body_left == 0)
			r->body_done = true;
		return 0;
	}
	s->rparser.data = s;
	do {
		total = 0;
		nv = evbuffer_peek(in, -1, NULL, v, 8);
		for (i = 0; i < nv && i < 8 && !r->body_done; i++) {
			/* A zero length would tell http-parser "EOF". */
			if (v[i].iov_len == 0)
				continue;
			used = http_parser_execute(&s->rparser,
			    &session_body_settings, v[i].iov_base,
			    v[i].iov_len);
			total += used;
			if (HTTP_PARSER_ERRNO(&s->rparser) == HPE_PAUSED)
				break;
			if (HTTP_PARSER_ERRNO(&s->rparser) != HPE_OK)
				return -1;
		}
		evbuffer_drain(in, total);
	} while (total > 0 && !r->body_done && evbuffer_get_length(in) > 0);
	return 0;
}

/* The peer description used on every log line of this session. */
static void
session_set_who(struct session *s)
{
	if (s->flags & SESSION_F_UNIX)
		snprintf(s->who, sizeof(s->who), "uid:%ld@unix", s->peer.uid);
	else
		snprintf(s->who, sizeof(s->who), "%s@%s",
		    s->peer.cn ? s->peer.cn : "-", s->peer.addr);
}

static double
session_since(const struct timeval *t0)
{
	struct timeval	now, d;

	gettimeofday(&now, NULL);
	timersub(&now, t0, &d);
	return (double)d.tv_sec + (double)d.tv_usec / 1e6;
}

/* Build the facts of the parsed request and ask the policy. */
static void
session_decide(struct session *s)
{
	struct request			*r = s->req;
	struct facts			 f;
	const struct httpmsg_hdr	*ct;
	struct timeval			 t0;

	memset(&f, 0, sizeof(f));
	f.peer = &s->peer;
	f.method = r->msg.method;
	f.method_name = http_method_str(r->msg.method);
	f.route = r->route;
	f.target = &r->target;
	f.obj = r->obj;
	f.objlen = r->objlen;
	f.upgrade = (r->msg.flags & (HTTPMSG_F_UPGRADE |
	    HTTPMSG_F_CONN_UPGRADE)) != 0;
	f.has_body = r->body != SESSION_BODY_NONE;
	if ((ct = httpmsg_find(&r->msg, "content-type")) != NULL) {
		f.content_type = ct->value;
		f.ctlen = ct->vlen;
	}
	if (r->bodybuf != NULL) {
		f.bodylen = evbuffer_get_length(r->bodybuf);
		f.body = f.bodylen ? (const char *)evbuffer_pullup(r->bodybuf,
		    -1) : "";
	}
	gettimeofday(&t0, NULL);
	policy_eval(s->gen->policy, &f, &r->dec);
	r->own_time += session_since(&t0);
}

/*
 * Take a complete head off the input and make it the current request.
 * Returns false when the request was refused (state is DENY/CLOSING).
 */
static bool
session_begin_request(struct session *s, size_t headlen)
{
	const struct config	*c = s->gen->conf;
	struct request		*r;
	struct httpmsg_hdr	*hdrs;
	size_t			 nh = s->scan.lines + 1, sz;
	const char		*err;

	/*
	 * A reload applies to the next request, also on a connection that
	 * was open before it: a busy worker's keep-alive connection would
	 * otherwise keep an old policy for ever.  What is in flight keeps
	 * the generation it started with.
	 */
	if (s->gen != s->px->gen) {
		generation_unref(s->gen);
		s->gen = generation_ref(s->px->gen);
		c = s->gen->conf;
	}
	sz = sizeof(*r) + 2 * (headlen + 1) + nh * sizeof(*hdrs);
	if ((r = calloc(1, sz)) == NULL) {
		session_close(s, "out of memory");
		return false;
	}
	s->req = r;
	s->nreq++;
	gettimeofday(&r->start, NULL);
	hdrs = (struct httpmsg_hdr *)(r + 1);
	r->head = (char *)(hdrs + nh);
	r->pathbuf = r->head + headlen + 1;
	r->headlen = headlen;
	evbuffer_remove(bufferevent_get_input(s->cbev), r->head, headlen);
	r->head[headlen] = '\0';
	/* The request line is not a header: room for exactly max_headers. */
	if (nh > c->max_headers)
		nh = c->max_headers;
	/*
	 * Framing errors leave us unsure where the next request starts, so
	 * the connection cannot be trusted for another one: close after.
	 */
	if (httpmsg_parse(&r->msg, &s->rparser, HTTP_REQUEST, r->head,
	    headlen, hdrs, nh, false) == -1 ||
	    httpmsg_check_request(&r->msg, c->max_url_bytes) == -1) {
		session_refuse(s, 400, r->msg.err, true);
		return false;
	}
	if (r->msg.flags & HTTPMSG_F_CHUNKED)
		r->body = SESSION_BODY_CHUNKED;
	else if ((r->msg.flags & HTTPMSG_F_CL) && r->msg.clen > 0) {
		r->body = SESSION_BODY_CL;
		r->body_left = r->msg.clen;
	}
	r->body_done = r->body == SESSION_BODY_NONE;
	if (!(r->msg.flags & HTTPMSG_F_KEEPALIVE))
		s->flags |= SESSION_F_CLOSE_AFTER;
	/* From here the framing is known: a refusal can keep the connection. */
	if (route_parse_target(r->msg.target, r->msg.tlen, r->pathbuf,
	    &r->target, &err) == -1) {
		session_refuse(s, 400, err, false);
		return false;
	}
	r->route = route_match(r->msg.method, r->target.path, r->target.plen,
	    &r->obj, &r->objlen);
	/* Fail closed: no request is served that cannot be recorded. */
	if (!audit_may_serve()) {
		snprintf(r->dec.rule, sizeof(r->dec.rule), "audit-unavailable");
		session_refuse(s, 503, "the audit log cannot be written; "
		    "refusing requests", false);
		return false;
	}
	session_decide(s);
	if (r->dec.verdict == DECISION_DENY) {
		session_refuse(s, r->dec.status, r->dec.reason, false);
		return false;
	}
	if (r->dec.verdict == DECISION_LOG_ONLY)
		slog_info(s, "log-only: would refuse: %s", r->dec.reason);
	r->upgrade = (r->route->flags & ROUTE_F_HIJACK) &&
	    (r->msg.flags & HTTPMSG_F_UPGRADE);
	r->retry_safe = (r->msg.method == HTTP_GET ||
	    r->msg.method == HTTP_HEAD) && r->body == SESSION_BODY_NONE &&
	    !(r->route->flags & ROUTE_F_HIJACK);
	/* We answer Expect ourselves, after the decision, never forwarding it. */
	if ((r->msg.flags & HTTPMSG_F_EXPECT) && !r->body_done)
		evbuffer_add(bufferevent_get_output(s->cbev),
		    "HTTP/1.1 100 Continue\r\n\r\n", 25);
	if (r->dec.verdict == DECISION_NEED_BODY) {
		/*
		 * A request we might refuse cannot go out in part: buffer all
		 * of it (bounded), then decide on exactly those bytes.
		 */
		if ((r->bodybuf = evbuffer_new()) == NULL) {
			session_close(s, "out of memory");
			return false;
		}
		session_set_state(s, SESSION_READ_BODY);
		return false;
	}
	return true;
}

/* READ_BODY: collect the body, then decide again with it. */
static bool
session_read_body(struct session *s)
{
	struct request	*r = s->req;
	size_t		 cap = s->gen->conf->max_body_bytes;

	if (session_pump_body(s) == -1) {
		session_refuse(s, 400, "malformed chunked body", true);
		return true;
	}
	/* Over the cap we cannot check it, so it is never forwarded. */
	if (evbuffer_get_length(r->bodybuf) > cap) {
		char	msg[128];

		snprintf(msg, sizeof(msg), "request body larger than %zu "
		    "bytes cannot be inspected", cap);
		snprintf(r->dec.rule, sizeof(r->dec.rule), "body-size");
		session_refuse(s, 413, msg, false);
		return true;
	}
	if (!r->body_done) {
		if (s->flags & SESSION_F_CLIENT_EOF)
			session_close(s, "client closed in the middle of a "
			    "body");
		return false;
	}
	session_decide(s);
	if (r->dec.verdict == DECISION_DENY) {
		session_refuse(s, r->dec.status, r->dec.reason, false);
		return true;
	}
	if (r->dec.verdict == DECISION_LOG_ONLY)
		slog_info(s, "log-only: would refuse: %s", r->dec.reason);
	session_get_up(s);
	return true;
}

/*
 * Write the request head toward the engine: our own request line with the
 * canonical target we matched, the client's end-to-end headers, and our
 * own framing.
 */
static void
session_send_head(struct session *s)
{
	struct request		*r = s->req;
	struct evbuffer		*out = bufferevent_get_output(s->up->bev);
	const struct config	*c = s->gen->conf;
	const struct httpmsg_hdr *h;
	size_t			 i, before = evbuffer_get_length(out);

	evbuffer_add_printf(out, "%s ", http_method_str(r->msg.method));
	if (r->target.versioned)
		evbuffer_add_printf(out, "/v1.%u", r->target.vminor);
	evbuffer_add(out, r->target.path, r->target.plen);
	if (r->dec.query) {
		/* The policy rewrote the query (forced build network). */
		evbuffer_add(out, "?", 1);
		evbuffer_add(out, r->dec.query, r->dec.querylen);
	} else if (r->target.query) {
		evbuffer_add(out, "?", 1);
		evbuffer_add(out, r->target.query, r->target.qlen);
	}
	evbuffer_add_printf(out, " HTTP/1.1\r\nHost: %s\r\n",
	    c->upstream.is_unix ? "docker" : c->up_server_name);
	for (i = 0; i < r->msg.nhdrs; i++) {
		h = &r->msg.hdrs[i];
		if (httpmsg_is_hop(h, HTTP_REQUEST))
			continue;
		evbuffer_add(out, h->name, h->nlen);
		evbuffer_add(out, ": ", 2);
		evbuffer_add(out, h->value, h->vlen);
		evbuffer_add(out, "\r\n", 2);
	}
	if (r->bodybuf != NULL)
		/* The body we checked, serialised afresh: our own length. */
		evbuffer_add_printf(out, "Content-Length: %zu\r\n",
		    r->dec.body ? r->dec.bodylen :
		    evbuffer_get_length(r->bodybuf));
	else if (r->body == SESSION_BODY_CL)
		evbuffer_add_printf(out, "Content-Length: %llu\r\n",
		    (unsigned long long)r->msg.clen);
	else if (r->body == SESSION_BODY_CHUNKED)
		evbuffer_add_printf(out, "Transfer-Encoding: chunked\r\n");
	else if (r->msg.flags & HTTPMSG_F_CL)
		evbuffer_add_printf(out, "Content-Length: 0\r\n");
	if (r->upgrade) {
		h = httpmsg_find(&r->msg, "upgrade");
		evbuffer_add_printf(out, "Connection: Upgrade\r\nUpgrade: "
		    "%.*s\r\n", (int)h->vlen, h->value);
	}
	evbuffer_add(out, "\r\n", 2);
	if (r->bodybuf != NULL) {
		if (r->dec.body) {
			audit_sha256(r->dec.body, r->dec.bodylen, r->body_sha);
			evbuffer_add(out, r->dec.body, r->dec.bodylen);
		} else {
			audit_sha256(evbuffer_pullup(r->bodybuf, -1),
			    evbuffer_get_length(r->bodybuf), r->body_sha);
			evbuffer_add_buffer(out, r->bodybuf);
		}
	}
	r->up_bytes += evbuffer_get_length(out) - before;
	r->sent = true;
	/* A fresh response parse for every request. */
	memset(&s->uscan, 0, sizeof(s->uscan));
}

/*
 * How long the engine may take to start answering (ms, 0: no limit).  A
 * stopped or wedged engine would otherwise hold a request on a pooled
 * connection for ever.  Streams, tunnels and the routes whose answer
 * legitimately waits on work (builds, pulls, uploads) have no limit;
 * stop and restart wait up to their t= before answering.
 */
static unsigned
session_response_deadline(struct session *s)
{
	const struct request	*r = s->req;
	unsigned		 ms = s->gen->conf->t_upstream_response;
	const char		*q, *t;
	long			 grace;

	if (ms == 0 || r == NULL || r->route == NULL || !r->body_done ||
	    (r->route->flags & (ROUTE_F_STREAM | ROUTE_F_HIJACK)))
		return 0;
	switch (r->route->id) {
	case ROUTE_CONTAINER_ARCHIVE_PUT:
	case ROUTE_COMMIT:
	case ROUTE_IMAGE_DELETE:
	case ROUTE_CONTAINER_DELETE:
		return 0;
	case ROUTE_CONTAINER_STOP:
	case ROUTE_CONTAINER_RESTART:
		grace = 10;
		q = r->target.query;
		if (q != NULL && (t = strstr(q, "t=")) != NULL &&
		    (t == q || t[-1] == '&') && t < q + r->target.qlen)
			grace = strtol(t + 2, NULL, 10);
		if (grace < 0 || grace > 86400)
			return 0;
		return ms + (unsigned)grace * 1000;
	default:
		return ms;
	}
}

/* Attach an engine connection to the session and start forwarding. */
static void session_up_read_cb(struct bufferevent *, void *);
static void session_up_write_cb(struct bufferevent *, void *);
static void session_up_event_cb(struct bufferevent *, short, void *);

static void
session_attach_up(struct session *s, struct upstream_conn *up)
{
	s->up = up;
	bufferevent_setcb(up->bev, session_up_read_cb, session_up_write_cb,
	    session_up_event_cb, s);
	bufferevent_setwatermark(up->bev, EV_READ, 0, RELAY_HIGH_WATER);
	session_send_head(s);
	session_set_state(s, SESSION_FORWARD);
	session_timer_set(s, session_response_deadline(s));
}

/* Ask the pool for a connection; fresh forces a new one (retry). */
static void
session_get_up(struct session *s)
{
	struct upstream_conn	*up;
	bool			 ready;

	up = upstream_get(s->gen->pool, session_up_ready_cb, s, &ready);
	if (up == NULL) {
		metrics_upstream_error();
		snprintf(s->req->dec.rule, sizeof(s->req->dec.rule),
		    "upstream");
		session_refuse(s, 502, "cannot connect to the engine", false);
		return;
	}
	if (ready) {
		session_attach_up(s, up);
		return;
	}
	s->up = up;
	session_set_state(s, SESSION_CONNECT);
}

static void
session_up_ready_cb(struct upstream_conn *up, int err, const char *why,
    void *arg)
{
	struct session	*s = arg;

	SESSION_CHECK(s);
	if (err) {
		upstream_free(up);
		s->up = NULL;
		metrics_upstream_error();
		slog_warnx(s, "%s", why);
		if (s->state == SESSION_CONNECT)
			session_refuse(s, 502, why, false);
	} else if (s->state == SESSION_CONNECT)
		session_attach_up(s, up);
	else {
		upstream_free(up);
		s->up = NULL;
	}
	session_step(s);
	relay_recompute_interest(s);
}

/* READ_HEAD: scan for a complete head and act on it. */
static bool
session_read_head(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->cbev);
	struct evbuffer_ptr	 ptr;
	struct evbuffer_iovec	 v[4];
	size_t			 used;
	int			 i, nv;
	enum httpmsg_scan_result res = HTTPMSG_SCAN_MORE;

	if (evbuffer_get_length(in) <= s->scan.n) {
		if (s->flags & SESSION_F_CLIENT_EOF)
			session_close(s, s->scan.n ? "client closed in the "
			    "middle of a request head" : "client closed");
		return false;
	}
	if (s->px->stopping && s->scan.n == 0 && s->nreq > 0) {
		session_close(s, "shutting down");
		return false;
	}
	if (!(s->flags & SESSION_F_HEAD_STARTED)) {
		s->flags |= SESSION_F_HEAD_STARTED;
		session_timer_set(s, s->gen->conf->t_request_head);
	}
	if (evbuffer_ptr_set(in, &ptr, s->scan.n, EVBUFFER_PTR_SET) == -1)
		return false;
	nv = evbuffer_peek(in, -1, &ptr, v, 4);
	for (i = 0; i < nv && i < 4 && res == HTTPMSG_SCAN_MORE; i++)
		res = httpmsg_scan_feed(&s->scan, v[i].iov_base,
		    v[i].iov_len, s->gen->conf->max_header_bytes, &used);
	if (res == HTTPMSG_SCAN_MORE)
		return nv > 4;	/* more iovecs than we peeked: go again */
	if (res == HTTPMSG_SCAN_ERROR) {
		/* Nothing of this head is trusted: answer and close. */
		s->req = calloc(1, sizeof(*s->req));
		if (s->req) {
			s->nreq++;
			gettimeofday(&s->req->start, NULL);
		}
		session_refuse(s, 400, s->scan.err, true);
		return true;
	}
	if (!session_begin_request(s, s->scan.n))
		return true;	/* refused, or now reading the body */
	session_get_up(s);
	return true;
}

/* The current exchange is over: next request, or close. */
static void
session_finish_request(struct session *s, const char *outcome)
{
	session_request_done(s, outcome);
	if ((s->flags & (SESSION_F_CLOSE_AFTER | SESSION_F_CLIENT_EOF)) ||
	    s->px->stopping) {
		session_close(s, "connection done");
		return;
	}
	session_set_state(s, SESSION_READ_HEAD);
}

/* DENY: our answer is queued; drain what is left of the request body. */
static bool
session_deny_step(struct session *s)
{
	struct request	*r = s->req;

	if (r != NULL && !r->body_done) {
		if (!(s->flags & SESSION_F_CLOSE_AFTER) &&
		    session_pump_body(s) == -1) {
			s->flags |= SESSION_F_CLOSE_AFTER;
		}
		if (!r->body_done && (s->drained > s->gen->conf->max_drain_bytes ||
		    (s->flags & (SESSION_F_CLOSE_AFTER | SESSION_F_CLIENT_EOF)))) {
			session_close_lingering(s, "refused request body not "
			    "drained");
			return false;
		}
		if (!r->body_done)
			return false;
	}
	if (s->flags & SESSION_F_CLOSE_AFTER) {
		session_close_lingering(s, "refused");
		return false;
	}
	session_finish_request(s, "refused");
	return true;
}

/* Write the response head to the client. */
static void
session_write_resp_head(struct session *s)
{
	struct request		*r = s->req;
	struct evbuffer		*out = bufferevent_get_output(s->cbev);
	const struct httpmsg_hdr *h;
	size_t			 i, before = evbuffer_get_length(out);
	bool			 up101 = r->resp.status == 101;

	evbuffer_add_printf(out, "HTTP/1.1 %u %.*s\r\n", r->resp.status,
	    (int)r->resp.rlen, r->resp.reason ? r->resp.reason : "");
	for (i = 0; i < r->resp.nhdrs; i++) {
		h = &r->resp.hdrs[i];
		if (!up101 && httpmsg_is_hop(h, HTTP_RESPONSE))
			continue;
		if (r->resp_dechunk &&
		    httpmsg_ieq(h->name, h->nlen, "transfer-encoding"))
			continue;
		evbuffer_add(out, h->name, h->nlen);
		evbuffer_add(out, ": ", 2);
		evbuffer_add(out, h->value, h->vlen);
		evbuffer_add(out, "\r\n", 2);
	}
	if (!up101 && ((s->flags & SESSION_F_CLOSE_AFTER) || r->resp_close))
		evbuffer_add(out, "Connection: close\r\n", 19);
	evbuffer_add(out, "\r\n", 2);
	r->resp_bytes += evbuffer_get_length(out) - before;
}

/*
 * Is this response the start of a raw stream?  101 on an upgrade, or the
 * older form: 200 with a raw-stream type and no framing on attach/exec.
 */
static bool
session_resp_is_tunnel(struct session *s)
{
	struct request			*r = s->req;
	const struct httpmsg_hdr	*ct;

	if (!(r->route->flags & ROUTE_F_HIJACK))
		return false;
	if (r->resp.status == 101)
		return r->upgrade;
	if (r->resp.status != 200 || (r->resp.flags & (HTTPMSG_F_CL |
	    HTTPMSG_F_CHUNKED)))
		return false;
	ct = httpmsg_find(&r->resp, "content-type");
	return ct != NULL && (httpmsg_ieq(ct->value, ct->vlen,
	    "application/vnd.docker.raw-stream") || httpmsg_ieq(ct->value,
	    ct->vlen, "application/vnd.docker.multiplexed-stream"));
}

/* Response body parsing: HTTP/1.0 clients get it de-chunked. */
static int
session_resp_body_cb(http_parser *p, const char *at, size_t len)
{
	struct session	*s = p->data;

	if (s->req->resp_dechunk)
		evbuffer_add(bufferevent_get_output(s->cbev), at, len);
	return 0;
}

static int
session_resp_done_cb(http_parser *p)
{
	struct session	*s = p->data;

	s->req->resp_done = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings session_resp_settings = {
	.on_body = session_resp_body_cb,
	.on_message_complete = session_resp_done_cb,
};

/* Read the engine's response head.  Returns false to wait for more. */
static bool
session_resp_head(struct session *s)
{
	struct request		*r = s->req;
	struct evbuffer		*in = bufferevent_get_input(s->up->bev);
	struct evbuffer_ptr	 ptr;
	struct evbuffer_iovec	 v[4];
	struct httpmsg_hdr	*hdrs;
	size_t			 used, n, off;
	int			 i, nv;
	enum httpmsg_scan_result res = HTTPMSG_SCAN_MORE;

	if (evbuffer_ptr_set(in, &ptr, s->uscan.n, EVBUFFER_PTR_SET) == -1)
		return false;
	nv = evbuffer_peek(in, -1, &ptr, v, 4);
	for (i = 0; i < nv && i < 4 && res == HTTPMSG_SCAN_MORE; i++)
		res = httpmsg_scan_feed(&s->uscan, v[i].iov_base,
		    v[i].iov_len, 1 << 20, &used);
	if (res == HTTPMSG_SCAN_MORE)
		return nv > 4;
	if (res == HTTPMSG_SCAN_ERROR) {
		slog_warnx(s, "engine sent a malformed response: %s",
		    s->uscan.err);
		session_refuse(s, 502, "malformed response from the engine",
		    true);
		upstream_free(s->up);
		s->up = NULL;
		return true;
	}
	n = s->uscan.n;
	/* One allocation: the head copy, then the header array, aligned. */
	off = (n + 16) & ~(size_t)15;
	free(r->rhead);
	r->rhead = malloc(off + (s->uscan.lines + 1) * sizeof(*hdrs));
	if (r->rhead == NULL) {
		session_close(s, "out of memory");
		return false;
	}
	hdrs = (struct httpmsg_hdr *)(void *)(r->rhead + off);
	evbuffer_remove(in, r->rhead, n);
	r->rhead[n] = '\0';
	if (httpmsg_parse(&r->resp, &s->uparser, HTTP_RESPONSE, r->rhead, n,
	    hdrs, s->uscan.lines + 1, r->msg.method == HTTP_HEAD) == -1) {
		slog_warnx(s, "engine response: %s", r->resp.err);
		upstream_free(s->up);
		s->up = NULL;
		session_refuse(s, 502, "malformed response from the engine",
		    true);
		return true;
	}
	if (r->resp.status >= 100 && r->resp.status < 200 &&
	    r->resp.status != 101) {
		/* An interim answer: we already spoke for 100 ourselves. */
		memset(&s->uscan, 0, sizeof(s->uscan));
		return true;
	}
	r->resp_head_done = true;
	session_timer_set(s, 0);
	if (session_resp_is_tunnel(s)) {
		session_write_resp_head(s);
		session_set_state(s, SESSION_TUNNEL);
		record_stream_start(s);
		return true;
	}
	r->resp_close = !(r->resp.flags & (HTTPMSG_F_CL | HTTPMSG_F_CHUNKED |
	    HTTPMSG_F_COMPLETE | HTTPMSG_F_NOBODY)) &&
	    r->resp.status != 204 && r->resp.status != 304;
	if ((r->msg.flags & HTTPMSG_F_HTTP10) &&
	    (r->resp.flags & HTTPMSG_F_CHUNKED)) {
		r->resp_dechunk = true;
		r->resp_close = true;
	}
	if (r->resp_close)
		s->flags |= SESSION_F_CLOSE_AFTER;
	session_write_resp_head(s);
	if (r->resp.flags & HTTPMSG_F_COMPLETE)
		r->resp_done = true;
	/* Events, logs -f, wait: recorded when they begin, and at the end. */
	if (!r->resp_done && (r->route->flags & ROUTE_F_STREAM))
		record_stream_start(s);
	return true;
}

/* Relay response body bytes, raw, up to the end of the message. */
static void
session_resp_body(struct session *s)
{
	struct request		*r = s->req;
	struct evbuffer		*in = bufferevent_get_input(s->up->bev);
	struct evbuffer		*out = bufferevent_get_output(s->cbev);
	struct evbuffer_iovec	 v[16];
	size_t			 total = 0, used;
	int			 i, nv;

	s->uparser.data = s;
	do {
		total = 0;
		nv = evbuffer_peek(in, -1, NULL, v, 16);
		for (i = 0; i < nv && i < 16 && !r->resp_done; i++) {
			if (v[i].iov_len == 0)
				continue;
			used = http_parser_execute(&s->uparser,
			    &session_resp_settings, v[i].iov_base,
			    v[i].iov_len);
			total += used;
			if (HTTP_PARSER_ERRNO(&s->uparser) == HPE_PAUSED)
				break;
			if (HTTP_PARSER_ERRNO(&s->uparser) != HPE_OK) {
				slog_warnx(s, "engine response body: %s",
				    http_errno_description(
				    HTTP_PARSER_ERRNO(&s->uparser)));
				session_close(s, "malformed response body");
				return;
			}
		}
		if (!r->resp_done && (s->flags & SESSION_F_UP_EOF) &&
		    total == evbuffer_get_length(in)) {
			/* EOF ends a close-delimited body; else it is cut. */
			http_parser_execute(&s->uparser,
			    &session_resp_settings, NULL, 0);
			if (!r->resp_done) {
				evbuffer_drain(in, total);
				session_close(s, "engine closed in the middle "
				    "of a response");
				return;
			}
		}
		r->resp_bytes += total;
		if (r->resp_dechunk)
			evbuffer_drain(in, total);
		else
			relay_move(in, out, total);
	} while (total > 0 && !r->resp_done && evbuffer_get_length(in) > 0);
}

/* A response finished: give the connection back and go on. */
static void
session_resp_finish(struct session *s)
{
	struct request	*r = s->req;

	if (s->up != NULL) {
		if (r->body_done && !r->resp_close &&
		    http_should_keep_alive(&s->uparser) &&
		    !(s->flags & SESSION_F_UP_EOF))
			upstream_put(s->up);
		else
			upstream_free(s->up);
		s->up = NULL;
	}
	if (!r->body_done) {
		/* The engine answered early; drain the rest like a refusal. */
		s->drained = 0;
		session_set_state(s, SESSION_DENY);
		return;
	}
	session_finish_request(s, "done");
}

/* The engine went away before answering: retry once or answer 502. */
static void
session_up_lost(struct session *s, const char *why)
{
	struct request	*r = s->req;
	bool		 reused = s->up && s->up->reused;

	upstream_free(s->up);
	s->up = NULL;
	if (r != NULL && r->resp_head_done) {
		session_close(s, why);
		return;
	}
	/*
	 * A pooled connection the engine closed while idle: the request never
	 * reached a handler, but only a GET/HEAD without body is known to be
	 * harmless to send twice.
	 */
	if (r != NULL && reused && r->retry_safe && !r->retried) {
		r->retried = true;
		slog_debug(s, "retrying on a new engine connection: %s", why);
		session_get_up(s);
		return;
	}
	if (r != NULL && !r->body_done)
		s->flags |= SESSION_F_CLOSE_AFTER;
	metrics_upstream_error();
	session_refuse(s, 502, why, false);
}

/* FORWARD: request body up, response down. */
static bool
session_forward_step(struct session *s)
{
	struct request	*r = s->req;
	struct evbuffer	*uin;

	if (s->up == NULL)
		return false;
	if (!r->body_done) {
		if (session_pump_body(s) == -1) {
			slog_info(s, "malformed chunked request body: %s",
			    http_errno_description(HTTP_PARSER_ERRNO(
			    &s->rparser)));
			session_close(s, "malformed chunked request body");
			return false;
		}
	}
	uin = bufferevent_get_input(s->up->bev);
	if (!r->resp_head_done) {
		if (evbuffer_get_length(uin) > s->uscan.n) {
			if (session_resp_head(s))
				return s->state == SESSION_FORWARD ||
				    s->state == SESSION_TUNNEL ||
				    s->state == SESSION_DENY;
			return false;
		}
		if (s->flags & SESSION_F_UP_EOF) {
			s->flags &= ~SESSION_F_UP_EOF;
			session_up_lost(s, "engine closed the connection");
			return true;
		}
		return false;
	}
	if (!r->resp_done && (evbuffer_get_length(uin) > 0 ||
	    (s->flags & SESSION_F_UP_EOF)))
		session_resp_body(s);
	if (s->state != SESSION_FORWARD)
		return false;
	if (r->resp_done) {
		session_resp_finish(s);
		return true;
	}
	return false;
}

/* TUNNEL: raw bytes both ways; half-close passes through. */
static bool
session_tunnel_step(struct session *s)
{
	struct evbuffer	*cin = bufferevent_get_input(s->cbev);
	struct evbuffer	*cout = bufferevent_get_output(s->cbev);
	struct evbuffer	*uin, *uout;

	if (s->up == NULL) {
		session_close(s, "tunnel lost the engine");
		return false;
	}
	uin = bufferevent_get_input(s->up->bev);
	uout = bufferevent_get_output(s->up->bev);
	if (s->req != NULL) {
		s->req->up_bytes += evbuffer_get_length(cin);
		s->req->resp_bytes += evbuffer_get_length(uin);
	}
	relay_move(cin, uout, evbuffer_get_length(cin));
	relay_move(uin, cout, evbuffer_get_length(uin));
	/* Client done sending (close_notify or FIN): end stdin upstream. */
	if ((s->flags & SESSION_F_CLIENT_EOF) &&
	    !(s->flags & SESSION_F_UP_SHUT) && evbuffer_get_length(uout) == 0) {
		s->flags |= SESSION_F_UP_SHUT;
		relay_shutdown_write(s->up->bev);
	}
	/* Engine done sending: end our side toward the client. */
	if ((s->flags & SESSION_F_UP_EOF) &&
	    !(s->flags & SESSION_F_CLIENT_SHUT) &&
	    evbuffer_get_length(cout) == 0) {
		s->flags |= SESSION_F_CLIENT_SHUT;
		relay_shutdown_write(s->cbev);
	}
	/*
	 * The engine ends a hijacked stream only when its handler is done (it
	 * sends close_notify and reads no more), so once its last bytes are
	 * out the tunnel is over, even if the client keeps its side open, as
	 * docker-py does.  Linger so a client still sending sees the end
	 * instead of a reset.
	 */
	if ((s->flags & SESSION_F_CLIENT_SHUT) && (s->flags & SESSION_F_UP_EOF))
		session_close_lingering(s, "tunnel done");
	return false;
}

/* Run the state machine until it waits. */
static void
session_step(struct session *s)
{
	bool	again = true;
	int	guard = 0;

	while (again && ++guard < 64) {
		switch (s->state) {
		case SESSION_HANDSHAKE:
		case SESSION_CONNECT:
		case SESSION_CLOSING:
			again = false;
			break;
		case SESSION_READ_HEAD:
			again = session_read_head(s);
			break;
		case SESSION_READ_BODY:
			again = session_read_body(s);
			break;
		case SESSION_DENY:
			again = session_deny_step(s);
			break;
		case SESSION_FORWARD:
			again = session_forward_step(s);
			break;
		case SESSION_TUNNEL:
			again = session_tunnel_step(s);
			break;
		default:
			again = false;
			break;
		}
	}
}

/* After each callback: interest, and finish a close once output is out. */
static void
session_after(struct session *s)
{
	if (s->state == SESSION_CLOSING &&
	    !(s->flags & (SESSION_F_FREEING | SESSION_F_RAW_LINGER))) {
		if (s->cbev == NULL ||
		    evbuffer_get_length(bufferevent_get_output(s->cbev)) == 0) {
			if (s->flags & SESSION_F_LINGER) {
				if (!(s->flags & SESSION_F_CLIENT_SHUT)) {
					s->flags |= SESSION_F_CLIENT_SHUT;
					relay_shutdown_write(s->cbev);
				}
				evbuffer_drain(bufferevent_get_input(s->cbev),
				    (size_t)-1);
				if (s->flags & SESSION_F_CLIENT_EOF)
					session_schedule_free(s);
			} else
				session_schedule_free(s);
		}
	}
	if (!(s->flags & (SESSION_F_FREEING | SESSION_F_RAW_LINGER)))
		relay_recompute_interest(s);
}

static void
session_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	SESSION_CHECK(s);
	session_step(s);
	session_after(s);
}

static void
session_client_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	SESSION_CHECK(s);
	session_step(s);
	session_after(s);
}

static void
session_handshake_done(struct session *s)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(s->cbev);

	tlsctx_peer_identity(ssl, &s->peer);
	session_set_who(s);
	slog_debug(s, "TLS %s %s", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl));
	session_set_state(s, SESSION_READ_HEAD);
}

/*
 * The handshake failed and OpenSSL wrote its alert.  A TLS 1.3 client may
 * already have sent its first request; closing with that unread makes the
 * kernel send a RST that can destroy the alert before the client reads
 * it, and the user sees "connection reset" instead of "bad certificate".
 * So: FIN, then discard raw bytes for a short while before closing.
 */
static void
session_raw_linger(struct session *s)
{
	int	fd = bufferevent_getfd(s->cbev);

	bufferevent_disable(s->cbev, EV_READ | EV_WRITE);
	(void)shutdown(fd, SHUT_WR);
	s->flags |= SESSION_F_RAW_LINGER;
	s->linger_ticks = SESSION_LINGER_MS / 100;
}

/* One raw linger poll; true when it is time to free. */
static bool
session_raw_linger_poll(struct session *s)
{
	char	buf[4096];
	ssize_t	n;

	while ((n = recv(bufferevent_getfd(s->cbev), buf, sizeof(buf),
	    MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		return true;
	return --s->linger_ticks == 0;
}

static void
session_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;
	char		 buf[512];
	unsigned long	 e;

	SESSION_CHECK(s);
	if (what & BEV_EVENT_CONNECTED) {
		session_handshake_done(s);
	} else if (what & BEV_EVENT_EOF) {
		s->flags |= SESSION_F_CLIENT_EOF;
		/* libevent stops writing on EOF; we may still have to. */
		bufferevent_enable(bev, EV_WRITE);
		if (s->state == SESSION_HANDSHAKE)
			session_close(s, "client closed during handshake");
		else if (s->state == SESSION_CONNECT ||
		    (s->state == SESSION_FORWARD && s->req &&
		    !(s->req->route->flags & ROUTE_F_HIJACK)))
			session_close(s, "client went away");
	} else if (what & BEV_EVENT_ERROR) {
		buf[0] = '\0';
		while ((e = bufferevent_get_openssl_error(bev)) != 0)
			if (ERR_GET_LIB(e) != 0)
				ERR_error_string_n(e, buf, sizeof(buf));
		if (s->state == SESSION_HANDSHAKE) {
			slog_info(s, "TLS handshake failed: %s", buf[0] ? buf :
			    strerror(EVUTIL_SOCKET_ERROR()));
			session_raw_linger(s);
		}
		s->flags |= SESSION_F_CLIENT_EOF | SESSION_F_CLIENT_SHUT;
		evbuffer_drain(bufferevent_get_output(bev), (size_t)-1);
		session_close(s, buf[0] ? buf : "client connection error");
		ERR_clear_error();
	}
	session_step(s);
	session_after(s);
}

static void
session_up_read_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	SESSION_CHECK(s);
	session_step(s);
	session_after(s);
}

static void
session_up_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	SESSION_CHECK(s);
	session_step(s);
	session_after(s);
}

static void
session_up_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	SESSION_CHECK(s);
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		s->flags |= SESSION_F_UP_EOF;
		if (what & BEV_EVENT_ERROR) {
			ERR_clear_error();
			if (s->state == SESSION_TUNNEL)
				s->flags |= SESSION_F_UP_SHUT;
		}
		if (s->state == SESSION_TUNNEL)
			bufferevent_enable(bev, EV_WRITE);
	}
	session_step(s);
	session_after(s);
}

static void
session_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	SESSION_CHECK(s);
	switch (s->state) {
	case SESSION_HANDSHAKE:
		slog_info(s, "TLS handshake timed out");
		session_close(s, "handshake timeout");
		break;
	case SESSION_READ_HEAD:
		if (s->flags & SESSION_F_HEAD_STARTED)
			slog_info(s, "request head not complete in time");
		session_close(s, (s->flags & SESSION_F_HEAD_STARTED) ?
		    "request head timeout" : "idle timeout");
		break;
	case SESSION_READ_BODY:
		slog_info(s, "request body not complete in time");
		session_close(s, "request body timeout");
		break;
	case SESSION_FORWARD:
		if (s->req == NULL || s->req->resp_head_done)
			break;
		slog_warnx(s, "the engine did not answer in time");
		upstream_free(s->up);
		s->up = NULL;
		metrics_upstream_error();
		snprintf(s->req->dec.rule, sizeof(s->req->dec.rule), "upstream");
		session_refuse(s, 504, "the engine did not answer in time",
		    false);
		session_step(s);
		break;
	case SESSION_DENY:
		session_close_lingering(s, "drain timeout");
		break;
	case SESSION_CLOSING:
		if ((s->flags & SESSION_F_RAW_LINGER) &&
		    !session_raw_linger_poll(s)) {
			session_timer_set(s, 100);
			return;
		}
		session_schedule_free(s);
		return;
	default:
		break;
	}
	session_after(s);
}

static void
session_peer_addr(struct session *s, struct sockaddr *sa)
{
	char	host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(s->peer.addr, sizeof(s->peer.addr), "%s:%u", host,
		    ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(s->peer.addr, sizeof(s->peer.addr), "[%s]:%u", host,
		    ntohs(in6->sin6_port));
	} else
		snprintf(s->peer.addr, sizeof(s->peer.addr), "unix");
}

void
session_accept(struct proxy *px, int fd, struct sockaddr *sa, int socklen,
    bool is_unix)
{
	struct session	*s;
	SSL		*ssl = NULL;
	int		 on = 1;
	struct ucred	 cred;
	socklen_t	 clen = sizeof(cred);
	int		 opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		return;
	}
	s->magic = SESSION_MAGIC;
	s->id = ++px->next_session_id;
	s->px = px;
	s->gen = generation_ref(px->gen);
	s->peer.uid = -1;
	session_peer_addr(s, sa);
	evtimer_assign(&s->timer, px->base, session_timer_cb, s);
	TAILQ_INSERT_TAIL(&px->sessions, s, entry);
	px->nsessions++;
	if (is_unix) {
		s->flags |= SESSION_F_UNIX;
		s->peer.is_unix = true;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
			s->peer.uid = (long)cred.uid;
		s->cbev = bufferevent_socket_new(px->base, fd, opts);
	} else {
		/* Keepalive notices a vanished worker without an idle timer. */
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if ((ssl = SSL_new(s->gen->server_ctx)) != NULL)
			s->cbev = bufferevent_openssl_socket_new(px->base, fd,
			    ssl, BUFFEREVENT_SSL_ACCEPTING, opts);
		if (s->cbev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(s->cbev,
			    1);
		else if (ssl != NULL)
			SSL_free(ssl);
	}
	session_set_who(s);
	if (s->cbev == NULL) {
		close(fd);
		slog_warnx(s, "cannot set up connection");
		s->state = SESSION_HANDSHAKE;
		session_close(s, "setup failed");
		return;
	}
	bufferevent_setcb(s->cbev, session_client_read_cb,
	    session_client_write_cb, session_client_event_cb, s);
	bufferevent_setwatermark(s->cbev, EV_READ, 0, RELAY_HIGH_WATER);
	if (is_unix) {
		s->state = SESSION_HANDSHAKE;
		session_set_state(s, SESSION_READ_HEAD);
	} else {
		s->state = SESSION_HANDSHAKE;
		session_set_state(s, SESSION_HANDSHAKE);
	}
	relay_recompute_interest(s);
}

void
session_drain_all(struct proxy *px)
{
	struct session	*s, *next;

	for (s = TAILQ_FIRST(&px->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		s->flags |= SESSION_F_CLOSE_AFTER;
		if ((s->state == SESSION_READ_HEAD && s->scan.n == 0) ||
		    s->state == SESSION_HANDSHAKE) {
			session_close(s, "shutting down");
			session_after(s);
		}
	}
}

void
session_close_all(struct proxy *px)
{
	struct session	*s, *next;

	for (s = TAILQ_FIRST(&px->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->state != SESSION_CLOSING)
			session_close(s, "shutdown deadline");
		if (!(s->flags & SESSION_F_FREEING))
			session_schedule_free(s);
	}
}
