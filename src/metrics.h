/*
 * metrics: counters for the admin listener, in Prometheus text format.
 *
 * Owns the process-wide counters (requests by route, decision and rule;
 * upstream errors; bytes) and the histogram of dindgate's own time per
 * request, and their text form.  Pure: the caller passes the gauges.
 */
#ifndef DINDGATE_METRICS_H
#define DINDGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "route.h"

/* Gauges read at scrape time. */
struct metrics_gauges {
	unsigned	connections;	/* client connections open */
	unsigned	tunnels;	/* attach/exec tunnels open */
	unsigned	streams;	/* long responses in progress */
	unsigned	idle_upstream;	/* pooled engine connections */
	int		audit_ok;	/* 1: audit log writable */
};

void	metrics_request(enum route_id, const char *decision, const char *rule,
	    double own_seconds, uint64_t up, uint64_t down);
void	metrics_bytes(uint64_t up, uint64_t down);
void	metrics_upstream_error(void);
/* The exposition text, malloc'd; NULL on allocation failure. */
char	*metrics_format(const struct metrics_gauges *, size_t *len);
/* Free the rule table (clean shutdown). */
void	metrics_clear(void);

#endif
