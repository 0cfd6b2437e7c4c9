/*
 * policy: the policy language and the decision.  See policy.h.
 *
 * Semantics, stated once (also in dindgate-policy(5)):
 *  - A configuration names policy files in order.  For each request the
 *    first policy whose "clients" matches the peer applies; if none does,
 *    the request is refused: an identity nobody wrote down has no rights.
 *  - Within a policy, a request is allowed only if its method and route
 *    template are listed in "routes".  Everything else is refused with
 *    403.  There is no allow-all and no switch that disables checking.
 *  - Requests that do not match any known route are refused as well.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "bodycheck.h"
#include "jsondoc.h"
#include "policy.h"

/* Who a policy is for.  Owned by struct policy. */
struct policy_clients {
	bool		  any;		/* any client with a verified cert */
	char		**cn;
	size_t		  ncn;
	char		**san;
	size_t		  nsan;
	char		**sha256;
	size_t		  nsha256;
	long		 *uid;		/* unix socket peers */
	size_t		  nuid;
};

/* One policy file.  Owned by struct policyset. */
struct policy {
	char			*name;
	char			*file;
	struct policy_clients	 clients;
	unsigned		 route_line[ROUTE_NROUTES]; /* 0: not allowed */
	struct body_policy	 body;		/* what bodies may say */
};

struct policyset {
	struct policy	*v;
	size_t		 n;
	unsigned	 min_api_minor;	/* refuse /v1.N/ below this */
};

static const char *const policy_keys[] = {
	"name", "description", "clients", "routes",
	/* bodycheck_policy_keys: */
	"containers", "force", "exec", "build", "images", "log_only",
	"log_only_rules", NULL
};
static const char *const policy_client_keys[] = {
	"any", "cn", "san", "sha256", "unix_uid", NULL
};

static void
policy_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* An array of strings, e.g. "cn": ["worker-1", "worker-2"]. */
static char **
policy_strv(const struct jnode *n, const char *what, const char *file,
    struct diag *d, size_t *count)
{
	const struct jnode	*e;
	char			**v;
	size_t			 i = 0;

	*count = 0;
	if (!jsondoc_expect(n, JT_ARRAY, what, file, d))
		return NULL;
	if ((v = calloc(n->nchild + 1, sizeof(*v))) == NULL)
		return NULL;
	for (e = n->child; e != NULL; e = e->next) {
		if (!jsondoc_expect(e, JT_STRING, what, file, d))
			continue;
		if (e->v.s[0] == '\0') {
			diag_add(d, file, e->line, e->col, "empty %s", what);
			continue;
		}
		v[i++] = strdup(e->v.s);
	}
	*count = i;
	return v;
}

static void
policy_clients_load(struct policy *p, const struct jnode *n, struct diag *d)
{
	struct policy_clients	*c = &p->clients;
	const struct jnode	*v, *e;
	size_t			 i;

	if (!jsondoc_expect(n, JT_OBJECT, "clients", p->file, d))
		return;
	jsondoc_check_keys(n, policy_client_keys, "clients", p->file, d);
	if ((v = jsondoc_get(n, "any")) != NULL &&
	    jsondoc_expect(v, JT_BOOL, "clients.any", p->file, d))
		c->any = v->v.b;
	if ((v = jsondoc_get(n, "cn")) != NULL)
		c->cn = policy_strv(v, "clients.cn", p->file, d, &c->ncn);
	if ((v = jsondoc_get(n, "san")) != NULL)
		c->san = policy_strv(v, "clients.san", p->file, d, &c->nsan);
	if ((v = jsondoc_get(n, "sha256")) != NULL) {
		c->sha256 = policy_strv(v, "clients.sha256", p->file, d,
		    &c->nsha256);
		e = v->type == JT_ARRAY ? v->child : NULL;
		for (i = 0; i < c->nsha256; i++) {
			char	*s = c->sha256[i], *o = s;

			/* The element entry i came from: policy_strv skips. */
			while (e != NULL && (e->type != JT_STRING ||
			    e->v.s[0] == '\0'))
				e = e->next;
			/*
			 * Accept "AB:CD:..." as openssl prints it.  Fold only
			 * A-F: "| 0x20" on anything else turned control bytes
			 * 0x10-0x19 into the digits 0-9.
			 */
			for (; *s; s++)
				if (*s != ':')
					*o++ = *s >= 'A' && *s <= 'F' ?
					    (char)(*s | 0x20) : *s;
			*o = '\0';
			if (strlen(c->sha256[i]) != 64 ||
			    strspn(c->sha256[i], "0123456789abcdef") != 64)
				diag_add(d, p->file, e ? e->line : v->line,
				    e ? e->col : v->col, "clients.sha256 "
				    "entries must be 64 hex digits");
			if (e != NULL)
				e = e->next;
		}
	}
	if ((v = jsondoc_get(n, "unix_uid")) != NULL &&
	    jsondoc_expect(v, JT_ARRAY, "clients.unix_uid", p->file, d)) {
		c->uid = calloc(v->nchild + 1, sizeof(long));
		for (e = v->child; e != NULL && c->uid; e = e->next)
			if (jsondoc_expect(e, JT_INT, "clients.unix_uid",
			    p->file, d))
				c->uid[c->nuid++] = (long)e->v.i;
	}
	if (!c->any && c->ncn == 0 && c->nsan == 0 && c->nsha256 == 0 &&
	    c->nuid == 0)
		diag_add(d, p->file, n->line, n->col, "clients matches "
		    "nobody: give \"any\": true, or cn, san, sha256 or "
		    "unix_uid lists");
}

