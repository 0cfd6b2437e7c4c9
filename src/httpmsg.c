/*
 * httpmsg: strict HTTP/1.1 heads on top of http-parser.  See httpmsg.h.
 *
 * Why a scanner in front of http-parser: the parser as Debian builds it is
 * lenient (it accepts obs-fold, bare LF and some control bytes) and the
 * engine behind us, Go's net/http, reads several of those differently.
 * Any head that two HTTP implementations could read two ways is refused
 * here, before anything is parsed, decided or forwarded.
 */
#include "autoconf.h"

#include <string.h>
#include <strings.h>

#include "httpmsg.h"

enum {
	HTTPMSG_S_LINE_START,	/* at the start of a line */
	HTTPMSG_S_REQLINE,	/* in the first line */
	HTTPMSG_S_NAME,		/* in a header name */
	HTTPMSG_S_VALUE,	/* in a header value */
	HTTPMSG_S_CR,		/* after CR, expecting LF */
	HTTPMSG_S_END_CR,	/* after the CR of the blank line */
};

/* RFC 9110 tchar: what a header name may contain. */
static bool
httpmsg_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Control bytes other than HT have no business in a head (NUL above all). */
static bool
httpmsg_is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

enum httpmsg_scan_result
httpmsg_scan_feed(struct httpmsg_scan *s, const char *p, size_t len,
    size_t max, size_t *used)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (s->n + i >= max) {
			s->err = "request header section too large";
			goto fail;
		}
		switch (s->state) {
		case HTTPMSG_S_LINE_START:
			if (c == '\r') {
				if (s->lines == 0) {
					s->err = "empty request line";
					goto fail;
				}
				s->state = HTTPMSG_S_END_CR;
			} else if (s->lines == 0) {
				/*
				 * HT too: httpmsg_is_ctl() lets it through for
				 * values, but some parsers skip leading
				 * whitespace before the method and some do not.
				 */
				if (httpmsg_is_ctl(c) || c == ' ' || c == '\t') {
					s->err = "malformed request line";
					goto fail;
				}
				s->state = HTTPMSG_S_REQLINE;
			} else if (c == ' ' || c == '\t') {
				/*
				 * obs-fold: Go refuses it, other parsers join
				 * the lines; either way the two disagree.
				 */
				s->err = "obsolete header line folding";
				goto fail;
			} else if (httpmsg_is_tchar(c))
				s->state = HTTPMSG_S_NAME;
			else {
				s->err = "invalid character in header name";
				goto fail;
			}
			break;
		case HTTPMSG_S_NAME:
			if (c == ':')
				s->state = HTTPMSG_S_VALUE;
			else if (!httpmsg_is_tchar(c)) {
				/* "Content-Length : 5" is one of these. */
				s->err = "invalid character in header name";
				goto fail;
			}
			break;
		case HTTPMSG_S_REQLINE:
		case HTTPMSG_S_VALUE:
			if (c == '\r')
				s->state = HTTPMSG_S_CR;
			else if (c == '\n') {
				/* Go accepts bare LF, others do not. */
				s->err = "bare LF line ending";
				goto fail;
			} else if (httpmsg_is_ctl(c)) {
				s->err = "control character in header";
				goto fail;
			}
			break;
		case HTTPMSG_S_CR:
			if (c != '\n') {
				s->err = "bare CR in header";
				goto fail;
			}
			s->lines++;
			s->state = HTTPMSG_S_LINE_START;
			break;
		case HTTPMSG_S_END_CR:
			if (c != '\n') {
				s->err = "bare CR in header";
				goto fail;
			}
			s->n += i + 1;
			*used = i + 1;
			return HTTPMSG_SCAN_DONE;
		}
	}
	s->n += len;
	*used = len;
	return HTTPMSG_SCAN_MORE;
fail:
	*used = i;
	return HTTPMSG_SCAN_ERROR;
}

bool
httpmsg_ieq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/* Extend the previous piece when http-parser hands one item in parts. */
static void
httpmsg_span(const char **dst, size_t *dlen, const char *at, size_t len)
{
	if (*dst != NULL && *dst + *dlen == at)
		*dlen += len;
	else {
		*dst = at;
		*dlen = len;
	}
}

static int
httpmsg_on_url(http_parser *p, const char *at, size_t len)
{
	struct httpmsg	*m = p->data;

	httpmsg_span(&m->target, &m->tlen, at, len);
	return 0;
}

static int
httpmsg_on_status(http_parser *p, const char *at, size_t len)
{
	struct httpmsg	*m = p->data;

	httpmsg_span(&m->reason, &m->rlen, at, len);
	return 0;
}

