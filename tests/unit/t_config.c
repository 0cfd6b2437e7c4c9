/*
 * t_config: unit tests for src/config.c.
 *
 * Good files in tests/data/config/ are checked field by field.  Every
 * tests/data/bad-config/X.conf has a golden X.err with the exact
 * diagnostics, one "file:line:col: error: message" a line, all of them.
 * Boundaries (modes, versions, limits, ports) are a table of one-key
 * variations written to a temporary directory.
 *
 * The program runs from $top_srcdir (default ".") so that file names in
 * diagnostics are the same relative names in every build tree.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* good files */

static void
test_full(void **state)
{
	struct diag	 d;
	struct config	*c;

	diag_init(&d);
	c = config_load("tests/data/config/full.conf", &d);
	assert_int_equal(d.n, 0);
	assert_non_null(c);
	assert_string_equal(c->path, "tests/data/config/full.conf");

	assert_int_equal(c->nlisten, 3);
	assert_false(c->listen[0].is_unix);
	assert_string_equal(c->listen[0].host, "127.0.0.1");
	assert_string_equal(c->listen[0].port, "2376");
	assert_null(c->listen[0].path);
	assert_string_equal(c->listen[0].text, "tcp://127.0.0.1:2376");
	assert_false(c->listen[1].is_unix);
	assert_string_equal(c->listen[1].host, "::1");
	assert_string_equal(c->listen[1].port, "12376");
	assert_string_equal(c->listen[1].text, "tcp://[::1]:12376");
	assert_true(c->listen[2].is_unix);
	assert_null(c->listen[2].host);
	assert_null(c->listen[2].port);
	assert_string_equal(c->listen[2].path, "/run/dindgate/dindgate.sock");
	assert_string_equal(c->listen[2].text,
	    "unix:///run/dindgate/dindgate.sock");
	assert_int_equal(c->unix_mode, 0600);

	/* Relative names are taken from the file's directory. */
	assert_string_equal(c->tls_cert, "tests/data/config/certs/server.pem");
	assert_string_equal(c->tls_key, "/etc/dindgate/server-key.pem");
	assert_string_equal(c->tls_client_ca,
	    "tests/data/config/../ca/workers.pem");

	assert_false(c->upstream.is_unix);
	assert_string_equal(c->upstream.host, "docker-dind");
	assert_string_equal(c->upstream.port, "2376");
	assert_string_equal(c->upstream.text, "tcp://docker-dind:2376");
	assert_string_equal(c->up_server_name, "docker");
	assert_string_equal(c->up_ca, "tests/data/config/dind/ca.pem");
	assert_string_equal(c->up_cert, "tests/data/config/dind/cert.pem");
	assert_string_equal(c->up_key, "tests/data/config/dind/key.pem");

	assert_int_equal(c->npolicy, 2);
	assert_string_equal(c->policy[0],
	    "tests/data/config/policy/sandbox.json");
	assert_string_equal(c->policy[1], "/etc/dindgate/policy/ops.json");
	assert_int_equal(c->min_api_minor, 41);

	assert_int_equal(c->max_connections, 500);
	assert_int_equal(c->max_header_bytes, 32768);
	assert_int_equal(c->max_url_bytes, 4096);
	assert_int_equal(c->max_headers, 50);
	assert_int_equal(c->max_body_bytes, 2097152);
	assert_int_equal(c->max_drain_bytes, 0);
	assert_int_equal(c->max_idle_upstream, 8);

	/* Seconds in the file, milliseconds in the struct. */
	assert_int_equal(c->t_handshake, 5000);
	assert_int_equal(c->t_request_head, 2500);
	assert_int_equal(c->t_idle, 0);
	assert_int_equal(c->t_upstream_connect, 250);
	assert_int_equal(c->t_drain, 1000);
	assert_int_equal(c->t_shutdown, 60000);

	assert_true(c->log_syslog);
	assert_true(c->log_debug);
	config_free(c);
	diag_clear(&d);
}