/*
 * Routes whose bodies carry their own mounts, capabilities or remote
 * addresses (swarm, services, plugins) or that open tunnels nobody parses
 * (BuildKit): allowing them would bypass every container check.
 */
static bool
policy_route_unsafe(enum route_id id)
{
	switch (id) {
	case ROUTE_SWARM_INIT: case ROUTE_SWARM_JOIN: case ROUTE_SWARM_UPDATE:
	case ROUTE_SERVICE_CREATE: case ROUTE_SERVICE_UPDATE:
	case ROUTE_PLUGIN_PULL: case ROUTE_PLUGIN_UPGRADE:
	case ROUTE_PLUGIN_SET: case ROUTE_PLUGIN_CREATE:
	case ROUTE_PLUGIN_ENABLE: case ROUTE_NODE_UPDATE:
	case ROUTE_SESSION: case ROUTE_GRPC: case ROUTE_CHECKPOINT_CREATE:
		return true;
	default:
		return false;
	}
}

/* "routes": ["GET /_ping", "POST /containers/{id}/start", ...] */
static void
policy_routes_load(struct policy *p, const struct jnode *n, struct diag *d)
{
	const struct jnode	*e;
	const struct route_def	*r;
	const char		*near;

	if (!jsondoc_expect(n, JT_ARRAY, "routes", p->file, d))
		return;
	for (e = n->child; e != NULL; e = e->next) {
		if (!jsondoc_expect(e, JT_STRING, "a route", p->file, d))
			continue;
		if ((r = route_by_text(e->v.s)) == NULL) {
			near = route_nearest(e->v.s);
			if (near)
				diag_add(d, p->file, e->line, e->col,
				    "unknown route \"%s\"; did you mean "
				    "\"%s\"?", e->v.s, near);
			else
				diag_add(d, p->file, e->line, e->col,
				    "unknown route \"%s\" (write METHOD "
				    "/template, e.g. \"GET /_ping\")", e->v.s);
			continue;
		}
		if (policy_route_unsafe(r->id)) {
			diag_add(d, p->file, e->line, e->col, "route \"%s\" "
			    "cannot be allowed: dindgate cannot check what its "
			    "body makes the engine do", e->v.s);
			continue;
		}
		if (p->route_line[r->id] != 0) {
			diag_add(d, p->file, e->line, e->col,
			    "route \"%s\" listed twice (first at line %u)",
			    e->v.s, p->route_line[r->id]);
			continue;
		}
		p->route_line[r->id] = e->line;
	}
}

static void
policy_clear(struct policy *p)
{
	struct policy_clients	*c = &p->clients;

	free(p->name);
	free(p->file);
	policy_strv_free(c->cn, c->ncn);
	policy_strv_free(c->san, c->nsan);
	policy_strv_free(c->sha256, c->nsha256);
	free(c->uid);
	bodycheck_policy_clear(&p->body);
	memset(p, 0, sizeof(*p));
}

