/*
 * t_jsondoc: unit tests for src/jsondoc.c (and src/diag.c, which prints
 * its errors).
 *
 * Documents are parsed from strings and the whole tree is rendered one
 * node a line ("key@line:col type@line:col value"), so a row states every
 * position at once.  Bad documents list the exact diagnostics, in order.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "jsondoc.h"
#include "testutil.h"

#define B(s)	s, sizeof(s) - 1

static const char *const jt_names[JT_NTYPES] = {
	[JT_NULL] = "null", [JT_BOOL] = "bool", [JT_INT] = "int",
	[JT_DOUBLE] = "double", [JT_STRING] = "string", [JT_ARRAY] = "array",
	[JT_OBJECT] = "object",
};

/* Render n and its children in document order. */
static size_t
tree_text(const struct jnode *n, int depth, char *buf, size_t len)
{
	const struct jnode	*c;
	size_t			 o = 0;

	o += (size_t)snprintf(buf + o, len - o, "%*s", depth * 2, "");
	if (n->key != NULL)
		o += (size_t)snprintf(buf + o, len - o, "\"%s\"@%u:%u ",
		    n->key, n->kline, n->kcol);
	o += (size_t)snprintf(buf + o, len - o, "%s@%u:%u", jt_names[n->type],
	    n->line, n->col);
	switch (n->type) {
	case JT_BOOL:
		o += (size_t)snprintf(buf + o, len - o, " %s",
		    n->v.b ? "true" : "false");
		break;
	case JT_INT:
		o += (size_t)snprintf(buf + o, len - o, " %lld", n->v.i);
		break;
	case JT_DOUBLE:
		o += (size_t)snprintf(buf + o, len - o, " %.17g", n->v.d);
		break;
	case JT_STRING:
		o += (size_t)snprintf(buf + o, len - o, " \"%s\"", n->v.s);
		break;
	case JT_ARRAY:
	case JT_OBJECT:
		o += (size_t)snprintf(buf + o, len - o, " n=%zu", n->nchild);
		break;
	default:
		break;
	}
	o += (size_t)snprintf(buf + o, len - o, "\n");
	for (c = n->child; c != NULL && o < len; c = c->next) {
		if (c->parent != n) {
			print_error("parent link broken at %u:%u\n", c->line,
			    c->col);
			failures++;
		}
		o += tree_text(c, depth + 1, buf + o, len - o);
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* good documents: every node's position and value */

struct tree_row {
	const char	*name;
	const char	*doc;
	const char	*tree;
};

static const struct tree_row tree_rows[] = {
	{ "positions with comments",
	    "// leading comment\n"
	    "{\n"
	    "  \"name\": \"sandbox\", /* block */ \"n\": 42,\n"
	    "  /* multi\n"
	    "     line */ \"list\": [1, -2.5, true, null,\n"
	    "\t\"x\"],\n"
	    "  \"obj\" : { \"k\" :false } // trailing\n"
	    "}\n",
	    "object@2:1 n=4\n"
	    "  \"name\"@3:3 string@3:11 \"sandbox\"\n"
	    "  \"n\"@3:34 int@3:39 42\n"
	    "  \"list\"@5:14 array@5:22 n=5\n"
	    "    int@5:23 1\n"
	    "    double@5:26 -2.5\n"
	    "    bool@5:32 true\n"
	    "    null@5:38\n"
	    "    string@6:2 \"x\"\n"
	    "  \"obj\"@7:3 object@7:11 n=1\n"
	    "    \"k\"@7:13 bool@7:18 false\n" },
	{ "integers and doubles",
	    "[0, -0, 9223372036854775807, -9223372036854775808, 1.0, 1e3,"
	    " 2E-2, -0.5, 10]",
	    "array@1:1 n=9\n"
	    "  int@1:2 0\n"
	    "  int@1:5 0\n"
	    "  int@1:9 9223372036854775807\n"
	    "  int@1:30 -9223372036854775808\n"
	    "  double@1:52 1\n"
	    "  double@1:57 1000\n"
	    "  double@1:62 0.02\n"
	    "  double@1:68 -0.5\n"
	    "  int@1:74 10\n" },
	{ "strings: escapes and UTF-8",
	    "{\"a\\\"b\": \"tab\\tq\\\"\\\\ \\u00e9 \\ud83d\\ude00\", "
	    "\"\": \"\"}",
	    "object@1:1 n=2\n"
	    "  \"a\"b\"@1:2 string@1:10 \"tab\tq\"\\ \xc3\xa9 "
	    "\xf0\x9f\x98\x80\"\n"
	    "  \"\"@1:44 string@1:48 \"\"\n" },
	{ "a scalar document", "  \"just a string\"  ",
	    "string@1:3 \"just a string\"\n" },
	{ "CRLF line ends", "{\r\n\"a\":\r\n  1}\r\n",
	    "object@1:1 n=1\n"
	    "  \"a\"@2:1 int@3:3 1\n" },
	{ "comment touching a number", "[1/* c */,2// d\n]",
	    "array@1:1 n=2\n"
	    "  int@1:2 1\n"
	    "  int@1:11 2\n" },
	{ "nested empties", "{\"a\": [[], {}], \"b\": {\"c\": []}}",
	    "object@1:1 n=2\n"
	    "  \"a\"@1:2 array@1:7 n=2\n"
	    "    array@1:8 n=0\n"
	    "    object@1:12 n=0\n"
	    "  \"b\"@1:17 object@1:22 n=1\n"
	    "    \"c\"@1:23 array@1:28 n=0\n" },
};

static void
test_trees(void **state)
{
	const struct tree_row	*r;
	struct diag		 d;
	struct jnode		*root;
	char			 buf[4096], dbuf[2048];
	size_t			 i;

	failures = 0;
	for (i = 0; i < sizeof(tree_rows) / sizeof(tree_rows[0]); i++) {
		r = &tree_rows[i];
		diag_init(&d);
		root = jsondoc_parse(r->doc, strlen(r->doc), "t.json", &d);
		expect_str(r->name, "diagnostics", diag_text_buf(&d, dbuf,
		    sizeof(dbuf)), "");
		if (root != NULL) {
			tree_text(root, 0, buf, sizeof(buf));
			expect_str(r->name, "tree", buf, r->tree);
			if (root->parent != NULL || root->key != NULL) {
				print_error("[%s] root has a parent or key\n",
				    r->name);
				failures++;
			}
		} else
			expect_str(r->name, "root", NULL, "a tree");
		jsondoc_free(root);
		diag_clear(&d);
	}
	assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ */
/* bad documents: exact diagnostics */

struct bad_row {
	const char	*name;
	const char	*doc;
	size_t		 len;
	const char	*diags;
};

#define NEST64	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" \
	"[[[[[[[["
#define CLOSE64	"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" \
	"]]]]]]]]"

static const struct bad_row bad_rows[] = {
	/* syntax: the position is the offending token */
	{ "empty", B(""), "b.json:1:1: error: premature EOF\n" },
	{ "only a comment", B("// nothing\n"),
	    "b.json:2:1: error: premature EOF\n" },
	{ "unterminated object", B("{\n  \"a\": 1\n"),
	    "b.json:3:1: error: premature EOF\n" },
	{ "unterminated comment", B("{\"a\": 1 /* x"),
	    "b.json:1:13: error: premature EOF\n" },
	{ "missing value", B("{\"a\": }"), "b.json:1:7: error: unallowed "
	    "token at this point in JSON text\n" },
	{ "missing colon before a number", B("{\"a\" 1}"), "b.json:1:6: "
	    "error: object key and value must be separated by a colon "
	    "(':')\n" },
	{ "missing colon before a string", B("{\n  \"a\" \"b\"}"),
	    "b.json:2:7: error: object key and value must be separated by a "
	    "colon (':')\n" },
	{ "missing comma between numbers", B("[1 2]"), "b.json:1:4: error: "
	    "after array element, I expect ',' or ']'\n" },
	{ "missing comma between literals", B("[true false]"), "b.json:1:7: "
	    "error: after array element, I expect ',' or ']'\n" },
	{ "missing comma after a comment", B("{\"a\": 1 // c\n \"b\": 2}"),
	    "b.json:2:2: error: after key and value, inside map, I expect ',' "
	    "or '}'\n" },
	{ "trailing comma in object", B("{\"a\": 1,}"), "b.json:1:9: error: "
	    "invalid object key (must be a string)\n" },
	{ "trailing comma in array", B("[1,]"), "b.json:1:4: error: "
	    "unallowed token at this point in JSON text\n" },
	{ "wrong closer", B("{\"a\": 1]"), "b.json:1:8: error: after key "
	    "and value, inside map, I expect ',' or '}'\n" },
	{ "trailing garbage", B("{\"a\": 1}\n x"),
	    "b.json:2:2: error: trailing garbage\n" },
	{ "second document", B("{}{}"), "b.json:1:3: error: trailing "
	    "garbage\n" },
	{ "single quotes", B("{\"a\": 'x'}"), "b.json:1:7: error: lexical "
	    "error: invalid char in json text.\n" },
	{ "bad literal", B("{\"a\": tru}"), "b.json:1:7: error: lexical "
	    "error: invalid string in json text.\n" },
	{ "leading zero", B("{\"a\": 01}"), "b.json:1:7: error: after key "
	    "and value, inside map, I expect ',' or '}'\n" },
	{ "bare word key", B("{a: 1}"), "b.json:1:2: error: lexical error: "
	    "invalid char in json text.\n" },
	{ "bad escape", B("[\"\\x\"]"), "b.json:1:4: error: lexical error: "
	    "inside a string, '\\' occurs before a character which it may "
	    "not.\n" },
	{ "raw newline in a string", B("[\"a\nb\"]"), "b.json:1:4: error: "
	    "lexical error: invalid character inside string.\n" },
	{ "invalid UTF-8", B("[\"\xc3\x28\"]"), "b.json:1:4: error: lexical "
	    "error: invalid bytes in UTF8 string.\n" },
	{ "byte order mark", B("\xef\xbb\xbf{}"), "b.json:1:1: error: "
	    "lexical error: invalid char in json text.\n" },
	{ "NUL byte outside a string", B("{\"a\": \0}"), "b.json:1:7: "
	    "error: lexical error: invalid char in json text.\n" },

	/* semantic: every one is reported, with its own position */
	{ "duplicate key", B("{\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 3\n}"),
	    "b.json:4:3: error: duplicate key \"a\" (first at line 2)\n" },
	{ "duplicate keys, nested and repeated",
	    B("{\"a\": {\"x\": 1, \"x\": 2},\n \"a\": [], \"a\": null}"),
	    "b.json:1:16: error: duplicate key \"x\" (first at line 1)\n"
	    "b.json:2:2: error: duplicate key \"a\" (first at line 1)\n"
	    "b.json:2:11: error: duplicate key \"a\" (first at line 1)\n"
	    "b.json:2:11: error: duplicate key \"a\" (first at line 2)\n" },
	{ "same key in sibling objects is fine, NUL is not",
	    B("[{\"a\": 1}, {\"a\": \"x\\u0000\"}]"),
	    "b.json:1:18: error: NUL character in string\n" },
	{ "NUL in a key", B("{\"a\\u0000b\": 1}"),
	    "b.json:1:2: error: NUL character in key\n" },
	{ "integers out of range",
	    B("[9223372036854775808,\n -9223372036854775809, 1e999]"),
	    "b.json:1:2: error: integer out of range\n"
	    "b.json:2:2: error: integer out of range\n" },
	{ "number too long", B("[1234567890123456789012345678901234567890"
	    "12345678901234567890123456]"),
	    "b.json:1:2: error: number too long\n" },
	{ "errors before a syntax error are kept",
	    B("{\"a\": 1, \"a\": 99999999999999999999, }"),
	    "b.json:1:10: error: duplicate key \"a\" (first at line 1)\n"
	    "b.json:1:15: error: integer out of range\n"
	    "b.json:1:37: error: invalid object key (must be a string)\n" },

	/* nesting: 64 levels are fine (see test_nesting), 65 are not */
	{ "nesting limit", B(NEST64 "[]" CLOSE64), "b.json:1:65: error: "
	    "nesting deeper than 64\n" },
	{ "nesting limit with objects", B(NEST64 "{\"a\": 1}" CLOSE64),
	    "b.json:1:65: error: nesting deeper than 64\n" },
};

static void
test_bad(void **state)
{
	const struct bad_row	*r;
	struct diag		 d;
	struct jnode		*root;
	char			 dbuf[4096];
	size_t			 i;

	failures = 0;
	for (i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		r = &bad_rows[i];
		diag_init(&d);
		root = jsondoc_parse(r->doc, r->len, "b.json", &d);
		if (root != NULL) {
			print_error("[%s] parsed\n", r->name);
			failures++;
		}
		expect_str(r->name, "diagnostics", diag_text_buf(&d, dbuf,
		    sizeof(dbuf)), r->diags);
		jsondoc_free(root);
		diag_clear(&d);
	}
	assert_int_equal(failures, 0);
}

/* Errors append to what the diag already holds. */
static void
test_diag_appends(void **state)
{
	struct diag	 d;
	char		 buf[256];

	diag_init(&d);
	diag_add(&d, "x.conf", 0, 0, "earlier %s", "problem");
	diag_add(&d, NULL, 3, 4, "no file");
	assert_null(jsondoc_parse(B("{\"a\": 1, \"a\": 2}"), "y.json", &d));
	assert_null(jsondoc_parse(B("[1] [2]"), "z.json", &d));
	assert_non_null(diag_text_buf(&d, buf, sizeof(buf)));
	assert_string_equal(buf,
	    "x.conf: error: earlier problem\n"
	    "-:3:4: error: no file\n"
	    "y.json:1:10: error: duplicate key \"a\" (first at line 1)\n"
	    "z.json:1:5: error: trailing garbage\n");
	diag_clear(&d);
	assert_int_equal(d.n, 0);
	assert_null(d.v);
	/* A cleared diag is reusable. */
	diag_add(&d, "a", 1, 2, "%d", 7);
	assert_int_equal(d.n, 1);
	assert_string_equal(diag_format(&d, 0, buf, sizeof(buf)),
	    "a:1:2: error: 7");
	/* Formatting truncates to the buffer. */
	assert_string_equal(diag_format(&d, 0, buf, 6), "a:1:2");
	diag_clear(&d);
}

/* 64 levels parse; the depth is counted per path, not per document. */
static void
test_nesting(void **state)
{
	static const char	 deep[] = NEST64 CLOSE64;
	static const char	 wide[] = "[" NEST64 CLOSE64 "," NEST64
	    CLOSE64 "]";
	struct diag		 d;
	struct jnode		*root, *n;
	int			 depth;

	diag_init(&d);
	root = jsondoc_parse(B(deep), "n.json", &d);
	assert_non_null(root);
	assert_int_equal(d.n, 0);
	for (depth = 1, n = root; n->child != NULL; n = n->child)
		depth++;
	assert_int_equal(depth, 64);
	assert_int_equal(n->col, 64);
	jsondoc_free(root);
	/* 65 here too: one more than the deep one. */
	assert_null(jsondoc_parse(B(wide), "n.json", &d));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "nesting deeper than 64");
	assert_int_equal(d.v[0].col, 65);
	diag_clear(&d);
}

/* ------------------------------------------------------------------ */
/* helpers for the schema walkers */

static void
test_get_and_types(void **state)
{
	struct diag	 d;
	struct jnode	*root, *n;

	diag_init(&d);
	root = jsondoc_parse(B("{\"a\": 1, \"B\": \"x\", \"\": null}"),
	    "g.json", &d);
	assert_non_null(root);
	n = jsondoc_get(root, "a");
	assert_non_null(n);
	assert_int_equal(n->type, JT_INT);
	assert_int_equal(n->v.i, 1);
	assert_null(jsondoc_get(root, "b"));
	assert_non_null(jsondoc_get(root, "B"));
	assert_non_null(jsondoc_get(root, ""));
	assert_null(jsondoc_get(n, "a"));
	assert_null(jsondoc_get(NULL, "a"));

	assert_true(jsondoc_expect(n, JT_INT, "a", "g.json", &d));
	assert_false(jsondoc_expect(n, JT_STRING, "limits.a", "g.json", &d));
	assert_false(jsondoc_expect(root, JT_ARRAY, "the policy", "g.json",
	    &d));
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg, "limits.a must be a string, not an "
	    "integer");
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[0].col, 7);
	assert_string_equal(d.v[1].msg, "the policy must be an array, not an "
	    "object");
	assert_int_equal(d.v[1].col, 1);

	assert_string_equal(jsondoc_type_name(JT_NULL), "null");
	assert_string_equal(jsondoc_type_name(JT_BOOL), "a boolean");
	assert_string_equal(jsondoc_type_name(JT_INT), "an integer");
	assert_string_equal(jsondoc_type_name(JT_DOUBLE), "a number");
	assert_string_equal(jsondoc_type_name(JT_STRING), "a string");
	assert_string_equal(jsondoc_type_name(JT_ARRAY), "an array");
	assert_string_equal(jsondoc_type_name(JT_OBJECT), "an object");
	assert_string_equal(jsondoc_type_name(JT_NTYPES), "?");
	jsondoc_free(root);
	diag_clear(&d);
	jsondoc_free(NULL);
}

