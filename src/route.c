/*
 * route: canonical request targets and the route table.  See route.h.
 *
 * dockerd (gorilla/mux) routes on the percent-decoded path and answers a
 * redirect for paths that path.Clean would change; it accepts version
 * prefixes like /v01.041.0/ as 1.41.  A filter that cleans or decodes for
 * its own check but forwards the raw bytes reads a different request from
 * the engine.  So: every target either is canonical, and is forwarded in
 * exactly the form we matched, or it is refused.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include <http_parser.h>

#include "jsondoc.h"
#include "route.h"

static const struct route_def route_table[] = {
#define ROUTE(id, m, t, f) { ROUTE_##id, m, #m + 5, t, f, #id },
#include "routes.def"
#undef ROUTE
};
#define ROUTE_TABLE_LEN	(sizeof(route_table) / sizeof(route_table[0]))

/*
 * Bytes a path may hold literally: RFC 3986 pchar without '%'.  Anything
 * else (space, quotes, backslash, braces, non-ASCII) is refused: no real
 * client sends them, and decoders disagree about them.
 */
static bool
route_is_pchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

int
route_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Query bytes: pchar plus '/', '?' and well-formed %XX; never ';'. */
static int
route_check_query(const char *q, size_t len, const char **err)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)q[i];
		if (c == '%') {
			if (i + 2 >= len || route_hex(q[i + 1]) < 0 ||
			    route_hex(q[i + 2]) < 0) {
				*err = "invalid percent-escape in query";
				return -1;
			}
			i += 2;
		} else if (c == ';') {
			/* Go refuses or drops ';' pairs depending on handler. */
			*err = "';' in query";
			return -1;
		} else if (c != '/' && c != '?' && !route_is_pchar(c)) {
			*err = "invalid character in query";
			return -1;
		}
	}
	return 0;
}

/*
 * Decode the path into buf.  A %XX is decoded only if the result is a
 * byte that may stand literally anyway (so decoded and raw forms route
 * the same); %2F, %25, %00, %5C and the like are refused.
 */
static int
route_decode_path(const char *p, size_t len, char *buf, size_t *outlen,
    const char **err)
{
	size_t		i, o = 0;
	int		hi, lo;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if (i + 2 >= len) {
				*err = "truncated percent-escape in path";
				return -1;
			}
			hi = route_hex(p[i + 1]);
			lo = route_hex(p[i + 2]);
			if (hi < 0 || lo < 0) {
				*err = "invalid percent-escape in path";
				return -1;
			}
			c = (unsigned char)(hi * 16 + lo);
			if (!route_is_pchar(c)) {
				*err = "percent-encoded '/' or other ambiguous "
				    "byte in path";
				return -1;
			}
			i += 2;
		} else if (c != '/' && !route_is_pchar(c)) {
			*err = "invalid character in path";
			return -1;
		}
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	*outlen = o;
	return 0;
}

/* Refuse // and dot segments instead of cleaning them. */
static int
route_check_segments(const char *p, size_t len, const char **err)
{
	size_t	i, seg;

	if (len == 0 || p[0] != '/') {
		*err = "path must start with '/'";
		return -1;
	}
	for (i = 0; i < len; i = seg) {
		seg = i + 1;
		while (seg < len && p[seg] != '/')
			seg++;
		if (seg - i == 1 && seg < len) {
			*err = "empty path segment ('//')";
			return -1;
		}
		if ((seg - i == 2 && p[i + 1] == '.') ||
		    (seg - i == 3 && p[i + 1] == '.' && p[i + 2] == '.')) {
			*err = "dot segment in path";
			return -1;
		}
	}
	return 0;
}

/*
 * Refuse a trailing slash.  The one trailing-slash route dockerd has is
 * GET /networks/, with or without a version prefix, so this looks at the
 * path after the prefix (t) while refusing "/v1.41/" itself (t is "/").
 */
static int
route_check_trailing(const struct route_target *t, size_t dlen,
    const char **err)
{
	if (dlen > 1 && t->path[t->plen - 1] == '/' &&
	    !(t->plen == 10 && memcmp(t->path, "/networks/", 10) == 0)) {
		*err = "trailing '/' in path";
		return -1;
	}
	return 0;
}

/*
 * Strip a version prefix.  dockerd takes /v{[0-9.]+}/ and compares it
 * leniently (/v01.041.0/ is 1.41); we take exactly /v1.N/ with N in
 * canonical decimal and refuse every other spelling of a version.
 */
