/*
 * record: what a finished (or long-running) request leaves behind: its
 * audit record, its metrics, and its operational log line.  Built from
 * the session's state; the record's form is auditfmt.c's, the file is
 * audit.c's, the counters are metrics.c's.
 */
#ifndef DINDGATE_RECORD_H
#define DINDGATE_RECORD_H

#include "auditfmt.h"

struct session;

/* Record the current request of s (kind REQUEST or STREAM_END). */
void	record_request(struct session *, enum audit_kind, const char *outcome);
/* A tunnel or stream begins: write its request record now. */
void	record_stream_start(struct session *);

#endif
