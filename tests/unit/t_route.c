/*
 * t_route: unit tests for src/route.c and the table in src/routes.def.
 *
 * route_parse_target: a table of request targets with the exact verdict,
 * error, version and canonical path/query.  route_match: every table entry
 * reached through its own template, then the overlaps where dockerd's
 * registration order decides.  route_by_text / route_nearest: the names
 * policies use.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "route.h"
#include "testutil.h"

#define B(s)	s, sizeof(s) - 1

/* ------------------------------------------------------------------ */
/* route_parse_target */

struct target_row {
	const char	*in;
	size_t		 len;
	const char	*err;		/* NULL: accepted */
	int		 versioned;
	unsigned	 vminor;
	const char	*path;		/* canonical, after the prefix */
	const char	*query;		/* NULL: none */
};

#define OK(t, v, n, p, q)	{ B(t), NULL, v, n, p, q }
#define NO(t, e)		{ B(t), e, 0, 0, NULL, NULL }

#define E_START		"request target must be a path"
#define E_EMPTYSEG	"empty path segment ('//')"
#define E_DOT		"dot segment in path"
#define E_TRAIL		"trailing '/' in path"
#define E_AMBIG		"percent-encoded '/' or other ambiguous byte in path"
#define E_PCT		"invalid percent-escape in path"
#define E_TRUNC		"truncated percent-escape in path"
#define E_CHAR		"invalid character in path"
#define E_FRAG		"fragment in request target"
#define E_QSEMI		"';' in query"
#define E_QPCT		"invalid percent-escape in query"
#define E_QCHAR		"invalid character in query"
#define E_VER		"non-canonical API version in path (use /v1.N/)"

