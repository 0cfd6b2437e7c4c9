/*
 * auditfmt: the audit record and its one-line JSON form.
 *
 * Owns struct audit_rec (filled during a request by session.c) and
 * auditfmt_format(), which writes it with yajl_gen as one JSON object on
 * one line.  Never bodies, never environment values: only the facts the
 * decision used.  Pure: the hash chain is the writer's (audit.c).
 */
#ifndef DINDGATE_AUDITFMT_H
#define DINDGATE_AUDITFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "facts.h"

#define AUDIT_SCHEMA	1

enum audit_kind {
	AUDIT_REQUEST,		/* one per request */
	AUDIT_STREAM_END,	/* a tunnel or long stream ended */
	AUDIT_CHAIN_START,	/* the hash chain (re)starts: start, reopen */
	AUDIT_NKINDS
};

/* One record.  Strings are borrowed for the time of the format call. */
struct audit_rec {
	enum audit_kind		 kind;
	struct timeval		 time;		/* when it happened (UTC) */
	uint64_t		 conn;		/* session id */
	uint64_t		 seq;		/* request number on it */
	const struct peer_id	*peer;
	const char		*method;
	const char		*path;		/* canonical, with /v1.N */
	size_t			 pathlen;
	int			 api_minor;	/* -1: unversioned */
	const char		*route;		/* template, or NULL */
	const char		*object;	/* id or name in the path */
	size_t			 objlen;
	const char		*decision;	/* allow, deny, log-only-deny,
						   error */
	const char		*policy;
	const char		*rule;
	const char		*reason;
	const char		*changes;	/* forced defaults applied */
	const char		*facts;		/* what the decision looked at */
	const char		*body_sha256;	/* of the forwarded body */
	unsigned		 status;	/* answer to the client */
	uint64_t		 bytes_up;	/* client -> engine */
	uint64_t		 bytes_down;	/* engine -> client */
	double			 duration;	/* seconds, whole exchange */
	double			 own_time;	/* seconds spent in dindgate */
	const char		*outcome;	/* done, closed, tunnel done... */
	const char		*note;		/* chain start: why */
};

/*
 * Format r as one JSON line (no newline, no hash) into a malloc'd string
 * with prev as the previous record's hash.  Returns NULL on failure.
 */
char	*auditfmt_format(const struct audit_rec *r, const char *prev,
	    size_t *len);
const char *auditfmt_kind_name(enum audit_kind);

#endif
