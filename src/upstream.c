/*
 * upstream: pooled connections to the engine.  See upstream.h.
 *
 * Why a pool: a fresh TLS handshake per request costs about a millisecond
 * of CPU on both ends; the Go client keeps connections alive and so do we.
 * Idle connections hold no TLS buffers (SSL_MODE_RELEASE_BUFFERS) and are
 * watched for EOF so a connection the engine closed is dropped at once.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "proxy.h"
#include "tlsctx.h"
#include "upstream.h"

/* One per generation.  Owned by struct generation. */
struct upstream_pool {
	struct event_base	*base;		/* borrowed */
	struct generation	*gen;		/* borrowed: owns us */
	struct upstream_conn	*idle;		/* most recently used first */
	unsigned		 nidle;
	SSL_SESSION		*session;	/* for resumption */
	bool			 retired;	/* reload: keep nothing */
};

static int upstream_ex_index = -1;

static int	upstream_new_session_cb(SSL *, SSL_SESSION *);

struct upstream_pool *
upstream_pool_new(struct event_base *base, struct generation *gen)
{
	struct upstream_pool	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	p->gen = gen;
	if (upstream_ex_index == -1)
		upstream_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    NULL);
	/* Once per context, not per connection: sessions come back here. */
	if (gen->client_ctx != NULL)
		SSL_CTX_sess_set_new_cb(gen->client_ctx,
		    upstream_new_session_cb);
	return p;
}

static void
upstream_unlink_idle(struct upstream_conn *c)
{
	struct upstream_pool	*p = c->pool;

	if (!c->idle)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		p->idle = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	c->idle = false;
	p->nidle--;
}

void
upstream_free(struct upstream_conn *c)
{
	SSL	*ssl;

	if (c == NULL)
		return;
	upstream_unlink_idle(c);
	if (c->bev) {
		if ((ssl = bufferevent_openssl_get_ssl(c->bev)) != NULL)
			SSL_set_ex_data(ssl, upstream_ex_index, NULL);
		bufferevent_free(c->bev);
	}
	c->magic = 0;
	free(c);
}

void
upstream_pool_free(struct upstream_pool *p)
{
	if (p == NULL)
		return;
	while (p->idle)
		upstream_free(p->idle);
	if (p->session)
		SSL_SESSION_free(p->session);
	free(p);
}

void
upstream_pool_retire(struct upstream_pool *p)
{
	p->retired = true;
	while (p->idle)
		upstream_free(p->idle);
}

unsigned
upstream_pool_idle(const struct upstream_pool *p)
{
	return p ? p->nidle : 0;
}

/* The engine handed out a session: keep the newest for the next connect. */
static int
upstream_new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct upstream_conn	*c = SSL_get_ex_data(ssl, upstream_ex_index);

	if (c == NULL || c->magic != UPSTREAM_MAGIC)
		return 0;
	if (c->pool->session)
		SSL_SESSION_free(c->pool->session);
	c->pool->session = sess;
	return 1;
}

static void
upstream_sockopts(struct bufferevent *bev)
{
	int	fd = bufferevent_getfd(bev), on = 1;

	/* Keepalive notices an engine that vanished; no idle timer needed. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void
upstream_connect_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct upstream_conn	*c = arg;
	upstream_cb		 cb = c->cb;
	char			 why[512], tls[384];
	const char		*addr;
	SSL			*ssl;
	unsigned long		 e;
	long			 vr;

	c->cb = NULL;
	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_set_timeouts(bev, NULL, NULL);
		if (c->pool->gen->conf->upstream.is_unix == false)
			upstream_sockopts(bev);
		cb(c, 0, NULL, c->arg);
		return;
	}
	tls[0] = '\0';
	/* libevent also queues bare SSL_get_error() codes (no library). */
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (ERR_GET_LIB(e) != 0)
			ERR_error_string_n(e, tls, sizeof(tls));
	addr = c->pool->gen->conf->upstream.text;
	if (what & BEV_EVENT_TIMEOUT)
		snprintf(why, sizeof(why), "connecting to the engine at %s "
		    "timed out", addr);
	else if ((ssl = bufferevent_openssl_get_ssl(bev)) != NULL &&
	    (vr = SSL_get_verify_result(ssl)) != X509_V_OK)
		snprintf(why, sizeof(why), "the engine at %s presented a "
		    "certificate we do not trust: %s", addr,
		    X509_verify_cert_error_string(vr));
	else if (tls[0] != '\0')
		snprintf(why, sizeof(why), "TLS handshake with the engine at "
		    "%s failed: %s", addr, tls);
	else
		/* errno is gone by now (deferred callback): say what we know. */
		snprintf(why, sizeof(why), "cannot connect to the engine at "
		    "%s (refused or closed)", addr);
	ERR_clear_error();
	cb(c, -1, why, c->arg);
}

