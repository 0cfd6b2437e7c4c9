/*
 * config: the main configuration file -> an immutable struct config.
 *
 * Owns: the schema of dindgate.conf (JSON with comments, like dockerd's
 * daemon.json), defaults, path resolution relative to the file, and
 * validation.  Does not open certificates or sockets: tlsctx.c and
 * listener.c do that with the values found here.  Pure.
 */
#ifndef DINDGATE_CONFIG_H
#define DINDGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* A listen or upstream address as written: tcp://host:port or unix:///p. */
struct config_addr {
	bool	 is_unix;
	char	*host;		/* tcp: host (no brackets) */
	char	*port;		/* tcp: port */
	char	*path;		/* unix: socket path */
	char	*text;		/* as written, for logs */
};

/* Owned by whoever loaded it (a generation); freed in config_free(). */
struct config {
	char			*path;		/* the file it came from */

	struct config_addr	*listen;
	size_t			 nlisten;
	unsigned		 unix_mode;	/* listening socket mode */

	char			*tls_cert;	/* dindgate's server certificate */
	char			*tls_key;
	char			*tls_client_ca;	/* CA that signs worker certs */

	struct config_addr	 upstream;
	char			*up_server_name; /* SNI and name check */
	char			*up_ca;		/* CA that signed dind's cert */
	char			*up_cert;	/* dindgate's client cert */
	char			*up_key;

	char			**policy;	/* policy files, in order */
	size_t			 npolicy;

	unsigned		 min_api_minor;	/* refuse /v1.N/ below this */

	/* limits */
	unsigned		 max_connections;
	size_t			 max_header_bytes;
	size_t			 max_url_bytes;
	unsigned		 max_headers;
	size_t			 max_body_bytes;  /* inspected bodies */
	size_t			 max_drain_bytes; /* refused uploads */
	unsigned		 max_idle_upstream;

	/* timeouts, in milliseconds; 0 means none */
	unsigned		 t_handshake;
	unsigned		 t_request_head;
	unsigned		 t_idle;
	unsigned		 t_upstream_connect;
	unsigned		 t_upstream_response; /* first response byte */
	unsigned		 t_drain;
	unsigned		 t_shutdown;

	bool			 log_syslog;
	bool			 log_debug;

	char			*audit_path;	/* NULL: no audit file */
	bool			 audit_deny;	/* refuse when unwritable */
	bool			 audit_syslog;	/* also to syslog */

	struct config_addr	 admin;		/* metrics/health; text NULL: off */
	char			*user;		/* drop root to this user */
};

/*
 * Load and validate path.  Every problem goes to diag; returns NULL if
 * there was any.  Relative file names in the config are taken relative
 * to the directory of path.
 */
struct config	*config_load(const char *path, struct diag *);
void		 config_free(struct config *);
/*
 * Parse "tcp://h:p" or "unix:///p" into a; returns 0, or -1 with *err.
 * a's strings are allocated; config_addr_clear() frees them.
 */
int		 config_addr_parse(const char *text, struct config_addr *a,
		    const char **err);
void		 config_addr_clear(struct config_addr *);
/* Settings that a reload cannot change; appends a warning per change. */
void		 config_reload_check(const struct config *old,
		    const struct config *new, struct diag *);

#endif
