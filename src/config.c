/*
 * config: read dindgate.conf into struct config.  See config.h.
 *
 * Every key is known; an unknown one is an error with a hint, because a
 * misspelt security setting that is silently ignored is worse than a
 * daemon that refuses to start.
 */
#include "autoconf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jsondoc.h"

/* Walk state: the file being read and where errors go. */
struct cwalk {
	const char	*file;
	char		*dir;		/* directory of file, for relative paths */
	struct diag	*diag;
	struct config	*c;
};

static const char *const config_top_keys[] = {
	"listen", "unix_mode", "tls", "upstream", "policy", "min_api_version",
	"limits", "timeouts", "log", "audit", "admin", "user", NULL
};
static const char *const config_tls_keys[] = {
	"cert", "key", "client_ca", NULL
};
static const char *const config_upstream_keys[] = {
	"address", "server_name", "ca", "cert", "key", NULL
};
static const char *const config_log_keys[] = { "syslog", "debug", NULL };
static const char *const config_audit_keys[] = { "path", "on_failure",
    "syslog", NULL };
static const char *const config_admin_keys[] = { "listen", NULL };

/* A numeric setting: where it lives in struct config and its bounds. */
struct config_num {
	const char	*name;
	size_t		 off;
	int		 is_size;	/* size_t, else unsigned */
	double		 scale;		/* file unit -> stored unit */
	double		 min, max;
};

#define CNUM(n, f, sz, sc, lo, hi) \
	{ n, offsetof(struct config, f), sz, sc, lo, hi }

static const struct config_num config_limits[] = {
	CNUM("max_connections", max_connections, 0, 1, 1, 1000000),
	CNUM("max_header_bytes", max_header_bytes, 1, 1, 1024, 1 << 20),
	CNUM("max_url_bytes", max_url_bytes, 1, 1, 256, 1 << 20),
	CNUM("max_headers", max_headers, 0, 1, 8, 1000),
	CNUM("max_body_bytes", max_body_bytes, 1, 1, 1024, 64 << 20),
	CNUM("max_drain_bytes", max_drain_bytes, 1, 1, 0, 1u << 30),
	CNUM("max_idle_upstream", max_idle_upstream, 0, 1, 0, 10000),
	{ NULL, 0, 0, 0, 0, 0 }
};

static const struct config_num config_timeouts[] = {
	CNUM("handshake", t_handshake, 0, 1000, 0.01, 3600),
	CNUM("request_head", t_request_head, 0, 1000, 0.01, 3600),
	CNUM("idle", t_idle, 0, 1000, 0, 86400),
	CNUM("upstream_connect", t_upstream_connect, 0, 1000, 0.01, 3600),
	CNUM("upstream_response", t_upstream_response, 0, 1000, 0, 86400),
	CNUM("drain", t_drain, 0, 1000, 0, 3600),
	CNUM("shutdown", t_shutdown, 0, 1000, 0, 3600),
	{ NULL, 0, 0, 0, 0, 0 }
};

static void
config_defaults(struct config *c)
{
	c->unix_mode = 0660;
	c->up_server_name = NULL;
	/*
	 * Below 1.40 the engine changes meaning under the same field names
	 * (host cgroupns by default before 1.41, start-time HostConfig before
	 * 1.24); the Go client refuses servers below 1.40 anyway.
	 */
	c->min_api_minor = 40;
	c->max_connections = 10000;
	c->max_header_bytes = 64 * 1024;
	c->max_url_bytes = 8 * 1024;
	c->max_headers = 100;
	c->max_body_bytes = 1 << 20;
	c->max_drain_bytes = 16 << 20;
	c->max_idle_upstream = 64;
	c->t_handshake = 10000;
	c->t_request_head = 30000;
	c->t_idle = 300000;
	c->t_upstream_connect = 10000;
	/* A frozen engine must not hold a request for ever. */
	c->t_upstream_response = 60000;
	c->t_drain = 5000;
	c->t_shutdown = 30000;
	/* Never act unrecorded: an unwritable audit log stops service. */
	c->audit_deny = true;
}

