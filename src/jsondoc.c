/*
 * jsondoc: read JSON-with-comments files into a positioned tree.
 *
 * yajl reports no positions to its callbacks, so the text is fed one byte
 * at a time and a small shadow lexer remembers where the current token
 * began.  Files are small (configs, policies), so the cost is nothing next
 * to the clarity of "policy.json:12:5: unknown field".
 */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "jsondoc.h"

#define JSONDOC_MAX_DEPTH	64	/* nesting that files never need */
#define JSONDOC_MAX_FILE	(4u << 20)

/* Position tracking and tree building state for one parse. */
struct jbuild {
	const char	*file;
	struct diag	*diag;
	struct jnode	*root;
	struct jnode	*cur;		/* open container */
	char		*pending_key;	/* key waiting for its value */
	unsigned	 pkline, pkcol;
	unsigned	 line, col;	/* position of the byte being fed */
	unsigned	 tline, tcol;	/* where the current token began */
	int		 in_string, escape;
	int		 lcomment, bcomment, prev;
	int		 tok_ended;	/* this byte completed a token */
	int		 took;		/* a value node was made on this byte */
	int		 depth;
	int		 failed;
	int		 cancelled;	/* a callback stopped yajl */
};

static struct jnode *
jbuild_node(struct jbuild *b, enum jtype t, int at_token)
{
	struct jnode	*n, *p = b->cur;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		b->failed = 1;
		return NULL;
	}
	n->type = t;
	b->took = 1;
	n->line = at_token ? b->tline : b->line;
	n->col = at_token ? b->tcol : b->col;
	if (p == NULL) {
		b->root = n;
		return n;
	}
	n->parent = p;
	if (p->type == JT_OBJECT) {
		n->key = b->pending_key;
		n->kline = b->pkline;
		n->kcol = b->pkcol;
		b->pending_key = NULL;
	}
	if (p->last)
		p->last->next = n;
	else
		p->child = n;
	p->last = n;
	p->nchild++;
	return n;
}

static int
jb_null(void *ctx)
{
	return jbuild_node(ctx, JT_NULL, 1) != NULL;
}

static int
jb_bool(void *ctx, int v)
{
	struct jnode	*n = jbuild_node(ctx, JT_BOOL, 1);

	if (n)
		n->v.b = v != 0;
	return n != NULL;
}