/* Set SNI and the name the engine's certificate must carry. */
static int
upstream_tls_names(SSL *ssl, const char *name)
{
	struct in6_addr	a;

	if (inet_pton(AF_INET, name, &a) == 1 ||
	    inet_pton(AF_INET6, name, &a) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    name) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(ssl, name) != 1)
		return -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(ssl, name) == 1 ? 0 : -1;
}

static struct upstream_conn *
upstream_connect(struct upstream_pool *p, upstream_cb cb, void *arg)
{
	struct generation	*g = p->gen;
	struct upstream_conn	*c;
	struct timeval		 tv;
	SSL			*ssl = NULL;
	int			 opts = BEV_OPT_CLOSE_ON_FREE |
				    BEV_OPT_DEFER_CALLBACKS;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->magic = UPSTREAM_MAGIC;
	c->pool = p;
	c->cb = cb;
	c->arg = arg;
	if (g->client_ctx != NULL) {
		if ((ssl = SSL_new(g->client_ctx)) == NULL)
			goto fail;
		SSL_set_ex_data(ssl, upstream_ex_index, c);
		if (upstream_tls_names(ssl, g->conf->up_server_name) == -1)
			goto fail;
		if (p->session)
			SSL_set_session(ssl, p->session);
		c->bev = bufferevent_openssl_socket_new(p->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, opts);
		if (c->bev == NULL)
			goto fail;
		ssl = NULL;	/* the bufferevent owns it now */
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else if ((c->bev = bufferevent_socket_new(p->base, -1, opts)) ==
	    NULL)
		goto fail;
	bufferevent_setcb(c->bev, NULL, NULL, upstream_connect_event_cb, c);
	if (g->conf->t_upstream_connect) {
		tv.tv_sec = g->conf->t_upstream_connect / 1000;
		tv.tv_usec = (g->conf->t_upstream_connect % 1000) * 1000;
		bufferevent_set_timeouts(c->bev, &tv, &tv);
	}
	/*
	 * Most failures arrive through the (deferred) event callback, but
	 * libevent returns -1 without one when socket() fails (descriptors
	 * run out) or connect() fails at once (a unix socket that is gone):
	 * the caller must answer 502 itself then.
	 */
	errno = 0;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&g->up_addr,
	    (int)g->up_addrlen) == -1) {
		log_warn("upstream: cannot connect to %s", g->conf->upstream.text);
		upstream_free(c);
		return NULL;
	}
	return c;
fail:
	tlsctx_log_errors("upstream: cannot set up connection");
	if (ssl)
		SSL_free(ssl);
	if (c->bev)
		upstream_free(c);
	else
		free(c);
	return NULL;
}

struct upstream_conn *
upstream_get(struct upstream_pool *p, upstream_cb cb, void *arg, bool *ready)
{
	struct upstream_conn	*c;

	if ((c = p->idle) != NULL) {
		upstream_unlink_idle(c);
		c->reused = true;
		bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
		*ready = true;
		return c;
	}
	*ready = false;
	/* NULL: out of memory or descriptors; the caller answers 502. */
	return upstream_connect(p, cb, arg);
}

/* An idle connection spoke or closed: it cannot carry a request now. */
static void
upstream_idle_read_cb(struct bufferevent *bev, void *arg)
{
	struct upstream_conn	*c = arg;

	log_debug("%s: engine sent data on an idle connection", __func__);
	upstream_free(c);
}

static void
upstream_idle_event_cb(struct bufferevent *bev, short what, void *arg)
{
	upstream_free(arg);
}

void
upstream_put(struct upstream_conn *c)
{
	struct upstream_pool	*p = c->pool;

	if (p->retired || p->nidle >= p->gen->conf->max_idle_upstream ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) != 0 ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) != 0) {
		upstream_free(c);
		return;
	}
	c->nreq++;
	c->idle = true;
	c->prev = NULL;
	c->next = p->idle;
	if (p->idle)
		p->idle->prev = c;
	p->idle = c;
	p->nidle++;
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_setcb(c->bev, upstream_idle_read_cb, NULL,
	    upstream_idle_event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
}