int
config_addr_parse(const char *text, struct config_addr *a, const char **err)
{
	const char	*hp, *colon;

	memset(a, 0, sizeof(*a));
	if (strncmp(text, "unix://", 7) == 0) {
		if (text[7] != '/') {
			*err = "unix:// address needs an absolute path";
			return -1;
		}
		a->is_unix = true;
		a->path = strdup(text + 7);
	} else if (strncmp(text, "tcp://", 6) == 0) {
		hp = text + 6;
		if (*hp == '[') {
			if ((colon = strstr(hp, "]:")) == NULL) {
				*err = "bad [ipv6]:port";
				return -1;
			}
			a->host = strndup(hp + 1, colon - hp - 1);
			colon++;
		} else {
			if ((colon = strrchr(hp, ':')) == NULL ||
			    colon == hp) {
				*err = "tcp:// address needs host:port";
				return -1;
			}
			a->host = strndup(hp, colon - hp);
		}
		/* At most 5 digits: atoi() of a longer one can wrap to 1. */
		if (colon[1] == '\0' || strspn(colon + 1, "0123456789") !=
		    strlen(colon + 1) || strlen(colon + 1) > 5 ||
		    atoi(colon + 1) > 65535) {
			config_addr_clear(a);
			*err = "bad port";
			return -1;
		}
		a->port = strdup(colon + 1);
	} else {
		*err = "address must start with tcp:// or unix://";
		return -1;
	}
	a->text = strdup(text);
	return 0;
}

void
config_addr_clear(struct config_addr *a)
{
	free(a->host);
	free(a->port);
	free(a->path);
	free(a->text);
	memset(a, 0, sizeof(*a));
}

/* A path setting: relative names are taken from the config's directory. */
static char *
cwalk_path(struct cwalk *w, const struct jnode *n, const char *what)
{
	char	*p;
	size_t	 len;

	if (!jsondoc_expect(n, JT_STRING, what, w->file, w->diag))
		return NULL;
	if (n->v.s[0] == '\0') {
		diag_add(w->diag, w->file, n->line, n->col, "%s is empty",
		    what);
		return NULL;
	}
	if (n->v.s[0] == '/' || w->dir == NULL)
		return strdup(n->v.s);
	len = strlen(w->dir) + strlen(n->v.s) + 2;
	if ((p = malloc(len)) != NULL)
		snprintf(p, len, "%s/%s", w->dir, n->v.s);
	return p;
}

static char *
cwalk_string(struct cwalk *w, const struct jnode *n, const char *what)
{
	if (!jsondoc_expect(n, JT_STRING, what, w->file, w->diag))
		return NULL;
	return strdup(n->v.s);
}

static void
cwalk_addr(struct cwalk *w, const struct jnode *n, struct config_addr *a,
    const char *what)
{
	const char	*err;

	if (!jsondoc_expect(n, JT_STRING, what, w->file, w->diag))
		return;
	if (config_addr_parse(n->v.s, a, &err) == -1)
		diag_add(w->diag, w->file, n->line, n->col, "%s \"%s\": %s",
		    what, n->v.s, err);
}

static void
cwalk_listen(struct cwalk *w, const struct jnode *n)
{
	const struct jnode	*e;
	size_t			 i = 0;

	if (n->type == JT_STRING) {
		w->c->listen = calloc(1, sizeof(*w->c->listen));
		w->c->nlisten = 1;
		cwalk_addr(w, n, &w->c->listen[0], "listen");
		return;
	}
	if (!jsondoc_expect(n, JT_ARRAY, "listen", w->file, w->diag))
		return;
	if (n->nchild == 0) {
		diag_add(w->diag, w->file, n->line, n->col,
		    "listen needs at least one address");
		return;
	}
	w->c->listen = calloc(n->nchild, sizeof(*w->c->listen));
	if (w->c->listen == NULL)
		return;
	w->c->nlisten = n->nchild;
	for (e = n->child; e != NULL; e = e->next)
		cwalk_addr(w, e, &w->c->listen[i++], "listen address");
}

static void
cwalk_policy(struct cwalk *w, const struct jnode *n)
{
	const struct jnode	*e;
	size_t			 i = 0;

	if (n->type == JT_STRING) {
		w->c->policy = calloc(1, sizeof(char *));
		w->c->npolicy = 1;
		if (w->c->policy)
			w->c->policy[0] = cwalk_path(w, n, "policy");
		return;
	}
	if (!jsondoc_expect(n, JT_ARRAY, "policy", w->file, w->diag))
		return;
	w->c->policy = calloc(n->nchild + 1, sizeof(char *));
	if (w->c->policy == NULL)
		return;
	w->c->npolicy = n->nchild;
	for (e = n->child; e != NULL; e = e->next)
		w->c->policy[i++] = cwalk_path(w, e, "policy file");
}

