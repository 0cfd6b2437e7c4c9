/*
 * log: operational log lines to stderr (with a UTC timestamp) or syslog.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

static bool	log_syslog;
static bool	log_debugging;

void
log_init(bool use_syslog, bool debug)
{
	log_syslog = use_syslog;
	log_debugging = debug;
	if (use_syslog)
		openlog("dindgate", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_debug(bool on)
{
	log_debugging = on;
}

bool
log_is_debug(void)
{
	return log_debugging;
}

static void
log_vwrite(int prio, const char *prefix, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_ERR] = "error", [LOG_WARNING] = "warning",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	char		 msg[2048], ts[32];
	struct timeval	 tv;
	struct tm	 tm;

	if (prio == LOG_DEBUG && !log_debugging)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		syslog(prio, "%s%s", prefix, msg);
		return;
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ dindgate[%s]: %s%s\n", ts,
	    (long)tv.tv_usec / 1000, names[prio] ? names[prio] : "?", prefix,
	    msg);
}

#define LOG_BODY(prio, prefix) do {			\
	va_list	ap;					\
	va_start(ap, fmt);				\
	log_vwrite(prio, prefix, fmt, ap);		\
	va_end(ap);					\
} while (0)

/* The message of fmt with ": strerror(errno)" appended; errno kept. */
static void
log_errno_msg(char *buf, size_t len, const char *fmt, va_list ap)
{
	int	saved = errno;
	size_t	n;

	vsnprintf(buf, len, fmt, ap);
	n = strlen(buf);
	snprintf(buf + n, len - n, ": %s", strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	log_errno_msg(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, "");
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, "");
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_DEBUG, "");
}

void
fatal(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	log_errno_msg(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fatalx("%s", buf);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, "");
	exit(1);
}

void
log_session(int prio, uint64_t id, const char *who, const char *fmt, ...)
{
	char	prefix[256];

	if (prio == LOG_DEBUG && !log_debugging)
		return;
	snprintf(prefix, sizeof(prefix), "s=%llu peer=%s ",
	    (unsigned long long)id, who ? who : "-");
	LOG_BODY(prio, prefix);
}