static int
httpmsg_on_field(http_parser *p, const char *at, size_t len)
{
	struct httpmsg		*m = p->data;
	struct httpmsg_hdr	*h;

	if (m->nhdrs > 0 && !m->in_value) {
		h = &m->hdrs[m->nhdrs - 1];
		httpmsg_span(&h->name, &h->nlen, at, len);
		return 0;
	}
	if (m->nhdrs == m->maxhdrs) {
		m->err = "too many header fields";
		return -1;
	}
	h = &m->hdrs[m->nhdrs++];
	memset(h, 0, sizeof(*h));
	h->name = at;
	h->nlen = len;
	m->in_value = 0;
	return 0;
}

static int
httpmsg_on_value(http_parser *p, const char *at, size_t len)
{
	struct httpmsg		*m = p->data;
	struct httpmsg_hdr	*h = &m->hdrs[m->nhdrs - 1];

	if (!m->in_value) {
		h->value = NULL;
		h->vlen = 0;
	}
	httpmsg_span(&h->value, &h->vlen, at, len);
	m->in_value = 1;
	return 0;
}

static int
httpmsg_on_headers_complete(http_parser *p)
{
	struct httpmsg	*m = p->data;

	/* Responses to HEAD carry framing headers but no body. */
	return (m->flags & HTTPMSG_F_NOBODY) ? 1 : 0;
}

static int
httpmsg_on_message_complete(http_parser *p)
{
	struct httpmsg	*m = p->data;

	m->flags |= HTTPMSG_F_COMPLETE;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings httpmsg_head_settings = {
	.on_url = httpmsg_on_url,
	.on_status = httpmsg_on_status,
	.on_header_field = httpmsg_on_field,
	.on_header_value = httpmsg_on_value,
	.on_headers_complete = httpmsg_on_headers_complete,
	.on_message_complete = httpmsg_on_message_complete,
};

/* Trim OWS around a header value: http-parser keeps trailing blanks. */
static void
httpmsg_trim(struct httpmsg_hdr *h)
{
	if (h->value == NULL) {
		h->value = h->name + h->nlen;
		h->vlen = 0;
	}
	while (h->vlen > 0 && (h->value[0] == ' ' || h->value[0] == '\t')) {
		h->value++;
		h->vlen--;
	}
	while (h->vlen > 0 && (h->value[h->vlen - 1] == ' ' ||
	    h->value[h->vlen - 1] == '\t'))
		h->vlen--;
}

/* Does a comma-separated header value contain token tok? */
static bool
httpmsg_has_token(const struct httpmsg_hdr *h, const char *tok)
{
	const char	*s = h->value, *e = h->value + h->vlen, *t;
	size_t		 len;

	while (s < e) {
		while (s < e && (*s == ' ' || *s == '\t' || *s == ','))
			s++;
		t = s;
		while (s < e && *s != ',')
			s++;
		len = s - t;
		while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t'))
			len--;
		if (httpmsg_ieq(t, len, tok))
			return true;
	}
	return false;
}

/* Derive the framing and connection flags from the header list. */
static void
httpmsg_flags(struct httpmsg *m, http_parser *p)
{
	size_t			 i;
	struct httpmsg_hdr	*h;

	for (i = 0; i < m->nhdrs; i++) {
		h = &m->hdrs[i];
		httpmsg_trim(h);
		if (httpmsg_ieq(h->name, h->nlen, "content-length"))
			m->flags |= HTTPMSG_F_CL;
		else if (httpmsg_ieq(h->name, h->nlen, "upgrade"))
			m->flags |= HTTPMSG_F_UPGRADE;
		else if (httpmsg_ieq(h->name, h->nlen, "connection")) {
			if (httpmsg_has_token(h, "upgrade"))
				m->flags |= HTTPMSG_F_CONN_UPGRADE;
			if (httpmsg_has_token(h, "close"))
				m->flags |= HTTPMSG_F_CONN_CLOSE;
		} else if (httpmsg_ieq(h->name, h->nlen, "expect") &&
		    httpmsg_ieq(h->value, h->vlen, "100-continue"))
			m->flags |= HTTPMSG_F_EXPECT;
	}
	/*
	 * Chunked is what http-parser frames as chunked (chunked as the final
	 * coding), not any mention of the token: for a response with
	 * "chunked, gzip" the parser reads to EOF, and a flag saying chunked
	 * would make the session keep a connection whose end it cannot find.
	 */
	if (p->flags & F_CHUNKED)
		m->flags |= HTTPMSG_F_CHUNKED;
	if (p->http_major == 1 && p->http_minor == 0)
		m->flags |= HTTPMSG_F_HTTP10;
	if (http_should_keep_alive(p))
		m->flags |= HTTPMSG_F_KEEPALIVE;
	if (m->flags & HTTPMSG_F_CL)
		m->clen = p->content_length;
}

int
httpmsg_parse(struct httpmsg *m, http_parser *p, enum http_parser_type type,
    const char *head, size_t len, struct httpmsg_hdr *hdrs, size_t maxhdrs,
    bool req_is_head)
{
	size_t		n;
	enum http_errno	e;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->hdrs = hdrs;
	m->maxhdrs = maxhdrs;
	if (req_is_head)
		m->flags |= HTTPMSG_F_NOBODY;
	http_parser_init(p, type);
	p->data = m;
	n = http_parser_execute(p, &httpmsg_head_settings, head, len);
	e = HTTP_PARSER_ERRNO(p);
	if (e == HPE_PAUSED)
		http_parser_pause(p, 0);
	else if (e != HPE_OK) {
		if (m->err == NULL)
			m->err = e == HPE_UNEXPECTED_CONTENT_LENGTH ?
			    "conflicting Content-Length/Transfer-Encoding" :
			    e == HPE_INVALID_TRANSFER_ENCODING ?
			    "unsupported Transfer-Encoding" :
			    http_errno_description(e);
		return -1;
	}
	if (n != len && !(m->flags & HTTPMSG_F_COMPLETE)) {
		m->err = "malformed message head";
		return -1;
	}
	m->method = p->method;
	m->status = p->status_code;
	m->major = p->http_major;
	m->minor = p->http_minor;
	httpmsg_flags(m, p);
	return 0;
}

const struct httpmsg_hdr *
httpmsg_find(const struct httpmsg *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->nhdrs; i++)
		if (httpmsg_ieq(m->hdrs[i].name, m->hdrs[i].nlen, name))
			return &m->hdrs[i];
	return NULL;
}

