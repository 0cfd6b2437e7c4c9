/*
 * t_policy: unit tests for src/policy.c.
 *
 * Loading: every tests/data/bad-policy/X.json has a golden X.err with
 * the exact diagnostics; sets of files report all their errors.
 * Deciding: the five policies in tests/data/policy/eval-*.json are loaded
 * as one set, in that order, and a table of (peer, method, target,
 * upgrade) rows states the verdict, status, policy, rule and reason.
 * Targets go through route_parse_target and route_match first, as in the
 * daemon, so the table also pins what the route table means to a policy.
 *
 * Runs from $top_srcdir (default ".") so file names are stable.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "diag.h"
#include "facts.h"
#include "policy.h"
#include "route.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* loading */

static void
test_golden(void **state)
{
	const char	*dir = "tests/data/bad-policy";
	char		*names[256];
	size_t		 n;

	n = dir_names(dir, "", ".json", names, 256);
	assert_true(n >= 9);

	failures = 0;
	golden_errors(dir, ".json", names, n, golden_load_policy);
	assert_int_equal(failures, 0);
}

/* Several files: every file's errors, then the cross-file ones. */
static void
test_sets(void **state)
{
	char			*good[] = {
		"tests/data/policy/eval-cn.json",
		"tests/data/policy/eval-san.json",
		"tests/data/policy/eval-sha.json",
		"tests/data/policy/eval-uid.json",
		"tests/data/policy/eval-any.json",
		"policy/sandbox.json",
	};
	char			*bad[] = {
		"tests/data/bad-policy/missing.json",
		"tests/data/policy/eval-any.json",
		"tests/data/bad-policy/empty-clients.json",
		"tests/data/policy/no-such.json",
		"tests/data/policy/eval-any.json",
	};
	struct diag		 d;
	struct policyset	*ps;
	char			*got;

	diag_init(&d);
	ps = policyset_load(good, 6, 40, &d);
	got = diag_text(&d);
	assert_string_equal(got, "");
	free(got);
	assert_non_null(ps);
	policyset_free(ps);
	policyset_free(NULL);

	ps = policyset_load(bad, 5, 40, &d);
	assert_null(ps);
	got = diag_text(&d);
	assert_string_equal(got,
	    "tests/data/bad-policy/missing.json:2:1: error: \"name\" is "
	    "required\n"
	    "tests/data/bad-policy/missing.json:2:1: error: \"clients\" is "
	    "required: say whom this policy is for\n"
	    "tests/data/bad-policy/missing.json:2:1: error: \"routes\" is "
	    "required\n"
	    "tests/data/bad-policy/empty-clients.json:4:14: error: clients "
	    "matches nobody: give \"any\": true, or cn, san, sha256 or "
	    "unix_uid lists\n"
	    "tests/data/policy/no-such.json: error: cannot open: No such file "
	    "or directory\n"
	    "tests/data/policy/eval-any.json: error: policy name \"any\" also "
	    "used by tests/data/policy/eval-any.json\n");
	free(got);
	diag_clear(&d);

	/* No files: a set that applies to nobody. */
	ps = policyset_load(NULL, 0, 40, &d);
	assert_non_null(ps);
	assert_int_equal(d.n, 0);
	policyset_free(ps);
}

/* ------------------------------------------------------------------ */
/* deciding */

enum peer_no {
	P_CN1,		/* worker-1 */
	P_CN2,		/* worker-2 */
	P_CASE,		/* Worker-1: CNs compare exactly */
	P_SAN,		/* second SAN matches */
	P_IP,		/* IP SAN */
	P_SHA,		/* pinned fingerprint */
	P_OTHER,	/* verified, named by no list: the "any" policy */
	P_NOCERT,	/* says worker-1 but the handshake verified nothing */
	P_NOCN,		/* nothing at all */
	P_UID0,
	P_UID1000,
	P_UID5,		/* a unix peer nobody listed */
	P_UNIXCN,	/* a unix peer never matches by certificate */
	P_NPEERS
};