static void
policy_load_one(struct policy *p, const char *file, struct diag *d)
{
	struct jnode	*root, *v;

	memset(p, 0, sizeof(*p));
	p->file = strdup(file);
	if ((root = jsondoc_load(file, d)) == NULL)
		return;
	if (!jsondoc_expect(root, JT_OBJECT, "a policy", file, d))
		goto out;
	jsondoc_check_keys(root, policy_keys, "the policy", file, d);
	if ((v = jsondoc_get(root, "name")) != NULL &&
	    jsondoc_expect(v, JT_STRING, "name", file, d))
		p->name = strdup(v->v.s);
	else if (v == NULL)
		diag_add(d, file, root->line, root->col,
		    "\"name\" is required");
	if ((v = jsondoc_get(root, "description")) != NULL)
		jsondoc_expect(v, JT_STRING, "description", file, d);
	if ((v = jsondoc_get(root, "clients")) != NULL)
		policy_clients_load(p, v, d);
	else
		diag_add(d, file, root->line, root->col,
		    "\"clients\" is required: say whom this policy is for");
	if ((v = jsondoc_get(root, "routes")) != NULL)
		policy_routes_load(p, v, d);
	else
		diag_add(d, file, root->line, root->col,
		    "\"routes\" is required");
	bodycheck_policy_load(&p->body, root, file, d);
out:
	jsondoc_free(root);
}

struct policyset *
policyset_load(char *const *files, size_t nfiles, unsigned min_api_minor,
    struct diag *d)
{
	struct policyset	*ps;
	size_t			 i, j, before = d->n;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	if ((ps->v = calloc(nfiles ? nfiles : 1, sizeof(*ps->v))) == NULL) {
		free(ps);
		return NULL;
	}
	ps->n = nfiles;
	ps->min_api_minor = min_api_minor;
	for (i = 0; i < nfiles; i++)
		policy_load_one(&ps->v[i], files[i], d);
	for (i = 0; i < nfiles; i++)
		for (j = 0; j < i; j++)
			if (ps->v[i].name && ps->v[j].name &&
			    strcmp(ps->v[i].name, ps->v[j].name) == 0)
				diag_add(d, files[i], 0, 0, "policy name "
				    "\"%s\" also used by %s", ps->v[i].name,
				    files[j]);
	if (d->n > before) {
		policyset_free(ps);
		return NULL;
	}
	return ps;
}

void
policyset_free(struct policyset *ps)
{
	size_t	i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++)
		policy_clear(&ps->v[i]);
	free(ps->v);
	free(ps);
}

