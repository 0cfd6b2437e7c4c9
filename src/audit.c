/*
 * audit: append-only, hash-chained audit file.  See audit.h.
 *
 * Each line carries "prev" (the hash of the line before) and ends with
 * "hash": the SHA-256 of the line up to that field.  A chain starts with
 * a chain-start record (prev all zeros) on every open, so a restart or a
 * rotation is visible and not mistaken for a deleted record.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit.h"
#include "log.h"

#define AUDIT_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_RETRY_SEC	1	/* how often a failed log is retried */

/* The one audit log of the process. */
static struct {
	char	*path;
	int	 fd;
	bool	 deny_on_failure;
	bool	 syslog;
	bool	 failed;		/* the last write or open failed */
	time_t	 last_try;
	char	 prev[65];		/* hash of the last line written */
} audit = { NULL, -1, true, false, false, 0, AUDIT_ZERO_HASH };

const char *
audit_path(void)
{
	return audit.path;
}

void
audit_sha256(const void *data, size_t len, char out[65])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* Write all of buf, or fail: a partial record would break the chain. */
static int
audit_write(const char *buf, size_t len)
{
	ssize_t	n;
	size_t	off = 0;

	while (off < len) {
		n = write(audit.fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int
audit_emit_line(const struct audit_rec *r)
{
	char	*line, *full, hash[65];
	size_t	 len, flen;
	int	 rc = -1;

	if ((line = auditfmt_format(r, audit.prev, &len)) == NULL)
		return -1;
	/* The hash covers the line without its closing brace. */
	audit_sha256(line, len - 1, hash);
	flen = len + 80;
	if ((full = malloc(flen)) != NULL) {
		flen = (size_t)snprintf(full, flen, "%.*s,\"hash\":\"%s\"}\n",
		    (int)(len - 1), line, hash);
		if (audit.fd >= 0 && audit_write(full, flen) == 0) {
			memcpy(audit.prev, hash, sizeof(audit.prev));
			rc = 0;
		}
		if (audit.syslog)
			syslog(LOG_AUTHPRIV | LOG_INFO, "%.*s", (int)flen - 1,
			    full);
		free(full);
	}
	free(line);
	return rc;
}

static int
audit_start_chain(const char *why)
{
	struct audit_rec	r;

	memset(&r, 0, sizeof(r));
	r.kind = AUDIT_CHAIN_START;
	gettimeofday(&r.time, NULL);
	r.note = why;
	/*
	 * The new chain names the last hash we wrote (or found at the end
	 * of the file), so records cut from the end of a rotated file show
	 * as a broken link; all zeros only when nothing came before.
	 */
	return audit_emit_line(&r);
}

/* The hash on the last line of an existing file, to continue from. */
static void
audit_last_hash(const char *path)
{
	char	buf[4096], *p;
	int	fd;
	off_t	end;
	ssize_t	n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0) {
		off_t start = end > (off_t)sizeof(buf) - 1 ?
		    end - (off_t)sizeof(buf) + 1 : 0;

		n = pread(fd, buf, sizeof(buf) - 1, start);
		if (n > 0) {
			buf[n] = '\0';
			if ((p = strstr(buf + (n > 80 ? n - 80 : 0),
			    ",\"hash\":\"")) != NULL && strlen(p + 9) >= 64)
				snprintf(audit.prev, sizeof(audit.prev),
				    "%.64s", p + 9);
		}
	}
	close(fd);
}

static int
audit_open_fd(const char *why)
{
	if (audit.fd >= 0)
		close(audit.fd);
	audit_last_hash(audit.path);
	audit.fd = open(audit.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
	audit.last_try = time(NULL);
	if (audit.fd < 0 || audit_start_chain(why) == -1) {
		if (!audit.failed)
			log_warn("audit log %s cannot be written%s",
			    audit.path, audit.deny_on_failure ?
			    "; refusing new requests until it can" : "");
		audit.failed = true;
		return -1;
	}
	if (audit.failed)
		log_info("audit log %s is writable again", audit.path);
	audit.failed = false;
	return 0;
}

int
audit_open(const char *path, bool deny_on_failure, bool use_syslog,
    const char *why)
{
	audit.deny_on_failure = deny_on_failure;
	audit.syslog = use_syslog;
	if (path == NULL) {
		audit_close();
		return 0;
	}
	if (audit.path != NULL && strcmp(audit.path, path) == 0 &&
	    audit.fd >= 0 && !audit.failed)
		return 0;	/* same file: keep the chain going */
	free(audit.path);
	if ((audit.path = strdup(path)) == NULL)
		return -1;
	return audit_open_fd(why);
}

int
audit_reopen(const char *why)
{
	if (audit.path == NULL)
		return 0;
	return audit_open_fd(why);
}

void
audit_close(void)
{
	if (audit.fd >= 0)
		close(audit.fd);
	audit.fd = -1;
	free(audit.path);
	audit.path = NULL;
	audit.failed = false;
}

bool
audit_is_ok(void)
{
	return audit.path == NULL || !audit.failed;
}

bool
audit_may_serve(void)
{
	if (audit.path == NULL || !audit.failed)
		return true;
	/* Try again now and then: a full disk may have been cleared. */
	if (time(NULL) - audit.last_try >= AUDIT_RETRY_SEC)
		audit_open_fd("recovered after write errors");
	return !audit.failed || !audit.deny_on_failure;
}

int
audit_emit(const struct audit_rec *r)
{
	if (audit.path == NULL && !audit.syslog)
		return 0;
	if (audit_emit_line(r) == 0)
		return 0;
	if (audit.path == NULL)
		return 0;
	if (!audit.failed)
		log_warn("audit log %s: write failed%s", audit.path,
		    audit.deny_on_failure ? "; refusing new requests until "
		    "it can be written" : "");
	audit.failed = true;
	return -1;
}
