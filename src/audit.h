/*
 * audit: the audit log writer.
 *
 * Owns the audit file (O_APPEND, one JSON line per record), the hash
 * chain that makes edits and deletions visible, reopening on SIGUSR1
 * (logrotate), the optional syslog copy, and the failure rule: when a
 * record cannot be written, new requests are refused (default) rather
 * than served unrecorded.  Record content is auditfmt.c's.
 */
#ifndef DINDGATE_AUDIT_H
#define DINDGATE_AUDIT_H

#include <stdbool.h>

#include "auditfmt.h"

/* Open path (NULL: no audit file) and start a chain; 0 or -1 (logged). */
int	audit_open(const char *path, bool deny_on_failure, bool use_syslog,
	    const char *why);
/* Reopen the same file (logrotate moved it away); 0 or -1 (logged). */
int	audit_reopen(const char *why);
void	audit_close(void);
/*
 * May a new request be served?  False while the log cannot be written
 * and the rule is to deny; a reopen is tried first.
 */
bool	audit_may_serve(void);
/* Is the audit log (if any) currently writable? */
bool	audit_is_ok(void);
/* Write one record; 0, or -1 (the failure rule then applies). */
int	audit_emit(const struct audit_rec *);
/* SHA-256 of len bytes as 64 hex digits (out holds 65 bytes). */
void	audit_sha256(const void *, size_t, char out[65]);
/* The path of the open audit file, or NULL. */
const char *audit_path(void);

#endif
