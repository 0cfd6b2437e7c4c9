/*
 * record: audit record, metrics and log line of a request.  See record.h.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "audit.h"
#include "log.h"
#include "metrics.h"
#include "record.h"
#include "session.h"

/* allow / deny / log-only-deny, and error for what went wrong around us. */
static const char *
record_decision(const struct request *r)
{
	if (r->dec.verdict == DECISION_DENY)
		return r->dec.status >= 500 ? "error" : "deny";
	if (r->dec.verdict == DECISION_LOG_ONLY)
		return "log-only-deny";
	/* Never decided (the body never came) or never sent: not allowed. */
	if (r->route == NULL || r->dec.verdict == DECISION_NEED_BODY ||
	    r->dec.rule[0] == '\0')
		return "error";
	return "allow";
}

static unsigned
record_status(const struct request *r)
{
	if (r->dec.verdict == DECISION_DENY)
		return r->dec.status;
	return r->resp.status;
}

void
record_request(struct session *s, enum audit_kind kind, const char *outcome)
{
	struct request		*r = s->req;
	struct audit_rec	 a;
	struct timeval		 now, d;
	char			 path[1200];
	int			 n = 0;

	gettimeofday(&now, NULL);
	timersub(&now, &r->start, &d);
	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.time = now;
	a.conn = s->id;
	a.seq = s->nreq;
	a.peer = &s->peer;
	a.method = r->msg.target ? http_method_str(r->msg.method) : "-";
	/* The canonical path we matched (and forwarded), not the raw bytes. */
	if (r->target.path != NULL) {
		if (r->target.versioned)
			n = snprintf(path, sizeof(path), "/v1.%u",
			    r->target.vminor);
		n += snprintf(path + n, sizeof(path) - (size_t)n, "%.*s",
		    (int)r->target.plen, r->target.path);
		a.path = path;
		a.pathlen = (size_t)n < sizeof(path) ? (size_t)n :
		    sizeof(path) - 1;
		a.api_minor = r->target.versioned ? (int)r->target.vminor : -1;
	} else
		a.api_minor = -1;
	a.route = r->route ? r->route->tmpl : NULL;
	a.object = r->obj;
	a.objlen = r->objlen;
	a.decision = record_decision(r);
	a.policy = r->dec.policy;
	a.rule = r->dec.rule[0] ? r->dec.rule : NULL;
	a.reason = r->dec.reason[0] ? r->dec.reason : NULL;
	a.changes = r->dec.changes;
	a.facts = r->dec.facts;
	a.body_sha256 = r->body_sha[0] ? r->body_sha : NULL;
	a.status = record_status(r);
	a.bytes_up = r->up_bytes;
	a.bytes_down = r->resp_bytes;
	a.duration = (double)d.tv_sec + (double)d.tv_usec / 1e6;
	a.own_time = r->own_time;
	a.outcome = outcome;
	audit_emit(&a);
	if (kind == AUDIT_REQUEST)
		metrics_request(r->route ? r->route->id : ROUTE_NONE,
		    a.decision, a.rule, r->own_time, r->up_bytes,
		    r->resp_bytes);
	else
		metrics_bytes(r->up_bytes, r->resp_bytes);
	if (r->dec.verdict != DECISION_ALLOW || a.status >= 500 ||
	    log_is_debug())
		log_session(LOG_INFO, s->id, s->who, "%s %.*s -> %s %u (%s; %s)"
		    " up=%llu down=%llu %.3fs", a.method,
		    a.path ? (int)a.pathlen : 1, a.path ? a.path : "-",
		    a.decision, a.status, a.rule ? a.rule : "-", outcome,
		    (unsigned long long)r->up_bytes,
		    (unsigned long long)r->resp_bytes, a.duration);
}

void
record_stream_start(struct session *s)
{
	if (s->req == NULL || s->req->audited)
		return;
	record_request(s, AUDIT_REQUEST, s->state == SESSION_TUNNEL ?
	    "tunnel started" : "stream started");
	s->req->audited = true;
}
