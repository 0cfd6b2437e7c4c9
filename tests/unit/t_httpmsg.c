/*
 * t_httpmsg: unit tests for src/httpmsg.c.
 *
 * Three tables: heads for the strict scanner (each fed whole, one byte at
 * a time and split at every offset: the verdict must not depend on how
 * the bytes arrive), requests for httpmsg_parse + httpmsg_check_request,
 * and responses for httpmsg_parse.  Every row states the exact outcome:
 * result, error string, offending offset, flags and parsed fields.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "httpmsg.h"
#include "testutil.h"

/* A byte string that may hold NULs. */
#define B(s)	s, sizeof(s) - 1

/* ------------------------------------------------------------------ */
/* httpmsg_scan_feed */

struct scan_row {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 max;		/* 0: 65536 */
	enum httpmsg_scan_result res;
	const char	*err;		/* NULL unless ERROR */
	size_t		 at;		/* DONE: head length; ERROR: bad byte */
	size_t		 lines;		/* DONE: request line + headers */
};

#define GOOD1	"GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\n\r\n"

static const struct scan_row scan_rows[] = {
	{ "good head", B(GOOD1), 0, HTTPMSG_SCAN_DONE, NULL,
	    sizeof(GOOD1) - 1, 2 },
	{ "no headers", B("GET / HTTP/1.0\r\n\r\n"), 0, HTTPMSG_SCAN_DONE,
	    NULL, 18, 1 },
	{ "bytes after the head stay unread",
	    B("GET / HTTP/1.1\r\nHost: x\r\n\r\nBODYBYTES"), 0,
	    HTTPMSG_SCAN_DONE, NULL, 27, 2 },
	{ "tab and obs-text in a value",
	    B("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb\xe9\xff\r\n\r\n"), 0,
	    HTTPMSG_SCAN_DONE, NULL, 39, 3 },
	{ "empty value", B("GET / HTTP/1.1\r\nX-E:\r\nHost: x\r\n\r\n"), 0,
	    HTTPMSG_SCAN_DONE, NULL, 33, 3 },
	{ "every tchar in a name",
	    B("GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n"), 0,
	    HTTPMSG_SCAN_DONE, NULL, 44, 2 },
	{ "header count", B("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
	    "D: 4\r\nE: 5\r\n\r\n"), 0, HTTPMSG_SCAN_DONE, NULL, 48, 6 },
	{ "incomplete head", B("GET / HTTP/1.1\r\nHost: x\r\n"), 0,
	    HTTPMSG_SCAN_MORE, NULL, 25, 2 },
	{ "incomplete after final CR", B("GET / HTTP/1.1\r\nHost: x\r\n\r"),
	    0, HTTPMSG_SCAN_MORE, NULL, 26, 2 },

	{ "obs-fold with space", B("GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n"),
	    0, HTTPMSG_SCAN_ERROR, "obsolete header line folding", 24, 0 },
	{ "obs-fold with tab", B("GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n"),
	    0, HTTPMSG_SCAN_ERROR, "obsolete header line folding", 24, 0 },
	{ "bare LF after request line",
	    B("GET / HTTP/1.1\nHost: x\r\n\r\n"), 0, HTTPMSG_SCAN_ERROR,
	    "bare LF line ending", 14, 0 },
	{ "bare LF after a value", B("GET / HTTP/1.1\r\nHost: x\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "bare LF line ending", 23, 0 },
	{ "bare LF as the blank line", B("GET / HTTP/1.1\r\nHost: x\r\n\n"),
	    0, HTTPMSG_SCAN_ERROR, "invalid character in header name", 25, 0 },
	{ "bare CR inside a value", B("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n"),
	    0, HTTPMSG_SCAN_ERROR, "bare CR in header", 23, 0 },
	{ "bare CR in the request line", B("GET /\r HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "bare CR in header", 6, 0 },
	{ "CR without LF after the blank line",
	    B("GET / HTTP/1.1\r\nHost: x\r\n\rX"), 0, HTTPMSG_SCAN_ERROR,
	    "bare CR in header", 26, 0 },
	{ "NUL in a value", B("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "control character in header", 23, 0 },
	{ "NUL in a name", B("GET / HTTP/1.1\r\nHo\0st: x\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 18, 0 },
	{ "NUL starting a name", B("GET / HTTP/1.1\r\n\0Host: x\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 16, 0 },
	{ "NUL in the request line", B("GET /\0 HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "control character in header", 5, 0 },
	{ "ESC in a value", B("GET / HTTP/1.1\r\nX-A: \x1b[0m\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "control character in header", 21, 0 },
	{ "DEL in a value", B("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "control character in header", 22, 0 },
	{ "0x01 in a value", B("GET / HTTP/1.1\r\nX-A: \x01\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "control character in header", 21, 0 },
	{ "vertical tab in a value", B("GET / HTTP/1.1\r\nX-A: a\vb\r\n\r\n"),
	    0, HTTPMSG_SCAN_ERROR, "control character in header", 22, 0 },
	{ "DEL in a name", B("GET / HTTP/1.1\r\nX\x7f: a\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 17, 0 },
	{ "non-ASCII in a name", B("GET / HTTP/1.1\r\nX\xc3\xa9: a\r\n\r\n"),
	    0, HTTPMSG_SCAN_ERROR, "invalid character in header name", 17, 0 },
	{ "space before colon",
	    B("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 31, 0 },
	{ "tab before colon",
	    B("POST / HTTP/1.1\r\nContent-Length\t: 5\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 31, 0 },
	{ "empty name", B("GET / HTTP/1.1\r\n: x\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 16, 0 },
	{ "line without colon", B("GET / HTTP/1.1\r\nHost\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 20, 0 },
	{ "separator in a name", B("GET / HTTP/1.1\r\nX(y): a\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "invalid character in header name", 17, 0 },
	{ "empty request line", B("\r\nGET / HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "empty request line", 0, 0 },
	{ "request line starts with a space", B(" GET / HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "malformed request line", 0, 0 },
	{ "request line starts with LF", B("\nGET / HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "malformed request line", 0, 0 },
	{ "request line starts with NUL", B("\0GET / HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "malformed request line", 0, 0 },
	{ "request line starts with a tab", B("\tGET / HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_ERROR, "malformed request line", 0, 0 },
	{ "space in the target", B("GET /a b HTTP/1.1\r\n\r\n"), 0,
	    HTTPMSG_SCAN_DONE, NULL, 21, 1 },

	/* Bounds: a head of exactly max bytes fits, one more does not. */
	{ "head of exactly max bytes", B(GOOD1), sizeof(GOOD1) - 1,
	    HTTPMSG_SCAN_DONE, NULL, sizeof(GOOD1) - 1, 2 },
	{ "head one byte over max", B(GOOD1), sizeof(GOOD1) - 2,
	    HTTPMSG_SCAN_ERROR, "request header section too large",
	    sizeof(GOOD1) - 2, 0 },
	{ "over-long head, no end in sight",
	    B("GET / HTTP/1.1\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaa"),
	    32, HTTPMSG_SCAN_ERROR, "request header section too large", 32, 0 },
};

/* Feed one head in pieces of the given sizes; report where it stopped. */
static enum httpmsg_scan_result
scan_pieces(const struct scan_row *r, size_t max, size_t piece, size_t split,
    struct httpmsg_scan *s, size_t *stop)
{
	enum httpmsg_scan_result res = HTTPMSG_SCAN_MORE;
	size_t			 off = 0, n, used;

	memset(s, 0, sizeof(*s));
	*stop = 0;
	while (off < r->len && res == HTTPMSG_SCAN_MORE) {
		if (split != 0)
			n = off == 0 ? split : r->len - off;
		else
			n = piece ? piece : r->len;
		if (n > r->len - off)
			n = r->len - off;
		used = 12345;
		res = httpmsg_scan_feed(s, r->in + off, n, max, &used);
		if (used > n) {
			print_error("[%s] used %zu of %zu\n", r->name, used, n);
			failures++;
			return res;
		}
		if (res == HTTPMSG_SCAN_MORE && used != n) {
			print_error("[%s] MORE but used %zu of %zu\n", r->name,
			    used, n);
			failures++;
		}
		*stop = off + used;
		off += used;
	}
	return res;
}

static void
scan_check(const struct scan_row *r, const char *how, size_t piece,
    size_t split)
{
	struct httpmsg_scan	 s;
	enum httpmsg_scan_result res;
	size_t			 max = r->max ? r->max : 65536, stop;
	char			 name[160];

	snprintf(name, sizeof(name), "%s, %s %zu", r->name, how,
	    split ? split : piece);
	res = scan_pieces(r, max, piece, split, &s, &stop);
	expect_xint(name, "result", res, r->res);
	if (r->res == HTTPMSG_SCAN_ERROR) {
		expect_qstr(name, "err", s.err, r->err);
		expect_xint(name, "error offset", stop, r->at);
	} else {
		expect_xint(name, "scan.n", s.n, r->at);
		expect_xint(name, "consumed", stop, r->at);
		expect_xint(name, "lines", s.lines, r->lines);
		expect_qstr(name, "err", s.err, NULL);
	}
}

static void
test_scan(void **state)
{
	size_t	i, k;

	failures = 0;
	for (i = 0; i < sizeof(scan_rows) / sizeof(scan_rows[0]); i++) {
		scan_check(&scan_rows[i], "whole", 0, 0);
		scan_check(&scan_rows[i], "pieces of", 1, 0);
		scan_check(&scan_rows[i], "pieces of", 3, 0);
		for (k = 1; k < scan_rows[i].len; k++)
			scan_check(&scan_rows[i], "split at", 0, k);
	}
	assert_int_equal(failures, 0);
}

/* Two heads back to back: zeroing the scanner starts the next one. */
static void
test_scan_pipelined(void **state)
{
	static const char	 two[] = GOOD1 "GET /v1.41/info HTTP/1.1\r\n"
	    "Host: x\r\nA: b\r\n\r\n";
	struct httpmsg_scan	 s;
	size_t			 used;

	memset(&s, 0, sizeof(s));
	assert_int_equal(httpmsg_scan_feed(&s, two, sizeof(two) - 1, 65536,
	    &used), HTTPMSG_SCAN_DONE);
	assert_int_equal(used, sizeof(GOOD1) - 1);
	assert_int_equal(s.lines, 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(httpmsg_scan_feed(&s, two + used,
	    sizeof(two) - 1 - used, 65536, &used), HTTPMSG_SCAN_DONE);
	assert_int_equal(used, sizeof(two) - sizeof(GOOD1));
	assert_int_equal(s.lines, 3);
}

/* ------------------------------------------------------------------ */
/* httpmsg_parse + httpmsg_check_request */

#define KA	HTTPMSG_F_KEEPALIVE
#define DONE	HTTPMSG_F_COMPLETE

struct req_row {
	const char	*name;
	const char	*head;
	int		 prc;		/* httpmsg_parse */
	const char	*perr;
	int		 crc;		/* httpmsg_check_request (if prc 0) */
	const char	*cerr;
	unsigned	 flags;
	unsigned	 method;
	const char	*target;
	unsigned long long clen;
	size_t		 nhdrs;
	size_t		 maxhdrs;	/* 0: 16 */
	size_t		 max_url;	/* 0: 8192 */
};

#define H11	" HTTP/1.1\r\nHost: d\r\n"
#define LONG250	"/v1.41/containers/json?filters=aaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct req_row req_rows[] = {
	/* framing */
	{ "GET, no body", "GET /v1.41/_ping" H11 "\r\n", 0, NULL, 0, NULL,
	    KA | DONE, HTTP_GET, "/v1.41/_ping", 0, 1, 0, 0 },
	{ "HEAD", "HEAD /_ping" H11 "\r\n", 0, NULL, 0, NULL, KA | DONE,
	    HTTP_HEAD, "/_ping", 0, 1, 0, 0 },
	{ "POST with Content-Length",
	    "POST /v1.41/containers/create" H11 "Content-Length: 5\r\n\r\n",
	    0, NULL, 0, NULL, KA | HTTPMSG_F_CL, HTTP_POST,
	    "/v1.41/containers/create", 5, 2, 0, 0 },
	{ "Content-Length: 0 ends with the head",
	    "POST /v1.41/containers/x/start" H11 "Content-Length: 0\r\n\r\n",
	    0, NULL, 0, NULL, KA | DONE | HTTPMSG_F_CL, HTTP_POST,
	    "/v1.41/containers/x/start", 0, 2, 0, 0 },
	{ "chunked", "POST /v1.41/build" H11
	    "Transfer-Encoding: chunked\r\n\r\n", 0, NULL, 0, NULL,
	    KA | HTTPMSG_F_CHUNKED, HTTP_POST, "/v1.41/build", 0, 2, 0, 0 },
	{ "CHUNKED in capitals is chunked", "POST /v1.41/build" H11
	    "Transfer-Encoding: CHUNKED\r\n\r\n", 0, NULL, 0, NULL,
	    KA | HTTPMSG_F_CHUNKED, HTTP_POST, "/v1.41/build", 0, 2, 0, 0 },
	{ "chunked with a trailing space", "POST /v1.41/build" H11
	    "Transfer-Encoding: chunked \r\n\r\n", 0, NULL, 0, NULL,
	    KA | HTTPMSG_F_CHUNKED, HTTP_POST, "/v1.41/build", 0, 2, 0, 0 },
	{ "chunked with a trailing tab", "POST /v1.41/build" H11
	    "Transfer-Encoding: chunked\t\r\n\r\n", -1,
	    "unsupported Transfer-Encoding", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "TE: chunked, chunked", "POST /v1.41/build" H11
	    "Transfer-Encoding: chunked, chunked\r\n\r\n", -1,
	    "unsupported Transfer-Encoding", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "empty TE", "POST /v1.41/build" H11
	    "Transfer-Encoding:\r\n\r\n", -1,
	    "unsupported Transfer-Encoding", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "PUT and DELETE and OPTIONS are methods dockerd has",
	    "DELETE /v1.41/containers/x" H11 "\r\n", 0, NULL, 0, NULL,
	    KA | DONE, HTTP_DELETE, "/v1.41/containers/x", 0, 1, 0, 0 },
	{ "PUT", "PUT /v1.41/containers/x/archive?path=/" H11
	    "Content-Length: 3\r\n\r\n", 0, NULL, 0, NULL, KA | HTTPMSG_F_CL,
	    HTTP_PUT, "/v1.41/containers/x/archive?path=/", 3, 2, 0, 0 },
	{ "OPTIONS", "OPTIONS /v1.41/info" H11 "\r\n", 0, NULL, 0, NULL,
	    KA | DONE, HTTP_OPTIONS, "/v1.41/info", 0, 1, 0, 0 },

	/* smuggling shapes */
	{ "CL then TE", "POST /v1.41/build" H11 "Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "TE then CL", "POST /v1.41/build" H11
	    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "Content-Length: 0 and chunked", "POST /v1.41/build" H11
	    "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "CL and TE: identity", "POST /v1.41/build" H11
	    "Content-Length: 5\r\nTransfer-Encoding: identity\r\n\r\n", -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "duplicate Content-Length, same value", "POST /v1.41/build" H11
	    "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "conflicting Content-Length", "POST /v1.41/build" H11
	    "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "Content-Length list", "POST /v1.41/build" H11
	    "Content-Length: 5, 5\r\n\r\n", -1,
	    "invalid character in content-length header", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "negative Content-Length", "POST /v1.41/build" H11
	    "Content-Length: -1\r\n\r\n", -1,
	    "invalid character in content-length header", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "Content-Length with a sign", "POST /v1.41/build" H11
	    "Content-Length: +5\r\n\r\n", -1,
	    "invalid character in content-length header", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "Content-Length overflowing 64 bits", "POST /v1.41/build" H11
	    "Content-Length: 18446744073709551616\r\n\r\n", -1,
	    "invalid character in content-length header", 0, NULL, 0, 0,
	    NULL, 0, 0, 0, 0 },
	{ "TE: gzip, chunked", "POST /v1.41/build" H11
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", 0, NULL, -1,
	    "unsupported Transfer-Encoding", KA | HTTPMSG_F_CHUNKED, HTTP_POST,
	    "/v1.41/build", 0, 2, 0, 0 },
	{ "TE: chunked, identity", "POST /v1.41/build" H11
	    "Transfer-Encoding: chunked, identity\r\n\r\n", -1,
	    "unsupported Transfer-Encoding", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "TE: gzip", "POST /v1.41/build" H11
	    "Transfer-Encoding: gzip\r\n\r\n", -1,
	    "unsupported Transfer-Encoding", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "TE: chunked twice", "POST /v1.41/build" H11
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	    0, NULL, -1, "duplicate header field", KA | HTTPMSG_F_CHUNKED,
	    HTTP_POST, "/v1.41/build", 0, 3, 0, 0 },

	/* headers that must be single */
	{ "duplicate Host", "GET /v1.41/info" H11 "Host: e\r\n\r\n", 0, NULL,
	    -1, "duplicate header field", KA | DONE, HTTP_GET, "/v1.41/info",
	    0, 2, 0, 0 },
	{ "duplicate Host, other case", "GET /v1.41/info" H11
	    "hOST: d\r\n\r\n", 0, NULL, -1, "duplicate header field",
	    KA | DONE, HTTP_GET, "/v1.41/info", 0, 2, 0, 0 },
	{ "empty Host, then Host", "GET /v1.41/info HTTP/1.1\r\nHost:\r\n"
	    "Host: d\r\n\r\n", 0, NULL, -1, "duplicate header field",
	    KA | DONE, HTTP_GET, "/v1.41/info", 0, 2, 0, 0 },
	{ "duplicate Content-Type", "POST /v1.41/containers/create" H11
	    "Content-Type: application/json\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\n\r\n", 0, NULL, -1, "duplicate header field",
	    KA | HTTPMSG_F_CL, HTTP_POST, "/v1.41/containers/create", 2, 4,
	    0, 0 },
	{ "duplicate X-Registry-Auth", "POST /v1.41/images/create" H11
	    "X-Registry-Auth: e30=\r\nX-Registry-Auth: e30=\r\n\r\n", 0, NULL,
	    -1, "duplicate header field", KA | DONE, HTTP_POST,
	    "/v1.41/images/create", 0, 3, 0, 0 },
	{ "duplicate X-Registry-Config", "POST /v1.41/build" H11
	    "X-Registry-Config: e30=\r\nX-Registry-Config: e30=\r\n\r\n", 0,
	    NULL, -1, "duplicate header field", KA | DONE, HTTP_POST,
	    "/v1.41/build", 0, 3, 0, 0 },
	{ "duplicate Upgrade", "POST /v1.41/exec/x/start" H11
	    "Upgrade: tcp\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 0,
	    NULL, -1, "duplicate header field",
	    KA | DONE | HTTPMSG_F_UPGRADE | HTTPMSG_F_CONN_UPGRADE, HTTP_POST,
	    "/v1.41/exec/x/start", 0, 4, 0, 0 },
	{ "two Accept headers are fine", "GET /v1.41/info" H11
	    "Accept: a\r\nAccept: b\r\n\r\n", 0, NULL, 0, NULL, KA | DONE,
	    HTTP_GET, "/v1.41/info", 0, 3, 0, 0 },
	{ "missing Host on HTTP/1.1", "GET /v1.41/info HTTP/1.1\r\n\r\n", 0,
	    NULL, -1, "missing Host header", KA | DONE, HTTP_GET,
	    "/v1.41/info", 0, 0, 0, 0 },
	{ "no Host on HTTP/1.0 is fine", "GET /v1.41/info HTTP/1.0\r\n\r\n",
	    0, NULL, 0, NULL, DONE | HTTPMSG_F_HTTP10, HTTP_GET,
	    "/v1.41/info", 0, 0, 0, 0 },
	{ "empty Host is a Host", "GET /v1.41/info HTTP/1.1\r\nHost:\r\n\r\n",
	    0, NULL, 0, NULL, KA | DONE, HTTP_GET, "/v1.41/info", 0, 1, 0, 0 },

	/* request targets and methods */
	{ "absolute-form target",
	    "GET http://x/v1.41/_ping HTTP/1.1\r\nHost: x\r\n\r\n", 0, NULL, -1,
	    "request target must be a path (origin form)", KA | DONE, HTTP_GET,
	    "http://x/v1.41/_ping", 0, 1, 0, 0 },
	{ "asterisk-form target", "OPTIONS *" H11 "\r\n", 0, NULL, -1,
	    "request target must be a path (origin form)", KA | DONE,
	    HTTP_OPTIONS, "*", 0, 1, 0, 0 },
	{ "CONNECT", "CONNECT d:2375" H11 "\r\n", 0, NULL, -1,
	    "method not supported", KA | DONE, HTTP_CONNECT, "d:2375", 0, 1,
	    0, 0 },
	{ "TRACE", "TRACE /v1.41/info" H11 "\r\n", 0, NULL, -1,
	    "method not supported", KA | DONE, HTTP_TRACE, "/v1.41/info", 0, 1,
	    0, 0 },
	{ "PATCH", "PATCH /v1.41/info" H11 "\r\n", 0, NULL, -1,
	    "method not supported", KA | DONE, HTTP_PATCH, "/v1.41/info", 0, 1,
	    0, 0 },
	{ "lower-case method", "get /v1.41/info" H11 "\r\n", -1,
	    "invalid HTTP method", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "target at max_url", "GET " LONG250 H11 "\r\n", 0, NULL, 0, NULL,
	    KA | DONE, HTTP_GET, LONG250, 0, 1, 0, sizeof(LONG250) - 1 },
	{ "target over max_url", "GET " LONG250 H11 "\r\n", 0, NULL, -1,
	    "request target too long", KA | DONE, HTTP_GET, LONG250, 0, 1, 0,
	    sizeof(LONG250) - 2 },

	/* Expect */
	{ "Expect: 100-continue", "POST /v1.41/build" H11
	    "Expect: 100-continue\r\nContent-Length: 9\r\n\r\n", 0, NULL, 0,
	    NULL, KA | HTTPMSG_F_CL | HTTPMSG_F_EXPECT, HTTP_POST,
	    "/v1.41/build", 9, 3, 0, 0 },
	{ "Expect: 100-Continue", "POST /v1.41/build" H11
	    "Expect: 100-Continue\r\nContent-Length: 9\r\n\r\n", 0, NULL, 0,
	    NULL, KA | HTTPMSG_F_CL | HTTPMSG_F_EXPECT, HTTP_POST,
	    "/v1.41/build", 9, 3, 0, 0 },
	{ "Expect: something else", "POST /v1.41/build" H11
	    "Expect: 200-ok\r\nContent-Length: 9\r\n\r\n", 0, NULL, -1,
	    "unsupported Expect", KA | HTTPMSG_F_CL, HTTP_POST, "/v1.41/build",
	    9, 3, 0, 0 },
	{ "Expect: 100-continue with a parameter", "POST /v1.41/build" H11
	    "Expect: 100-continue; x=1\r\nContent-Length: 9\r\n\r\n", 0, NULL,
	    -1, "unsupported Expect", KA | HTTPMSG_F_CL, HTTP_POST,
	    "/v1.41/build", 9, 3, 0, 0 },
	{ "empty Expect", "POST /v1.41/build" H11
	    "Expect:\r\nContent-Length: 9\r\n\r\n", 0, NULL, -1,
	    "unsupported Expect", KA | HTTPMSG_F_CL, HTTP_POST, "/v1.41/build",
	    9, 3, 0, 0 },
	{ "duplicate Expect", "POST /v1.41/build" H11
	    "Expect: 100-continue\r\nExpect: 100-continue\r\n"
	    "Content-Length: 9\r\n\r\n", 0, NULL, -1, "duplicate header field",
	    KA | HTTPMSG_F_CL | HTTPMSG_F_EXPECT, HTTP_POST, "/v1.41/build", 9,
	    4, 0, 0 },

	/* connection management */
	{ "Connection: close", "GET /v1.41/info" H11
	    "Connection: close\r\n\r\n", 0, NULL, 0, NULL,
	    DONE | HTTPMSG_F_CONN_CLOSE, HTTP_GET, "/v1.41/info", 0, 2, 0, 0 },
	{ "Connection: Keep-Alive, Close", "GET /v1.41/info" H11
	    "Connection: Keep-Alive, Close\r\n\r\n", 0, NULL, 0, NULL,
	    DONE | HTTPMSG_F_CONN_CLOSE, HTTP_GET, "/v1.41/info", 0, 2, 0, 0 },
	{ "HTTP/1.0", "GET /v1.41/info HTTP/1.0\r\nHost: d\r\n\r\n", 0, NULL,
	    0, NULL, DONE | HTTPMSG_F_HTTP10, HTTP_GET, "/v1.41/info", 0, 1, 0,
	    0 },
	{ "HTTP/1.0 keep-alive",
	    "GET /v1.41/info HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0,
	    NULL, 0, NULL, KA | DONE | HTTPMSG_F_HTTP10, HTTP_GET,
	    "/v1.41/info", 0, 1, 0, 0 },
	{ "Upgrade with Connection: Upgrade", "POST /v1.41/containers/x/attach"
	    "?stream=1" H11 "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n", 0,
	    NULL, 0, NULL, KA | DONE | HTTPMSG_F_UPGRADE |
	    HTTPMSG_F_CONN_UPGRADE, HTTP_POST,
	    "/v1.41/containers/x/attach?stream=1", 0, 3, 0, 0 },
	{ "Upgrade without Connection: Upgrade", "POST /v1.41/exec/x/start" H11
	    "Upgrade: tcp\r\n\r\n", 0, NULL, 0, NULL,
	    KA | DONE | HTTPMSG_F_UPGRADE, HTTP_POST, "/v1.41/exec/x/start", 0,
	    2, 0, 0 },
	{ "Connection: Upgrade without Upgrade", "POST /v1.41/exec/x/start"
	    H11 "Connection: keep-alive, Upgrade\r\n\r\n", 0, NULL, 0, NULL,
	    KA | DONE | HTTPMSG_F_CONN_UPGRADE, HTTP_POST,
	    "/v1.41/exec/x/start", 0, 2, 0, 0 },

	/* header storage */
	{ "too many headers", "GET /v1.41/info" H11 "A: 1\r\nB: 2\r\n\r\n",
	    -1, "too many header fields", 0, NULL, 0, 0, NULL, 0, 0, 2, 0 },
	{ "exactly maxhdrs headers", "GET /v1.41/info" H11 "A: 1\r\n\r\n", 0,
	    NULL, 0, NULL, KA | DONE, HTTP_GET, "/v1.41/info", 0, 2, 2, 0 },
	{ "space in the target is the parser's to refuse",
	    "GET /a b HTTP/1.1\r\nHost: d\r\n\r\n", -1,
	    "invalid constant string", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "DEL in the target", "GET /\x7f HTTP/1.1\r\nHost: d\r\n\r\n",
	    -1, "invalid URL", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "blank after the version", "GET / HTTP/1.1 \r\nHost: d\r\n\r\n",
	    -1, "invalid HTTP version", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
	{ "unknown HTTP version", "GET /v1.41/info HTTP/1.x\r\n\r\n", -1,
	    "invalid HTTP version", 0, NULL, 0, 0, NULL, 0, 0, 0, 0 },
};

/* One exact header, after trimming. */
struct hdr_want {
	const char	*name;
	const char	*value;
};

static void
req_check(const struct req_row *r)
{
	struct httpmsg		 m;
	struct httpmsg_hdr	 hdrs[16];
	http_parser		 p;
	int			 rc;

	rc = httpmsg_parse(&m, &p, HTTP_REQUEST, r->head, strlen(r->head),
	    hdrs, r->maxhdrs ? r->maxhdrs : 16, false);
	expect_xint(r->name, "httpmsg_parse", rc, r->prc);
	expect_qstr(r->name, "parse err", rc ? m.err : NULL, r->perr);
	if (rc != 0 || r->prc != 0)
		return;
	rc = httpmsg_check_request(&m, r->max_url ? r->max_url : 8192);
	expect_xint(r->name, "httpmsg_check_request", rc, r->crc);
	expect_qstr(r->name, "check err", rc ? m.err : NULL, r->cerr);
	expect_xint(r->name, "flags", m.flags, r->flags);
	expect_xint(r->name, "method", m.method, r->method);
	expect_mem(r->name, "target", m.target, m.tlen, r->target);
	expect_xint(r->name, "clen", (long long)m.clen, (long long)r->clen);
	expect_xint(r->name, "nhdrs", m.nhdrs, r->nhdrs);
	expect_xint(r->name, "type", m.type, HTTP_REQUEST);
}

static void
test_requests(void **state)
{
	size_t	i;

	failures = 0;
	for (i = 0; i < sizeof(req_rows) / sizeof(req_rows[0]); i++)
		req_check(&req_rows[i]);
	assert_int_equal(failures, 0);
}

/* Header names and values are exact, trimmed and in order. */
static void
test_request_headers(void **state)
{
	static const char	 head[] = "POST /v1.41/build?t=x HTTP/1.1\r\n"
	    "Host: dind:2376\r\n"
	    "X-Empty:\r\n"
	    "X-Blank: \t \r\n"
	    "Content-Type:   application/x-tar  \r\n"
	    "X-Inner:  a  b \t\r\n"
	    "Content-Length: 10\r\n\r\n";
	static const struct hdr_want want[] = {
		{ "Host", "dind:2376" },
		{ "X-Empty", "" },
		{ "X-Blank", "" },
		{ "Content-Type", "application/x-tar" },
		{ "X-Inner", "a  b" },
		{ "Content-Length", "10" },
	};
	struct httpmsg		 m;
	struct httpmsg_hdr	 hdrs[8];
	const struct httpmsg_hdr *h;
	http_parser		 p;
	size_t			 i;

	failures = 0;
	assert_int_equal(httpmsg_parse(&m, &p, HTTP_REQUEST, head,
	    sizeof(head) - 1, hdrs, 8, false), 0);
	assert_int_equal(httpmsg_check_request(&m, 8192), 0);
	assert_int_equal(m.nhdrs, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < m.nhdrs; i++) {
		expect_mem(want[i].name, "name", m.hdrs[i].name,
		    m.hdrs[i].nlen, want[i].name);
		expect_mem(want[i].name, "value", m.hdrs[i].value,
		    m.hdrs[i].vlen, want[i].value);
	}
	assert_int_equal(failures, 0);
	assert_int_equal(m.clen, 10);
	assert_int_equal(m.flags, KA | HTTPMSG_F_CL);
	h = httpmsg_find(&m, "content-type");
	assert_non_null(h);
	assert_ptr_equal(h, &hdrs[3]);
	assert_ptr_equal(httpmsg_find(&m, "HOST"), &hdrs[0]);
	assert_null(httpmsg_find(&m, "Host:"));
	assert_null(httpmsg_find(&m, "X-Registry-Auth"));
	/* The parser is left at the body: the body bytes parse as a body. */
	assert_int_equal(p.content_length, 10);
}

/* ------------------------------------------------------------------ */
/* responses */

struct resp_row {
	const char	*name;
	const char	*head;
	bool		 req_is_head;
	int		 rc;
	const char	*err;
	unsigned	 status;
	const char	*reason;
	unsigned	 flags;
	unsigned long long clen;
	size_t		 nhdrs;
};

static const struct resp_row resp_rows[] = {
	{ "200 with Content-Length",
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, 0, NULL,
	    200, "OK", KA | HTTPMSG_F_CL, 5, 1 },
	{ "200 with Content-Length: 0",
	    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 0, NULL,
	    200, "OK", KA | DONE | HTTPMSG_F_CL, 0, 1 },
	{ "200 chunked", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", false, 0, NULL, 200, "OK",
	    KA | HTTPMSG_F_CHUNKED, 0, 2 },
	{ "200, gzip then chunked, is chunked", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", false, 0, NULL, 200,
	    "OK", KA | HTTPMSG_F_CHUNKED, 0, 1 },
	/* The parser reads this one to EOF; the flags must say so too. */
	{ "200, chunked then gzip, reads to EOF", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", false, 0, NULL, 200,
	    "OK", 0, 0, 1 },
	{ "200 without framing reads to EOF", "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/vnd.docker.raw-stream\r\n\r\n", false,
	    0, NULL, 200, "OK", 0, 0, 1 },
	{ "101 UPGRADED", "HTTP/1.1 101 UPGRADED\r\n"
	    "Content-Type: application/vnd.docker.raw-stream\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n", false, 0, NULL, 101,
	    "UPGRADED", KA | DONE | HTTPMSG_F_UPGRADE | HTTPMSG_F_CONN_UPGRADE,
	    0, 3 },
	{ "204", "HTTP/1.1 204 No Content\r\nServer: Docker\r\n\r\n", false, 0,
	    NULL, 204, "No Content", KA | DONE, 0, 1 },
	{ "304", "HTTP/1.1 304 Not Modified\r\n\r\n", false, 0, NULL, 304,
	    "Not Modified", KA | DONE, 0, 0 },
	{ "HEAD response with Content-Length has no body",
	    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true, 0, NULL,
	    200, "OK", KA | DONE | HTTPMSG_F_CL | HTTPMSG_F_NOBODY, 100, 1 },
	{ "HEAD response, chunked, has no body",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, 0,
	    NULL, 200, "OK", KA | DONE | HTTPMSG_F_CHUNKED | HTTPMSG_F_NOBODY,
	    0, 1 },
	{ "HEAD response without framing",
	    "HTTP/1.1 200 OK\r\nX-Docker-Container-Path-Stat: e30=\r\n\r\n",
	    true, 0, NULL, 200, "OK", KA | DONE | HTTPMSG_F_NOBODY, 0, 1 },
	{ "404 with Connection: close", "HTTP/1.1 404 Not Found\r\n"
	    "Connection: close\r\nContent-Length: 2\r\n\r\n", false, 0, NULL,
	    404, "Not Found", HTTPMSG_F_CL | HTTPMSG_F_CONN_CLOSE, 2, 2 },
	{ "HTTP/1.0 response", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n",
	    false, 0, NULL, 200, "OK", HTTPMSG_F_CL | HTTPMSG_F_HTTP10, 2, 1 },
	{ "CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", false, -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0, 0 },
	{ "duplicate Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Content-Length: 3\r\n\r\n", false, -1,
	    "conflicting Content-Length/Transfer-Encoding", 0, NULL, 0, 0, 0 },
	{ "bad status line", "HTTP/1.1 2x0 OK\r\n\r\n", false, -1,
	    "invalid HTTP status code", 0, NULL, 0, 0, 0 },
};

static void
resp_check(const struct resp_row *r)
{
	struct httpmsg		 m;
	struct httpmsg_hdr	 hdrs[16];
	http_parser		 p;
	int			 rc;

	rc = httpmsg_parse(&m, &p, HTTP_RESPONSE, r->head, strlen(r->head),
	    hdrs, 16, r->req_is_head);
	expect_xint(r->name, "httpmsg_parse", rc, r->rc);
	expect_qstr(r->name, "err", rc ? m.err : NULL, r->err);
	if (rc != 0 || r->rc != 0)
		return;
	expect_xint(r->name, "status", m.status, r->status);
	expect_mem(r->name, "reason", m.reason, m.rlen, r->reason);
	expect_xint(r->name, "flags", m.flags, r->flags);
	expect_xint(r->name, "clen", (long long)m.clen, (long long)r->clen);
	expect_xint(r->name, "nhdrs", m.nhdrs, r->nhdrs);
	expect_xint(r->name, "type", m.type, HTTP_RESPONSE);
}

static void
test_responses(void **state)
{
	size_t	i;

	failures = 0;
	for (i = 0; i < sizeof(resp_rows) / sizeof(resp_rows[0]); i++)
		resp_check(&resp_rows[i]);
	assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ */
/* small helpers */

static void
test_is_hop(void **state)
{
	static const struct {
		const char	*name;
		bool		 req, resp;
	} rows[] = {
		{ "Connection", true, true },
		{ "keep-alive", true, true },
		{ "Proxy-Connection", true, true },
		{ "TE", true, true },
		{ "Trailer", true, true },
		{ "Upgrade", true, true },
		{ "Proxy-Authorization", true, true },
		{ "Proxy-Authenticate", true, true },
		{ "Transfer-Encoding", true, false },
		{ "Content-Length", true, false },
		{ "Expect", true, false },
		{ "Host", true, false },
		{ "Content-Type", false, false },
		{ "X-Registry-Auth", false, false },
		{ "Connectio", false, false },
		{ "Connections", false, false },
	};
	struct httpmsg_hdr	h;
	size_t			i;

	failures = 0;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.name = rows[i].name;
		h.nlen = strlen(rows[i].name);
		expect_xint(rows[i].name, "request hop",
		    httpmsg_is_hop(&h, HTTP_REQUEST), rows[i].req);
		expect_xint(rows[i].name, "response hop",
		    httpmsg_is_hop(&h, HTTP_RESPONSE), rows[i].resp);
	}
	assert_int_equal(failures, 0);
}

static void
test_ieq_reason(void **state)
{
	static const struct {
		unsigned	 status;
		const char	*reason;
	} rows[] = {
		{ 100, "Continue" }, { 400, "Bad Request" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 408, "Request Timeout" }, { 413, "Payload Too Large" },
		{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
		{ 418, "Error" }, { 0, "Error" },
	};
	size_t	i;

	assert_true(httpmsg_ieq("Chunked", 7, "chunked"));
	assert_true(httpmsg_ieq("chunkedX", 7, "CHUNKED"));
	assert_false(httpmsg_ieq("chunke", 6, "chunked"));
	assert_false(httpmsg_ieq("chunked", 7, "chunke"));
	assert_true(httpmsg_ieq("", 0, ""));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_string_equal(httpmsg_reason(rows[i].status),
		    rows[i].reason);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_pipelined),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_request_headers),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_is_hop),
		cmocka_unit_test(test_ieq_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
