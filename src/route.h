/*
 * route: request targets -> canonical path, API version and route.
 *
 * Owns the Docker API route table (routes.def) and the one reading of a
 * request target that everything after it uses: split off the query,
 * refuse what is not canonical (rather than clean it, so what we check is
 * what we forward), strip and parse the /v1.N version prefix, and match
 * (method, path) against the templates in dockerd's order.  Pure.
 */
#ifndef DINDGATE_ROUTE_H
#define DINDGATE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTE_F_HIJACK	0x01	/* attach/exec start: may become a tunnel */
#define ROUTE_F_STREAM	0x02	/* long-lived response (events, logs...) */

enum route_id {
	ROUTE_NONE = 0,		/* no route matched */
#define ROUTE(id, m, t, f) ROUTE_##id,
#include "routes.def"
#undef ROUTE
	ROUTE_NROUTES
};

/* One entry of the table.  Static. */
struct route_def {
	enum route_id	 id;
	unsigned	 method;	/* enum http_method */
	const char	*method_name;
	const char	*tmpl;		/* "/containers/{id}/start" */
	unsigned	 flags;		/* ROUTE_F_* */
	const char	*name;		/* "CONTAINER_START" */
};

/* A request target, split and checked.  Strings point into buf. */
struct route_target {
	bool		 versioned;	/* had a /v1.N prefix */
	unsigned	 vminor;	/* N of /v1.N */
	const char	*path;		/* canonical path after the prefix */
	size_t		 plen;
	const char	*query;		/* after '?', or NULL */
	size_t		 qlen;
};

/*
 * Parse target[0..len) into t, decoding harmless percent-escapes into
 * buf (at least len + 1 bytes).  Returns 0, or -1 with *err saying what
 * was not canonical.
 */
int	route_parse_target(const char *target, size_t len, char *buf,
	    struct route_target *t, const char **err);

/*
 * The first route whose method and template match path, or NULL.  The
 * object named by the path (its first parameter) is returned in
 * obj and objlen when obj is not NULL.
 */
const struct route_def *route_match(unsigned method, const char *path,
	    size_t plen, const char **obj, size_t *objlen);

/* The value of one hex digit, or -1. */
int	route_hex(unsigned char);
/* The table entry for id, or NULL. */
const struct route_def *route_by_id(enum route_id);
/* Look up "METHOD /template" as written in a policy; NULL if unknown. */
const struct route_def *route_by_text(const char *text);
/* Nearest "METHOD /template" to text, for "did you mean" hints. */
const char	*route_nearest(const char *text);

#endif