static char	*san_ci[] = { "DNS:other.example.org", "DNS:ci.example.org" };
static char	*san_ip[] = { "IP:10.0.0.7" };
static char	*san_cn[] = { "DNS:worker-1" };

#define CERT(c, s, n, f)	{ .cn = (c), .san = (s), .nsan = (n), \
	.fp = f, .has_cert = true, .uid = -1 }
#define UNIX(u)			{ .is_unix = true, .uid = (u) }

#define FP_SHA	"0a1b2c3d4e5f60718293a4b5c6d7e8f9" \
	"0a1b2c3d4e5f60718293a4b5c6d7e8f9"

static const struct peer_id peers[P_NPEERS] = {
	[P_CN1] = CERT("worker-1", NULL, 0, ""),
	[P_CN2] = CERT("worker-2", NULL, 0, ""),
	[P_CASE] = CERT("Worker-1", NULL, 0, ""),
	[P_SAN] = CERT("ci", san_ci, 2, ""),
	[P_IP] = CERT(NULL, san_ip, 1, ""),
	[P_SHA] = CERT("pinned", san_cn, 1, FP_SHA),
	[P_OTHER] = CERT("stranger", NULL, 0, ""),
	[P_NOCERT] = { .cn = "worker-1", .uid = -1 },
	[P_NOCN] = { .uid = -1 },
	[P_UID0] = UNIX(0),
	[P_UID1000] = UNIX(1000),
	[P_UID5] = UNIX(5),
	[P_UNIXCN] = { .cn = "worker-1", .has_cert = true, .is_unix = true,
	    .uid = 5 },
};

struct eval_row {
	enum peer_no	 peer;
	unsigned	 method;
	const char	*target;
	bool		 upgrade;
	enum decision_verdict verdict;
	unsigned	 status;
	const char	*policy;	/* NULL: none applied */
	const char	*rule;
	const char	*reason;	/* the reason starts with this */
};

#define ALLOW	DECISION_ALLOW
#define DENY	DECISION_DENY