/* Numbers arrive raw, so integers keep full precision. */
static int
jb_number(void *ctx, const char *s, size_t len)
{
	struct jbuild	*b = ctx;
	struct jnode	*n;
	char		 buf[64], *end;
	size_t		 i;
	int		 isint = 1;

	if (len >= sizeof(buf)) {
		diag_add(b->diag, b->file, b->tline, b->tcol,
		    "number too long");
		b->cancelled = b->failed = 1;
		return 0;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		if (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E')
			isint = 0;
	if ((n = jbuild_node(b, isint ? JT_INT : JT_DOUBLE, 1)) == NULL)
		return 0;
	errno = 0;
	if (isint) {
		n->v.i = strtoll(buf, &end, 10);
		if (errno == ERANGE) {
			diag_add(b->diag, b->file, n->line, n->col,
			    "integer out of range");
			b->failed = 1;
		}
	} else
		n->v.d = strtod(buf, &end);
	return 1;
}

static int
jb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct jbuild	*b = ctx;
	struct jnode	*n;

	/* Inner NULs would make C string handling disagree with the file. */
	if (memchr(s, '\0', len) != NULL) {
		diag_add(b->diag, b->file, b->tline, b->tcol,
		    "NUL character in string");
		b->failed = 1;
	}
	if ((n = jbuild_node(b, JT_STRING, 1)) == NULL)
		return 0;
	if ((n->v.s = strndup((const char *)s, len)) == NULL)
		return 0;
	return 1;
}

static int
jb_start(struct jbuild *b, enum jtype t)
{
	struct jnode	*n;

	if (++b->depth > JSONDOC_MAX_DEPTH) {
		diag_add(b->diag, b->file, b->line, b->col,
		    "nesting deeper than %d", JSONDOC_MAX_DEPTH);
		b->cancelled = b->failed = 1;
		return 0;
	}
	if ((n = jbuild_node(b, t, 0)) == NULL)
		return 0;
	b->cur = n;
	return 1;
}

static int
jb_start_map(void *ctx)
{
	return jb_start(ctx, JT_OBJECT);
}

static int
jb_start_array(void *ctx)
{
	return jb_start(ctx, JT_ARRAY);
}

static int
jb_end(void *ctx)
{
	struct jbuild	*b = ctx;

	b->depth--;
	b->cur = b->cur->parent;
	return 1;
}

/* Duplicate keys are an error: they make a file say two things at once. */
static int
jb_key(void *ctx, const unsigned char *s, size_t len)
{
	struct jbuild	*b = ctx;
	struct jnode	*c;

	free(b->pending_key);
	if ((b->pending_key = strndup((const char *)s, len)) == NULL)
		return 0;
	b->pkline = b->tline;
	b->pkcol = b->tcol;
	if (memchr(s, '\0', len) != NULL) {
		diag_add(b->diag, b->file, b->tline, b->tcol,
		    "NUL character in key");
		b->failed = 1;
	}
	for (c = b->cur->child; c != NULL; c = c->next)
		if (strcmp(c->key, b->pending_key) == 0) {
			if (c->kline)
				diag_add(b->diag, b->file, b->tline, b->tcol,
				    "duplicate key \"%s\" (first at line %u)",
				    b->pending_key, c->kline);
			else
				diag_add(b->diag, b->file, b->tline, b->tcol,
				    "duplicate key \"%s\"", b->pending_key);
			b->failed = 1;
		}
	return 1;
}

static const yajl_callbacks jbuild_callbacks = {
	.yajl_null = jb_null,
	.yajl_boolean = jb_bool,
	.yajl_number = jb_number,
	.yajl_string = jb_string,
	.yajl_start_map = jb_start_map,
	.yajl_map_key = jb_key,
	.yajl_end_map = jb_end,
	.yajl_start_array = jb_start_array,
	.yajl_end_array = jb_end,
};

/*
 * Shadow lexer: remember where a string or bare word token starts, and
 * whether this byte may complete one (yajl sees a string end at its
 * closing quote, a literal at its last letter, a number only at the byte
 * after it).
 */
static void
jbuild_track(struct jbuild *b, int c)
{
	b->tok_ended = b->took = 0;
	if (!b->lcomment && !b->bcomment && !b->in_string && c != 0 &&
	    (strchr(" \t\r\n,:[]{}/\"", c) == NULL ||
	    (b->prev != 0 && strchr(" \t\r\n,:[]{}/\"", b->prev) == NULL)))
		b->tok_ended = 1;
	if (b->lcomment) {
		if (c == '\n')
			b->lcomment = 0;
	} else if (b->bcomment) {
		if (b->prev == '*' && c == '/') {
			b->bcomment = 0;
			c = 0;
		}
	} else if (b->in_string) {
		if (b->escape)
			b->escape = 0;
		else if (c == '\\')
			b->escape = 1;
		else if (c == '"') {
			b->in_string = 0;
			b->tok_ended = 1;
		}
	} else if (b->prev == '/' && c == '/') {
		b->lcomment = 1;
	} else if (b->prev == '/' && c == '*') {
		b->bcomment = 1;
		c = 0;
	} else if (c == '"') {
		b->in_string = 1;
		b->tline = b->line;
		b->tcol = b->col;
	} else if (strchr(" \t\r\n,:[]{}/", c) == NULL &&
	    (b->prev == 0 || strchr(" \t\r\n,:[]{}", b->prev) != NULL)) {
		b->tline = b->line;
		b->tcol = b->col;
	}
	b->prev = c;
}

static void
jbuild_error(struct jbuild *b, yajl_handle h, const unsigned char *text,
    size_t len)
{
	unsigned char	*msg;
	char		*m, *nl;

	msg = yajl_get_error(h, 0, text, len);
	m = (char *)msg;
	if (m && strncmp(m, "parse error: ", 13) == 0)
		m += 13;
	if (m && (nl = strchr(m, '\n')) != NULL)
		*nl = '\0';
	/*
	 * An error on the byte that completed a token, with no value made
	 * from it, is about that token: point at its start, not past it
	 * ("{"a" 1}" is wrong at the 1, not at the brace).
	 */
	if (!b->cancelled)
		diag_add(b->diag, b->file,
		    b->tok_ended && !b->took ? b->tline : b->line,
		    b->tok_ended && !b->took ? b->tcol : b->col, "%s",
		    m ? m : "syntax error");
	yajl_free_error(h, msg);
}

static struct jnode *
jsondoc_parse_opts(const char *text, size_t len, const char *file,
    struct diag *diag, bool fast)
{
	struct jbuild	 b;
	yajl_handle	 h;
	yajl_status	 st = yajl_status_ok;
	size_t		 i, before = diag->n;

	memset(&b, 0, sizeof(b));
	b.file = file;
	b.diag = diag;
	b.line = 1;
	b.col = 1;
	if ((h = yajl_alloc(&jbuild_callbacks, NULL, &b)) == NULL)
		return NULL;
	yajl_config(h, yajl_allow_comments, fast ? 0 : 1);
	if (fast)
		st = yajl_parse(h, (const unsigned char *)text, len);
	for (i = 0; !fast && i < len && st == yajl_status_ok; i++) {
		jbuild_track(&b, (unsigned char)text[i]);
		st = yajl_parse(h, (const unsigned char *)text + i, 1);
		if (st != yajl_status_ok)
			break;
		if (text[i] == '\n') {
			b.line++;
			b.col = 1;
		} else
			b.col++;
	}
	if (st == yajl_status_ok) {
		b.tok_ended = 0;
		st = yajl_complete_parse(h);
	}
	if (st != yajl_status_ok) {
		jbuild_error(&b, h, (const unsigned char *)text, len);
		b.failed = 1;
	}
	if (b.root == NULL && !b.failed) {
		diag_add(diag, file, b.line, b.col, "empty document");
		b.failed = 1;
	}
	yajl_free(h);
	free(b.pending_key);
	if (b.failed || diag->n > before) {
		jsondoc_free(b.root);
		return NULL;
	}
	return b.root;
}

struct jnode *
jsondoc_parse(const char *text, size_t len, const char *file,
    struct diag *diag)
{
	return jsondoc_parse_opts(text, len, file, diag, false);
}

/*
 * Request bodies: one yajl call over the whole buffer, no comments, and
 * yajl's defaults that matter here: UTF-8 validated, exactly one value
 * (trailing data is an error), so what parses is what Go would decode.
 */
struct jnode *
jsondoc_parse_body(const char *text, size_t len, char *err, size_t errlen)
{
	struct diag	 d;
	struct jnode	*root;

	diag_init(&d);
	root = jsondoc_parse_opts(text, len, "body", &d, true);
	if (root == NULL)
		snprintf(err, errlen, "%s", d.n ? d.v[0].msg :
		    "invalid JSON");
	diag_clear(&d);
	return root;
}

static int
jsondoc_gen_node(yajl_gen g, const struct jnode *n)
{
	const struct jnode	*c;

	switch (n->type) {
	case JT_NULL:
		return yajl_gen_null(g);
	case JT_BOOL:
		return yajl_gen_bool(g, n->v.b);
	case JT_INT:
		return yajl_gen_integer(g, n->v.i);
	case JT_DOUBLE:
		return yajl_gen_double(g, n->v.d);
	case JT_STRING:
		return yajl_gen_string(g, (const unsigned char *)n->v.s,
		    strlen(n->v.s));
	case JT_ARRAY:
		yajl_gen_array_open(g);
		for (c = n->child; c != NULL; c = c->next)
			if (jsondoc_gen_node(g, c) != yajl_gen_status_ok)
				return -1;
		return yajl_gen_array_close(g);
	case JT_OBJECT:
		yajl_gen_map_open(g);
		for (c = n->child; c != NULL; c = c->next) {
			yajl_gen_string(g, (const unsigned char *)c->key,
			    strlen(c->key));
			if (jsondoc_gen_node(g, c) != yajl_gen_status_ok)
				return -1;
		}
		return yajl_gen_map_close(g);
	default:
		return -1;
	}
}

int
jsondoc_gen(const struct jnode *n, char **out, size_t *outlen)
{
	yajl_gen		 g;
	const unsigned char	*buf;
	size_t			 len;
	int			 rc = -1;

	*out = NULL;
	if ((g = yajl_gen_alloc(NULL)) == NULL)
		return -1;
	if (jsondoc_gen_node(g, n) == yajl_gen_status_ok &&
	    yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    (*out = malloc(len + 1)) != NULL) {
		memcpy(*out, buf, len);
		(*out)[len] = '\0';
		*outlen = len;
		rc = 0;
	}
	yajl_gen_free(g);
	return rc;
}

struct jnode *
jsondoc_new(enum jtype t)
{
	struct jnode	*n;

	if ((n = calloc(1, sizeof(*n))) != NULL)
		n->type = t;
	return n;
}

struct jnode *
jsondoc_new_string(const char *s)
{
	struct jnode	*n = jsondoc_new(JT_STRING);

	if (n != NULL && (n->v.s = strdup(s)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

void
jsondoc_append(struct jnode *parent, struct jnode *n)
{
	n->parent = parent;
	n->next = NULL;
	if (parent->last)
		parent->last->next = n;
	else
		parent->child = n;
	parent->last = n;
	parent->nchild++;
}

void
jsondoc_unlink(struct jnode *n)
{
	struct jnode	*p = n->parent, *c, *prev = NULL;

	if (p == NULL)
		return;
	for (c = p->child; c != NULL && c != n; c = c->next)
		prev = c;
	if (c == NULL)
		return;
	if (prev)
		prev->next = n->next;
	else
		p->child = n->next;
	if (p->last == n)
		p->last = prev;
	p->nchild--;
	n->parent = NULL;
	n->next = NULL;
}

int
jsondoc_set(struct jnode *obj, const char *key, struct jnode *n)
{
	struct jnode	*old;

	if (n == NULL)
		return -1;
	if ((old = jsondoc_get(obj, key)) != NULL) {
		jsondoc_unlink(old);
		jsondoc_free(old);
	}
	free(n->key);
	if ((n->key = strdup(key)) == NULL) {
		jsondoc_free(n);
		return -1;
	}
	jsondoc_append(obj, n);
	return 0;
}

struct jnode *
jsondoc_load(const char *path, struct diag *diag)
{
	struct jnode	*root;
	FILE		*fp;
	char		*buf;
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL) {
		diag_add(diag, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(JSONDOC_MAX_FILE + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, JSONDOC_MAX_FILE + 1, fp);
	if (ferror(fp) || n > JSONDOC_MAX_FILE) {
		diag_add(diag, path, 0, 0, ferror(fp) ? "read error" :
		    "file larger than %u bytes", JSONDOC_MAX_FILE);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	root = jsondoc_parse(buf, n, path, diag);
	free(buf);
	return root;
}

void
jsondoc_free(struct jnode *n)
{
	struct jnode	*c, *next;

	if (n == NULL)
		return;
	for (c = n->child; c != NULL; c = next) {
		next = c->next;
		jsondoc_free(c);
	}
	free(n->key);
	if (n->type == JT_STRING)
		free(n->v.s);
	free(n);
}

struct jnode *
jsondoc_get(const struct jnode *obj, const char *key)
{
	struct jnode	*c;

	if (obj == NULL || obj->type != JT_OBJECT)
		return NULL;
	for (c = obj->child; c != NULL; c = c->next)
		if (strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

const char *
jsondoc_type_name(enum jtype t)
{
	static const char *const names[JT_NTYPES] = {
		[JT_NULL] = "null",
		[JT_BOOL] = "a boolean",
		[JT_INT] = "an integer",
		[JT_DOUBLE] = "a number",
		[JT_STRING] = "a string",
		[JT_ARRAY] = "an array",
		[JT_OBJECT] = "an object",
	};

	return t < JT_NTYPES ? names[t] : "?";
}

bool
jsondoc_expect(const struct jnode *n, enum jtype t, const char *what,
    const char *file, struct diag *diag)
{
	if (n->type == t)
		return true;
	diag_add(diag, file, n->line, n->col, "%s must be %s, not %s", what,
	    jsondoc_type_name(t), jsondoc_type_name(n->type));
	return false;
}

/* Levenshtein distance, capped: names are short. */
static size_t
jsondoc_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, prev, tmp;
	size_t	row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + ((a[i - 1] | 0x20) != (b[j - 1] | 0x20));
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
jsondoc_nearest(const char *s, const char *const *names)
{
	const char	*best = NULL;
	size_t		 d, bestd = 3;

	for (; *names != NULL; names++) {
		d = jsondoc_distance(s, *names);
		if (d < bestd) {
			bestd = d;
			best = *names;
		}
	}
	return best;
}

int
jsondoc_check_keys(const struct jnode *obj, const char *const *names,
    const char *what, const char *file, struct diag *diag)
{
	const struct jnode	*c;
	const char *const	*k;
	const char		*near;
	int			 bad = 0;

	for (c = obj->child; c != NULL; c = c->next) {
		for (k = names; *k != NULL; k++)
			if (strcmp(*k, c->key) == 0)
				break;
		if (*k != NULL)
			continue;
		bad++;
		near = jsondoc_nearest(c->key, names);
		if (near)
			diag_add(diag, file, c->kline, c->kcol,
			    "unknown key \"%s\" in %s; did you mean \"%s\"?",
			    c->key, what, near);
		else
			diag_add(diag, file, c->kline, c->kcol,
			    "unknown key \"%s\" in %s", c->key, what);
	}
	return bad;
}
