/*
 * metrics: counters and their Prometheus text.  See metrics.h.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "metrics.h"

#define METRICS_NDEC	4
#define METRICS_NRULES	256	/* distinct rules counted; others pooled */

static const char *const metrics_decisions[METRICS_NDEC] = {
	"allow", "deny", "log-only-deny", "error"
};
static const double metrics_buckets[] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05,
	0.1
};
#define METRICS_NBUCKETS (sizeof(metrics_buckets) / sizeof(double))

static struct {
	uint64_t	 req[ROUTE_NROUTES][METRICS_NDEC];
	char		*rule[METRICS_NRULES];
	uint64_t	 rule_n[METRICS_NRULES];
	size_t		 nrules;
	uint64_t	 rule_other;
	uint64_t	 upstream_errors;
	uint64_t	 bytes_up, bytes_down;
	uint64_t	 hist[METRICS_NBUCKETS + 1];
	double		 hist_sum;
	uint64_t	 hist_count;
} m;

static int
metrics_decision_index(const char *d)
{
	int	i;

	for (i = 0; i < METRICS_NDEC; i++)
		if (strcmp(d, metrics_decisions[i]) == 0)
			return i;
	return METRICS_NDEC - 1;
}

static void
metrics_rule(const char *rule)
{
	size_t	i;

	if (rule == NULL)
		return;
	for (i = 0; i < m.nrules; i++)
		if (strcmp(m.rule[i], rule) == 0) {
			m.rule_n[i]++;
			return;
		}
	if (m.nrules < METRICS_NRULES &&
	    (m.rule[m.nrules] = strdup(rule)) != NULL) {
		m.rule_n[m.nrules++] = 1;
		return;
	}
	m.rule_other++;
}

void
metrics_request(enum route_id route, const char *decision, const char *rule,
    double own, uint64_t up, uint64_t down)
{
	size_t	b;

	if (route < 0 || route >= ROUTE_NROUTES)
		route = ROUTE_NONE;
	m.req[route][metrics_decision_index(decision)]++;
	metrics_rule(rule);
	metrics_bytes(up, down);
	for (b = 0; b < METRICS_NBUCKETS && own > metrics_buckets[b]; b++)
		;
	m.hist[b]++;
	m.hist_sum += own;
	m.hist_count++;
}

void
metrics_bytes(uint64_t up, uint64_t down)
{
	m.bytes_up += up;
	m.bytes_down += down;
}

void
metrics_upstream_error(void)
{
	m.upstream_errors++;
}

/* A growing text buffer. */
struct mbuf {
	char	*p;
	size_t	 len, cap;
	int	 oom;
};

static void mb_printf(struct mbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*np;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, b->cap * 2)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap *= 2;
	}
}

/* Label values: escape backslash, quote and newline. */
static void
mb_label(struct mbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			mb_printf(b, "\\%c", *s);
		else if (*s == '\n')
			mb_printf(b, "\\n");
		else
			mb_printf(b, "%c", *s);
	}
}

char *
metrics_format(const struct metrics_gauges *g, size_t *len)
{
	struct mbuf		 b = { malloc(16384), 0, 16384, 0 };
	const struct route_def	*r;
	size_t			 i, d;
	uint64_t		 cum = 0;

	if (b.p == NULL)
		return NULL;
	mb_printf(&b, "# HELP dindgate_requests_total Requests by route and "
	    "decision.\n# TYPE dindgate_requests_total counter\n");
	for (i = 0; i < ROUTE_NROUTES; i++)
		for (d = 0; d < METRICS_NDEC; d++) {
			if (m.req[i][d] == 0)
				continue;
			r = route_by_id((enum route_id)i);
			mb_printf(&b, "dindgate_requests_total{method=\"%s\","
			    "route=\"%s\",decision=\"%s\"} %llu\n",
			    r ? r->method_name : "", r ? r->tmpl : "unknown",
			    metrics_decisions[d], (unsigned long long)
			    m.req[i][d]);
		}
	mb_printf(&b, "# HELP dindgate_rule_total Decisions by rule.\n"
	    "# TYPE dindgate_rule_total counter\n");
	for (i = 0; i < m.nrules; i++) {
		mb_printf(&b, "dindgate_rule_total{rule=\"");
		mb_label(&b, m.rule[i]);
		mb_printf(&b, "\"} %llu\n", (unsigned long long)m.rule_n[i]);
	}
	if (m.rule_other)
		mb_printf(&b, "dindgate_rule_total{rule=\"other\"} %llu\n",
		    (unsigned long long)m.rule_other);
	mb_printf(&b, "# HELP dindgate_upstream_errors_total Requests the "
	    "engine could not be reached for.\n# TYPE "
	    "dindgate_upstream_errors_total counter\n"
	    "dindgate_upstream_errors_total %llu\n",
	    (unsigned long long)m.upstream_errors);
	mb_printf(&b, "# TYPE dindgate_bytes_total counter\n"
	    "dindgate_bytes_total{direction=\"up\"} %llu\n"
	    "dindgate_bytes_total{direction=\"down\"} %llu\n",
	    (unsigned long long)m.bytes_up, (unsigned long long)m.bytes_down);
	mb_printf(&b, "# TYPE dindgate_connections gauge\n"
	    "dindgate_connections %u\n# TYPE dindgate_tunnels gauge\n"
	    "dindgate_tunnels %u\n# TYPE dindgate_streams gauge\n"
	    "dindgate_streams %u\n# TYPE dindgate_upstream_idle gauge\n"
	    "dindgate_upstream_idle %u\n# TYPE dindgate_audit_ok gauge\n"
	    "dindgate_audit_ok %d\n", g->connections, g->tunnels, g->streams,
	    g->idle_upstream, g->audit_ok);
	mb_printf(&b, "# HELP dindgate_own_seconds Time dindgate itself "
	    "spent on a request (parsing, deciding, rewriting).\n"
	    "# TYPE dindgate_own_seconds histogram\n");
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		cum += m.hist[i];
		mb_printf(&b, "dindgate_own_seconds_bucket{le=\"%g\"} %llu\n",
		    metrics_buckets[i], (unsigned long long)cum);
	}
	cum += m.hist[METRICS_NBUCKETS];
	mb_printf(&b, "dindgate_own_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "dindgate_own_seconds_sum %.6f\ndindgate_own_seconds_count %llu\n",
	    (unsigned long long)cum, m.hist_sum,
	    (unsigned long long)m.hist_count);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

void
metrics_clear(void)
{
	size_t	i;

	for (i = 0; i < m.nrules; i++)
		free(m.rule[i]);
	memset(&m, 0, sizeof(m));
}