/* Numbers in a table-driven section (limits, timeouts). */
static void
cwalk_numbers(struct cwalk *w, const struct jnode *obj,
    const struct config_num *tab, const char *what)
{
	const char		*names[32];
	const struct config_num	*t;
	const struct jnode	*n;
	double			 v;
	size_t			 i = 0;

	if (!jsondoc_expect(obj, JT_OBJECT, what, w->file, w->diag))
		return;
	for (t = tab; t->name && i < 31; t++)
		names[i++] = t->name;
	names[i] = NULL;
	jsondoc_check_keys(obj, names, what, w->file, w->diag);
	for (t = tab; t->name != NULL; t++) {
		if ((n = jsondoc_get(obj, t->name)) == NULL)
			continue;
		if (n->type == JT_INT)
			v = (double)n->v.i;
		else if (n->type == JT_DOUBLE && t->scale != 1)
			v = n->v.d;
		else {
			diag_add(w->diag, w->file, n->line, n->col,
			    "%s.%s must be %s", what, t->name,
			    t->scale != 1 ? "a number of seconds" :
			    "an integer");
			continue;
		}
		if (v < t->min || v > t->max) {
			/* %.15g: plain %g prints 1048576 as 1.04858e+06. */
			diag_add(w->diag, w->file, n->line, n->col,
			    "%s.%s must be between %.15g and %.15g", what,
			    t->name, t->min, t->max);
			continue;
		}
		v *= t->scale;
		if (t->is_size)
			*(size_t *)((char *)w->c + t->off) = (size_t)v;
		else
			*(unsigned *)((char *)w->c + t->off) = (unsigned)v;
	}
}

static void
cwalk_tls(struct cwalk *w, const struct jnode *n)
{
	const struct jnode	*v;

	if (!jsondoc_expect(n, JT_OBJECT, "tls", w->file, w->diag))
		return;
	jsondoc_check_keys(n, config_tls_keys, "tls", w->file, w->diag);
	if ((v = jsondoc_get(n, "cert")) != NULL)
		w->c->tls_cert = cwalk_path(w, v, "tls.cert");
	if ((v = jsondoc_get(n, "key")) != NULL)
		w->c->tls_key = cwalk_path(w, v, "tls.key");
	if ((v = jsondoc_get(n, "client_ca")) != NULL)
		w->c->tls_client_ca = cwalk_path(w, v, "tls.client_ca");
}

static void
cwalk_upstream(struct cwalk *w, const struct jnode *n)
{
	const struct jnode	*v;

	if (!jsondoc_expect(n, JT_OBJECT, "upstream", w->file, w->diag))
		return;
	jsondoc_check_keys(n, config_upstream_keys, "upstream", w->file,
	    w->diag);
	if ((v = jsondoc_get(n, "address")) != NULL)
		cwalk_addr(w, v, &w->c->upstream, "upstream.address");
	else
		diag_add(w->diag, w->file, n->line, n->col,
		    "upstream.address is required");
	if ((v = jsondoc_get(n, "server_name")) != NULL)
		w->c->up_server_name = cwalk_string(w, v,
		    "upstream.server_name");
	if ((v = jsondoc_get(n, "ca")) != NULL)
		w->c->up_ca = cwalk_path(w, v, "upstream.ca");
	if ((v = jsondoc_get(n, "cert")) != NULL)
		w->c->up_cert = cwalk_path(w, v, "upstream.cert");
	if ((v = jsondoc_get(n, "key")) != NULL)
		w->c->up_key = cwalk_path(w, v, "upstream.key");
}

static void
cwalk_log(struct cwalk *w, const struct jnode *n)
{
	const struct jnode	*v;

	if (!jsondoc_expect(n, JT_OBJECT, "log", w->file, w->diag))
		return;
	jsondoc_check_keys(n, config_log_keys, "log", w->file, w->diag);
	if ((v = jsondoc_get(n, "syslog")) != NULL &&
	    jsondoc_expect(v, JT_BOOL, "log.syslog", w->file, w->diag))
		w->c->log_syslog = v->v.b;
	if ((v = jsondoc_get(n, "debug")) != NULL &&
	    jsondoc_expect(v, JT_BOOL, "log.debug", w->file, w->diag))
		w->c->log_debug = v->v.b;
}