static const struct eval_row eval_rows[] = {
	/* allowed: the rule names file:line and the route */
	{ P_CN1, HTTP_GET, "/v1.41/containers/json", false, ALLOW, 0, "cn",
	    "eval-cn.json:10 GET /containers/json",
	    "GET /containers/json is allowed" },
	{ P_CN2, HTTP_GET, "/v1.41/containers/abc/json", false, ALLOW, 0,
	    "cn", "eval-cn.json:11 GET /containers/{id}/json",
	    "GET /containers/{id}/json is allowed" },
	{ P_CN1, HTTP_GET, "/v1.41/containers/json?all=1", false, ALLOW, 0,
	    "cn", "eval-cn.json:10 GET /containers/json",
	    "GET /containers/json is allowed" },
	{ P_CN1, HTTP_DELETE, "/v1.41/containers/abc", false, ALLOW, 0, "cn",
	    "eval-cn.json:14 DELETE /containers/{id}",
	    "DELETE /containers/{id} is allowed" },
	{ P_CN1, HTTP_GET, "/v1.41/networks/", false, ALLOW, 0, "cn",
	    "eval-cn.json:15 GET /networks/", "GET /networks/ is allowed" },
	{ P_CN1, HTTP_GET, "/v1.40/containers/json", false, ALLOW, 0, "cn",
	    "eval-cn.json:10 GET /containers/json",
	    "GET /containers/json is allowed" },

	/* only /_ping and /version may go without a version */
	{ P_CN1, HTTP_GET, "/_ping", false, ALLOW, 0, "cn",
	    "eval-cn.json:7 GET /_ping", "GET /_ping is allowed" },
	{ P_CN1, HTTP_HEAD, "/_ping", false, ALLOW, 0, "cn",
	    "eval-cn.json:8 HEAD /_ping", "HEAD /_ping is allowed" },
	{ P_CN1, HTTP_GET, "/version", false, ALLOW, 0, "cn",
	    "eval-cn.json:9 GET /version", "GET /version is allowed" },
	{ P_CN1, HTTP_GET, "/containers/json", false, DENY, 400, "cn",
	    "api-version",
	    "unversioned API path /containers/json: use /v1.N/" },
	{ P_CN1, HTTP_DELETE, "/containers/abc", false, DENY, 400, "cn",
	    "api-version", "unversioned API path /containers/{id}: use "
	    "/v1.N/" },
	{ P_CN1, HTTP_GET, "/networks/", false, DENY, 400, "cn",
	    "api-version", "unversioned API path /networks/: use /v1.N/" },
	/* below the minimum, even for /_ping */
	{ P_CN1, HTTP_GET, "/v1.39/containers/json", false, DENY, 400, "cn",
	    "api-version", "API version 1.39 is below the minimum 1.40" },
	{ P_CN1, HTTP_GET, "/v1.0/_ping", false, DENY, 400, "cn",
	    "api-version", "API version 1.0 is below the minimum 1.40" },

	/* what the policy does not list */
	{ P_CN1, HTTP_GET, "/v1.41/info", false, DENY, 403, "cn",
	    "default-deny", "GET /info is not allowed" },
	{ P_CN1, HTTP_POST, "/v1.41/containers/abc/start", false, DENY, 403,
	    "cn", "default-deny",
	    "POST /containers/{id}/start is not allowed" },
	/* dockerd reads this as a checkpoint delete: so must we */
	{ P_CN1, HTTP_DELETE, "/v1.41/containers/abc/checkpoints/c1", false,
	    DENY, 403, "cn", "default-deny", "DELETE /containers/{id}/"
	    "checkpoints/{checkpoint} is not allowed" },
	{ P_CN1, HTTP_OPTIONS, "/v1.41/containers/json", false, DENY, 403,
	    "cn", "default-deny", "OPTIONS /{path} is not allowed" },
	{ P_CN1, HTTP_GET, "/v1.41/nope", false, DENY, 403, "cn",
	    "unknown-route", "GET /nope is not a known Docker API route" },
	{ P_CN1, HTTP_POST, "/v1.41/containers/json", false, DENY, 403, "cn",
	    "unknown-route", "POST /containers/json is not a known Docker "
	    "API route" },
	{ P_CN1, HTTP_GET, "/nope", true, DENY, 403, "cn", "unknown-route",
	    "GET /nope is not a known Docker API route" },

	/* upgrades: only on the hijack routes */
	{ P_CN1, HTTP_POST, "/v1.41/containers/abc/attach?stream=1", true,
	    ALLOW, 0, "cn", "eval-cn.json:12 POST /containers/{id}/attach",
	    "POST /containers/{id}/attach is allowed" },
	{ P_CN1, HTTP_POST, "/v1.41/exec/abc/start", true, ALLOW, 0, "cn",
	    "eval-cn.json:13 POST /exec/{id}/start",
	    "POST /exec/{id}/start is allowed" },
	{ P_CN1, HTTP_GET, "/v1.41/containers/abc/json", true, DENY, 403,
	    "cn", "upgrade", "connection upgrade is not allowed on GET "
	    "/containers/{id}/json" },
	{ P_CN1, HTTP_GET, "/_ping", true, DENY, 403, "cn", "upgrade",
	    "connection upgrade is not allowed on GET /_ping" },
	/* the version is checked before the upgrade */
	{ P_CN1, HTTP_GET, "/v1.39/containers/abc/json", true, DENY, 400,
	    "cn", "api-version", "API version 1.39 is below the minimum "
	    "1.40" },

	/* choosing the policy: first match in file order */
	{ P_CASE, HTTP_GET, "/v1.41/containers/json", false, DENY, 403, "any",
	    "default-deny", "GET /containers/json is not allowed" },
	{ P_CASE, HTTP_GET, "/_ping", false, ALLOW, 0, "any",
	    "eval-any.json:5 GET /_ping", "GET /_ping is allowed" },
	{ P_SAN, HTTP_GET, "/v1.41/info", false, ALLOW, 0, "san",
	    "eval-san.json:5 GET /info", "GET /info is allowed" },
	{ P_IP, HTTP_GET, "/v1.41/info", false, ALLOW, 0, "san",
	    "eval-san.json:5 GET /info", "GET /info is allowed" },
	{ P_SAN, HTTP_GET, "/v1.41/containers/json", false, DENY, 403, "san",
	    "default-deny", "GET /containers/json is not allowed" },
	{ P_SHA, HTTP_GET, "/v1.41/images/json", false, ALLOW, 0, "sha",
	    "eval-sha.json:8 GET /images/json", "GET /images/json is "
	    "allowed" },
	{ P_OTHER, HTTP_GET, "/_ping", false, ALLOW, 0, "any",
	    "eval-any.json:5 GET /_ping", "GET /_ping is allowed" },
	{ P_OTHER, HTTP_GET, "/v1.41/info", false, DENY, 403, "any",
	    "default-deny", "GET /info is not allowed" },
	{ P_UID0, HTTP_GET, "/version", false, ALLOW, 0, "uid",
	    "eval-uid.json:5 GET /version", "GET /version is allowed" },
	{ P_UID1000, HTTP_GET, "/_ping", false, ALLOW, 0, "uid",
	    "eval-uid.json:5 GET /_ping", "GET /_ping is allowed" },
	{ P_UID1000, HTTP_GET, "/v1.41/containers/json", false, DENY, 403,
	    "uid", "default-deny", "GET /containers/json is not allowed" },

	/* nobody's policy: refused before anything else is looked at */
	{ P_NOCERT, HTTP_GET, "/_ping", false, DENY, 403, NULL, "no-policy",
	    "no policy applies to client CN=worker-1" },
	{ P_NOCN, HTTP_GET, "/v1.41/nope", true, DENY, 403, NULL,
	    "no-policy", "no policy applies to client CN=(none)" },
	{ P_UID5, HTTP_GET, "/_ping", false, DENY, 403, NULL, "no-policy",
	    "no policy applies to client unix uid 5" },
	{ P_UNIXCN, HTTP_GET, "/_ping", false, DENY, 403, NULL, "no-policy",
	    "no policy applies to client unix uid 5" },
};