static void
test_defaults(void **state)
{
	struct diag	 d;
	struct config	*c;

	diag_init(&d);
	c = config_load("tests/data/config/minimal.conf", &d);
	assert_int_equal(d.n, 0);
	assert_non_null(c);
	assert_int_equal(c->nlisten, 1);
	assert_true(c->listen[0].is_unix);
	assert_string_equal(c->listen[0].path, "/run/dindgate.sock");
	assert_int_equal(c->unix_mode, 0660);
	assert_null(c->tls_cert);
	assert_null(c->tls_key);
	assert_null(c->tls_client_ca);
	assert_true(c->upstream.is_unix);
	assert_string_equal(c->upstream.path, "/var/run/docker.sock");
	assert_null(c->up_server_name);
	assert_null(c->up_ca);
	assert_null(c->up_cert);
	assert_null(c->up_key);
	assert_int_equal(c->npolicy, 1);
	assert_string_equal(c->policy[0], "tests/data/config/sandbox.json");
	assert_int_equal(c->min_api_minor, 40);
	assert_int_equal(c->max_connections, 10000);
	assert_int_equal(c->max_header_bytes, 65536);
	assert_int_equal(c->max_url_bytes, 8192);
	assert_int_equal(c->max_headers, 100);
	assert_int_equal(c->max_body_bytes, 1048576);
	assert_int_equal(c->max_drain_bytes, 16777216);
	assert_int_equal(c->max_idle_upstream, 64);
	assert_int_equal(c->t_handshake, 10000);
	assert_int_equal(c->t_request_head, 30000);
	assert_int_equal(c->t_idle, 300000);
	assert_int_equal(c->t_upstream_connect, 10000);
	assert_int_equal(c->t_drain, 5000);
	assert_int_equal(c->t_shutdown, 30000);
	assert_false(c->log_syslog);
	assert_false(c->log_debug);
	config_free(c);

	/* A tcp upstream without server_name is checked against its host. */
	c = config_load("tests/data/config/tcp-upstream.conf", &d);
	assert_int_equal(d.n, 0);
	assert_non_null(c);
	assert_string_equal(c->upstream.host, "fd00::1");
	assert_string_equal(c->up_server_name, "fd00::1");
	assert_string_equal(c->up_ca, "/etc/dindgate/dind/ca.pem");
	config_free(c);
	config_free(NULL);
	diag_clear(&d);
}

/* ------------------------------------------------------------------ */
/* golden diagnostics */

static bool
load_config(char *path, struct diag *d)
{
	struct config	*c;
	bool		 loaded;

	c = config_load(path, d);
	loaded = c != NULL;
	config_free(c);
	return loaded;
}

static void
test_golden(void **state)
{
	const char	*dir = "tests/data/bad-config";
	char		*names[256];
	size_t		 n;

	n = dir_names(dir, "", ".conf", names, 256);
	/* The corpus is not allowed to vanish silently. */
	assert_true(n >= 14);

	failures = 0;
	golden_errors(dir, ".conf", names, n, load_config);
	assert_int_equal(failures, 0);
}

static void
test_missing_file(void **state)
{
	struct diag	 d;
	char		 buf[512];

	diag_init(&d);
	assert_null(config_load("tests/data/config/no-such.conf", &d));
	assert_int_equal(d.n, 1);
	assert_string_equal(diag_format(&d, 0, buf, sizeof(buf)),
	    "tests/data/config/no-such.conf: error: cannot open: No such "
	    "file or directory");
	diag_clear(&d);
}

/* ------------------------------------------------------------------ */
/* one-key variations */

enum cfield {
	CF_NONE,
	CF_UNIX_MODE,
	CF_API,
	CF_MAX_CONN,
	CF_HEADER_BYTES,
	CF_HEADERS,
	CF_DRAIN_BYTES,
	CF_T_HANDSHAKE,
	CF_T_IDLE,
	CF_LISTEN_PORT,
};

struct var_row {
	const char		*frag;		/* one more member */
	const char		*err;		/* "col: message" or NULL */
	enum cfield		 field;
	unsigned long long	 want;
};

