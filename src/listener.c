/*
 * listener: accepting connections.  See listener.h.
 */
#include "autoconf.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/listener.h>

#include "listener.h"
#include "log.h"
#include "proxy.h"
#include "session.h"

/* Owned by struct proxy (px->listeners list). */
struct listener {
	struct proxy		*px;		/* borrowed */
	struct evconnlistener	*lev;
	struct listener		*next;
	bool			 is_unix;
	char			*path;		/* unix: to unlink at exit */
	char			*text;
};

static bool		listener_paused;
static struct event	*listener_retry;

static void
listener_pause(struct proxy *px, bool pause)
{
	struct listener	*l;

	if (listener_paused == pause)
		return;
	listener_paused = pause;
	for (l = px->listeners; l != NULL; l = l->next) {
		if (pause)
			evconnlistener_disable(l->lev);
		else
			evconnlistener_enable(l->lev);
	}
}

static void
listener_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct listener	*l = arg;
	struct proxy	*px = l->px;

	if (px->stopping) {
		close(fd);
		return;
	}
	session_accept(px, fd, sa, socklen, l->is_unix);
	/* At the bound, stop accepting; the kernel backlog holds the rest. */
	if (px->nsessions >= px->gen->conf->max_connections)
		listener_pause(px, true);
}

static void
listener_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy	*px = arg;

	if (!px->stopping &&
	    px->nsessions < px->gen->conf->max_connections)
		listener_pause(px, false);
}

/* Out of descriptors: pause for a second rather than spin or crash. */
static void
listener_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener	*l = arg;
	struct proxy	*px = l->px;
	struct timeval	 tv = { 1, 0 };
	int		 err = EVUTIL_SOCKET_ERROR();

	log_warnx("accept on %s: %s; pausing", l->text, strerror(err));
	listener_pause(px, true);
	if (listener_retry == NULL)
		listener_retry = evtimer_new(px->base, listener_retry_cb, px);
	evtimer_add(listener_retry, &tv);
}

void
listener_session_gone(struct proxy *px)
{
	if (px->stopping) {
		if (px->nsessions == 0)
			event_base_loopexit(px->base, NULL);
		return;
	}
	if (listener_paused && px->nsessions < px->gen->conf->max_connections &&
	    (listener_retry == NULL || !evtimer_pending(listener_retry, NULL)))
		listener_pause(px, false);
}

static struct evconnlistener *
listener_bind_tcp(struct proxy *px, struct listener *l,
    const struct config_addr *a)
{
	struct addrinfo		 hints, *res = NULL;
	struct evconnlistener	*lev;
	int			 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(a->host, a->port, &hints, &res)) != 0) {
		log_warnx("listen %s: %s", a->text, gai_strerror(e));
		return NULL;
	}
	lev = evconnlistener_new_bind(px->base, listener_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    1024, res->ai_addr, (int)res->ai_addrlen);
	if (lev == NULL)
		log_warn("listen %s", a->text);
	freeaddrinfo(res);
	return lev;
}

static struct evconnlistener *
listener_bind_unix(struct proxy *px, struct listener *l,
    const struct config_addr *a, unsigned mode)
{
	struct sockaddr_un	 sun;
	struct evconnlistener	*lev;
	struct stat		 st;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(a->path) >= sizeof(sun.sun_path)) {
		log_warnx("listen %s: path too long", a->text);
		return NULL;
	}
	strcpy(sun.sun_path, a->path);
	/* Replace a stale socket, never a regular file. */
	if (lstat(a->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(a->path);
	lev = evconnlistener_new_bind(px->base, listener_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024,
	    (struct sockaddr *)&sun, sizeof(sun));
	if (lev == NULL) {
		log_warn("listen %s", a->text);
		return NULL;
	}
	if (chmod(a->path, mode) == -1)
		log_warn("chmod %s", a->path);
	l->path = strdup(a->path);
	return lev;
}

int
listener_open_all(struct proxy *px, const struct config *c)
{
	struct listener	*l;
	size_t		 i;

	for (i = 0; i < c->nlisten; i++) {
		if ((l = calloc(1, sizeof(*l))) == NULL)
			return -1;
		l->px = px;
		l->is_unix = c->listen[i].is_unix;
		l->text = strdup(c->listen[i].text);
		l->next = px->listeners;
		px->listeners = l;
		l->lev = l->is_unix ?
		    listener_bind_unix(px, l, &c->listen[i], c->unix_mode) :
		    listener_bind_tcp(px, l, &c->listen[i]);
		if (l->lev == NULL)
			return -1;
		evconnlistener_set_error_cb(l->lev, listener_error_cb);
		log_info("listening on %s", l->text);
	}
	return 0;
}

void
listener_close_all(struct proxy *px)
{
	struct listener	*l, *next;

	for (l = px->listeners; l != NULL; l = next) {
		next = l->next;
		if (l->lev)
			evconnlistener_free(l->lev);
		if (l->path)
			unlink(l->path);
		free(l->path);
		free(l->text);
		free(l);
	}
	px->listeners = NULL;
	if (listener_retry) {
		event_free(listener_retry);
		listener_retry = NULL;
	}
}