static const struct target_row target_rows[] = {
	/* canonical forms */
	OK("/_ping", 0, 0, "/_ping", NULL),
	OK("/v1.41/_ping", 1, 41, "/_ping", NULL),
	OK("/v1.41/containers/json?all=1&filters=%7B%22status%22%3A%5B%22"
	    "running%22%5D%7D", 1, 41, "/containers/json",
	    "all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D"),
	OK("/v1.41/images/create?fromImage=busybox&tag=latest", 1, 41,
	    "/images/create", "fromImage=busybox&tag=latest"),
	OK("/v1.41/images/localhost:5000/team/app:1.0/json", 1, 41,
	    "/images/localhost:5000/team/app:1.0/json", NULL),
	OK("/v1.43/containers/abc_DEF-1.2~x/json", 1, 43,
	    "/containers/abc_DEF-1.2~x/json", NULL),
	OK("/v1.41/containers/x/archive?path=/etc/a%20b", 1, 41,
	    "/containers/x/archive", "path=/etc/a%20b"),
	OK("/v1.41/info?a=b?c/d", 1, 41, "/info", "a=b?c/d"),
	OK("/v1.41/info?", 1, 41, "/info", ""),
	OK("/?", 0, 0, "/", ""),
	OK("/", 0, 0, "/", NULL),
	OK("/networks/", 0, 0, "/networks/", NULL),
	/* The one trailing-slash route exists under a version prefix too. */
	OK("/v1.41/networks/", 1, 41, "/networks/", NULL),
	OK("/v1.41/networks/?filters=%7B%7D", 1, 41, "/networks/",
	    "filters=%7B%7D"),
	OK("/v1.41/...x/..../.a", 1, 41, "/...x/..../.a", NULL),

	/* harmless escapes are decoded; the result is what is forwarded */
	OK("/v1.41/containers/a%40b/json", 1, 41, "/containers/a@b/json",
	    NULL),
	OK("/v1.41/containers/%61%62c/json", 1, 41, "/containers/abc/json",
	    NULL),
	OK("/v1.41/images/a%3Ab/json", 1, 41, "/images/a:b/json", NULL),
	OK("/v1%2E41/info", 1, 41, "/info", NULL),

	/* version prefixes */
	OK("/v1.0/info", 1, 0, "/info", NULL),
	OK("/v1.9/info", 1, 9, "/info", NULL),
	OK("/v1.24/info", 1, 24, "/info", NULL),
	OK("/v1.99999/info", 1, 99999, "/info", NULL),
	OK("/volumes", 0, 0, "/volumes", NULL),
	OK("/v1.41", 0, 0, "/v1.41", NULL),
	OK("/v1.41?x=1", 0, 0, "/v1.41", "x=1"),
	OK("/v", 0, 0, "/v", NULL),
	OK("/vx/info", 0, 0, "/vx/info", NULL),
	OK("/v1.41x/info", 0, 0, "/v1.41x/info", NULL),
	NO("/v1.041/info", E_VER),
	NO("/v1.00/info", E_VER),
	NO("/v01.41/info", E_VER),
	NO("/v1.41.0/info", E_VER),
	NO("/v1..41/info", E_VER),
	NO("/v1/info", E_VER),
	NO("/v1/", E_VER),
	NO("/v./info", E_VER),
	NO("/v.41/info", E_VER),
	NO("/v1./info", E_VER),
	NO("/v2.0/info", E_VER),
	NO("/v0.41/info", E_VER),
	NO("/v10.1/info", E_VER),
	NO("/v1.41./info", E_VER),
	NO("/v1.100000/info", E_VER),
	NO("/v1.4294967337/info", E_VER),

	/* not a path at all */
	{ "", 0, E_START, 0, 0, NULL, NULL },
	NO("*", E_START),
	NO("http://x/v1.41/_ping", E_START),
	NO("?a=b", E_START),
	NO("v1.41/_ping", E_START),

	/* ambiguous path shapes are refused, not cleaned */
	NO("//", E_EMPTYSEG),
	NO("//v1.41/_ping", E_EMPTYSEG),
	NO("/v1.41//_ping", E_EMPTYSEG),
	NO("/v1.41/containers//json", E_EMPTYSEG),
	NO("/./_ping", E_DOT),
	NO("/v1.41/./_ping", E_DOT),
	NO("/v1.41/containers/../images/json", E_DOT),
	NO("/v1.41/info/.", E_DOT),
	NO("/v1.41/info/..", E_DOT),
	NO("/..", E_DOT),
	NO("/v1.41/containers/%2E%2E/json", E_DOT),
	NO("/v1.41/containers/%2e/json", E_DOT),
	NO("/v1.41/containers/json/", E_TRAIL),
	NO("/v1.41/", E_TRAIL),
	NO("/containers/json/", E_TRAIL),
	NO("/networks//", E_EMPTYSEG),
	NO("/v1.41/networks/x/", E_TRAIL),

	/* escapes that would change the route, or that decoders disagree on */
	NO("/v1.41/containers/a%2Fb/json", E_AMBIG),
	NO("/v1.41/containers/a%2fb/json", E_AMBIG),
	NO("/v1.41/containers/a%25b/json", E_AMBIG),
	NO("/v1.41/containers/a%252Fb/json", E_AMBIG),
	NO("/v1.41/containers/a%00b/json", E_AMBIG),
	NO("/v1.41/containers/a%5Cb/json", E_AMBIG),
	NO("/v1.41/containers/a%5cb/json", E_AMBIG),
	NO("/v1.41/containers/a%3Fb/json", E_AMBIG),
	NO("/v1.41/containers/a%23b/json", E_AMBIG),
	NO("/v1.41/containers/a%20b/json", E_AMBIG),
	NO("/v1.41/containers/a%22b/json", E_AMBIG),
	NO("/v1.41/containers/a%80b/json", E_AMBIG),
	NO("/v1.41/containers/a%C3%A9/json", E_AMBIG),
	NO("/v1.41/containers/a%zzb/json", E_PCT),
	NO("/v1.41/containers/a%4gb/json", E_PCT),
	NO("/v1.41/containers/a%4/b", E_PCT),
	NO("/v1.41/info%4", E_TRUNC),
	NO("/v1.41/info%", E_TRUNC),
	NO("/v1.41/info%4?x=1", E_TRUNC),

	/* bytes that may not stand literally */
	NO("/v1.41/info#frag", E_FRAG),
	NO("/v1.41/info?a=b#frag", E_FRAG),
	NO("/v1.41/containers/\xc3\xa9/json", E_CHAR),
	NO("/v1.41/containers/\x80/json", E_CHAR),
	NO("/v1.41/containers/a b/json", E_CHAR),
	NO("/v1.41/containers/a\\b/json", E_CHAR),
	NO("/v1.41/containers\\..\\images/json", E_CHAR),
	NO("/v1.41/containers/a\"b/json", E_CHAR),
	NO("/v1.41/containers/{id}/json", E_CHAR),
	NO("/v1.41/containers/a|b/json", E_CHAR),
	NO("/v1.41/containers/a\x7f/json", E_CHAR),
	NO("/v1.41/containers/a\tb/json", E_CHAR),
	NO("/v1.41/info\0/x", E_CHAR),

	/* the query */
	NO("/v1.41/containers/json?all=1;filters=x", E_QSEMI),
	NO("/v1.41/containers/json?a=%zz", E_QPCT),
	NO("/v1.41/containers/json?a=%4", E_QPCT),
	NO("/v1.41/containers/json?a=%", E_QPCT),
	NO("/v1.41/containers/json?a=%4x&b=1", E_QPCT),
	NO("/v1.41/containers/json?a=b c", E_QCHAR),
	NO("/v1.41/containers/json?a=\xc3\xa9", E_QCHAR),
	NO("/v1.41/containers/json?a=\\", E_QCHAR),
	NO("/v1.41/containers/json?a=\"", E_QCHAR),
	NO("/v1.41/containers/json?a=\0", E_QCHAR),
};