static void
cwalk_audit(struct cwalk *w, const struct jnode *n)
{
	const struct jnode	*v;

	if (!jsondoc_expect(n, JT_OBJECT, "audit", w->file, w->diag))
		return;
	jsondoc_check_keys(n, config_audit_keys, "audit", w->file, w->diag);
	if ((v = jsondoc_get(n, "path")) != NULL)
		w->c->audit_path = cwalk_path(w, v, "audit.path");
	if ((v = jsondoc_get(n, "on_failure")) != NULL &&
	    jsondoc_expect(v, JT_STRING, "audit.on_failure", w->file,
	    w->diag)) {
		if (strcmp(v->v.s, "deny") == 0)
			w->c->audit_deny = true;
		else if (strcmp(v->v.s, "allow") == 0)
			w->c->audit_deny = false;
		else
			diag_add(w->diag, w->file, v->line, v->col,
			    "audit.on_failure must be \"deny\" or \"allow\"");
	}
	if ((v = jsondoc_get(n, "syslog")) != NULL &&
	    jsondoc_expect(v, JT_BOOL, "audit.syslog", w->file, w->diag))
		w->c->audit_syslog = v->v.b;
}

/* The admin listener serves metrics: loopback or a unix socket only. */
static void
cwalk_admin(struct cwalk *w, const struct jnode *n)
{
	const struct jnode	*v;
	const char		*h;

	if (!jsondoc_expect(n, JT_OBJECT, "admin", w->file, w->diag))
		return;
	jsondoc_check_keys(n, config_admin_keys, "admin", w->file, w->diag);
	if ((v = jsondoc_get(n, "listen")) == NULL) {
		diag_add(w->diag, w->file, n->line, n->col,
		    "admin.listen is required");
		return;
	}
	cwalk_addr(w, v, &w->c->admin, "admin.listen");
	h = w->c->admin.host;
	if (h && strncmp(h, "127.", 4) != 0 && strcmp(h, "::1") != 0 &&
	    strcmp(h, "localhost") != 0)
		diag_add(w->diag, w->file, v->line, v->col, "admin.listen "
		    "must be a loopback address or a unix socket: metrics "
		    "are not authenticated");
}

/* "1.40" -> 40.  Only 1.x exists; anything else is a typo. */
static void
cwalk_api_version(struct cwalk *w, const struct jnode *n)
{
	const char	*s;
	char		*end;
	long		 minor;

	if (!jsondoc_expect(n, JT_STRING, "min_api_version", w->file,
	    w->diag))
		return;
	s = n->v.s;
	if (strncmp(s, "1.", 2) != 0 || s[2] < '0' || s[2] > '9')
		goto bad;
	minor = strtol(s + 2, &end, 10);
	if (*end != '\0' || minor > 999)
		goto bad;
	/* Below 1.24 a start request can carry a HostConfig: never. */
	if (minor < 24) {
		diag_add(w->diag, w->file, n->line, n->col,
		    "min_api_version below 1.24 is not allowed: older API "
		    "versions apply host settings at container start");
		return;
	}
	w->c->min_api_minor = (unsigned)minor;
	return;
bad:
	diag_add(w->diag, w->file, n->line, n->col,
	    "min_api_version must look like \"1.40\"");
}

/* Cross-field rules: what must be set together. */
static void
cwalk_required(struct cwalk *w, const struct jnode *root)
{
	struct config		*c = w->c;
	const struct jnode	*v;
	size_t			 i;
	bool			 tcp = false;

	for (i = 0; i < c->nlisten; i++)
		if (c->listen[i].text && !c->listen[i].is_unix)
			tcp = true;
	if (jsondoc_get(root, "listen") == NULL)
		diag_add(w->diag, w->file, root->line, root->col,
		    "\"listen\" is required");
	/* A TCP listener without client certificates would be open. */
	if (tcp && (!c->tls_cert || !c->tls_key || !c->tls_client_ca))
		diag_add(w->diag, w->file, root->line, root->col,
		    "a tcp:// listener needs tls.cert, tls.key and "
		    "tls.client_ca: workers are identified by their "
		    "certificate");
	if (jsondoc_get(root, "upstream") == NULL)
		diag_add(w->diag, w->file, root->line, root->col,
		    "\"upstream\" is required");
	else if (c->upstream.text && !c->upstream.is_unix &&
	    (!c->up_ca || !c->up_cert || !c->up_key))
		diag_add(w->diag, w->file, root->line, root->col,
		    "a tcp:// upstream needs upstream.ca, upstream.cert and "
		    "upstream.key: dind on 2376 requires mutual TLS");
	/* Present with a wrong type was reported already, not "required". */
	v = jsondoc_get(root, "policy");
	if (c->npolicy == 0 && (v == NULL || v->type == JT_ARRAY))
		diag_add(w->diag, w->file, root->line, root->col,
		    "\"policy\" is required: with no policy nothing is "
		    "allowed");
	if (c->upstream.text && !c->upstream.is_unix && !c->up_server_name)
		c->up_server_name = strdup(c->upstream.host);
}