static const char *const sample_keys[] = {
	"listen", "unix_mode", "tls", "upstream", "policy",
	"min_api_version", "limits", "timeouts", "log", NULL
};

static void
test_nearest(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;
	} rows[] = {
		{ "listen", "listen" },
		{ "listne", "listen" },		/* transposition: 2 */
		{ "Listen", "listen" },		/* case is free */
		{ "LISTEN", "listen" },
		{ "polcy", "policy" },
		{ "policies", NULL },		/* 3 edits */
		{ "tls_", "tls" },
		{ "tl", "tls" },
		{ "log", "log" },
		{ "logs", "log" },
		{ "timeout", "timeouts" },
		{ "limit", "limits" },
		{ "min_api_versoin", "min_api_version" },
		{ "unixmode", "unix_mode" },
		{ "upstrem", "upstream" },
		{ "x", NULL },
		{ "", NULL },
		{ "completely_different", NULL },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaa", NULL },
	};
	size_t	i;

	failures = 0;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		expect_str(rows[i].in, "nearest",
		    jsondoc_nearest(rows[i].in, sample_keys), rows[i].want);
	assert_int_equal(failures, 0);
}

static void
test_check_keys(void **state)
{
	static const char	 doc[] =
	    "{\n"
	    "  \"listen\": [],\n"
	    "  \"listne\": 1,\n"
	    "  \"policies\": [],\n"
	    "  \"log\": {}, \"Timeouts\": {}\n"
	    "}";
	struct diag		 d;
	struct jnode		*root;
	char			 buf[1024];

	diag_init(&d);
	root = jsondoc_parse(B(doc), "k.conf", &d);
	assert_non_null(root);
	assert_int_equal(jsondoc_check_keys(root, sample_keys,
	    "the configuration", "k.conf", &d), 3);
	assert_string_equal(diag_text_buf(&d, buf, sizeof(buf)),
	    "k.conf:3:3: error: unknown key \"listne\" in the configuration; "
	    "did you mean \"listen\"?\n"
	    "k.conf:4:3: error: unknown key \"policies\" in the "
	    "configuration\n"
	    "k.conf:5:14: error: unknown key \"Timeouts\" in the "
	    "configuration; did you mean \"timeouts\"?\n");
	diag_clear(&d);
	/* An object with only known keys, and an empty one. */
	assert_int_equal(jsondoc_check_keys(jsondoc_get(root, "log"),
	    sample_keys, "log", "k.conf", &d), 0);
	assert_int_equal(d.n, 0);
	jsondoc_free(root);
}

