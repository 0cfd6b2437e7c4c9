/*
 * policy: policy files -> an immutable policy set, and the decision.
 *
 * Owns the policy language (see policy/README.md and dindgate-policy(5))
 * and policy_eval(), the one function every request passes through.
 * policy_eval() is pure: no I/O, no clock, no globals, so unit tests,
 * `dindgate explain` and the daemon all get the same answer.
 */
#ifndef DINDGATE_POLICY_H
#define DINDGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "facts.h"
#include "route.h"

enum decision_verdict {
	DECISION_ALLOW,		/* forward it */
	DECISION_DENY,		/* refuse (status says how) */
	DECISION_LOG_ONLY,	/* would be refused; log-only: forward it */
	DECISION_NEED_BODY,	/* allowed so far; decide again with the body */
	DECISION_NVERDICTS
};

/* The outcome for one request: what, which rule, and why. */
struct decision {
	enum decision_verdict	 verdict;
	unsigned		 status;	/* HTTP status when refused */
	const char		*policy;	/* policy name; borrowed */
	char			 rule[160];	/* rule id */
	char			 reason[320];	/* for the client and audit */
	char			 facts[320];	/* what the decision looked at */
	char			 changes[256];	/* what forced defaults changed */
	char			*body;		/* body to forward (malloc'd) */
	size_t			 bodylen;
	char			*query;		/* query to forward, if rewritten */
	size_t			 querylen;
};

/* Free what a decision owns (the rewritten body); d is reusable. */
void		 decision_clear(struct decision *d);

struct policy;			/* one file */
struct policyset;		/* all files of a configuration, in order */

/*
 * Load the files in order; every error goes to diag.  NULL on any error.
 * Requests for API versions below 1.min_api_minor are refused.
 */
struct policyset *policyset_load(char *const *files, size_t nfiles,
	    unsigned min_api_minor, struct diag *);
void		 policyset_free(struct policyset *);

/*
 * Decide on facts.  Fills d completely; returns d->verdict.  First the
 * policy is chosen by the client's identity (first match in file order;
 * none means no access), then the request must match an allowed route.
 */
enum decision_verdict policy_eval(const struct policyset *,
	    const struct facts *, struct decision *d);

const char	*policy_verdict_name(enum decision_verdict);

#endif