struct config *
config_load(const char *path, struct diag *diag)
{
	struct cwalk		 w;
	struct jnode		*root, *v;
	struct config		*c;
	const char		*slash;
	size_t			 before = diag->n;

	if ((root = jsondoc_load(path, diag)) == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		jsondoc_free(root);
		return NULL;
	}
	config_defaults(c);
	c->path = strdup(path);
	memset(&w, 0, sizeof(w));
	w.file = path;
	w.diag = diag;
	w.c = c;
	if ((slash = strrchr(path, '/')) != NULL)
		w.dir = strndup(path, slash == path ? 1 : slash - path);
	if (!jsondoc_expect(root, JT_OBJECT, "the configuration", path, diag))
		goto out;
	jsondoc_check_keys(root, config_top_keys, "the configuration", path,
	    diag);
	if ((v = jsondoc_get(root, "listen")) != NULL)
		cwalk_listen(&w, v);
	if ((v = jsondoc_get(root, "unix_mode")) != NULL &&
	    jsondoc_expect(v, JT_STRING, "unix_mode", path, diag)) {
		char	*end;
		long	 m = strtol(v->v.s, &end, 8);

		/* strtol() takes "", blanks and signs; a mode is digits. */
		if (v->v.s[0] == '\0' || strspn(v->v.s, "01234567") !=
		    strlen(v->v.s) || *end != '\0' || m < 0 || m > 0777)
			diag_add(diag, path, v->line, v->col,
			    "unix_mode must be an octal mode like \"0660\"");
		else
			c->unix_mode = (unsigned)m;
	}
	if ((v = jsondoc_get(root, "tls")) != NULL)
		cwalk_tls(&w, v);
	if ((v = jsondoc_get(root, "upstream")) != NULL)
		cwalk_upstream(&w, v);
	if ((v = jsondoc_get(root, "policy")) != NULL)
		cwalk_policy(&w, v);
	if ((v = jsondoc_get(root, "min_api_version")) != NULL)
		cwalk_api_version(&w, v);
	if ((v = jsondoc_get(root, "limits")) != NULL)
		cwalk_numbers(&w, v, config_limits, "limits");
	if ((v = jsondoc_get(root, "timeouts")) != NULL)
		cwalk_numbers(&w, v, config_timeouts, "timeouts");
	if ((v = jsondoc_get(root, "log")) != NULL)
		cwalk_log(&w, v);
	if ((v = jsondoc_get(root, "audit")) != NULL)
		cwalk_audit(&w, v);
	if ((v = jsondoc_get(root, "admin")) != NULL)
		cwalk_admin(&w, v);
	if ((v = jsondoc_get(root, "user")) != NULL)
		c->user = cwalk_string(&w, v, "user");
	cwalk_required(&w, root);
out:
	free(w.dir);
	jsondoc_free(root);
	if (diag->n > before) {
		config_free(c);
		return NULL;
	}
	return c;
}

void
config_free(struct config *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nlisten; i++)
		config_addr_clear(&c->listen[i]);
	free(c->listen);
	config_addr_clear(&c->upstream);
	config_addr_clear(&c->admin);
	free(c->audit_path);
	free(c->user);
	for (i = 0; i < c->npolicy; i++)
		free(c->policy[i]);
	free(c->policy);
	free(c->path);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->tls_client_ca);
	free(c->up_server_name);
	free(c->up_ca);
	free(c->up_cert);
	free(c->up_key);
	free(c);
}

static bool
config_str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

void
config_reload_check(const struct config *old, const struct config *new,
    struct diag *d)
{
	size_t	i;
	bool	same = old->nlisten == new->nlisten;

	for (i = 0; same && i < old->nlisten; i++)
		same = config_str_eq(old->listen[i].text, new->listen[i].text);
	if (!same)
		diag_add(d, new->path, 0, 0, "listen addresses cannot change "
		    "on reload; restart dindgate to apply them");
	if (old->unix_mode != new->unix_mode)
		diag_add(d, new->path, 0, 0, "unix_mode cannot change on "
		    "reload");
	if (old->max_connections != new->max_connections)
		diag_add(d, new->path, 0, 0, "limits.max_connections cannot "
		    "change on reload");
	if (!config_str_eq(old->admin.text, new->admin.text))
		diag_add(d, new->path, 0, 0, "admin.listen cannot change on "
		    "reload");
	if (!config_str_eq(old->user, new->user))
		diag_add(d, new->path, 0, 0, "user cannot change on reload");
	if (old->log_syslog != new->log_syslog)
		diag_add(d, new->path, 0, 0, "log.syslog cannot change on "
		    "reload");
}