/* ------------------------------------------------------------------ */
/* files */

static char *
data_path(const char *rel)
{
	const char	*top = top_srcdir();
	char		*p;
	size_t		 len;

	len = strlen(top) + strlen(rel) + 2;
	p = malloc(len);
	assert_non_null(p);
	snprintf(p, len, "%s/%s", top, rel);
	return p;
}

static void
test_load(void **state)
{
	struct diag	 d;
	struct jnode	*root;
	char		*path, buf[8192], want[512];

	diag_init(&d);
	path = data_path("tests/data/jsondoc/positions.json");
	root = jsondoc_load(path, &d);
	assert_int_equal(d.n, 0);
	assert_non_null(root);
	tree_text(root, 0, buf, sizeof(buf));
	assert_string_equal(buf,
	    "object@4:1 n=3\n"
	    "  \"name\"@5:3 string@5:11 \"positions\"\n"
	    "  \"clients\"@7:3 object@7:14 n=1\n"
	    "    \"cn\"@7:16 array@7:22 n=2\n"
	    "      string@7:23 \"a\"\n"
	    "      string@8:5 \"b\"\n"
	    "  \"routes\"@10:3 array@10:13 n=0\n");
	jsondoc_free(root);
	free(path);

	path = data_path("tests/data/jsondoc/no-such-file.json");
	assert_null(jsondoc_load(path, &d));
	assert_int_equal(d.n, 1);
	snprintf(want, sizeof(want), "%s: error: cannot open: No such file "
	    "or directory", path);
	assert_string_equal(diag_format(&d, 0, buf, sizeof(buf)), want);
	diag_clear(&d);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trees),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_diag_appends),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_get_and_types),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