/* The base object; frag goes on line 2 at column 3. */
#define VBASE	"{\"listen\": \"unix:///run/d.sock\", \"upstream\": " \
	"{\"address\": \"unix:///var/run/docker.sock\"}, \"policy\": \"p.json\""

static const struct var_row var_rows[] = {
	{ "\"unix_mode\": \"0660\"", NULL, CF_UNIX_MODE, 0660 },
	{ "\"unix_mode\": \"0\"", NULL, CF_UNIX_MODE, 0 },
	{ "\"unix_mode\": \"777\"", NULL, CF_UNIX_MODE, 0777 },
	{ "\"unix_mode\": \"01000\"", "16: unix_mode must be an octal mode "
	    "like \"0660\"", CF_NONE, 0 },
	{ "\"unix_mode\": \"0o660\"", "16: unix_mode must be an octal mode "
	    "like \"0660\"", CF_NONE, 0 },
	{ "\"unix_mode\": \"\"", "16: unix_mode must be an octal mode like "
	    "\"0660\"", CF_NONE, 0 },
	{ "\"unix_mode\": \" 0660\"", "16: unix_mode must be an octal mode "
	    "like \"0660\"", CF_NONE, 0 },
	{ "\"unix_mode\": \"+660\"", "16: unix_mode must be an octal mode "
	    "like \"0660\"", CF_NONE, 0 },
	{ "\"unix_mode\": \"-1\"", "16: unix_mode must be an octal mode "
	    "like \"0660\"", CF_NONE, 0 },

	{ "\"min_api_version\": \"1.24\"", NULL, CF_API, 24 },
	{ "\"min_api_version\": \"1.40\"", NULL, CF_API, 40 },
	{ "\"min_api_version\": \"1.999\"", NULL, CF_API, 999 },
	{ "\"min_api_version\": \"1.23\"", "22: min_api_version below 1.24 "
	    "is not allowed: older API versions apply host settings at "
	    "container start", CF_NONE, 0 },
	{ "\"min_api_version\": \"1.0\"", "22: min_api_version below 1.24 "
	    "is not allowed: older API versions apply host settings at "
	    "container start", CF_NONE, 0 },
	{ "\"min_api_version\": \"1.1000\"", "22: min_api_version must look "
	    "like \"1.40\"", CF_NONE, 0 },
	{ "\"min_api_version\": \"1.\"", "22: min_api_version must look like "
	    "\"1.40\"", CF_NONE, 0 },
	{ "\"min_api_version\": \"1.4x\"", "22: min_api_version must look "
	    "like \"1.40\"", CF_NONE, 0 },
	{ "\"min_api_version\": \"1.40 \"", "22: min_api_version must look "
	    "like \"1.40\"", CF_NONE, 0 },
	{ "\"min_api_version\": \"2.0\"", "22: min_api_version must look "
	    "like \"1.40\"", CF_NONE, 0 },
	{ "\"min_api_version\": \"01.40\"", "22: min_api_version must look "
	    "like \"1.40\"", CF_NONE, 0 },
	{ "\"min_api_version\": \"1.-5\"", "22: min_api_version must look "
	    "like \"1.40\"", CF_NONE, 0 },
	{ "\"min_api_version\": \"\"", "22: min_api_version must look like "
	    "\"1.40\"", CF_NONE, 0 },

	/* limits: both ends of every range */
	{ "\"limits\": {\"max_connections\": 1}", NULL, CF_MAX_CONN, 1 },
	{ "\"limits\": {\"max_connections\": 1000000}", NULL, CF_MAX_CONN,
	    1000000 },
	{ "\"limits\": {\"max_connections\": 1000001}", "33: limits."
	    "max_connections must be between 1 and 1000000", CF_NONE, 0 },
	{ "\"limits\": {\"max_header_bytes\": 1024}", NULL, CF_HEADER_BYTES,
	    1024 },
	{ "\"limits\": {\"max_header_bytes\": 1048576}", NULL,
	    CF_HEADER_BYTES, 1048576 },
	{ "\"limits\": {\"max_header_bytes\": 1048577}", "34: limits."
	    "max_header_bytes must be between 1024 and 1048576", CF_NONE, 0 },
	{ "\"limits\": {\"max_header_bytes\": 1024.0}", "34: limits."
	    "max_header_bytes must be an integer", CF_NONE, 0 },
	{ "\"limits\": {\"max_headers\": 8}", NULL, CF_HEADERS, 8 },
	{ "\"limits\": {\"max_headers\": 7}", "29: limits.max_headers must "
	    "be between 8 and 1000", CF_NONE, 0 },
	{ "\"limits\": {\"max_drain_bytes\": 1073741824}", NULL,
	    CF_DRAIN_BYTES, 1073741824 },
	{ "\"limits\": {\"max_drain_bytes\": 9223372036854775807}", "33: "
	    "limits.max_drain_bytes must be between 0 and 1073741824",
	    CF_NONE, 0 },

	/* timeouts: seconds, fractions allowed, stored in ms */
	{ "\"timeouts\": {\"handshake\": 0.01}", NULL, CF_T_HANDSHAKE, 10 },
	{ "\"timeouts\": {\"handshake\": 3600}", NULL, CF_T_HANDSHAKE,
	    3600000 },
	{ "\"timeouts\": {\"handshake\": 1.5}", NULL, CF_T_HANDSHAKE, 1500 },
	{ "\"timeouts\": {\"handshake\": 0.009}", "29: timeouts.handshake "
	    "must be between 0.01 and 3600", CF_NONE, 0 },
	{ "\"timeouts\": {\"handshake\": 1e2}", NULL, CF_T_HANDSHAKE,
	    100000 },
	{ "\"timeouts\": {\"idle\": 86400}", NULL, CF_T_IDLE, 86400000 },
	{ "\"timeouts\": {\"idle\": 0}", NULL, CF_T_IDLE, 0 },
	{ "\"timeouts\": {\"idle\": null}", "24: timeouts.idle must be a "
	    "number of seconds", CF_NONE, 0 },

	/* ports */
	{ "\"listen\": \"tcp://h:0\", \"tls\": {\"cert\": \"c\", \"key\": "
	    "\"k\", \"client_ca\": \"a\"}", NULL, CF_LISTEN_PORT, 0 },
	{ "\"listen\": \"tcp://h:65535\", \"tls\": {\"cert\": \"c\", \"key\": "
	    "\"k\", \"client_ca\": \"a\"}", NULL, CF_LISTEN_PORT, 65535 },
	{ "\"listen\": \"tcp://h:00080\", \"tls\": {\"cert\": \"c\", \"key\": "
	    "\"k\", \"client_ca\": \"a\"}", NULL, CF_LISTEN_PORT, 80 },
	{ "\"listen\": \"tcp://h:000080\"", "13: listen \"tcp://h:000080\": "
	    "bad port", CF_NONE, 0 },
	{ "\"listen\": \"tcp://h:18446744073709551617\"", "13: listen "
	    "\"tcp://h:18446744073709551617\": bad port", CF_NONE, 0 },
};