static struct policyset *
eval_set(struct diag *d)
{
	char	*files[] = {
		"tests/data/policy/eval-cn.json",
		"tests/data/policy/eval-san.json",
		"tests/data/policy/eval-sha.json",
		"tests/data/policy/eval-uid.json",
		"tests/data/policy/eval-any.json",
	};

	return policyset_load(files, 5, 40, d);
}

/* Build facts the way the daemon does, then decide. */
static void
eval_row(const struct policyset *ps, const struct eval_row *r)
{
	struct route_target	 t;
	struct facts		 f;
	struct decision		 dec;
	enum decision_verdict	 v;
	const char		*err = NULL;
	char			 buf[512], name[600];

	snprintf(name, sizeof(name), "peer %d %s %s%s", r->peer,
	    http_method_str(r->method), r->target,
	    r->upgrade ? " +upgrade" : "");
	memset(&f, 0, sizeof(f));
	memset(&dec, 0, sizeof(dec));
	if (route_parse_target(r->target, strlen(r->target), buf, &t,
	    &err) == -1) {
		expect_str(name, "target", err, NULL);
		return;
	}
	f.peer = &peers[r->peer];
	f.method = r->method;
	f.method_name = http_method_str(r->method);
	f.target = &t;
	f.route = route_match(r->method, t.path, t.plen, &f.obj, &f.objlen);
	f.upgrade = r->upgrade;
	v = policy_eval(ps, &f, &dec);
	expect_int(name, "returned verdict", v, r->verdict);
	expect_int(name, "verdict", dec.verdict, r->verdict);
	expect_int(name, "status", dec.status, r->status);
	expect_str(name, "policy", dec.policy, r->policy);
	expect_str(name, "rule", dec.rule, r->rule);
	if (strncmp(dec.reason, r->reason, strlen(r->reason)) != 0)
		expect_str(name, "reason", dec.reason, r->reason);
	/* An allow explains itself completely. */
	if (r->verdict == ALLOW)
		expect_str(name, "reason", dec.reason, r->reason);
}

