/*
 * proxy: building, sharing and retiring generations.  See proxy.h.
 */
#include "autoconf.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "log.h"
#include "proxy.h"
#include "tlsctx.h"
#include "upstream.h"

/* Resolve the upstream once, here, so the event loop never blocks on DNS. */
static int
generation_resolve(struct generation *g, struct diag *d)
{
	const struct config_addr	*a = &g->conf->upstream;
	struct addrinfo			 hints, *res = NULL;
	struct sockaddr_un		*sun;
	int				 e;

	if (a->is_unix) {
		sun = (struct sockaddr_un *)&g->up_addr;
		if (strlen(a->path) >= sizeof(sun->sun_path)) {
			diag_add(d, g->conf->path, 0, 0, "upstream socket "
			    "path too long");
			return -1;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, a->path);
		g->up_addrlen = sizeof(*sun);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((e = getaddrinfo(a->host, a->port, &hints, &res)) != 0) {
		diag_add(d, g->conf->path, 0, 0, "cannot resolve upstream "
		    "%s: %s", a->text, gai_strerror(e));
		return -1;
	}
	memcpy(&g->up_addr, res->ai_addr, res->ai_addrlen);
	g->up_addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

struct generation *
generation_load(const char *conf_path, uint64_t id, struct diag *d)
{
	struct generation	*g;
	size_t			 i, before = d->n;
	bool			 tcp = false;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->refcnt = 1;
	g->id = id;
	if ((g->conf = config_load(conf_path, d)) == NULL)
		goto fail;
	g->policy = policyset_load(g->conf->policy, g->conf->npolicy,
	    g->conf->min_api_minor, d);
	for (i = 0; i < g->conf->nlisten; i++)
		if (!g->conf->listen[i].is_unix)
			tcp = true;
	if (tcp)
		g->server_ctx = tlsctx_server_new(g->conf, d);
	if (!g->conf->upstream.is_unix)
		g->client_ctx = tlsctx_client_new(g->conf, d);
	generation_resolve(g, d);
	if (d->n > before)
		goto fail;
	return g;
fail:
	generation_unref(g);
	return NULL;
}

int
generation_start(struct generation *g, struct event_base *base)
{
	if ((g->pool = upstream_pool_new(base, g)) == NULL)
		return -1;
	return 0;
}

struct generation *
generation_ref(struct generation *g)
{
	g->refcnt++;
	return g;
}

void
generation_unref(struct generation *g)
{
	if (g == NULL || --g->refcnt > 0)
		return;
	upstream_pool_free(g->pool);
	if (g->server_ctx)
		SSL_CTX_free(g->server_ctx);
	if (g->client_ctx)
		SSL_CTX_free(g->client_ctx);
	policyset_free(g->policy);
	config_free(g->conf);
	free(g);
}
