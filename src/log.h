/*
 * log: the operational log, to stderr or syslog.
 *
 * Not the audit log (audit.c): this says what the daemon is doing and
 * what went wrong, for the admin who runs it.  Every line about a
 * connection carries its id and the peer's identity (slog_*).
 */
#ifndef DINDGATE_LOG_H
#define DINDGATE_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void	log_init(bool use_syslog, bool debug);
void	log_set_debug(bool);
bool	log_is_debug(void);
/* log_warn appends ": strerror(errno)" and preserves errno. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Only before the event loop runs, or on a broken invariant. */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
/* A line about connection id with peer who ("cn@addr"). */
void	log_session(int prio, uint64_t id, const char *who, const char *, ...)
	    __attribute__((format(printf, 4, 5)));

#endif
