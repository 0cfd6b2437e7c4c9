/*
 * facts: the only input of policy_eval().
 *
 * The boundary between inspection (who is asking, what the request is)
 * and policy (whether that is allowed).  Everything here was parsed and
 * checked before it got here; policy code never sees raw bytes.
 */
#ifndef DINDGATE_FACTS_H
#define DINDGATE_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "route.h"

/* Who is on the other end.  Owned by the session; freed with it. */
struct peer_id {
	char		*cn;		/* subject CN, or NULL */
	char		**san;		/* subjectAltNames as "DNS:x", "IP:y" */
	size_t		 nsan;
	char		 fp[65];	/* SHA-256 of the certificate, hex */
	bool		 has_cert;	/* a verified client certificate */
	bool		 is_unix;	/* came over the unix socket */
	long		 uid;		/* unix: peer uid, else -1 */
	char		 addr[64];	/* peer address, for logs */
};

/* One request as policy sees it.  All pointers are borrowed. */
struct facts {
	const struct peer_id		*peer;
	unsigned			 method;	/* enum http_method */
	const char			*method_name;
	const struct route_def		*route;		/* NULL: no route */
	const struct route_target	*target;
	const char			*obj;		/* object in the path */
	size_t				 objlen;
	bool				 upgrade;	/* asks for a hijack */
	bool				 has_body;
	const char			*content_type;	/* or NULL */
	size_t				 ctlen;
	const char			*body;		/* buffered body, or NULL */
	size_t				 bodylen;
};

#endif