static int
route_strip_version(struct route_target *t, const char **err)
{
	const char	*p = t->path, *e = t->path + t->plen, *s;
	unsigned	 minor = 0;

	if (t->plen < 3 || p[1] != 'v' ||
	    !((p[2] >= '0' && p[2] <= '9') || p[2] == '.'))
		return 0;
	for (s = p + 2; s < e && *s != '/'; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return 0;	/* not a version: a path like /vX */
	if (s == e)
		return 0;		/* "/v1.41" alone routes nowhere */
	if (s - p < 5 || p[2] != '1' || p[3] != '.' || s[-1] == '.')
		goto bad;
	if (p[4] == '0' && s - p > 5)
		goto bad;
	for (p += 4; p < s; p++) {
		if (*p == '.' || minor > 9999)
			goto bad;
		minor = minor * 10 + (unsigned)(*p - '0');
	}
	t->versioned = true;
	t->vminor = minor;
	t->plen -= (size_t)(s - t->path);
	t->path = s;
	return 0;
bad:
	*err = "non-canonical API version in path (use /v1.N/)";
	return -1;
}

int
route_parse_target(const char *target, size_t len, char *buf,
    struct route_target *t, const char **err)
{
	const char	*q;
	size_t		 plen, dlen;

	memset(t, 0, sizeof(*t));
	if (len == 0 || target[0] != '/') {
		*err = "request target must be a path";
		return -1;
	}
	if (memchr(target, '#', len) != NULL) {
		*err = "fragment in request target";
		return -1;
	}
	q = memchr(target, '?', len);
	plen = q ? (size_t)(q - target) : len;
	if (route_decode_path(target, plen, buf, &dlen, err) == -1)
		return -1;
	if (route_check_segments(buf, dlen, err) == -1)
		return -1;
	t->path = buf;
	t->plen = dlen;
	if (q != NULL) {
		t->query = q + 1;
		t->qlen = len - plen - 1;
		if (route_check_query(t->query, t->qlen, err) == -1)
			return -1;
	}
	if (route_strip_version(t, err) == -1)
		return -1;
	return route_check_trailing(t, dlen, err);
}

/*
 * Match a template against a path.  A {param} matches one or more bytes
 * and is greedy (longest first), as dockerd's {name:.*} regexps are.
 */
static bool
route_tmatch(const char *tm, const char *p, const char *e, const char **obj,
    size_t *objlen)
{
	const char	*close, *k;

	while (*tm != '\0' && *tm != '{') {
		if (p == e || *p != *tm)
			return false;
		p++;
		tm++;
	}
	if (*tm == '\0')
		return p == e;
	close = strchr(tm, '}');
	for (k = e; k > p; k--)
		if (route_tmatch(close + 1, k, e, NULL, NULL)) {
			if (obj != NULL && *obj == NULL) {
				*obj = p;
				*objlen = (size_t)(k - p);
			}
			return true;
		}
	return false;
}

const struct route_def *
route_match(unsigned method, const char *path, size_t plen, const char **obj,
    size_t *objlen)
{
	size_t		 i;
	const char	*o = NULL;
	size_t		 ol = 0;

	for (i = 0; i < ROUTE_TABLE_LEN; i++) {
		if (route_table[i].method != method)
			continue;
		o = NULL;
		ol = 0;
		if (route_tmatch(route_table[i].tmpl, path, path + plen, &o,
		    &ol)) {
			if (obj != NULL) {
				*obj = o;
				*objlen = ol;
			}
			return &route_table[i];
		}
	}
	return NULL;
}

const struct route_def *
route_by_id(enum route_id id)
{
	if (id <= ROUTE_NONE || id >= ROUTE_NROUTES)
		return NULL;
	return &route_table[id - 1];
}

const struct route_def *
route_by_text(const char *text)
{
	size_t		 i, ml;
	const char	*sp;

	if ((sp = strchr(text, ' ')) == NULL)
		return NULL;
	ml = (size_t)(sp - text);
	for (i = 0; i < ROUTE_TABLE_LEN; i++)
		if (strlen(route_table[i].method_name) == ml &&
		    memcmp(route_table[i].method_name, text, ml) == 0 &&
		    strcmp(route_table[i].tmpl, sp + 1) == 0)
			return &route_table[i];
	return NULL;
}

const char *
route_nearest(const char *text)
{
	static char	 names[ROUTE_TABLE_LEN][80];
	static const char *ptrs[ROUTE_TABLE_LEN + 1];
	size_t		 i;

	if (ptrs[0] == NULL) {
		for (i = 0; i < ROUTE_TABLE_LEN; i++) {
			snprintf(names[i], sizeof(names[i]), "%s %s",
			    route_table[i].method_name, route_table[i].tmpl);
			ptrs[i] = names[i];
		}
		ptrs[i] = NULL;
	}
	return jsondoc_nearest(text, ptrs);
}
