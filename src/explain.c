/*
 * explain: decide one request from the command line.  See explain.h.
 *
 *   dindgate explain [-c CONF | -p POLICY...] [-m METHOD] [-b BODYFILE]
 *       [--cn CN] [--san SAN] [--sha256 FP] [--uid UID]
 *       [--content-type TYPE] PATH
 *
 * Exit status: 0 allowed (or log-only), 1 refused, 2 usage or load error.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "config.h"
#include "explain.h"
#include "policy.h"
#include "route.h"

static void
explain_usage(void)
{
	fprintf(stderr, "usage: dindgate explain [-c CONF | -p POLICY ...] "
	    "[-m METHOD] [-b BODYFILE]\n"
	    "           [--cn CN] [--san SAN] [--sha256 FP] [--uid UID] "
	    "[--content-type TYPE] PATH\n");
}

static unsigned
explain_method(const char *m)
{
	static const unsigned ms[] = { HTTP_GET, HTTP_HEAD, HTTP_POST,
	    HTTP_PUT, HTTP_DELETE, HTTP_OPTIONS };
	size_t	i;

	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		if (strcmp(http_method_str(ms[i]), m) == 0)
			return ms[i];
	return (unsigned)-1;
}

static char *
explain_read(const char *path, size_t *len)
{
	FILE	*fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	*buf = NULL, *nb;
	size_t	 cap = 0, n;

	*len = 0;
	if (fp == NULL)
		return NULL;
	for (;;) {
		if (*len + 65536 > cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				break;
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, fp);
		*len += n;
		if (n == 0)
			break;
	}
	if (fp != stdin)
		fclose(fp);
	return buf;
}

/* Load the policies of the config (or the ones named with -p). */
static struct policyset *
explain_load(const char *conf, char **pols, size_t npols)
{
	struct config		*c = NULL;
	struct policyset	*ps;
	struct diag		 d;

	diag_init(&d);
	if (npols == 0) {
		if ((c = config_load(conf, &d)) == NULL) {
			diag_print(&d, stderr);
			diag_clear(&d);
			return NULL;
		}
		ps = policyset_load(c->policy, c->npolicy, c->min_api_minor,
		    &d);
	} else
		ps = policyset_load(pols, npols, 40, &d);
	if (ps == NULL)
		diag_print(&d, stderr);
	diag_clear(&d);
	config_free(c);
	return ps;
}

int
explain_main(int argc, char *argv[], const char *default_conf)
{
	static const struct option longopts[] = {
		{ "cn", required_argument, NULL, 'C' },
		{ "san", required_argument, NULL, 'S' },
		{ "sha256", required_argument, NULL, 'F' },
		{ "uid", required_argument, NULL, 'U' },
		{ "content-type", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*conf = default_conf, *method = "GET";
	const char		*bodyfile = NULL, *err;
	char			*pols[16], *san[1], *body = NULL, *pathbuf;
	size_t			 npols = 0, bodylen = 0;
	struct peer_id		 peer;
	struct facts		 f;
	struct route_target	 t;
	struct decision		 d;
	struct policyset	*ps;
	int			 ch, rc;

	memset(&peer, 0, sizeof(peer));
	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	peer.has_cert = true;
	peer.uid = -1;
	snprintf(peer.addr, sizeof(peer.addr), "explain");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:p:m:b:", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'p':
			if (npols < 16)
				pols[npols++] = optarg;
			break;
		case 'm': method = optarg; break;
		case 'b': bodyfile = optarg; break;
		case 'C': peer.cn = optarg; break;
		case 'S':
			san[0] = optarg;
			peer.san = san;
			peer.nsan = 1;
			break;
		case 'F': snprintf(peer.fp, sizeof(peer.fp), "%s", optarg);
			break;
		case 'U':
			peer.is_unix = true;
			peer.has_cert = false;
			peer.uid = strtol(optarg, NULL, 10);
			break;
		case 'T':
			f.content_type = optarg;
			f.ctlen = strlen(optarg);
			break;
		default:
			explain_usage();
			return 2;
		}
	}
	if (optind + 1 != argc) {
		explain_usage();
		return 2;
	}
	if ((f.method = explain_method(method)) == (unsigned)-1) {
		fprintf(stderr, "explain: unknown method %s\n", method);
		return 2;
	}
	if ((pathbuf = malloc(strlen(argv[optind]) + 1)) == NULL)
		return 2;
	if (route_parse_target(argv[optind], strlen(argv[optind]), pathbuf,
	    &t, &err) == -1) {
		printf("decision: deny\nstatus: 400\nrule: malformed\n"
		    "reason: %s\n", err);
		free(pathbuf);
		return 1;
	}
	if (bodyfile && (body = explain_read(bodyfile, &bodylen)) == NULL) {
		fprintf(stderr, "explain: cannot read %s: %s\n", bodyfile,
		    strerror(errno));
		free(pathbuf);
		return 2;
	}
	if ((ps = explain_load(conf, pols, npols)) == NULL) {
		free(body);
		free(pathbuf);
		return 2;
	}
	if (body && f.content_type == NULL) {
		f.content_type = "application/json";
		f.ctlen = 16;
	}
	f.peer = &peer;
	f.method_name = http_method_str(f.method);
	f.target = &t;
	f.route = route_match(f.method, t.path, t.plen, &f.obj, &f.objlen);
	f.has_body = body != NULL;
	f.body = body ? body : NULL;
	f.bodylen = bodylen;
	policy_eval(ps, &f, &d);
	printf("decision: %s\n", policy_verdict_name(d.verdict));
	if (d.verdict == DECISION_DENY || d.verdict == DECISION_LOG_ONLY)
		printf("status: %u\n", d.status);
	printf("policy: %s\nroute: %s\nrule: %s\nreason: %s\n",
	    d.policy ? d.policy : "-",
	    f.route ? f.route->tmpl : "-", d.rule, d.reason);
	if (d.changes[0])
		printf("changes: %s\n", d.changes);
	if (d.facts[0])
		printf("facts: %s\n", d.facts);
	if (d.query)
		printf("forwarded query: %.*s\n", (int)d.querylen, d.query);
	if (d.body)
		printf("forwarded body: %.*s\n", (int)d.bodylen, d.body);
	rc = d.verdict == DECISION_DENY ? 1 : 0;
	decision_clear(&d);
	policyset_free(ps);
	free(body);
	free(pathbuf);
	return rc;
}
