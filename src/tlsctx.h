/*
 * tlsctx: OpenSSL contexts and peer identities.
 *
 * Owns: the server SSL_CTX that workers meet (TLS 1.2+, client certificate
 * required and verified, ALPN http/1.1 only), the client SSL_CTX that
 * meets the engine (our own certificate, the engine's verified, http/1.1
 * only), reading a verified peer's identity, and draining OpenSSL's error
 * queue into the log.
 */
#ifndef DINDGATE_TLSCTX_H
#define DINDGATE_TLSCTX_H

#include <openssl/ssl.h>

#include "config.h"
#include "diag.h"
#include "facts.h"

/* Build the worker-facing context; problems go to diag.  NULL on error. */
SSL_CTX	*tlsctx_server_new(const struct config *, struct diag *);
/* Build the engine-facing context; problems go to diag.  NULL on error. */
SSL_CTX	*tlsctx_client_new(const struct config *, struct diag *);
/* Fill the certificate part of id from a completed handshake. */
void	 tlsctx_peer_identity(SSL *, struct peer_id *id);
/* Free what tlsctx_peer_identity() allocated. */
void	 tlsctx_peer_clear(struct peer_id *id);
/* Log "what: <all queued OpenSSL errors>" and clear the queue. */
void	 tlsctx_log_errors(const char *what);
/* The queued OpenSSL errors as one string (cleared); buf returned. */
char	*tlsctx_errors(char *buf, size_t len);

#endif
