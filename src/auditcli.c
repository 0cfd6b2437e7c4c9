/*
 * auditcli: filter, summarise and verify audit files.  See auditcli.h.
 *
 * Reads plain and gzip-compressed (rotated) files; gzip is read through
 * gzip -dc, so no compression library is linked into the daemon.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "auditcli.h"
#include "jsondoc.h"

#define HASH_SUFFIX_LEN	75	/* ,"hash":"<64 hex>"} */

/* Filters from the command line; NULL or empty: no filter. */
struct afilter {
	char		 since[32];
	char		 until[32];
	const char	*client;
	const char	*decision;
	const char	*route;
	const char	*rule;
	const char	*id;
	int		 json;
	int		 follow;
};

/* An open input: a file, or a pipe from gzip. */
struct ainput {
	FILE	*fp;
	pid_t	 pid;
};

static int
ainput_open(struct ainput *in, const char *path)
{
	size_t	len = strlen(path);
	int	fds[2];

	in->pid = -1;
	if (len > 3 && strcmp(path + len - 3, ".gz") == 0) {
		if (pipe(fds) == -1)
			return -1;
		if ((in->pid = fork()) == -1)
			return -1;
		if (in->pid == 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			close(fds[1]);
			execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		in->fp = fdopen(fds[0], "r");
	} else
		in->fp = fopen(path, "r");
	return in->fp ? 0 : -1;
}

static void
ainput_close(struct ainput *in)
{
	int	st;

	if (in->fp)
		fclose(in->fp);
	if (in->pid > 0)
		waitpid(in->pid, &st, 0);
}

static const char *
jstr(const struct jnode *o, const char *k)
{
	const struct jnode	*n = jsondoc_get(o, k);

	return n && n->type == JT_STRING ? n->v.s : NULL;
}

static long long
jint(const struct jnode *o, const char *k)
{
	const struct jnode	*n = jsondoc_get(o, k);

	return n && n->type == JT_INT ? n->v.i : 0;
}

/* "2h", "30m", "1d", "45s" ago, or an ISO time prefix. */
static int
atime_arg(const char *s, char out[32])
{
	char		*end;
	long		 v = strtol(s, &end, 10);
	time_t		 t;
	struct tm	 tm;

	if (end != s && end[0] && end[1] == '\0' && strchr("smhd", end[0])) {
		t = time(NULL) - v * (end[0] == 's' ? 1 : end[0] == 'm' ? 60 :
		    end[0] == 'h' ? 3600 : 86400);
		gmtime_r(&t, &tm);
		strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
		return 0;
	}
	if (strlen(s) < 4 || strlen(s) > 30)
		return -1;
	snprintf(out, 32, "%s", s);
	return 0;
}

static int
amatch_client(const struct jnode *rec, const char *want)
{
	const struct jnode	*c = jsondoc_get(rec, "client"), *san, *e;
	const char		*v;

	if (c == NULL)
		return 0;
	if ((v = jstr(c, "cn")) && strcmp(v, want) == 0)
		return 1;
	if ((v = jstr(c, "sha256")) && strncmp(v, want, strlen(want)) == 0)
		return 1;
	if ((san = jsondoc_get(c, "san")) != NULL)
		for (e = san->child; e; e = e->next)
			if (e->type == JT_STRING && strcmp(e->v.s, want) == 0)
				return 1;
	return 0;
}

static int
amatch(const struct jnode *rec, const struct afilter *f)
{
	const char	*t = jstr(rec, "time"), *v;

	if (t == NULL || strcmp(jstr(rec, "kind") ? jstr(rec, "kind") : "",
	    "chain-start") == 0)
		return 0;
	if (f->since[0] && strcmp(t, f->since) < 0)
		return 0;
	if (f->until[0] && strncmp(t, f->until, strlen(f->until)) > 0)
		return 0;
	if (f->client && !amatch_client(rec, f->client))
		return 0;
	if (f->decision && ((v = jstr(rec, "decision")) == NULL ||
	    strcmp(v, f->decision) != 0))
		return 0;
	if (f->route && ((v = jstr(rec, "route")) == NULL ||
	    strstr(v, f->route) == NULL))
		return 0;
	if (f->rule && ((v = jstr(rec, "rule")) == NULL ||
	    strstr(v, f->rule) == NULL))
		return 0;
	if (f->id && ((v = jstr(rec, "object")) == NULL ||
	    strncmp(v, f->id, strlen(f->id)) != 0))
		return 0;
	return 1;
}

static void
aprint_row(const struct jnode *rec)
{
	const struct jnode	*c = jsondoc_get(rec, "client");
	const char		*who = c ? jstr(c, "cn") : NULL;
	const char		*d = jstr(rec, "decision");
	const char		*why = jstr(rec, "rule");

	printf("%-27s %-13s %-12s %-6s %-44.44s %3lld %s%s%s\n",
	    jstr(rec, "time"), d ? d : jstr(rec, "kind"), who ? who : "-",
	    jstr(rec, "method") ? jstr(rec, "method") : "-",
	    jstr(rec, "path") ? jstr(rec, "path") : "-", jint(rec, "status"),
	    why ? why : "", d && strcmp(d, "allow") != 0 && jstr(rec,
	    "reason") ? ": " : "", d && strcmp(d, "allow") != 0 &&
	    jstr(rec, "reason") ? jstr(rec, "reason") : "");
}

/* Counting table for summaries. */
struct acount {
	char		*key;
	unsigned long	 n;
};
struct atable {
	struct acount	*v;
	size_t		 n, cap;
};

static void
atable_add(struct atable *t, const char *key)
{
	size_t		 i;
	struct acount	*nv;

	if (key == NULL)
		key = "-";
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0) {
			t->v[i].n++;
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		if ((nv = realloc(t->v, t->cap * sizeof(*nv))) == NULL)
			return;
		t->v = nv;
	}
	t->v[t->n].key = strdup(key);
	t->v[t->n++].n = 1;
}