static void
test_parse_target(void **state)
{
	const struct target_row	*r;
	struct route_target	 t;
	const char		*err;
	char			 buf[256], name[300];
	size_t			 i;
	int			 rc;

	failures = 0;
	for (i = 0; i < sizeof(target_rows) / sizeof(target_rows[0]); i++) {
		r = &target_rows[i];
		snprintf(name, sizeof(name), "%zu %.*s", i, (int)r->len, r->in);
		err = NULL;
		memset(buf, 'X', sizeof(buf));
		rc = route_parse_target(r->in, r->len, buf, &t, &err);
		expect_int(name, "rc", rc, r->err ? -1 : 0);
		expect_qstr(name, "err", err, r->err);
		if (rc != 0 || r->err != NULL)
			continue;
		expect_int(name, "versioned", t.versioned, r->versioned);
		expect_int(name, "vminor", t.vminor, r->vminor);
		expect_mem(name, "path", t.path, t.plen, r->path);
		expect_mem(name, "query", t.query, t.qlen, r->query);
		/* The canonical path lives in buf, NUL-terminated. */
		expect_int(name, "path in buf", t.path >= buf &&
		    t.path + t.plen < buf + sizeof(buf), 1);
		expect_int(name, "NUL after path", t.path[t.plen], 0);
	}
	assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ */
/* the table */

/* Replace every {param} in tmpl by sample. */
static void
route_sample(const char *tmpl, const char *sample, char *out, size_t len)
{
	size_t	o = 0;

	while (*tmpl != '\0' && o + strlen(sample) + 1 < len) {
		if (*tmpl == '{') {
			memcpy(out + o, sample, strlen(sample));
			o += strlen(sample);
			tmpl = strchr(tmpl, '}') + 1;
		} else
			out[o++] = *tmpl++;
	}
	out[o] = '\0';
}

/* Every entry is reachable through its own template, and names itself. */
static void
test_every_route(void **state)
{
	const struct route_def	*d, *m, *e;
	const char		*obj;
	size_t			 objlen;
	char			 path[256], text[300], parsed[256];
	struct route_target	 t;
	const char		*err;
	unsigned		 id, j, nparam;

	failures = 0;
	assert_null(route_by_id(ROUTE_NONE));
	assert_null(route_by_id(ROUTE_NROUTES));
	assert_null(route_by_id((enum route_id)-1));
	for (id = ROUTE_NONE + 1; id < ROUTE_NROUTES; id++) {
		d = route_by_id((enum route_id)id);
		assert_non_null(d);
		expect_int(d->name, "id", d->id, id);
		expect_int(d->name, "template starts with /", d->tmpl[0], '/');
		expect_qstr(d->name, "method name", d->method_name,
		    http_method_str(d->method));
		for (nparam = 0, obj = d->tmpl; (obj = strchr(obj, '{'));
		    obj++)
			nparam++;
		route_sample(d->tmpl, "abc", path, sizeof(path));
		obj = NULL;
		objlen = 99;
		m = route_match(d->method, path, strlen(path), &obj, &objlen);
		expect_qstr(path, "route", m ? m->name : NULL, d->name);
		if (nparam > 0)
			expect_mem(path, "obj", obj, objlen, "abc");
		else {
			expect_int(path, "obj is NULL", obj == NULL, 1);
			expect_int(path, "objlen", objlen, 0);
		}
		/* The sample path is canonical, under a version prefix too. */
		snprintf(text, sizeof(text), "/v1.41%s", path);
		expect_int(path, "parse", route_parse_target(text,
		    strlen(text), parsed, &t, &err), 0);
		expect_mem(path, "parsed", t.path, t.plen, path);
		/* Policies name routes as "METHOD /template". */
		snprintf(text, sizeof(text), "%s %s", d->method_name, d->tmpl);
		e = route_by_text(text);
		expect_qstr(text, "route_by_text", e ? e->name : NULL, d->name);
		expect_qstr(text, "route_nearest", route_nearest(text), text);
		/* No other entry has the same method and template. */
		for (j = ROUTE_NONE + 1; j < ROUTE_NROUTES; j++) {
			e = route_by_id((enum route_id)j);
			if (j != id && e->method == d->method &&
			    strcmp(e->tmpl, d->tmpl) == 0)
				expect_qstr(text, "duplicate of", e->name,
				    NULL);
			if (j != id && strcmp(e->name, d->name) == 0)
				expect_qstr(text, "same name as", e->name,
				    NULL);
		}
		/*
		 * Only attach and exec start may become tunnels: policy_eval
		 * refuses an upgrade anywhere else.
		 */
		expect_int(d->name, "hijack flag",
		    (d->flags & ROUTE_F_HIJACK) != 0,
		    id == ROUTE_CONTAINER_ATTACH || id == ROUTE_EXEC_START);
	}
	assert_int_equal(failures, 0);
}

/* Paths where more than one template could match: dockerd's order wins. */
struct match_row {
	unsigned	 method;
	const char	*path;
	const char	*route;		/* name, NULL: no route */
	const char	*obj;		/* first parameter, NULL: none */
};

static const struct match_row match_rows[] = {
	{ HTTP_GET, "/containers/json", "CONTAINER_LIST", NULL },
	{ HTTP_GET, "/containers/json/json", "CONTAINER_INSPECT", "json" },
	{ HTTP_GET, "/containers/abc/json", "CONTAINER_INSPECT", "abc" },
	{ HTTP_GET, "/containers/a/logs/json", "CONTAINER_INSPECT", "a/logs" },
	{ HTTP_GET, "/containers/a/json/logs", "CONTAINER_LOGS", "a/json" },
	{ HTTP_GET, "/containers/abc/attach/ws", "CONTAINER_ATTACH_WS",
	    "abc" },
	{ HTTP_GET, "/images/json", "IMAGE_LIST", NULL },
	{ HTTP_GET, "/images/search", "IMAGE_SEARCH", NULL },
	{ HTTP_GET, "/images/get", "IMAGE_GET_ALL", NULL },
	{ HTTP_GET, "/images/abc/get", "IMAGE_GET", "abc" },
	{ HTTP_GET, "/images/abc/json", "IMAGE_INSPECT", "abc" },
	{ HTTP_GET, "/images/a/b/json", "IMAGE_INSPECT", "a/b" },
	{ HTTP_GET, "/images/registry:5000/team/app:1/json", "IMAGE_INSPECT",
	    "registry:5000/team/app:1" },
	{ HTTP_GET, "/images/a/get/json", "IMAGE_INSPECT", "a/get" },
	{ HTTP_GET, "/images/json/json", "IMAGE_INSPECT", "json" },
	{ HTTP_GET, "/images/a/json/get", "IMAGE_GET", "a/json" },
	{ HTTP_POST, "/images/a/b/tag", "IMAGE_TAG", "a/b" },
	{ HTTP_DELETE, "/images/a/b:latest", "IMAGE_DELETE", "a/b:latest" },
	{ HTTP_POST, "/images/create", "IMAGE_CREATE", NULL },
	{ HTTP_POST, "/containers/create", "CONTAINER_CREATE", NULL },
	{ HTTP_POST, "/containers/prune", "CONTAINER_PRUNE", NULL },
	{ HTTP_POST, "/containers/abc/exec", "EXEC_CREATE", "abc" },
	{ HTTP_POST, "/exec/abc/start", "EXEC_START", "abc" },
	{ HTTP_HEAD, "/containers/abc/archive", "CONTAINER_ARCHIVE_HEAD",
	    "abc" },
	{ HTTP_PUT, "/containers/abc/archive", "CONTAINER_ARCHIVE_PUT",
	    "abc" },
	/*
	 * dockerd registers the checkpoint routes before the container ones
	 * "or the DELETE gets masked": here it must not be either.
	 */
	{ HTTP_DELETE, "/containers/abc/checkpoints/c1", "CHECKPOINT_DELETE",
	    "abc" },
	{ HTTP_DELETE, "/containers/abc", "CONTAINER_DELETE", "abc" },
	{ HTTP_DELETE, "/containers/a/b", "CONTAINER_DELETE", "a/b" },
	/*
	 * swarm's {id} holds no '/' in dockerd, so /services/{id} does not
	 * swallow /services/{id}/logs there: nor may it here.
	 */
	{ HTTP_GET, "/services/abc/logs", "SERVICE_LOGS", "abc" },
	{ HTTP_GET, "/services/abc", "SERVICE_INSPECT", "abc" },
	{ HTTP_GET, "/tasks/abc/logs", "TASK_LOGS", "abc" },
	{ HTTP_GET, "/tasks/abc", "TASK_INSPECT", "abc" },
	{ HTTP_GET, "/networks", "NETWORK_LIST", NULL },
	{ HTTP_GET, "/networks/", "NETWORK_LIST_SLASH", NULL },
	{ HTTP_GET, "/networks/abc", "NETWORK_INSPECT", "abc" },
	{ HTTP_POST, "/networks/create", "NETWORK_CREATE", NULL },
	{ HTTP_POST, "/networks/prune", "NETWORK_PRUNE", NULL },
	{ HTTP_GET, "/volumes", "VOLUME_LIST", NULL },
	{ HTTP_GET, "/volumes/a/b", "VOLUME_INSPECT", "a/b" },
	{ HTTP_GET, "/plugins/privileges", "PLUGIN_PRIVILEGES", NULL },
	{ HTTP_GET, "/plugins/a/b:latest/json", "PLUGIN_INSPECT",
	    "a/b:latest" },
	{ HTTP_GET, "/debug/pprof/heap", "DEBUG", "pprof/heap" },
	{ HTTP_OPTIONS, "/anything/at/all", "CORS_OPTIONS",
	    "anything/at/all" },
	{ HTTP_OPTIONS, "/", NULL, NULL },

	/* the method is part of the route */
	{ HTTP_POST, "/containers/json", NULL, NULL },
	{ HTTP_GET, "/containers/create", NULL, NULL },
	{ HTTP_DELETE, "/_ping", NULL, NULL },
	{ HTTP_PATCH, "/containers/abc/json", NULL, NULL },
	{ HTTP_PUT, "/containers/abc/start", NULL, NULL },
	{ HTTP_HEAD, "/containers/json", NULL, NULL },

	/* no such path */
	{ HTTP_GET, "/", NULL, NULL },
	{ HTTP_GET, "/nope", NULL, NULL },
	{ HTTP_GET, "/_pings", NULL, NULL },
	{ HTTP_GET, "/_ping/x", NULL, NULL },
	{ HTTP_GET, "/containers", NULL, NULL },
	{ HTTP_GET, "/containers/", NULL, NULL },
	{ HTTP_GET, "/containers//json", NULL, NULL },
	{ HTTP_GET, "/images//json", NULL, NULL },
	{ HTTP_POST, "/containers/abc/start/", NULL, NULL },
	{ HTTP_GET, "/v1.41/_ping", NULL, NULL },
	{ HTTP_GET, "/debug/", NULL, NULL },
};

static void
test_match(void **state)
{
	const struct match_row	*r;
	const struct route_def	*d;
	const char		*obj;
	size_t			 i, objlen;
	char			 name[200];

	failures = 0;
	for (i = 0; i < sizeof(match_rows) / sizeof(match_rows[0]); i++) {
		r = &match_rows[i];
		snprintf(name, sizeof(name), "%s %s",
		    http_method_str(r->method), r->path);
		obj = "unset";
		objlen = 5;
		d = route_match(r->method, r->path, strlen(r->path), &obj,
		    &objlen);
		expect_qstr(name, "route", d ? d->name : NULL, r->route);
		if (d != NULL)
			expect_mem(name, "obj", obj, objlen, r->obj);
		/* obj is optional. */
		expect_int(name, "match without obj", route_match(r->method,
		    r->path, strlen(r->path), NULL, NULL) == d, 1);
	}
	assert_int_equal(failures, 0);
}

/* The path length is what counts, not a NUL. */
static void
test_match_counted(void **state)
{
	static const char	 p[] = "/containers/json/extra";
	const struct route_def	*d;

	d = route_match(HTTP_GET, p, 16, NULL, NULL);
	assert_non_null(d);
	assert_int_equal(d->id, ROUTE_CONTAINER_LIST);
	d = route_match(HTTP_GET, p, 15, NULL, NULL);
	assert_null(d);
	d = route_match(HTTP_GET, "/_ping", 0, NULL, NULL);
	assert_null(d);
}

/* ------------------------------------------------------------------ */
/* names as policies write them */

static void
test_by_text(void **state)
{
	static const struct {
		const char	*text;
		const char	*route;		/* route_by_text */
		const char	*nearest;	/* route_nearest */
	} rows[] = {
		{ "GET /_ping", "PING_GET", "GET /_ping" },
		{ "HEAD /_ping", "PING_HEAD", "HEAD /_ping" },
		{ "POST /containers/{id}/start", "CONTAINER_START",
		    "POST /containers/{id}/start" },
		{ "GET /networks/", "NETWORK_LIST_SLASH", "GET /networks/" },
		{ "GET /containers/{id}/jsn", NULL,
		    "GET /containers/{id}/json" },
		{ "POST /container/create", NULL, "POST /containers/create" },
		{ "get /_ping", NULL, "GET /_ping" },
		{ "GET  /_ping", NULL, "GET /_ping" },
		{ "GET /_ping ", NULL, "GET /_ping" },
		{ "GET /containers/{name}/json", NULL, NULL },
		{ "GET /containers/abc/json", NULL, NULL },
		{ "GET", NULL, NULL },
		{ "", NULL, NULL },
		{ "/_ping", NULL, NULL },
		{ "FROB /nothing/at/all", NULL, NULL },
	};
	const struct route_def	*d;
	size_t			 i;

	failures = 0;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		d = route_by_text(rows[i].text);
		expect_qstr(rows[i].text, "route_by_text", d ? d->name : NULL,
		    rows[i].route);
		expect_qstr(rows[i].text, "route_nearest",
		    route_nearest(rows[i].text), rows[i].nearest);
	}
	assert_int_equal(failures, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_target),
		cmocka_unit_test(test_every_route),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_counted),
		cmocka_unit_test(test_by_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