static void
test_eval(void **state)
{
	struct diag		 d;
	struct policyset	*ps;
	size_t			 i;

	diag_init(&d);
	ps = eval_set(&d);
	assert_int_equal(d.n, 0);
	assert_non_null(ps);
	failures = 0;
	for (i = 0; i < sizeof(eval_rows) / sizeof(eval_rows[0]); i++)
		eval_row(ps, &eval_rows[i]);
	policyset_free(ps);
	assert_int_equal(failures, 0);
}

/* The minimum version comes from the configuration. */
static void
test_min_version(void **state)
{
	static const struct {
		unsigned	 min;
		const char	*target;
		enum decision_verdict verdict;
	} rows[] = {
		{ 24, "/v1.24/containers/json", ALLOW },
		{ 24, "/v1.23/containers/json", DENY },
		{ 44, "/v1.43/containers/json", DENY },
		{ 44, "/v1.44/containers/json", ALLOW },
		{ 44, "/v1.99999/containers/json", ALLOW },
		{ 44, "/_ping", ALLOW },
	};
	char			*files[] = { "tests/data/policy/eval-cn.json" };
	struct diag		 d;
	struct policyset	*ps;
	struct route_target	 t;
	struct facts		 f;
	struct decision		 dec;
	const char		*err;
	char			 buf[128];
	size_t			 i;

	diag_init(&d);
	failures = 0;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ps = policyset_load(files, 1, rows[i].min, &d);
		assert_non_null(ps);
		assert_int_equal(route_parse_target(rows[i].target,
		    strlen(rows[i].target), buf, &t, &err), 0);
		memset(&f, 0, sizeof(f));
		memset(&dec, 0, sizeof(dec));
		f.peer = &peers[P_CN1];
		f.method = HTTP_GET;
		f.method_name = "GET";
		f.target = &t;
		f.route = route_match(HTTP_GET, t.path, t.plen, NULL, NULL);
		expect_int(rows[i].target, "verdict", policy_eval(ps, &f,
		    &dec), rows[i].verdict);
		policyset_free(ps);
	}
	assert_int_equal(failures, 0);
}

/* No set at all, or an empty one: nobody gets anything. */
static void
test_no_set(void **state)
{
	struct facts		 f;
	struct decision		 dec;
	struct route_target	 t;
	struct policyset	*ps;
	struct diag		 d;
	const char		*err;
	char			 buf[64];

	assert_int_equal(route_parse_target("/_ping", 6, buf, &t, &err), 0);
	memset(&f, 0, sizeof(f));
	f.peer = &peers[P_CN1];
	f.method = HTTP_GET;
	f.method_name = "GET";
	f.target = &t;
	f.route = route_match(HTTP_GET, t.path, t.plen, NULL, NULL);
	assert_non_null(f.route);
	memset(&dec, 0, sizeof(dec));
	assert_int_equal(policy_eval(NULL, &f, &dec), DECISION_DENY);
	assert_string_equal(dec.rule, "no-policy");
	assert_int_equal(dec.status, 403);
	assert_null(dec.policy);
	diag_init(&d);
	ps = policyset_load(NULL, 0, 40, &d);
	assert_non_null(ps);
	memset(&dec, 0, sizeof(dec));
	assert_int_equal(policy_eval(ps, &f, &dec), DECISION_DENY);
	assert_string_equal(dec.rule, "no-policy");
	assert_string_equal(dec.reason,
	    "no policy applies to client CN=worker-1");
	policyset_free(ps);

	assert_string_equal(policy_verdict_name(DECISION_ALLOW), "allow");
	assert_string_equal(policy_verdict_name(DECISION_DENY), "deny");
	assert_string_equal(policy_verdict_name(DECISION_NVERDICTS), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_min_version),
		cmocka_unit_test(test_no_set),
	};

	if (enter_top_srcdir("t_policy") == -1)
		return 99;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