static int
acount_cmp(const void *a, const void *b)
{
	const struct acount	*x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static void
atable_print(struct atable *t, const char *title, size_t max)
{
	size_t	i;

	if (t->n > 0)
		qsort(t->v, t->n, sizeof(*t->v), acount_cmp);
	printf("%s\n", title);
	for (i = 0; i < t->n && i < max; i++)
		printf("  %8lu  %s\n", t->v[i].n, t->v[i].key);
	if (t->n == 0)
		printf("  (none)\n");
	printf("\n");
	for (i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
}

/* Verify one line against the chain; returns 0 or prints and returns -1. */
static int
averify_line(const char *file, unsigned long lineno, char *line, size_t len,
    char prev[65], int *started)
{
	char		 hex[65], err[128];
	struct jnode	*rec;
	const char	*h, *p, *kind;
	int		 rc = -1;

	if (len < HASH_SUFFIX_LEN + 2 || strncmp(line + len -
	    HASH_SUFFIX_LEN, ",\"hash\":\"", 9) != 0) {
		printf("%s:%lu: not an audit record (no hash)\n", file, lineno);
		return -1;
	}
	if ((rec = jsondoc_parse_body(line, len, err, sizeof(err))) == NULL) {
		printf("%s:%lu: not valid JSON: %s\n", file, lineno, err);
		return -1;
	}
	h = jstr(rec, "hash");
	p = jstr(rec, "prev");
	kind = jstr(rec, "kind");
	audit_sha256(line, len - HASH_SUFFIX_LEN, hex);
	if (h == NULL || strcmp(h, hex) != 0)
		printf("%s:%lu: hash mismatch: the record was changed\n", file,
		    lineno);
	else if (kind && strcmp(kind, "chain-start") == 0) {
		/* A new chain names the last hash before it, if it knew one. */
		if (prev[0] && p && strcmp(p, prev) != 0 && strspn(p, "0") != 64)
			printf("%s:%lu: broken link: records before this "
			    "chain-start are missing\n", file, lineno);
		else {
			*started = 1;
			rc = 0;
		}
	} else if (!*started)
		printf("%s:%lu: the chain does not begin with a chain-start "
		    "record: records are missing before this one\n", file,
		    lineno);
	else if (p == NULL || strcmp(p, prev) != 0)
		printf("%s:%lu: broken link: the previous record is missing "
		    "or was changed\n", file, lineno);
	else
		rc = 0;
	if (h)
		snprintf(prev, 65, "%s", h);
	jsondoc_free(rec);
	return rc;
}

static int
averify(int argc, char *argv[])
{
	struct ainput	 in;
	char		*line = NULL, prev[65];
	size_t		 cap = 0;
	ssize_t		 n;
	unsigned long	 lineno, total = 0;
	int		 i, bad = 0, started;

	prev[0] = '\0';
	if (argc < 2) {
		fprintf(stderr, "usage: dindgate audit verify FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (ainput_open(&in, argv[i]) == -1) {
			printf("%s: cannot open: %s\n", argv[i],
			    strerror(errno));
			bad = 1;
			continue;
		}
		/* Files in the order given: a chain may continue into the next. */
		lineno = 0;
		started = 0;
		while (!bad && (n = getline(&line, &cap, in.fp)) > 0) {
			lineno++;
			if (line[n - 1] == '\n')
				line[--n] = '\0';
			if (averify_line(argv[i], lineno, line, (size_t)n,
			    prev, &started) == -1)
				bad = 1;
		}
		total += lineno;
		ainput_close(&in);
		if (bad)
			break;
	}
	free(line);
	if (!bad)
		printf("%lu records verified: chain intact\n", total);
	return bad ? 1 : 0;
}

static void
aprocess(const char *line, size_t len, const struct afilter *f,
    struct atable *tabs)
{
	struct jnode	*rec;
	char		 err[128];
	const char	*d;
	const struct jnode *c;

	if ((rec = jsondoc_parse_body(line, len, err, sizeof(err))) == NULL)
		return;
	if (amatch(rec, f)) {
		if (tabs != NULL) {
			/* One decision per request: end records add none. */
			if (jstr(rec, "kind") == NULL ||
			    strcmp(jstr(rec, "kind"), "request") != 0) {
				jsondoc_free(rec);
				return;
			}
			d = jstr(rec, "decision");
			c = jsondoc_get(rec, "client");
			atable_add(&tabs[0], d);
			atable_add(&tabs[1], jstr(rec, "rule"));
			atable_add(&tabs[2], c ? jstr(c, "cn") : NULL);
			atable_add(&tabs[3], jstr(rec, "route"));
			if (d && strcmp(d, "allow") != 0)
				atable_add(&tabs[4], jstr(rec, "reason"));
		} else if (f->json)
			printf("%.*s\n", (int)len, line);
		else
			aprint_row(rec);
	}
	jsondoc_free(rec);
}

/* --follow: keep reading the last file; reopen it when rotated. */
static void
afollow(const char *path, FILE *fp, const struct afilter *f)
{
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	struct stat	 a, b;

	fstat(fileno(fp), &a);
	for (;;) {
		while ((n = getline(&line, &cap, fp)) > 0) {
			if (line[n - 1] != '\n') {
				/* A record still being written: wait for it. */
				fseek(fp, -n, SEEK_CUR);
				break;
			}
			line[--n] = '\0';
			aprocess(line, (size_t)n, f, NULL);
		}
		fflush(stdout);
		clearerr(fp);
		usleep(250000);
		if (stat(path, &b) == 0 && (b.st_ino != a.st_ino ||
		    b.st_size < ftell(fp))) {
			FILE *nfp = fopen(path, "r");

			if (nfp) {
				fclose(fp);
				fp = nfp;
				a = b;
			}
		}
	}
}

int
auditcli_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "client", required_argument, NULL, 'c' },
		{ "decision", required_argument, NULL, 'd' },
		{ "route", required_argument, NULL, 'r' },
		{ "rule", required_argument, NULL, 'R' },
		{ "id", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct afilter	 f;
	struct atable	 tabs[5];
	struct ainput	 in;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 ch, i, summary = 0, rc = 0;

	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return averify(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "summary") == 0) {
		summary = 1;
		argc--;
		argv++;
	}
	memset(&f, 0, sizeof(f));
	memset(tabs, 0, sizeof(tabs));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "S:U:c:d:r:R:i:jf", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'S':
		case 'U':
			if (atime_arg(optarg, ch == 'S' ? f.since : f.until)) {
				fprintf(stderr, "audit: bad time %s\n", optarg);
				return 2;
			}
			break;
		case 'c': f.client = optarg; break;
		case 'd': f.decision = optarg; break;
		case 'r': f.route = optarg; break;
		case 'R': f.rule = optarg; break;
		case 'i': f.id = optarg; break;
		case 'j': f.json = 1; break;
		case 'f': f.follow = 1; break;
		default:
			fprintf(stderr, "usage: dindgate audit [summary|verify] "
			    "[--since T] [--until T] [--client C] [--decision "
			    "D]\n       [--route R] [--rule R] [--id ID] "
			    "[--json] [--follow] FILE...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "audit: name at least one audit file\n");
		return 2;
	}
	if (!summary && !f.json)
		printf("%-27s %-13s %-12s %-6s %-44s %3s %s\n", "TIME",
		    "DECISION", "CLIENT", "METHOD", "PATH", "ST", "RULE");
	for (i = optind; i < argc; i++) {
		if (ainput_open(&in, argv[i]) == -1) {
			fprintf(stderr, "audit: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
			continue;
		}
		while ((n = getline(&line, &cap, in.fp)) > 0) {
			if (line[n - 1] == '\n')
				line[--n] = '\0';
			aprocess(line, (size_t)n, &f, summary ? tabs : NULL);
		}
		if (f.follow && i == argc - 1 && in.pid <= 0) {
			free(line);
			afollow(argv[i], in.fp, &f);
		}
		ainput_close(&in);
	}
	free(line);
	if (summary) {
		atable_print(&tabs[0], "by decision:", 20);
		atable_print(&tabs[1], "by rule:", 20);
		atable_print(&tabs[2], "by client:", 20);
		atable_print(&tabs[3], "by route:", 20);
		atable_print(&tabs[4], "top refused reasons:", 10);
	}
	return rc;
}
