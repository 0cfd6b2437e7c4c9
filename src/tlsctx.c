/*
 * tlsctx: OpenSSL setup for both sides.  See tlsctx.h.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tlsctx.h"

static const unsigned char tlsctx_alpn[] = "\x08http/1.1";

char *
tlsctx_errors(char *buf, size_t len)
{
	unsigned long	e;
	size_t		o = 0;
	char		one[256];

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, one, sizeof(one));
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? "; " : "", one);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "no details");
	return buf;
}

void
tlsctx_log_errors(const char *what)
{
	char	buf[1024];

	log_warnx("%s: %s", what, tlsctx_errors(buf, sizeof(buf)));
}

/*
 * ALPN: we speak HTTP/1.1 only.  A client that offers only h2 fails the
 * handshake rather than getting a protocol we would not parse.
 */
static int
tlsctx_alpn_select_cb(SSL *ssl, const unsigned char **out,
    unsigned char *outlen, const unsigned char *in, unsigned int inlen,
    void *arg)
{
	unsigned char	*sel;

	if (SSL_select_next_proto(&sel, outlen, tlsctx_alpn,
	    sizeof(tlsctx_alpn) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static int
tlsctx_cert_expired(const char *file, struct diag *d)
{
	FILE	*fp;
	X509	*x;
	int	 bad = 0;

	if ((fp = fopen(file, "r")) == NULL)
		return 0;
	if ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
			diag_add(d, file, 0, 0, "certificate has expired");
			bad = 1;
		}
		X509_free(x);
	}
	fclose(fp);
	ERR_clear_error();
	return bad;
}

/* Options both sides share. */
static void
tlsctx_common(SSL_CTX *ctx)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/*
	 * Ragged EOFs are normal: the docker CLI exits without close_notify
	 * and docker-py half-closes with a bare FIN.  Treat them as EOF.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Idle connections must not hold 34 KiB of TLS buffers each. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    SSL_MODE_ENABLE_PARTIAL_WRITE);
	SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
}

static int
tlsctx_load_pair(SSL_CTX *ctx, const char *cert, const char *key,
    struct diag *d)
{
	char	buf[512];

	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		diag_add(d, cert, 0, 0, "cannot load certificate: %s",
		    tlsctx_errors(buf, sizeof(buf)));
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		diag_add(d, key, 0, 0, "cannot load private key: %s",
		    tlsctx_errors(buf, sizeof(buf)));
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		diag_add(d, key, 0, 0, "private key does not match %s", cert);
		ERR_clear_error();
		return -1;
	}
	return tlsctx_cert_expired(cert, d) ? -1 : 0;
}

SSL_CTX *
tlsctx_server_new(const struct config *c, struct diag *d)
{
	SSL_CTX			*ctx;
	STACK_OF(X509_NAME)	*names;
	char			 buf[512];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		diag_add(d, c->path, 0, 0, "SSL_CTX_new: %s",
		    tlsctx_errors(buf, sizeof(buf)));
		return NULL;
	}
	tlsctx_common(ctx);
	/* TLS 1.3 suites are fine as OpenSSL ships them. */
	if (tlsctx_load_pair(ctx, c->tls_cert, c->tls_key, d) == -1)
		goto fail;
	if (SSL_CTX_load_verify_locations(ctx, c->tls_client_ca, NULL) != 1) {
		diag_add(d, c->tls_client_ca, 0, 0, "cannot load client CA: "
		    "%s", tlsctx_errors(buf, sizeof(buf)));
		goto fail;
	}
	if ((names = SSL_load_client_CA_file(c->tls_client_ca)) != NULL)
		SSL_CTX_set_client_CA_list(ctx, names);
	ERR_clear_error();
	/*
	 * Every worker is identified by its certificate: no certificate, or
	 * one the worker CA did not sign (or without clientAuth, or expired),
	 * ends the handshake before a byte of HTTP is read.
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	SSL_CTX_set_alpn_select_cb(ctx, tlsctx_alpn_select_cb, NULL);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"dindgate",
	    8);
	/*
	 * No resumption toward workers: every docker command is a new process
	 * with no session cache, so tickets and cached sessions would only
	 * cost CPU per handshake and memory per connection.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tlsctx_client_new(const struct config *c, struct diag *d)
{
	SSL_CTX	*ctx;
	char	 buf[512];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		diag_add(d, c->path, 0, 0, "SSL_CTX_new: %s",
		    tlsctx_errors(buf, sizeof(buf)));
		return NULL;
	}
	tlsctx_common(ctx);
	if (tlsctx_load_pair(ctx, c->up_cert, c->up_key, d) == -1)
		goto fail;
	if (SSL_CTX_load_verify_locations(ctx, c->up_ca, NULL) != 1) {
		diag_add(d, c->up_ca, 0, 0, "cannot load upstream CA: %s",
		    tlsctx_errors(buf, sizeof(buf)));
		goto fail;
	}
	/* The engine must prove it is the engine we were told about. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/*
	 * http/1.1 only: dind 29.2+ answers h2 if offered, and its gRPC path
	 * over h2 bypasses the engine's own middleware.
	 */
	SSL_CTX_set_alpn_protos(ctx, tlsctx_alpn, sizeof(tlsctx_alpn) - 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static char *
tlsctx_asn1(const ASN1_STRING *s)
{
	unsigned char	*u = NULL;
	char		*r;
	int		 n;

	if ((n = ASN1_STRING_to_UTF8(&u, s)) < 0)
		return NULL;
	/* A NUL inside a name would let "a\0b" pass as "a". */
	if (memchr(u, '\0', (size_t)n) != NULL) {
		OPENSSL_free(u);
		return NULL;
	}
	r = strndup((char *)u, (size_t)n);
	OPENSSL_free(u);
	return r;
}

static void
tlsctx_add_san(struct peer_id *id, const char *kind, const char *v)
{
	char	**nv;
	size_t	  len;

	if (v == NULL || id->nsan >= 64)
		return;
	if ((nv = realloc(id->san, (id->nsan + 1) * sizeof(*nv))) == NULL)
		return;
	id->san = nv;
	len = strlen(kind) + strlen(v) + 2;
	if ((id->san[id->nsan] = malloc(len)) == NULL)
		return;
	snprintf(id->san[id->nsan++], len, "%s:%s", kind, v);
}

static void
tlsctx_sans(X509 *x, struct peer_id *id)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*g;
	char		*v, ip[64];
	int		 i;
	const unsigned char *a;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		switch (g->type) {
		case GEN_DNS:
		case GEN_URI:
		case GEN_EMAIL:
			v = tlsctx_asn1(g->d.ia5);
			tlsctx_add_san(id, g->type == GEN_DNS ? "DNS" :
			    g->type == GEN_URI ? "URI" : "email", v);
			free(v);
			break;
		case GEN_IPADD:
			a = ASN1_STRING_get0_data(g->d.ip);
			if (ASN1_STRING_length(g->d.ip) == 4) {
				snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0],
				    a[1], a[2], a[3]);
				tlsctx_add_san(id, "IP", ip);
			}
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(gens);
}

void
tlsctx_peer_identity(SSL *ssl, struct peer_id *id)
{
	X509		*x;
	X509_NAME	*subj;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	int		 idx;

	if ((x = SSL_get0_peer_certificate(ssl)) == NULL ||
	    SSL_get_verify_result(ssl) != X509_V_OK)
		return;
	id->has_cert = true;
	subj = X509_get_subject_name(x);
	idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (idx >= 0)
		id->cn = tlsctx_asn1(X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(subj, idx)));
	tlsctx_sans(x, id);
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
		for (i = 0; i < mdlen && i < 32; i++)
			snprintf(id->fp + 2 * i, 3, "%02x", md[i]);
	ERR_clear_error();
}

void
tlsctx_peer_clear(struct peer_id *id)
{
	size_t	i;

	free(id->cn);
	for (i = 0; i < id->nsan; i++)
		free(id->san[i]);
	free(id->san);
	id->cn = NULL;
	id->san = NULL;
	id->nsan = 0;
}