static unsigned long long
cfield_get(const struct config *c, enum cfield f)
{
	switch (f) {
	case CF_UNIX_MODE:
		return c->unix_mode;
	case CF_API:
		return c->min_api_minor;
	case CF_MAX_CONN:
		return c->max_connections;
	case CF_HEADER_BYTES:
		return c->max_header_bytes;
	case CF_HEADERS:
		return c->max_headers;
	case CF_DRAIN_BYTES:
		return c->max_drain_bytes;
	case CF_T_HANDSHAKE:
		return c->t_handshake;
	case CF_T_IDLE:
		return c->t_idle;
	case CF_LISTEN_PORT:
		return (unsigned long long)atoi(c->listen[0].port);
	default:
		return 0;
	}
}

static void
test_variations(void **state)
{
	const char		*tmp = getenv("TMPDIR");
	char			 dir[256], path[300], want[512], got[512];
	const struct var_row	*r;
	struct diag		 d;
	struct config		*c;
	FILE			*fp;
	size_t			 i;

	snprintf(dir, sizeof(dir), "%s/t_config.XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/v.conf", dir);
	failures = 0;
	for (i = 0; i < sizeof(var_rows) / sizeof(var_rows[0]); i++) {
		r = &var_rows[i];
		fp = fopen(path, "w");
		assert_non_null(fp);
		/* A later "listen" replaces the base one: no duplicate. */
		if (strncmp(r->frag, "\"listen\"", 8) == 0)
			fprintf(fp, "{\"upstream\": {\"address\": \"unix:///"
			    "var/run/docker.sock\"}, \"policy\": \"p.json\",\n"
			    "  %s\n}\n", r->frag);
		else
			fprintf(fp, "%s,\n  %s\n}\n", VBASE, r->frag);
		fclose(fp);
		diag_init(&d);
		c = config_load(path, &d);
		if (r->err == NULL) {
			expect_int(r->frag, "errors", (long long)d.n, 0);
			if (d.n > 0)
				expect_str(r->frag, "first", d.v[0].msg, "");
			expect_int(r->frag, "loaded", c != NULL, 1);
			if (c != NULL)
				expect_int(r->frag, "value",
				    (long long)cfield_get(c, r->field),
				    (long long)r->want);
		} else {
			expect_int(r->frag, "loaded", c != NULL, 0);
			snprintf(want, sizeof(want), "%s:2:%s\n", path,
			    r->err);
			if (d.n == 1)
				snprintf(got, sizeof(got), "%s:%u:%u: %s\n",
				    d.v[0].file, d.v[0].line, d.v[0].col,
				    d.v[0].msg);
			else
				snprintf(got, sizeof(got), "%zu diagnostics",
				    d.n);
			expect_str(r->frag, "diagnostic", got, want);
		}
		config_free(c);
		diag_clear(&d);
	}

	/* A file named without a directory keeps relative names as they are. */
	if (chdir(dir) == 0) {
		fp = fopen("v.conf", "w");
		assert_non_null(fp);
		fprintf(fp, "%s, \"tls\": {\"cert\": \"c.pem\"}}\n", VBASE);
		fclose(fp);
		diag_init(&d);
		c = config_load("v.conf", &d);
		expect_int("v.conf", "errors", (long long)d.n, 0);
		assert_non_null(c);
		expect_str("v.conf", "policy", c->policy[0], "p.json");
		expect_str("v.conf", "tls.cert", c->tls_cert, "c.pem");
		config_free(c);
		diag_clear(&d);
		assert_int_equal(chdir(getenv("T_CONFIG_TOP")), 0);
	} else
		fail_msg("chdir %s: %s", dir, strerror(errno));
	unlink(path);
	rmdir(dir);
	assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ */
/* config_addr_parse */

#define ABAD(t, e)	{ t, e, 0, NULL, NULL, NULL }

static void
test_addr_parse(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;		/* NULL: parses */
		int		 is_unix;
		const char	*host, *port, *path;
	} rows[] = {
		{ "tcp://0.0.0.0:2376", NULL, 0, "0.0.0.0", "2376", NULL },
		{ "tcp://docker-dind:2376", NULL, 0, "docker-dind", "2376",
		    NULL },
		{ "tcp://[::]:2376", NULL, 0, "::", "2376", NULL },
		{ "tcp://[fe80::1%eth0]:1", NULL, 0, "fe80::1%eth0", "1",
		    NULL },
		{ "unix:///var/run/docker.sock", NULL, 1, NULL, NULL,
		    "/var/run/docker.sock" },
		{ "unix:///", NULL, 1, NULL, NULL, "/" },
		{ "tcp://h:65535", NULL, 0, "h", "65535", NULL },
		ABAD("tcp://h:65536", "bad port"),
		ABAD("tcp://h:99999", "bad port"),
		ABAD("tcp://h:4294967297", "bad port"),
		ABAD("tcp://h:-1", "bad port"),
		ABAD("tcp://h: 1", "bad port"),
		ABAD("tcp://h:1/", "bad port"),
		ABAD("tcp://h:", "bad port"),
		ABAD("tcp://[::1]:", "bad port"),
		ABAD("tcp://[::1]", "bad [ipv6]:port"),
		ABAD("tcp://[::1", "bad [ipv6]:port"),
		ABAD("tcp://h", "tcp:// address needs host:port"),
		ABAD("tcp://:1", "tcp:// address needs host:port"),
		ABAD("tcp://", "tcp:// address needs host:port"),
		ABAD("unix://x.sock", "unix:// address needs an absolute path"),
		ABAD("unix:", "address must start with tcp:// or unix://"),
		ABAD("TCP://h:1", "address must start with tcp:// or unix://"),
		ABAD("https://h:1",
		    "address must start with tcp:// or unix://"),
		ABAD("/var/run/docker.sock",
		    "address must start with tcp:// or unix://"),
		ABAD("", "address must start with tcp:// or unix://"),
	};
	struct config_addr	 a;
	const char		*err;
	size_t			 i;
	int			 rc;

	failures = 0;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err = NULL;
		rc = config_addr_parse(rows[i].text, &a, &err);
		expect_int(rows[i].text, "rc", rc, rows[i].err ? -1 : 0);
		expect_str(rows[i].text, "err", err, rows[i].err);
		if (rc == 0) {
			expect_int(rows[i].text, "is_unix", a.is_unix,
			    rows[i].is_unix);
			expect_str(rows[i].text, "host", a.host, rows[i].host);
			expect_str(rows[i].text, "port", a.port, rows[i].port);
			expect_str(rows[i].text, "path", a.path, rows[i].path);
			expect_str(rows[i].text, "text", a.text, rows[i].text);
		}
		config_addr_clear(&a);
		expect_int(rows[i].text, "cleared", a.text == NULL &&
		    a.host == NULL && a.port == NULL && a.path == NULL, 1);
	}
	assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ */
