/*
 * admin: metrics and health over a local socket.  See admin.h.
 */
#include "autoconf.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "admin.h"
#include "audit.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "session.h"
#include "upstream.h"

#define ADMIN_MAX_HEAD	8192
#define ADMIN_TIMEOUT	5	/* seconds for a request and a health check */

/* One admin connection.  Freed in admin_conn_free(). */
struct admin_conn {
	struct proxy		*px;		/* borrowed */
	struct bufferevent	*bev;
	struct upstream_conn	*up;		/* health check */
	struct event		*timer;
	int			 done;
};

static struct evconnlistener	*admin_lev;
static char			*admin_unix_path;

static void
admin_conn_free(struct admin_conn *c)
{
	upstream_free(c->up);
	if (c->timer)
		event_free(c->timer);
	bufferevent_free(c->bev);
	free(c);
}

static void
admin_reply(struct admin_conn *c, unsigned status, const char *type,
    const char *body, size_t len)
{
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, status == 200 ? "OK" :
	    status == 404 ? "Not Found" : "Service Unavailable", type, len);
	evbuffer_add(bufferevent_get_output(c->bev), body, len);
	c->done = 1;
	upstream_free(c->up);
	c->up = NULL;
	bufferevent_disable(c->bev, EV_READ);
}

static void
admin_health_result(struct admin_conn *c, bool up, const char *why)
{
	char	buf[512];
	int	n;

	n = snprintf(buf, sizeof(buf), "{\"status\":\"%s\",\"engine\":\"%s\","
	    "\"audit\":\"%s\"%s%s%s}\n", up && audit_may_serve() ? "ok" :
	    "fail", up ? "up" : "down", audit_is_ok() ? "ok" : "fail",
	    why ? ",\"error\":\"" : "", why ? why : "", why ? "\"" : "");
	admin_reply(c, up && audit_may_serve() ? 200 : 503,
	    "application/json", buf, (size_t)n);
}

static void
admin_up_read_cb(struct bufferevent *bev, void *arg)
{
	struct admin_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			 line[16];

	if (evbuffer_get_length(in) < 12)
		return;
	evbuffer_copyout(in, line, 12);
	line[12] = '\0';
	admin_health_result(c, strncmp(line + 9, "200", 3) == 0,
	    strncmp(line + 9, "200", 3) == 0 ? NULL : "unexpected answer");
}

static void
admin_up_event_cb(struct bufferevent *bev, short what, void *arg)
{
	admin_health_result(arg, false, "engine closed the connection");
}

static void
admin_up_ready_cb(struct upstream_conn *up, int err, const char *why,
    void *arg)
{
	struct admin_conn	*c = arg;

	if (err) {
		upstream_free(up);
		c->up = NULL;
		admin_health_result(c, false, "cannot connect to the engine");
		return;
	}
	c->up = up;
	bufferevent_setcb(up->bev, admin_up_read_cb, NULL, admin_up_event_cb,
	    c);
	bufferevent_enable(up->bev, EV_READ);
	evbuffer_add_printf(bufferevent_get_output(up->bev), "GET /_ping "
	    "HTTP/1.1\r\nHost: docker\r\n\r\n");
}

static void
admin_metrics(struct admin_conn *c)
{
	struct metrics_gauges	 g;
	struct session		*s;
	char			*text;
	size_t			 len;

	memset(&g, 0, sizeof(g));
	g.connections = c->px->nsessions;
	TAILQ_FOREACH(s, &c->px->sessions, entry) {
		if (s->state == SESSION_TUNNEL)
			g.tunnels++;
		else if (s->state == SESSION_FORWARD && s->req &&
		    s->req->audited)
			g.streams++;
	}
	g.idle_upstream = upstream_pool_idle(c->px->gen->pool);
	g.audit_ok = audit_is_ok();
	if ((text = metrics_format(&g, &len)) == NULL) {
		admin_reply(c, 503, "text/plain", "out of memory\n", 14);
		return;
	}
	admin_reply(c, 200, "text/plain; version=0.0.4", text, len);
	free(text);
}

static void
admin_read_cb(struct bufferevent *bev, void *arg)
{
	struct admin_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	char			 line[64];
	bool			 ready;

	if (c->done || c->up)
		return;
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0) {
		if (evbuffer_get_length(in) > ADMIN_MAX_HEAD)
			admin_reply(c, 404, "text/plain", "too long\n", 9);
		return;
	}
	memset(line, 0, sizeof(line));
	evbuffer_copyout(in, line, sizeof(line) - 1);
	if (strncmp(line, "GET /metrics ", 13) == 0)
		admin_metrics(c);
	else if (strncmp(line, "GET /health ", 12) == 0) {
		c->up = upstream_get(c->px->gen->pool, admin_up_ready_cb, c,
		    &ready);
		if (c->up == NULL)
			admin_health_result(c, false, "cannot connect to the "
			    "engine");
		else if (ready) {
			struct upstream_conn *up = c->up;

			c->up = NULL;
			admin_up_ready_cb(up, 0, NULL, c);
		}
	} else
		admin_reply(c, 404, "text/plain", "not found\n", 10);
}

static void
admin_write_cb(struct bufferevent *bev, void *arg)
{
	struct admin_conn	*c = arg;

	if (c->done)
		admin_conn_free(c);
}

static void
admin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	admin_conn_free(arg);
}

static void
admin_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admin_conn	*c = arg;

	if (c->up)
		admin_health_result(c, false, "engine did not answer");
	else
		admin_conn_free(c);
}

static void
admin_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct proxy		*px = arg;
	struct admin_conn	*c;
	struct timeval		 tv = { ADMIN_TIMEOUT, 0 };

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->px = px;
	c->bev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(px->base, admin_timer_cb, c);
	if (c->bev == NULL || c->timer == NULL) {
		if (c->bev == NULL)
			close(fd);
		else
			bufferevent_free(c->bev);
		if (c->timer)
			event_free(c->timer);
		free(c);
		return;
	}
	evtimer_add(c->timer, &tv);
	bufferevent_setcb(c->bev, admin_read_cb, admin_write_cb,
	    admin_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int
admin_open(struct proxy *px, const struct config_addr *a)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 flags = LEV_OPT_CLOSE_ON_FREE |
				    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE;

	if (a->text == NULL)
		return 0;
	if (a->is_unix) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(a->path) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, a->path);
		if (lstat(a->path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(a->path);
		admin_lev = evconnlistener_new_bind(px->base, admin_accept_cb,
		    px, flags, 16, (struct sockaddr *)&sun, sizeof(sun));
		if (admin_lev)
			admin_unix_path = strdup(a->path);
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if (getaddrinfo(a->host, a->port, &hints, &res) != 0)
			return -1;
		admin_lev = evconnlistener_new_bind(px->base, admin_accept_cb,
		    px, flags, 16, res->ai_addr, (int)res->ai_addrlen);
		freeaddrinfo(res);
	}
	if (admin_lev == NULL) {
		log_warn("admin listener %s", a->text);
		return -1;
	}
	log_info("admin listener (metrics, health) on %s", a->text);
	return 0;
}

void
admin_close(void)
{
	if (admin_lev)
		evconnlistener_free(admin_lev);
	admin_lev = NULL;
	if (admin_unix_path)
		unlink(admin_unix_path);
	free(admin_unix_path);
	admin_unix_path = NULL;
}