static size_t
httpmsg_count(const struct httpmsg *m, const char *name)
{
	size_t	i, n = 0;

	for (i = 0; i < m->nhdrs; i++)
		if (httpmsg_ieq(m->hdrs[i].name, m->hdrs[i].nlen, name))
			n++;
	return n;
}

/*
 * Headers Go's Header.Get reads first-wins while other code may read them
 * last-wins: a second copy can only be an attempt to be read two ways.
 */
static const char *const httpmsg_singletons[] = {
	"host", "content-length", "transfer-encoding", "content-type",
	"x-registry-auth", "x-registry-config", "upgrade", "expect", NULL
};

int
httpmsg_check_request(struct httpmsg *m, size_t max_url)
{
	const struct httpmsg_hdr	*te;
	const char *const		*s;

	switch (m->method) {
	case HTTP_GET: case HTTP_HEAD: case HTTP_POST: case HTTP_PUT:
	case HTTP_DELETE: case HTTP_OPTIONS:
		break;
	default:
		/* CONNECT, TRACE and WebDAV verbs mean nothing to dockerd. */
		m->err = "method not supported";
		return -1;
	}
	/* HTTP/1.0 and 1.1 only: other versions frame messages differently. */
	if (m->major != 1 || m->minor > 1) {
		m->err = "unsupported HTTP version";
		return -1;
	}
	if (m->tlen > max_url) {
		m->err = "request target too long";
		return -1;
	}
	/* Go serves absolute-form targets; we route only what we read. */
	if (m->tlen == 0 || m->target[0] != '/') {
		m->err = "request target must be a path (origin form)";
		return -1;
	}
	for (s = httpmsg_singletons; *s != NULL; s++)
		if (httpmsg_count(m, *s) > 1) {
			m->err = "duplicate header field";
			return -1;
		}
	/* CL together with TE is the classic smuggling shape: refuse it. */
	if ((m->flags & HTTPMSG_F_CL) &&
	    httpmsg_find(m, "transfer-encoding") != NULL) {
		m->err = "both Content-Length and Transfer-Encoding";
		return -1;
	}
	if ((te = httpmsg_find(m, "transfer-encoding")) != NULL &&
	    !httpmsg_ieq(te->value, te->vlen, "chunked")) {
		/* Only a lone "chunked" is framed the same by everyone. */
		m->err = "unsupported Transfer-Encoding";
		return -1;
	}
	if (httpmsg_find(m, "expect") != NULL &&
	    !(m->flags & HTTPMSG_F_EXPECT)) {
		m->err = "unsupported Expect";
		return -1;
	}
	if (!(m->flags & HTTPMSG_F_HTTP10) && httpmsg_find(m, "host") == NULL) {
		m->err = "missing Host header";
		return -1;
	}
	return 0;
}

bool
httpmsg_is_hop(const struct httpmsg_hdr *h, enum http_parser_type type)
{
	static const char *const hop[] = {
		"connection", "keep-alive", "proxy-connection", "te",
		"trailer", "upgrade", "proxy-authorization",
		"proxy-authenticate", NULL
	};
	/* Request framing is always rewritten by us; so is Host. */
	static const char *const reqonly[] = {
		"transfer-encoding", "content-length", "expect", "host", NULL
	};
	const char *const	*s;

	for (s = hop; *s != NULL; s++)
		if (httpmsg_ieq(h->name, h->nlen, *s))
			return true;
	if (type == HTTP_REQUEST)
		for (s = reqonly; *s != NULL; s++)
			if (httpmsg_ieq(h->name, h->nlen, *s))
				return true;
	return false;
}

const char *
httpmsg_reason(unsigned status)
{
	switch (status) {
	case 100: return "Continue";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}
