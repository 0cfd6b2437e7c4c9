/*
 * httpmsg: HTTP/1.1 message heads, strictly.
 *
 * Owns all http-parser glue and the framing rules: scanning a head as it
 * arrives (CRLF only, no control bytes, no obs-fold, bounded size),
 * parsing it into a struct httpmsg whose strings point into the caller's
 * copy of the head, and the checks that refuse smuggling shapes (CL+TE,
 * duplicate Content-Length, transfer codings other than chunked,
 * absolute-form targets).  Pure: no sockets, no libevent.
 */
#ifndef DINDGATE_HTTPMSG_H
#define DINDGATE_HTTPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>

/* Incremental head scanner; zero it to start a head. */
struct httpmsg_scan {
	size_t		 n;		/* bytes of the head scanned so far */
	size_t		 lines;		/* complete lines so far */
	int		 state;		/* HTTPMSG_S_* in httpmsg.c */
	const char	*err;		/* why the head was refused */
};

enum httpmsg_scan_result {
	HTTPMSG_SCAN_MORE,		/* need more bytes */
	HTTPMSG_SCAN_DONE,		/* head complete: scan.n bytes */
	HTTPMSG_SCAN_ERROR,		/* malformed: scan.err says why */
};

/* One header; name and value point into the head copy.  Borrowed. */
struct httpmsg_hdr {
	const char	*name;
	size_t		 nlen;
	const char	*value;		/* surrounding whitespace trimmed */
	size_t		 vlen;
};

/* Flags for struct httpmsg. */
#define HTTPMSG_F_CL		0x0001	/* has Content-Length */
#define HTTPMSG_F_CHUNKED	0x0002	/* Transfer-Encoding: chunked */
#define HTTPMSG_F_UPGRADE	0x0004	/* has an Upgrade header */
#define HTTPMSG_F_CONN_UPGRADE	0x0008	/* Connection: upgrade */
#define HTTPMSG_F_CONN_CLOSE	0x0010	/* Connection: close */
#define HTTPMSG_F_EXPECT	0x0020	/* Expect: 100-continue */
#define HTTPMSG_F_KEEPALIVE	0x0040	/* connection may carry another */
#define HTTPMSG_F_COMPLETE	0x0080	/* message ended with the head */
#define HTTPMSG_F_NOBODY	0x0100	/* response to HEAD: no body */
#define HTTPMSG_F_HTTP10	0x0200	/* HTTP/1.0 */

/* A parsed head.  Strings are borrowed from the head copy. */
struct httpmsg {
	enum http_parser_type	 type;
	unsigned		 method;	/* enum http_method */
	const char		*target;	/* request target */
	size_t			 tlen;
	unsigned		 status;	/* response status */
	const char		*reason;	/* response reason phrase */
	size_t			 rlen;
	uint64_t		 clen;		/* Content-Length */
	unsigned short		 major;		/* HTTP version */
	unsigned short		 minor;
	unsigned		 flags;		/* HTTPMSG_F_* */
	struct httpmsg_hdr	*hdrs;		/* caller-provided array */
	size_t			 nhdrs;
	size_t			 maxhdrs;
	const char		*err;		/* why it was refused */
	int			 in_value;	/* parser: last cb was a value */
};

/*
 * Feed len bytes; sets *used to the bytes consumed (all of them unless
 * DONE).  A head longer than max is an error.
 */
enum httpmsg_scan_result httpmsg_scan_feed(struct httpmsg_scan *,
	    const char *p, size_t len, size_t max, size_t *used);

/*
 * Parse a complete head (as found by the scanner) with parser p, which
 * this initialises and leaves positioned at the start of the body.
 * hdrs/maxhdrs is the storage for headers.  For a response, req_is_head
 * says the request was HEAD (no body follows).  Returns 0, or -1 with
 * m->err set.
 */
int	httpmsg_parse(struct httpmsg *m, http_parser *p,
	    enum http_parser_type type, const char *head, size_t len,
	    struct httpmsg_hdr *hdrs, size_t maxhdrs, bool req_is_head);

/*
 * The request rules of dindgate on top of http-parser's: returns 0, or
 * -1 with m->err.  max_url bounds the target.
 */
int	httpmsg_check_request(struct httpmsg *m, size_t max_url);

/* The first header named name (case-insensitive), or NULL. */
const struct httpmsg_hdr *httpmsg_find(const struct httpmsg *,
	    const char *name);
/* Whether a header is hop-by-hop (never forwarded as is). */
bool	httpmsg_is_hop(const struct httpmsg_hdr *, enum http_parser_type);
/* Case-insensitive comparison of a counted string with a C string. */
bool	httpmsg_ieq(const char *s, size_t len, const char *lit);
/* Standard reason phrase for the statuses dindgate writes. */
const char *httpmsg_reason(unsigned status);

#endif