static bool
policy_in(char *const *v, size_t n, const char *s)
{
	size_t	i;

	if (s == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Does this policy apply to the peer?  Certificates and unix peers only. */
static bool
policy_matches(const struct policy *p, const struct peer_id *peer)
{
	const struct policy_clients	*c = &p->clients;
	size_t				 i;

	if (peer->is_unix) {
		for (i = 0; i < c->nuid; i++)
			if (c->uid[i] == peer->uid)
				return true;
		return false;
	}
	/* Only a certificate the handshake verified names anybody. */
	if (!peer->has_cert)
		return false;
	if (c->any)
		return true;
	if (policy_in(c->cn, c->ncn, peer->cn))
		return true;
	if (policy_in(c->sha256, c->nsha256, peer->fp))
		return true;
	for (i = 0; i < peer->nsan; i++)
		if (policy_in(c->san, c->nsan, peer->san[i]))
			return true;
	return false;
}

/* Fill d with a refusal; reason is printf-formatted. */
static enum decision_verdict policy_deny(struct decision *, unsigned,
    const char *, const char *, ...) __attribute__((format(printf, 4, 5)));

static enum decision_verdict
policy_deny(struct decision *d, unsigned status, const char *rule,
    const char *fmt, ...)
{
	va_list	ap;

	d->verdict = DECISION_DENY;
	d->status = status;
	snprintf(d->rule, sizeof(d->rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	return d->verdict;
}

/* Name the policy in the reason, so the person at the CLI can tell. */
static enum decision_verdict
policy_finish(struct decision *d, const struct policy *p)
{
	size_t	len = strlen(d->reason);

	if (d->verdict == DECISION_DENY || d->verdict == DECISION_LOG_ONLY)
		snprintf(d->reason + len, sizeof(d->reason) - len,
		    " (policy %s, rule %s)", p->name, d->rule);
	if (d->verdict == DECISION_LOG_ONLY && d->status == 0)
		d->status = 403;
	return d->verdict;
}

#define policy_finish_deny(d, p, ...) \
	(policy_deny((d), __VA_ARGS__), policy_finish((d), (p)))

void
decision_clear(struct decision *d)
{
	free(d->body);
	d->body = NULL;
	d->bodylen = 0;
	free(d->query);
	d->query = NULL;
	d->querylen = 0;
}

enum decision_verdict
policy_eval(const struct policyset *ps, const struct facts *f,
    struct decision *d)
{
	const struct policy	*p = NULL;
	size_t			 i;
	char			 who[128];

	decision_clear(d);
	memset(d, 0, sizeof(*d));
	for (i = 0; ps != NULL && i < ps->n; i++)
		if (policy_matches(&ps->v[i], f->peer)) {
			p = &ps->v[i];
			break;
		}
	if (p == NULL) {
		if (f->peer->is_unix)
			snprintf(who, sizeof(who), "unix uid %ld",
			    f->peer->uid);
		else
			snprintf(who, sizeof(who), "CN=%s",
			    f->peer->cn ? f->peer->cn : "(none)");
		return policy_deny(d, 403, "no-policy",
		    "no policy applies to client %s", who);
	}
	d->policy = p->name;
	if (f->route == NULL)
		return policy_finish_deny(d, p, 403, "unknown-route",
		    "%s %.*s is not a known Docker API route", f->method_name,
		    f->target ? (int)f->target->plen : 1,
		    f->target ? f->target->path : "?");
	/*
	 * Without a prefix dockerd uses its newest API version, whose meaning
	 * we cannot know in advance; old versions apply host settings at
	 * start and default to the host cgroup namespace.  Only /_ping and
	 * /version are read before a client has negotiated.
	 */
	if (!f->target->versioned && f->route->id != ROUTE_PING_GET &&
	    f->route->id != ROUTE_PING_HEAD && f->route->id != ROUTE_VERSION)
		return policy_finish_deny(d, p, 400, "api-version",
		    "unversioned API path %s: use /v1.N/", f->route->tmpl);
	if (f->target->versioned && f->target->vminor < ps->min_api_minor)
		return policy_finish_deny(d, p, 400, "api-version", "API version 1.%u "
		    "is below the minimum 1.%u", f->target->vminor,
		    ps->min_api_minor);
	/*
	 * Connection upgrades are tunnels nobody parses after the 101; only
	 * attach and exec start may have them.
	 */
	if (f->upgrade && !(f->route->flags & ROUTE_F_HIJACK))
		return policy_finish_deny(d, p, 403, "upgrade",
		    "connection upgrade is not allowed on %s %s",
		    f->route->method_name, f->route->tmpl);
	if (p->route_line[f->route->id] == 0)
		return policy_finish_deny(d, p, 403, "default-deny", "%s %s is not "
		    "allowed", f->route->method_name, f->route->tmpl);
	/* The route is allowed; now what its query and body say. */
	bodycheck_eval(&p->body, f, d);
	if (d->verdict != DECISION_ALLOW)
		return policy_finish(d, p);
	d->status = 0;
	snprintf(d->rule, sizeof(d->rule), "%s:%u %s %s",
	    strrchr(p->file, '/') ? strrchr(p->file, '/') + 1 : p->file,
	    p->route_line[f->route->id], f->route->method_name,
	    f->route->tmpl);
	snprintf(d->reason, sizeof(d->reason), "%s %s is allowed",
	    f->route->method_name, f->route->tmpl);
	return d->verdict;
}

const char *
policy_verdict_name(enum decision_verdict v)
{
	static const char *const names[DECISION_NVERDICTS] = {
		[DECISION_ALLOW] = "allow",
		[DECISION_DENY] = "deny",
		[DECISION_LOG_ONLY] = "log-only-deny",
		[DECISION_NEED_BODY] = "need-body",
	};

	return v < DECISION_NVERDICTS ? names[v] : "?";
}