/* reload */

static void
replace(char **p, const char *s)
{
	free(*p);
	*p = strdup(s);
}

static void
test_reload_check(void **state)
{
	struct diag	 d;
	struct config	*a, *b;
	char		*got;

	diag_init(&d);
	a = config_load("tests/data/config/full.conf", &d);
	b = config_load("tests/data/config/full.conf", &d);
	assert_non_null(a);
	assert_non_null(b);
	config_reload_check(a, b, &d);
	assert_int_equal(d.n, 0);

	/* Reloadable settings change silently. */
	b->max_body_bytes = 1;
	b->t_idle = 1;
	b->log_debug = false;
	b->min_api_minor = 43;
	replace(&b->policy[0], "other.json");
	config_reload_check(a, b, &d);
	assert_int_equal(d.n, 0);

	b->unix_mode = 0666;
	b->max_connections = 1;
	b->log_syslog = false;
	replace(&b->listen[1].text, "tcp://[::1]:2377");
	config_reload_check(a, b, &d);
	got = diag_text(&d);
	assert_string_equal(got,
	    "tests/data/config/full.conf: error: listen addresses cannot "
	    "change on reload; restart dindgate to apply them\n"
	    "tests/data/config/full.conf: error: unix_mode cannot change on "
	    "reload\n"
	    "tests/data/config/full.conf: error: limits.max_connections "
	    "cannot change on reload\n"
	    "tests/data/config/full.conf: error: log.syslog cannot change on "
	    "reload\n");
	free(got);
	diag_clear(&d);

	/* One listener fewer is a change too. */
	config_free(b);
	b = config_load("tests/data/config/full.conf", &d);
	assert_non_null(b);
	b->nlisten = 2;
	config_reload_check(a, b, &d);
	assert_int_equal(d.n, 1);
	b->nlisten = 3;
	config_free(a);
	config_free(b);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_variations),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_reload_check),
	};
	char		 cwd[4096];

	if (enter_top_srcdir("t_config") == -1)
		return 99;
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "t_config: %s: %s\n", top_srcdir(),
		    strerror(errno));
		return 99;
	}
	setenv("T_CONFIG_TOP", cwd, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
