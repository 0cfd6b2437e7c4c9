/*
 * auditfmt: audit records as JSON lines.  See auditfmt.h.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>

#include "auditfmt.h"

static const char *const auditfmt_kinds[AUDIT_NKINDS] = {
	[AUDIT_REQUEST] = "request",
	[AUDIT_STREAM_END] = "stream-end",
	[AUDIT_CHAIN_START] = "chain-start",
};

const char *
auditfmt_kind_name(enum audit_kind k)
{
	return k < AUDIT_NKINDS ? auditfmt_kinds[k] : "?";
}

static void
af_str(yajl_gen g, const char *k, const char *v)
{
	if (v == NULL)
		return;
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

static void
af_strn(yajl_gen g, const char *k, const char *v, size_t n)
{
	if (v == NULL)
		return;
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_string(g, (const unsigned char *)v, n);
}

static void
af_int(yajl_gen g, const char *k, long long v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_integer(g, v);
}

static void
af_num(yajl_gen g, const char *k, double v)
{
	char	buf[32];
	int	n;

	/* Microsecond precision, always the same text for the same value. */
	n = snprintf(buf, sizeof(buf), "%.6f", v);
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_number(g, buf, (size_t)n);
}

static void
af_peer(yajl_gen g, const struct peer_id *p)
{
	size_t	i;

	yajl_gen_string(g, (const unsigned char *)"client", 6);
	yajl_gen_map_open(g);
	af_str(g, "cn", p->cn);
	if (p->nsan) {
		yajl_gen_string(g, (const unsigned char *)"san", 3);
		yajl_gen_array_open(g);
		for (i = 0; i < p->nsan; i++)
			yajl_gen_string(g, (const unsigned char *)p->san[i],
			    strlen(p->san[i]));
		yajl_gen_array_close(g);
	}
	if (p->fp[0])
		af_str(g, "sha256", p->fp);
	if (p->is_unix)
		af_int(g, "uid", p->uid);
	af_str(g, "addr", p->addr);
	yajl_gen_map_close(g);
}

char *
auditfmt_format(const struct audit_rec *r, const char *prev, size_t *len)
{
	yajl_gen		 g;
	const unsigned char	*buf;
	size_t			 n;
	char			*out = NULL, ts[40], ver[16];
	struct tm		 tm;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		return NULL;
	gmtime_r(&r->time.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06ldZ", (long)r->time.tv_usec);
	yajl_gen_map_open(g);
	af_int(g, "schema", AUDIT_SCHEMA);
	af_str(g, "time", ts);
	af_str(g, "kind", auditfmt_kind_name(r->kind));
	if (r->kind != AUDIT_CHAIN_START) {
		af_int(g, "conn", (long long)r->conn);
		af_int(g, "seq", (long long)r->seq);
	}
	if (r->peer)
		af_peer(g, r->peer);
	af_str(g, "method", r->method);
	af_strn(g, "path", r->path, r->pathlen);
	if (r->method != NULL) {
		if (r->api_minor >= 0) {
			snprintf(ver, sizeof(ver), "1.%d", r->api_minor);
			af_str(g, "api_version", ver);
		}
		af_str(g, "route", r->route);
		af_strn(g, "object", r->object, r->objlen);
	}
	af_str(g, "decision", r->decision);
	af_str(g, "policy", r->policy);
	af_str(g, "rule", r->rule);
	af_str(g, "reason", r->reason);
	if (r->changes && r->changes[0])
		af_str(g, "changes", r->changes);
	if (r->facts && r->facts[0])
		af_str(g, "facts", r->facts);
	af_str(g, "body_sha256", r->body_sha256);
	if (r->kind != AUDIT_CHAIN_START) {
		af_int(g, "status", r->status);
		af_int(g, "bytes_up", (long long)r->bytes_up);
		af_int(g, "bytes_down", (long long)r->bytes_down);
		af_num(g, "duration", r->duration);
		af_num(g, "own_time", r->own_time);
	}
	af_str(g, "outcome", r->outcome);
	af_str(g, "note", r->note);
	af_str(g, "prev", prev);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &n) == yajl_gen_status_ok &&
	    (out = malloc(n + 1)) != NULL) {
		memcpy(out, buf, n);
		out[n] = '\0';
		*len = n;
	}
	yajl_gen_free(g);
	return out;
}
